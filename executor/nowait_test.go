package executor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

const nightCluster = `defaults:
  region: cn-hangzhou
  engine: MySQL
  targetVersion: "5.6"
  effectiveTime: MaintainTime
  maintainTime: "11:00Z-12:00Z"
instances:
  - id: rm-pay
    engineVersion: "5.5"
    role: primary
    status: Running
  - id: rr-pay-1
    role: readonly
    primary: rm-pay
    engineVersion: "5.5"
    status: Running
  - id: rr-pay-2
    role: readonly
    primary: rm-pay
    engineVersion: "5.5"
    status: Running
  - id: rm-crm
    engineVersion: "5.5"
    role: primary
    status: Running
`

// Unattended (cron) runs of MaintainTime upgrades with --no-wait: the first
// run, outside the window, submits what it can and exits at once, the
// accepted upgrades journaled as scheduled with their task; a run inside
// the window polls them (never sending them again) and finishes the plan,
// each primary upgraded only after its replicas.
func TestNoWaitLeavesMaintainTimeUpgradesScheduled(t *testing.T) {
	const dur = time.Minute
	env, path, clock, opts := nightRun(t, nightCluster, rdssim.Faults{})
	opts.NoWait = true

	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second) // a run that waits for the window fails, not hangs
	defer cancel()
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("first run took %s, want it to return without waiting for the window", d)
	}
	opens := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC)
	want := map[string]State{"rr-pay-1": Scheduled, "rr-pay-2": Scheduled, "rm-crm": Scheduled, "rm-pay": Pending}
	for id, st := range want {
		if s := resultOf(res, id); s.State != st {
			t.Errorf("first run: %s = %s (%s), want %s", id, s.State, s.Detail, st)
		}
	}
	if res.Done() || res.Count(Failed) > 0 {
		t.Fatalf("first run: %s", summarize(res))
	}
	calls := upgradeCalls(env.sim)
	for id := range want {
		n := 0
		for _, c := range calls[id] {
			if c.Outcome == "applied" {
				n++
			}
		}
		if wantN := map[bool]int{true: 1, false: 0}[id != "rm-pay"]; n != wantN || len(calls[id]) != wantN {
			t.Errorf("first run: %s has %d upgrade calls (%d applied), want %d", id, len(calls[id]), n, wantN)
		}
	}

	recs, err := ReadJournal(JournalPath(path), env.plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := StatusOf(env.plan, JournalPath(path), recs)
	for _, s := range st.Steps {
		switch s.Instance {
		case "rm-pay":
			if s.State != NotStarted {
				t.Errorf("status %s = %s, want %s", s.Instance, s.State, NotStarted)
			}
		default:
			tasks := calls[s.Instance]
			if s.State != Scheduled || !s.OpensAt.Equal(opens) || len(tasks) != 1 || s.TaskID != tasks[0].TaskID ||
				!strings.Contains(s.Reason, opens.Format(time.RFC3339)) {
				t.Errorf("status %s = %s task %q opens %s (%s), want %s task of the applied call, opens %s",
					s.Instance, s.State, s.TaskID, s.OpensAt, s.Reason, Scheduled, opens)
			}
		}
	}

	// a second cron run before the window: polls, adds no record, exits again
	before, _ := ReadJournal(JournalPath(path), env.plan.ID)
	res, err = apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || res.Count(Scheduled) != 3 {
		t.Fatalf("second run before the window: %v %s", err, summarize(res))
	}
	after, _ := ReadJournal(JournalPath(path), env.plan.ID)
	for id, r := range after {
		if !r.Updated.Equal(before[id].Updated) {
			t.Errorf("second run before the window journaled %s again: %+v", id, r)
		}
	}

	// inside the window: the scheduled upgrades ran; the primary goes next
	clock.Set(opens.Add(5 * time.Minute))
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && !ev.Retry {
			clock.Advance(2 * dur) // the primary's upgrade runs (its window is open)
		}
	}
	res, err = apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("run inside the window: %v %s", err, summarize(res))
	}
	checkAllUpgraded(t, env.plan, env.sim)
	checkInvariants(t, env.plan, env.sim, func(string) time.Duration { return dur })
	calls = upgradeCalls(env.sim)
	for id := range want {
		if len(calls[id]) != 1 || calls[id][0].Outcome != "applied" {
			t.Errorf("%s upgrade calls %+v, want exactly one, applied", id, calls[id])
		}
	}
	// the primary's call came after both replicas' upgrades ended (their
	// tasks started when the window opened)
	pay := calls["rm-pay"][0].Time
	if !pay.After(opens.Add(dur)) {
		t.Errorf("rm-pay upgrade applied at %s, before its replicas reached the target", pay)
	}
	if len(after) != 3 {
		t.Errorf("journaled %d steps before the window, want the 3 submitted ones: %v", len(after), after)
	}
}

// Without --no-wait nothing changes: apply waits for the window and
// finishes in one run.
func TestWithoutNoWaitMaintainTimeWaits(t *testing.T) {
	env, path, clock, opts := nightRun(t, nightCluster, rdssim.Faults{})
	opens := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC)
	opts.OnEvent = func(ev Event) { // serialised by the executor
		if ev.State == Upgrading && !ev.Retry {
			if clock.Now().Before(opens) {
				clock.Set(opens) // the window opens while apply waits
			}
			clock.Advance(2 * time.Minute) // the upgrade runs
		}
	}
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || !res.Done() || res.Count(Scheduled) != 0 {
		t.Fatalf("apply: %v %s", err, summarize(res))
	}
	checkInvariants(t, env.plan, env.sim, func(string) time.Duration { return time.Minute })
}

// A scheduled upgrade whose window came and went without it ever being
// seen starting (here it ran and rolled back between two cron runs) is not
// silently rescheduled for the next window: the step fails unsettled, and
// nothing is sent again.
func TestNoWaitScheduledWindowPassedUnseen(t *testing.T) {
	env, path, clock, opts := nightRun(t, nightFleet, rdssim.Faults{FailUpgrade: []string{"rm-night"}})
	opts.NoWait = true
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil || resultOf(res, "rm-night").State != Scheduled {
		t.Fatalf("first run: %v %s", err, summarize(res))
	}
	clock.Set(time.Date(2026, 1, 5, 13, 0, 0, 0, time.UTC)) // window 11-12 passed
	res, err = apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := resultOf(res, "rm-night"); s.State != Failed || !strings.Contains(s.Detail, "never seen starting") {
		t.Errorf("after the window: rm-night = %s (%s), want failed: never seen starting", s.State, s.Detail)
	}
	recs, _ := ReadJournal(JournalPath(path), env.plan.ID)
	if r := recs[env.plan.Steps[0].ID]; !r.Unsettled || !r.Submitted || r.TaskID == "" {
		t.Errorf("journal %+v, want submitted, unsettled, with its task", r)
	}
	if n := len(upgradeCalls(env.sim)["rm-night"]); n != 1 {
		t.Errorf("upgrade calls = %d, want 1", n)
	}
}
