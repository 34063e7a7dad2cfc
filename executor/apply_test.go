package executor_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

func TestApplyExampleFleet(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{})
	path := writePlan(t, p)
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Done() {
		t.Fatalf("not done: %s", summarize(res))
	}
	checkAllUpgraded(t, p, env.sim)
	checkInvariants(t, p, env.sim, durationOf)
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied upgrade calls = %d, want %d", n, len(p.Steps))
	}
	// the primary of the shop cluster is upgraded after both its replicas
	calls := upgradeCalls(env.sim)
	if len(calls["rm-shop-db"]) == 0 || calls["rm-shop-db"][0].Time.Before(calls["rr-shop-ro1"][0].Time) {
		t.Errorf("primary rm-shop-db upgraded before its replica: %+v", calls)
	}
	t.Logf("api calls %d for %d steps, %d poll rounds", res.APICalls, len(p.Steps), res.PollRounds)

	// a second apply of the same plan does nothing and sends no upgrade
	res2, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Done() || appliedCount(env.sim) != len(p.Steps) {
		t.Fatalf("re-apply: %s, applied %d", summarize(res2), appliedCount(env.sim))
	}
	for id, cs := range upgradeCalls(env.sim) {
		if len(cs) != 1 {
			t.Errorf("instance %s got %d upgrade calls, want 1", id, len(cs))
		}
	}
	if !strings.Contains(summarize(res2), "earlier run") {
		t.Errorf("re-apply should report steps done in an earlier run: %s", summarize(res2))
	}
}

func TestAlreadyAtTargetWithoutJournal(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{})
	path := writePlan(t, p)
	if res, err := apply(t, t.Context(), path, env.cloud, fastOptions()); err != nil || !res.Done() {
		t.Fatalf("first apply: %v", err)
	}
	if err := os.Remove(JournalPath(path)); err != nil {
		t.Fatal(err)
	}
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil || !res.Done() {
		t.Fatalf("second apply: %v %s", err, summarize(res))
	}
	for _, s := range res.Steps {
		if !strings.Contains(s.Detail, "already on 5.6") {
			t.Errorf("%s: %q, want already on 5.6", s.Instance, s.Detail)
		}
	}
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied = %d, want %d (no second upgrade)", n, len(p.Steps))
	}
}

func TestStepTimeout(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{UpgradeDuration: time.Hour})
	opts := fastOptions()
	opts.StepTimeout = 50 * time.Millisecond
	opts.KeepGoing = true
	res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		switch {
		case s.Instance == "rm-shop-db":
			if s.State != Blocked {
				t.Errorf("primary = %s, want blocked", s.State)
			}
		case s.State != Failed || !strings.Contains(s.Detail, "timed out after 50ms"):
			t.Errorf("%s = %s %q, want failed: timed out", s.Instance, s.State, s.Detail)
		}
	}
}

func TestInterruptLeavesResumableState(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{UpgradeDuration: 300 * time.Millisecond})
	path := writePlan(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	opts := fastOptions()
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && !ev.Retry {
			cancel() // a signal right after the first upgrade was accepted
		}
	}
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Done() || res.Count(Upgrading) == 0 {
		t.Fatalf("interrupted=%v: %s", res.Interrupted, summarize(res))
	}
	recs, _ := ReadJournal(JournalPath(path), p.ID)
	submitted := 0
	for _, r := range recs {
		if r.State == Upgrading {
			submitted++
		}
	}
	if submitted == 0 {
		t.Error("journal records no submitted step")
	}
	res, err = apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil || !res.Done() {
		t.Fatalf("resume: %v %s", err, summarize(res))
	}
	checkInvariants(t, p, env.sim, func(string) time.Duration { return 300 * time.Millisecond })
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied = %d, want %d", n, len(p.Steps))
	}
}
