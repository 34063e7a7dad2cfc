package executor

import (
	"time"

	"github.com/rdsup/rdsup/plans"
)

// Step states as `rdsup status` reports them from the journal.
const (
	StatusNotStarted = "not-started" // no record yet
	StatusStarted    = "started"     // upgrade call sent, answer not recorded: resume re-sends it with the same ClientToken
	StatusUpgrading  = "upgrading"   // the API accepted the upgrade; resume polls it
	StatusSucceeded  = "succeeded"
	StatusFailed     = "failed"
	StatusPending    = "pending" // left for later (window closed, --no-wait)
	// StatusScheduled: the MaintainTime upgrade was accepted (TaskID) and
	// the cloud starts it when the maintenance window opens (OpensAt);
	// apply --no-wait left it, the next apply polls it.
	StatusScheduled = "scheduled"
)

// StepStatus is one step's state according to the journal. Its JSON is
// the documented `rdsup status --format json` shape.
type StepStatus struct {
	Step        string    `json:"step"`
	Instance    string    `json:"instance"`
	Role        string    `json:"role"`
	Cluster     string    `json:"cluster"`
	FromVersion string    `json:"fromVersion"`
	ToVersion   string    `json:"toVersion"`
	State       string    `json:"state"`
	TaskID      string    `json:"taskId,omitempty"`
	RequestID   string    `json:"requestId,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Updated     time.Time `json:"updated,omitzero"`
	OpensAt     time.Time `json:"opensAt,omitzero"` // scheduled: when the maintenance window opens
}

// PlanStatus is the state of a whole plan.
type PlanStatus struct {
	Plan    string `json:"plan"`
	Journal string `json:"journal"`
	// RunningApply names the apply holding the plan's lock, "" when none.
	RunningApply string         `json:"runningApply,omitempty"`
	Counts       map[string]int `json:"counts"`
	Steps        []StepStatus   `json:"steps"`
}

// StatusOf folds journal records onto the plan's steps, in plan order.
func StatusOf(p *plans.Plan, journalPath string, recs map[string]StepRecord) PlanStatus {
	ps := PlanStatus{Plan: p.ID, Journal: journalPath, Counts: map[string]int{}, Steps: []StepStatus{}}
	for _, s := range p.Steps {
		rec := recs[s.ID]
		st := StepStatus{Step: s.ID, Instance: s.InstanceID, Role: s.Role, Cluster: s.Cluster,
			FromVersion: s.FromVersion, ToVersion: s.ToVersion, TaskID: rec.TaskID, RequestID: rec.RequestID,
			Reason: rec.Reason, Updated: rec.Updated, OpensAt: rec.OpensAt}
		switch rec.Phase {
		case "":
			st.State = StatusNotStarted
		case EventStarted:
			st.State = StatusStarted
		case EventSubmitted:
			st.State = StatusUpgrading
		case EventSucceeded:
			st.State = StatusSucceeded
		case EventFailed:
			st.State = StatusFailed
		case EventPending:
			st.State = StatusPending
			if rec.Submitted {
				st.State = StatusScheduled
			}
		default:
			st.State = rec.Phase
		}
		ps.Counts[st.State]++
		ps.Steps = append(ps.Steps, st)
	}
	return ps
}
