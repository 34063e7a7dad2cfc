package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
)

// policyWindow asks the policies, with live facts at the current time,
// whether a step may start now and if not when (policy.Engine.Decide):
// the executor waits until then, or leaves the step pending when waiting
// will not help. A re-check that fails (a rule error, --policy-timeout)
// holds the step too, and the returned windowErrors make the run fail
// once it is over.
func policyWindow(ctx context.Context, e *policy.Engine, p *plans.Plan) (executor.WindowFunc, *windowErrors) {
	index := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		index[s.ID] = i
	}
	errs := &windowErrors{steps: map[string]bool{}}
	return func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		d, err := e.Decide(ctx, p, index[s.ID], inst, now)
		if err != nil {
			err = evalErr(err)
			errs.add(s.ID, err)
			return false, time.Time{}, fmt.Sprintf("policy re-check failed: %v", err)
		}
		if d.Open {
			return true, time.Time{}, ""
		}
		reason := d.Reason
		if !d.OpensAt.IsZero() {
			reason += "; waiting until " + d.OpensAt.Format(time.RFC3339)
		}
		return false, d.OpensAt, reason
	}, errs
}

// windowErrors collects the policy re-checks that failed during a run.
type windowErrors struct {
	mu    sync.Mutex
	steps map[string]bool
	first error
}

func (w *windowErrors) add(step string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first == nil {
		w.first = err
	}
	w.steps[step] = true
}

// err is nil when every re-check ran, else an error naming the first.
func (w *windowErrors) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first == nil {
		return nil
	}
	return fmt.Errorf("the policy re-check failed for %d step(s), which were not started: %w", len(w.steps), w.first)
}
