package executor_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

// scriptedClaims is a local journal shared as if by several workers: each
// step's claims are answered from a script (then Claimed).
type scriptedClaims struct {
	*Journal
	mu       sync.Mutex
	script   map[string][]Claim
	claims   map[string]int
	released map[string]int
}

func (s *scriptedClaims) Claim(_ context.Context, st plans.Step) (Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims[st.ID]++
	if q := s.script[st.ID]; len(q) > 0 {
		s.script[st.ID] = q[1:]
		return q[0], nil
	}
	return Claim{Result: Claimed, Rec: s.Steps()[st.ID]}, nil
}

func (s *scriptedClaims) Release(id string) {
	s.mu.Lock()
	s.released[id]++
	s.mu.Unlock()
}

func TestRunSharedClaims(t *testing.T) {
	p := FleetPlan(t, 12, 31)
	var replica, primary plans.Step
	for _, s := range p.Steps {
		if len(s.DependsOn) == 1 {
			primary, replica = s, *p.Step(s.DependsOn[0])
			break
		}
	}
	if primary.ID == "" {
		t.Fatal("no primary with one replica in the plan")
	}
	busy := Claim{Result: ClaimBusy, Detail: "worker w2 holds it"}
	cases := []struct {
		name   string
		script map[string][]Claim
		check  func(t *testing.T, res *Result, c *scriptedClaims, sim *rdssim.Sim)
	}{
		{"held by another worker, then free", map[string][]Claim{replica.ID: {busy, busy}}, func(t *testing.T, res *Result, c *scriptedClaims, sim *rdssim.Sim) {
			if !res.Done() {
				t.Errorf("not done: %s", summarize(res))
			}
			if c.claims[replica.ID] != 3 || c.released[replica.ID] != 1 {
				t.Errorf("replica claimed %d times, released %d; want 3 (two busy answers, then granted) and 1", c.claims[replica.ID], c.released[replica.ID])
			}
		}},
		{"done by another worker", map[string][]Claim{replica.ID: {{Result: ClaimDone, Rec: StepRecord{State: Succeeded, TaskID: "t-9"}}}}, func(t *testing.T, res *Result, c *scriptedClaims, sim *rdssim.Sim) {
			if got := stateOf(res, replica.ID); got != Succeeded {
				t.Errorf("replica %s, want succeeded", got)
			}
			// (the simulator's replica was never upgraded: the primary may
			// fail, but it must have been taken up)
			if got := stateOf(res, primary.ID); got == NotStarted || got == Blocked {
				t.Errorf("primary %s, want it started once its replica was done elsewhere", got)
			}
			if n := len(upgradeCalls(sim)[replica.InstanceID]); n != 0 {
				t.Errorf("%d upgrade calls for a step another worker did", n)
			}
			if c.released[replica.ID] != 0 {
				t.Errorf("released a step it never held")
			}
		}},
		{"fenced by another plan", map[string][]Claim{replica.ID: {{Result: ClaimFenced, Detail: "instance x is held by plan abc, step s"}}}, func(t *testing.T, res *Result, c *scriptedClaims, sim *rdssim.Sim) {
			if got := stateOf(res, replica.ID); got != NotStarted || !strings.Contains(detailOf(res, replica.ID), "held by plan abc") {
				t.Errorf("replica %s (%s), want not-started naming the other plan", got, detailOf(res, replica.ID))
			}
			if got := stateOf(res, primary.ID); got != NotStarted {
				t.Errorf("primary %s, want not-started behind its fenced replica", got)
			}
			for _, s := range res.Steps {
				if want := s.Step == replica.ID; s.Fenced != want {
					t.Errorf("step %s: fenced %v, want %v", s.Step, s.Fenced, want)
				}
			}
			if c.claims[replica.ID] != 1 {
				t.Errorf("fenced step claimed %d times, want once (a fence is not waited on)", c.claims[replica.ID])
			}
			if n := len(upgradeCalls(sim)[replica.InstanceID]); n != 0 {
				t.Errorf("%d upgrade calls for a fenced instance", n)
			}
		}},
		{"failed elsewhere", map[string][]Claim{replica.ID: {{Result: ClaimFailed, Rec: StepRecord{State: Failed, Reason: "drift"}}}}, func(t *testing.T, res *Result, c *scriptedClaims, sim *rdssim.Sim) {
			if got := stateOf(res, replica.ID); got != Failed || detailOf(res, replica.ID) != "drift" {
				t.Errorf("replica %s (%s), want failed: drift", got, detailOf(res, replica.ID))
			}
			if got := stateOf(res, primary.ID); got != Blocked {
				t.Errorf("primary %s, want blocked", got)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := startSim(t, p, rdssim.Options{})
			s, err := Open(writePlan(t, p), "")
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c := &scriptedClaims{Journal: s.Journal, script: tc.script, claims: map[string]int{}, released: map[string]int{}}
			opts := fastOptions()
			opts.Window = alwaysOpen
			opts.KeepGoing = true
			res, err := RunShared(t.Context(), p, env.cloud, c, opts, 5*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, res, c, env.sim)
			checkInvariants(t, p, env.sim, durationOf)
		})
	}
}

func stateOf(res *Result, step string) State {
	for _, s := range res.Steps {
		if s.Step == step {
			return s.State
		}
	}
	return ""
}

func detailOf(res *Result, step string) string {
	for _, s := range res.Steps {
		if s.Step == step {
			return s.Detail
		}
	}
	return ""
}
