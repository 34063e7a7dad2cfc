// Package schedule previews how a plan would run: it plays the plan on a
// virtual clock — no API calls, no simulator — with the steps' estimated
// durations (plans.Plan.Estimate), their dependencies, the concurrency,
// maintenance windows and the executor's order (longest remaining path
// first, plans.RemainingPath), and says when each step would start and
// end, when the campaign would finish, and which clusters lose a night
// because a primary's window opens before its replicas are done.
//
// It follows what `rdsup apply` does: a ready step takes a slot and asks
// the window rule (Options.Window: the policies, as apply asks them) whether
// it may start; a denial that says when it lifts sends the step back to
// wait, without a slot, until then; a MaintainTime upgrade is handed to
// the cloud at once and runs when the instance's window opens
// (plans.WindowStart) — without a slot when the window was closed, as
// apply gives the slot back while such an upgrade is scheduled. A stage
// gate (Options.Gate) can hold ready steps back.
package schedule
