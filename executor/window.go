package executor

import (
	"time"

	"github.com/rdsup/rdsup/plans"
)

// WindowFunc is the executor's question, asked just before a step starts:
// may this step start now, and if not, when may it? It gets the step, the
// instance's facts (the plan snapshot with live values such as
// maintainTime filled in) and the current time (Options.Now). It returns
// open, or the time at which to ask again (zero when waiting will not
// help: the step is left pending) and why the step may not start.
//
// The executor has no rule of its own about windows: the answer is the
// policies' (`rdsup apply` wires policy.Engine.Decide, where the built-in
// window rule and a team's rules decide with the one window arithmetic,
// plans.NextOpen).
type WindowFunc func(s plans.Step, inst plans.Instance, now time.Time) (open bool, opensAt time.Time, reason string)

// DefaultWindow is the answer without a policy engine (Options.Window
// nil): every step may start now. The executor never applies a window
// rule of its own.
func DefaultWindow(plans.Step, plans.Instance, time.Time) (bool, time.Time, string) {
	return true, time.Time{}, ""
}
