package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
)

// policyWindow re-evaluates a step's policies with live facts at the
// current time, just before apply starts it. A denial holds the step: it
// waits until the instance's maintenance window opens (when that is what
// would let it through), or is left pending. A re-check that fails (a rule
// error, --policy-timeout) holds the step too, and the returned
// windowErrors make the run fail once it is over.
func policyWindow(ctx context.Context, e *policy.Engine, p *plans.Plan) (executor.WindowFunc, *windowErrors) {
	index := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		index[s.ID] = i
	}
	errs := &windowErrors{steps: map[string]bool{}}
	return func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		v, err := e.EvalStep(ctx, p, index[s.ID], inst, now)
		if err != nil {
			err = evalErr(err)
			errs.add(s.ID, err)
			return false, time.Time{}, fmt.Sprintf("policy re-check failed: %v", err)
		}
		if len(v.Deny) == 0 {
			return true, time.Time{}, ""
		}
		msgs := make([]string, len(v.Deny))
		for i, f := range v.Deny {
			msgs[i] = f.Message
		}
		_, opens, _ := executor.DefaultWindow(s, inst, now)
		reason := "policy denies it now: " + strings.Join(msgs, "; ")
		if !opens.IsZero() {
			reason += "; waiting for the maintenance window at " + opens.Format(time.RFC3339)
		}
		return false, opens, reason
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
