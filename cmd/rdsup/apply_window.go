package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
)

// policyWindow re-evaluates a step's policies with live facts at the
// current time, just before apply starts it. A denial holds the step: it
// waits until the instance's maintenance window opens (when that is what
// would let it through), or is left pending.
func policyWindow(ctx context.Context, e *policy.Engine, p *plans.Plan) executor.WindowFunc {
	index := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		index[s.ID] = i
	}
	return func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		v, err := e.EvalStep(ctx, p, index[s.ID], inst, now)
		if err != nil {
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
	}
}
