package rdssim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// DBInstanceStatus values the simulator uses.
const (
	StatusRunning   = "Running"
	StatusUpgrading = "EngineVersionUpgrading"
)

// DBInstanceType values, from the inventory role.
const (
	TypePrimary  = "Primary"
	TypeReadonly = "Readonly"
	TypeGuard    = "Guard"
)

// Task statuses (DescribeHistoryTasks vocabulary).
const (
	TaskScheduled = "Scheduled"
	TaskRunning   = "Running"
	TaskSucceed   = "Succeed"
	TaskFailed    = "Failed"
)

const actionUpgrade = "UpgradeDBInstanceEngineVersion"

// UpgradePath is one supported major-version upgrade.
type UpgradePath struct {
	Engine string `json:"engine"` // e.g. "MySQL" (case-insensitive)
	From   string `json:"from"`
	To     string `json:"to"`
}

// DefaultUpgradePaths are the MySQL major upgrades RDS offers.
var DefaultUpgradePaths = []UpgradePath{
	{"MySQL", "5.5", "5.6"},
	{"MySQL", "5.6", "5.7"},
	{"MySQL", "5.7", "8.0"},
}

// instance is the simulator's record of one DB instance. Fields are exported
// for Save/Load only.
type instance struct {
	ID            string            `json:"id"`
	Region        string            `json:"region"`
	Engine        string            `json:"engine"`
	EngineVersion string            `json:"engineVersion"`
	Type          string            `json:"type"`
	Master        string            `json:"master,omitempty"`
	Status        string            `json:"status"`
	MaintainTime  string            `json:"maintainTime"`
	Tags          map[string]string `json:"tags,omitempty"`
	StorageGB     int               `json:"storageGB,omitempty"` // DBInstanceStorage
	Created       time.Time         `json:"created"`
	TaskID        string            `json:"taskId,omitempty"`      // pending or running task
	LastTaskID    string            `json:"lastTaskId,omitempty"`  // latest task, finished or not
	DriftStatus   string            `json:"driftStatus,omitempty"` // transient status from drift
	DriftUntil    time.Time         `json:"driftUntil,omitzero"`
	Upgrades      int               `json:"upgrades"` // upgrade tasks ever accepted
	Reads         int               `json:"reads"`    // times read (drift draws)
}

// task is one upgrade task.
type task struct {
	ID            string    `json:"id"`
	InstanceID    string    `json:"instanceId"`
	Action        string    `json:"action"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	EffectiveTime string    `json:"effectiveTime"`
	ClientToken   string    `json:"clientToken,omitempty"`
	Created       time.Time `json:"created"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Fail          bool      `json:"fail,omitempty"`
	Done          bool      `json:"done,omitempty"`
}

func (t *task) status(now time.Time) string {
	switch {
	case t.Done || !now.Before(t.End):
		if t.Fail {
			return TaskFailed
		}
		return TaskSucceed
	case now.Before(t.Start):
		return TaskScheduled
	default:
		return TaskRunning
	}
}

func (t *task) progress(now time.Time) float64 {
	switch t.status(now) {
	case TaskSucceed, TaskFailed:
		return 100
	case TaskScheduled:
		return 0
	}
	total := t.End.Sub(t.Start)
	if total <= 0 {
		return 100
	}
	p := float64(now.Sub(t.Start)) / float64(total) * 100
	return float64(int(p*10)) / 10
}

func typeForRole(id, role string) (string, error) {
	switch role {
	case plans.RolePrimary, "":
		return TypePrimary, nil
	case plans.RoleReadOnly:
		return TypeReadonly, nil
	case plans.RoleDisasterRecovery:
		return TypeGuard, nil
	}
	return "", fmt.Errorf("instance %s: unknown role %q (want %s, %s or %s)", id, role,
		plans.RolePrimary, plans.RoleReadOnly, plans.RoleDisasterRecovery)
}

// pathSupported reports whether engine may go from → to.
func pathSupported(paths []UpgradePath, engine, from, to string) bool {
	return slices.ContainsFunc(paths, func(p UpgradePath) bool {
		return strings.EqualFold(p.Engine, engine) && p.From == from && p.To == to
	})
}
