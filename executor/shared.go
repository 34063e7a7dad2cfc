package executor

import (
	"context"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// claimAndWork works step n. With a shared store (the StepLog is a
// Claimer) the step is claimed first and worked only when the claim is
// granted, from the journal state the store holds for it now (another
// worker may have carried it since this run began: its upgrade is then
// polled or re-sent with the same ClientToken, never sent anew).
func (r *runner) claimAndWork(ctx, hard context.Context, n *node) outcome {
	c, ok := r.j.(Claimer)
	if !ok {
		return r.work(ctx, hard, n)
	}
	cl, err := c.Claim(ctx, n.step)
	if err != nil {
		if ctx.Err() != nil {
			n.detail = "interrupted"
			return outcome{n: n}
		}
		return outcome{n: n, fatal: err}
	}
	switch cl.Result {
	case Claimed:
		defer c.Release(n.step.ID)
		n.rec = cl.Rec
		return r.work(ctx, hard, n)
	case ClaimDone:
		r.move(n, Checking, "", time.Time{})
		n.taskID = cl.Rec.TaskID
		r.move(n, Succeeded, "done by another worker", time.Time{})
	case ClaimFailed:
		r.move(n, Failed, cl.Rec.Reason, time.Time{})
	case ClaimBusy:
		r.busy.Add(1)
		n.detail = cl.Detail
	case ClaimFenced:
		n.detail, n.fenced = cl.Detail, true
		r.o.Logger.Warn("step not started: "+cl.Detail, "step", n.step.ID, "instance", n.step.InstanceID)
	}
	return outcome{n: n}
}

// RunShared applies p as one of several workers sharing the store j
// (a StepLog that is a Claimer): it runs passes of the scheduler, each
// claiming the ready steps it can, until a pass finds no step held by
// another worker of the plan (all done, failed, pending, or fenced by
// another plan), waiting retry between passes. Steps that become ready
// when another worker finishes their dependencies are picked up by the
// next pass. Each worker keeps its own Options.Concurrency.
func RunShared(ctx context.Context, p *plans.Plan, cloud Cloud, j StepLog, opts Options, retry time.Duration) (*Result, error) {
	for {
		res, r, err := runPass(ctx, p, cloud, j, opts)
		if err != nil || res.Interrupted || r.busy.Load() == 0 {
			return res, err
		}
		if res.Count(Failed) > 0 && !opts.KeepGoing {
			return res, nil
		}
		if sleep(ctx, retry) != nil {
			res.Interrupted = true
			return res, nil
		}
	}
}
