package executor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
)

// hintOf is what rdsapi tells a person to do about code.
func hintOf(t *testing.T, code string) string {
	t.Helper()
	err := rdsapi.Classify("UpgradeDBInstanceEngineVersion",
		sdkerrors.NewServerError(403, fmt.Sprintf(`{"Code":%q,"Message":"m","RequestId":"R"}`, code), ""))
	var e *rdsapi.Error
	if !errors.As(err, &e) || e.Hint == "" {
		t.Fatalf("%s: no hint (%v)", code, err)
	}
	return e.Hint
}

// TestNotEligibleFailsTheStep drives the executor through the real SDK
// against the simulator with each refusal the service gives an instance
// that is not eligible: the step fails at once with "not eligible" and
// what to fix, its dependents never start, nothing else is affected, and
// once the instance is fixed apply finishes the plan.
func TestNotEligibleFailsTheStep(t *testing.T) {
	for _, code := range rdssim.RefusalCodes() {
		t.Run(code, func(t *testing.T) {
			p := examplePlan(t)
			env := startSim(t, p, rdssim.Options{Refuse: map[string]string{"rr-shop-ro1": code}})
			opts := fastOptions()
			opts.KeepGoing = true
			path := writePlan(t, p)
			res, err := apply(t, t.Context(), path, env.cloud, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]State{"rr-shop-ro1": Failed, "rm-shop-db": Blocked, "rm-shop-dr": Succeeded, "rm-crm-db": Succeeded}
			for _, s := range res.Steps {
				if s.State != want[s.Instance] {
					t.Errorf("%s = %s (%s), want %s", s.Instance, s.State, s.Detail, want[s.Instance])
				}
				if s.Instance != "rr-shop-ro1" {
					continue
				}
				for _, w := range []string{"not eligible", "rr-shop-ro1", code, hintOf(t, code), "run apply again"} {
					if !strings.Contains(s.Detail, w) {
						t.Errorf("reason %q does not say %q", s.Detail, w)
					}
				}
			}
			calls := upgradeCalls(env.sim)
			if c := calls["rr-shop-ro1"]; len(c) != 1 || c[0].Outcome != "error:"+code {
				t.Errorf("rr-shop-ro1 calls = %+v, want one refused call (waiting does not help)", c)
			}
			if n := len(calls["rm-shop-db"]); n != 0 {
				t.Errorf("the primary of the refused replica got %d upgrade calls, want none", n)
			}

			// fixed: the next apply finishes the plan
			if err := env.sim.SetRefusals(nil); err != nil {
				t.Fatal(err)
			}
			res, err = apply(t, t.Context(), path, env.cloud, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Done() {
				t.Fatalf("after the fix: %s", summarize(res))
			}
			checkAllUpgraded(t, p, env.sim)
			checkInvariants(t, p, env.sim, durationOf)
		})
	}
}

// TestLockedSaysLocked: a locked instance's reason says it is locked and
// how to unlock it.
func TestLockedSaysLocked(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{Refuse: map[string]string{"rm-crm-db": rdsapi.LockedCode}})
	opts := fastOptions()
	opts.KeepGoing = true
	res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		if s.Instance == "rm-crm-db" && (s.State != Failed || !strings.Contains(s.Detail, "the instance is locked") ||
			!strings.Contains(s.Detail, "renew the instance")) {
			t.Errorf("rm-crm-db = %s %q, want failed, locked, with what to do", s.State, s.Detail)
		}
	}
}
