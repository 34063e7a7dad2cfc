package executor

import (
	"time"

	"github.com/rdsup/rdsup/plans"
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
	State       State     `json:"state"` // not-started, started, upgrading, scheduled, succeeded, failed, pending
	TaskID      string    `json:"taskId,omitempty"`
	RequestID   string    `json:"requestId,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Updated     time.Time `json:"updated,omitzero"`
	OpensAt     time.Time `json:"opensAt,omitzero"` // scheduled: when the maintenance window opens
	Stage       string    `json:"stage,omitempty"`  // its rollout stage, when the plan has stages
}

// PlanStatus is the state of a whole plan.
type PlanStatus struct {
	Plan    string `json:"plan"`
	Journal string `json:"journal"`
	// RunningApply names the apply holding the plan's lock, "" when none.
	RunningApply string        `json:"runningApply,omitempty"`
	Counts       map[State]int `json:"counts"`
	Steps        []StepStatus  `json:"steps"`
	// Stages: the rollout stages, as the journal leaves them at the time
	// status ran; absent when the plan has none.
	Stages []StageStatus `json:"stages,omitempty"`
}

// StatusOf folds journal records onto the plan's steps, in plan order;
// stages are judged at the wall clock's now.
func StatusOf(p *plans.Plan, journalPath string, recs map[string]StepRecord) PlanStatus {
	return StatusAt(p, journalPath, recs, time.Now())
}

// StatusAt is StatusOf with stages (soaking or done) judged at now.
func StatusAt(p *plans.Plan, journalPath string, recs map[string]StepRecord, now time.Time) PlanStatus {
	ps := PlanStatus{Plan: p.ID, Journal: journalPath, Counts: map[State]int{}, Steps: []StepStatus{}}
	for _, s := range p.Steps {
		rec := recs[s.ID]
		st := StepStatus{Step: s.ID, Instance: s.InstanceID, Role: s.Role, Cluster: s.Cluster,
			FromVersion: s.FromVersion, ToVersion: s.ToVersion, State: rec.State, TaskID: rec.TaskID,
			RequestID: rec.RequestID, Reason: rec.Reason, Updated: rec.Updated, OpensAt: rec.OpensAt, Stage: s.Stage}
		if st.State == "" {
			st.State = NotStarted
		}
		ps.Counts[st.State]++
		ps.Steps = append(ps.Steps, st)
	}
	ps.Stages = journalStages(p, recs, now)
	return ps
}
