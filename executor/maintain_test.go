package executor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

const nightFleet = `defaults:
  region: cn-hangzhou
  engine: MySQL
  targetVersion: "5.6"
  effectiveTime: MaintainTime
instances:
  - id: rm-night
    engineVersion: "5.5"
    role: primary
    status: Running
    maintainTime: "11:00Z-12:00Z"
`

// nightRun starts a simulator of fleet (night maintenance windows) on a
// manual clock at 10:00 UTC, with one-minute upgrades and the given faults,
// writes its plan, and returns fast options that judge windows by that clock.
func nightRun(t *testing.T, fleet string, faults rdssim.Faults) (*simEnv, string, *rdssim.ManualClock, Options) {
	t.Helper()
	p := PlanFromYAML(t, "night.yaml", []byte(fleet))
	clock := rdssim.NewManualClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	env := startSim(t, p, rdssim.Options{Clock: clock, UpgradeDuration: time.Minute, Faults: faults})
	opts := fastOptions()
	opts.Clock = clock
	return env, writePlan(t, p), clock, opts
}

// tick moves clock on by step every real millisecond until the test ends:
// deadlines measured on the run's clock (StepTimeout, RetryFor) pass.
func tick(t *testing.T, clock *rdssim.ManualClock, step time.Duration) {
	ctx := t.Context()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
				clock.Advance(step)
			}
		}
	}()
}

// A MaintainTime upgrade that is never seen starting — here it runs and
// rolls back between two polls — fails StepTimeout after its maintenance
// window opened instead of being waited on until apply is interrupted; the
// journal marks it unsettled so the next apply polls it again.
func TestMaintainTimeUpgradeThatNeverStarts(t *testing.T) {
	env, path, clock, opts := nightRun(t, nightFleet, rdssim.Faults{FailUpgrade: []string{"rm-night"}})
	opts.StepTimeout = 100 * time.Millisecond
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && !ev.Retry && ev.Detail != "" && strings.HasPrefix(ev.Detail, "task ") {
			clock.Advance(2 * time.Hour) // past the window's opening and the task's end
			tick(t, clock, time.Second)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := resultOf(res, "rm-night")
	if s.State != Failed || !strings.Contains(s.Detail, "never seen starting") {
		t.Fatalf("rm-night = %s (%s), want failed: never seen starting", s.State, s.Detail)
	}
	recs, err := ReadJournal(JournalPath(path), env.plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[s.Step]; !r.Unsettled || !r.Submitted {
		t.Errorf("journal record %+v, want submitted and unsettled", r)
	}
	// the next apply keeps waiting (until the next window + timeout, here
	// until it is interrupted) and never re-sends the token
	ctx2, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	opts.OnEvent = nil
	res, err = apply(t, ctx2, path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := resultOf(res, "rm-night"); s.State != Scheduled {
		t.Errorf("resumed rm-night = %s (%s), want scheduled (polled again, waiting for the next window)", s.State, s.Detail)
	}
	if n := len(upgradeCalls(env.sim)["rm-night"]); n != 1 {
		t.Errorf("upgrade calls = %d, want 1", n)
	}
}

// Until the window opens the step timeout does not run: a MaintainTime
// upgrade scheduled for a window hours away is not failed early.
func TestMaintainTimeUpgradeWaitsForItsWindow(t *testing.T) {
	env, path, clock, opts := nightRun(t, nightFleet, rdssim.Faults{})
	opts.StepTimeout = 50 * time.Millisecond
	var submitted time.Time
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && !ev.Retry {
			submitted = time.Now()
			go func() {
				time.Sleep(300 * time.Millisecond) // several step timeouts before the window opens
				clock.Advance(61 * time.Minute)    // window open and the upgrade done
			}()
		}
	}
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("apply: %v %s", err, summarize(res))
	}
	if d := time.Since(submitted); d < 300*time.Millisecond {
		t.Errorf("done %s after submission, before the window opened", d)
	}
}

// An accepted upgrade whose instance cannot be read for a while (5xx for
// longer than RetryFor) is not called spent: the step fails unsettled and
// the next apply polls it to its end without sending it again.
func TestPollFailureAfterAcceptanceIsNotSpent(t *testing.T) {
	env, path, clock, opts := nightRun(t, nightFleet, rdssim.Faults{})
	opts.RetryFor = 50 * time.Millisecond
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && !ev.Retry {
			env.sim.SetFaults(rdssim.Faults{ServerErrorRate: 1})
			tick(t, clock, time.Minute) // the window opens; RetryFor passes
		}
	}
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := resultOf(res, "rm-night")
	if s.State != Failed || !strings.Contains(s.Detail, "run apply again to keep polling") {
		t.Fatalf("rm-night = %s (%s), want failed: keep polling", s.State, s.Detail)
	}
	env.sim.SetFaults(rdssim.Faults{})
	opts = fastOptions()
	opts.Clock = clock
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && strings.Contains(ev.Detail, "submitted earlier") {
			clock.Advance(2 * time.Hour) // the window opens, the upgrade runs
		}
	}
	res, err = apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("resume: %v %s", err, summarize(res))
	}
	if n := len(upgradeCalls(env.sim)["rm-night"]); n != 1 {
		t.Errorf("upgrade calls = %d, want 1", n)
	}
}
