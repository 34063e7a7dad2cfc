package executor_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

func TestRefusedBeforeAnyCall(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, p *plans.Plan) string // returns the plan path
		want    error
		wantMsg string
	}{
		{
			name: "tampered plan",
			prepare: func(t *testing.T, p *plans.Plan) string {
				path := writePlan(t, p)
				data, _ := os.ReadFile(path)
				data = []byte(strings.Replace(string(data), `"toVersion": "5.6"`, `"toVersion": "5.7"`, 1))
				os.WriteFile(path, data, 0o644)
				return path
			},
			want: plans.ErrModified, wantMsg: "rdsup plan",
		},
		{
			name: "denied plan",
			prepare: func(t *testing.T, p *plans.Plan) string {
				p.Steps[0].Policy.Deny = []plans.Finding{{Rule: "rdsup.state.deny", Message: "instance is Stopped"}}
				plans.Summarize(p)
				if err := plans.Seal(p); err != nil {
					t.Fatal(err)
				}
				return writePlan(t, p)
			},
			want: ErrDenied, wantMsg: "instance is Stopped",
		},
		{
			name: "locked plan",
			prepare: func(t *testing.T, p *plans.Plan) string {
				path := writePlan(t, p)
				l, err := AcquireLock(LockPath(path))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Release() })
				return path
			},
			want: ErrLocked, wantMsg: "pid",
		},
		{
			name: "journal of another plan",
			prepare: func(t *testing.T, p *plans.Plan) string {
				path := writePlan(t, p)
				j, err := OpenJournal(JournalPath(path), "0123456789abcdef-other-plan")
				if err != nil {
					t.Fatal(err)
				}
				j.Close()
				return path
			},
			want: ErrJournalMismatch, wantMsg: "0123456789ab",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := examplePlan(t)
			env := startSim(t, p, rdssim.Options{})
			path := tt.prepare(t, p)
			_, err := apply(t, t.Context(), path, env.cloud, fastOptions())
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q lacks %q", err, tt.wantMsg)
			}
			if calls := env.sim.Calls(); len(calls) != 0 {
				t.Errorf("%d API calls were sent, want none: %+v", len(calls), calls)
			}
		})
	}
}

func TestDriftStopsStepAndDependents(t *testing.T) {
	tests := []struct {
		name  string
		drift rdssim.Drift
		want  string
	}{
		{"version changed", rdssim.Drift{ID: "rr-shop-ro1", EngineVersion: "5.7"}, "runs MySQL 5.7, the plan expected 5.5"},
		{"not running", rdssim.Drift{ID: "rr-shop-ro1", Status: "Stopped"}, "is Stopped, not Running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := examplePlan(t)
			env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{Drift: []rdssim.Drift{tt.drift}}})
			opts := fastOptions()
			opts.KeepGoing = true
			res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]StepResult{}
			for _, s := range res.Steps {
				got[s.Instance] = s
			}
			if s := got["rr-shop-ro1"]; s.State != Failed || !strings.Contains(s.Detail, tt.want) {
				t.Errorf("rr-shop-ro1 = %s %q, want failed with %q", s.State, s.Detail, tt.want)
			}
			if s := got["rm-shop-db"]; s.State != Blocked {
				t.Errorf("primary rm-shop-db = %s, want blocked", s.State)
			}
			if s := got["rm-crm-db"]; s.State != Succeeded {
				t.Errorf("other cluster rm-crm-db = %s, want succeeded", s.State)
			}
			calls := upgradeCalls(env.sim)
			for _, id := range []string{"rr-shop-ro1", "rm-shop-db"} {
				if len(calls[id]) != 0 {
					t.Errorf("%s got %d upgrade calls, want none", id, len(calls[id]))
				}
			}
		})
	}
}

func TestFailureIsolation(t *testing.T) {
	t.Run("keep going", func(t *testing.T) {
		p := examplePlan(t)
		env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{FailUpgrade: []string{"rr-shop-ro1"}}})
		opts := fastOptions()
		opts.KeepGoing = true
		res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]State{"rr-shop-ro1": Failed, "rm-shop-db": Blocked, "rm-shop-dr": Succeeded, "rm-crm-db": Succeeded}
		for _, s := range res.Steps {
			if s.State != want[s.Instance] {
				t.Errorf("%s = %s (%s), want %s", s.Instance, s.State, s.Detail, want[s.Instance])
			}
		}
		if n := len(upgradeCalls(env.sim)["rm-shop-db"]); n != 0 {
			t.Errorf("primary of the failed replica got %d upgrade calls, want 0", n)
		}
		// the failure says the instance went back to the old version
		for _, s := range res.Steps {
			if s.Instance == "rr-shop-ro1" && !strings.Contains(s.Detail, "Running on 5.5, not 5.6") {
				t.Errorf("failure detail %q does not say it ended on the old version", s.Detail)
			}
		}
	})
	t.Run("stop after failure", func(t *testing.T) {
		p := FleetPlan(t, 12, 3)
		env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{FailUpgradeRate: 1}})
		opts := fastOptions()
		opts.Window = alwaysOpen
		opts.Concurrency = 1
		res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Count(Failed) != 1 || res.Count(Succeeded) != 0 {
			t.Errorf("want 1 failed and nothing else run: %s", summarize(res))
		}
		if n := appliedCount(env.sim); n != 1 {
			t.Errorf("applied upgrades = %d, want 1 (no new step after the failure)", n)
		}
	})
}

func TestMaintenanceWindowAtApplyTime(t *testing.T) {
	p := examplePlan(t)
	// the policy holds rm-crm-db: its window is closed now
	closed := func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		if inst.ID != "rm-crm-db" {
			return true, time.Time{}, ""
		}
		opens, err := plans.NextOpen(windowNotContaining(now), now)
		if err != nil {
			t.Error(err)
		}
		return false, opens, "outside maintenance window"
	}
	env := startSim(t, p, rdssim.Options{})
	opts := fastOptions()
	opts.NoWait = true
	opts.Window = closed
	path := writePlan(t, p)
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		want := Succeeded
		if s.Instance == "rm-crm-db" {
			want = Pending
			if !strings.Contains(s.Detail, "outside maintenance window") {
				t.Errorf("pending detail %q", s.Detail)
			}
		}
		if s.State != want {
			t.Errorf("%s = %s, want %s", s.Instance, s.State, want)
		}
	}
	if n := len(upgradeCalls(env.sim)["rm-crm-db"]); n != 0 {
		t.Errorf("rm-crm-db got %d upgrade calls outside its window", n)
	}
	recs, _ := ReadJournal(JournalPath(path), p.ID)
	if recs["rm-crm-db"].State != Pending {
		t.Errorf("journal phase of rm-crm-db = %q, want pending", recs["rm-crm-db"].State)
	}

	// without --no-wait the step waits for the window, then runs
	start := time.Now()
	opensSoon := func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		if inst.ID == "rm-crm-db" && time.Since(start) < 80*time.Millisecond {
			return false, start.Add(80 * time.Millisecond), "window opens soon"
		}
		return true, time.Time{}, ""
	}
	opts.NoWait, opts.Window = false, opensSoon
	res, err = apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("after the window opened: %v %s", err, summarize(res))
	}
}

// windowNotContaining returns a one-hour window that starts two hours after now.
func windowNotContaining(now time.Time) string {
	a := now.UTC().Add(2 * time.Hour)
	b := a.Add(time.Hour)
	return a.Format("15:04") + "Z-" + b.Format("15:04") + "Z"
}
