package executor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
)

// windowFleet is one production instance (its tag is filled in) whose
// window, 11:00Z-12:00Z, opens two simulated minutes after the run starts.
const windowFleet = `defaults: {region: cn-hangzhou, engine: MySQL, targetVersion: "5.6", effectiveTime: Immediate}
instances:
  - {id: rm-prod, engineVersion: "5.5", role: primary, status: Running, maintainTime: "11:00Z-12:00Z", tags: {TAG}}
`

// policyDecision asks the policies, the way `rdsup apply` does
// (cmd/rdsup/apply_window.go), and records the times they gave.
type policyDecision struct {
	mu    sync.Mutex
	opens []time.Time
}

func (d *policyDecision) window(t *testing.T, ctx context.Context, e *policy.Engine, p *plans.Plan) WindowFunc {
	return func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		dec, err := e.Decide(ctx, p, 0, inst, now)
		if err != nil {
			t.Errorf("decide: %v", err)
			return false, time.Time{}, err.Error()
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if !dec.Open {
			d.opens = append(d.opens, dec.OpensAt)
		}
		return dec.Open, dec.OpensAt, dec.Reason
	}
}

// TestPolicyWindowAnyProductionTag: the executor waits for whatever window
// the policy names, with no rule of its own: an instance tagged tier: prod
// under `production: {tagKey: tier, tagValue: prod}` waits for its window
// and succeeds exactly like env: prod under the defaults; without a
// policy the executor lets the step start at once.
func TestPolicyWindowAnyProductionTag(t *testing.T) {
	opens := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name, tag, data string
		noPolicy        bool
		waits           bool
	}{
		{name: "env: prod, default data", tag: "env: prod", waits: true},
		{name: "tier: prod, production tag from data", tag: "tier: prod", data: "rdsup: {config: {production: {tagKey: tier, tagValue: prod}}}\n", waits: true},
		{name: "env: prod without a policy engine starts at once", tag: "env: prod", noPolicy: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanFromYAML(t, "prod.yaml", []byte(strings.Replace(windowFleet, "TAG", tc.tag, 1)))
			clock := rdssim.NewScaledClockAt(opens.Add(-2*time.Minute), 600)
			env := startSim(t, p, rdssim.Options{Clock: clock, UpgradeDuration: time.Minute})
			opts := fastOptions()
			opts.Clock = clock           // windows and deadlines on the simulator's clock:
			opts.StepTimeout = time.Hour // the upgrade takes a simulated minute
			var dec policyDecision
			if !tc.noPolicy {
				var popts policy.Options
				if tc.data != "" {
					popts.DataFiles = []string{filepath.Join(t.TempDir(), "data.yaml")}
					if err := os.WriteFile(popts.DataFiles[0], []byte(tc.data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				e, err := policy.New(t.Context(), popts)
				if err != nil {
					t.Fatal(err)
				}
				opts.Window = dec.window(t, t.Context(), e, p)
			}
			res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
			if err != nil || !res.Done() {
				t.Fatalf("apply: %v %s", err, summarize(res))
			}
			calls := upgradeCalls(env.sim)["rm-prod"]
			if len(calls) != 1 {
				t.Fatalf("upgrade calls = %d, want 1", len(calls))
			}
			if started := calls[0].Time; started.Before(opens) == tc.waits {
				t.Errorf("upgrade sent at %s; window opens %s; want waiting %v", started.Format(time.RFC3339), opens.Format(time.RFC3339), tc.waits)
			}
			if tc.waits && (len(dec.opens) == 0 || !dec.opens[0].Equal(opens)) {
				t.Errorf("the policy said the window opens at %v, want %s", dec.opens, opens.Format(time.RFC3339))
			}
		})
	}
}

// TestDefaultWindowHasNoRule: without a policy the executor allows every
// step; the window rule is the policies'.
func TestDefaultWindowHasNoRule(t *testing.T) {
	s := plans.Step{EffectiveTime: plans.EffectiveImmediate}
	in := plans.Instance{MaintainTime: "02:00Z-03:00Z", Tags: map[string]string{"env": "prod"}}
	if open, opens, why := DefaultWindow(s, in, time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)); !open || !opens.IsZero() || why != "" {
		t.Errorf("DefaultWindow = %v %v %q, want open", open, opens, why)
	}
}
