package executor

import (
	"fmt"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// WindowFunc decides at apply time whether a step may start now. It gets
// the step, the instance's facts (the plan snapshot with live values such
// as maintainTime filled in) and the current time. It returns open, or the
// time the window opens (zero when it never will) and why it is closed.
type WindowFunc func(s plans.Step, inst plans.Instance, now time.Time) (open bool, opensAt time.Time, reason string)

// ProdTagKey / ProdTagValue mark production instances for DefaultWindow.
const (
	ProdTagKey   = "env"
	ProdTagValue = "prod"
)

// DefaultWindow is the built-in maintenance-window rule, the one the
// default policy applies at plan time: an Immediate upgrade of an instance
// tagged env=prod may only start inside its maintainTime window
// ("HH:MMZ-HH:MMZ", UTC, may cross midnight). MaintainTime upgrades are
// scheduled by the cloud and always pass.
func DefaultWindow(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
	if s.EffectiveTime != plans.EffectiveImmediate || inst.Tags[ProdTagKey] != ProdTagValue {
		return true, time.Time{}, ""
	}
	opens, err := plans.NextOpen(inst.MaintainTime, now)
	if err != nil {
		return false, time.Time{}, fmt.Sprintf("production instance without a usable maintenance window (maintainTime %q: %v); set one, or plan with effectiveTime MaintainTime", inst.MaintainTime, err)
	}
	if opens.Equal(now) {
		return true, time.Time{}, ""
	}
	return false, opens, fmt.Sprintf("outside maintenance window %s (production, Immediate); opens %s", inst.MaintainTime, opens.Format(time.RFC3339))
}
