package executor_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

// journalStarted writes a journal in which the step of instance id was
// started (the process died before the upgrade call's answer was journaled).
func journalStarted(t *testing.T, path string, p *plans.Plan, id string) {
	t.Helper()
	j, err := OpenJournal(JournalPath(path), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s := stepOf(t, p, id)
	if err := j.Append(Record{Event: Started, Step: s.ID, Instance: id}); err != nil {
		t.Fatal(err)
	}
}

func stepOf(t *testing.T, p *plans.Plan, id string) plans.Step {
	t.Helper()
	for _, s := range p.Steps {
		if s.InstanceID == id {
			return s
		}
	}
	t.Fatalf("no step for %s", id)
	return plans.Step{}
}

func resultOf(res *Result, id string) StepResult {
	for _, s := range res.Steps {
		if s.Instance == id {
			return s
		}
	}
	return StepResult{}
}

// A step journaled as started whose upgrade never reached the API, found
// busy for another reason on resume, is not our upgrade: the re-sent
// ClientToken is refused for the instance's state, so apply waits for the
// instance and then upgrades it (once), instead of calling the token spent.
func TestResumeStartedStepBusyForAnotherReason(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{Drift: []rdssim.Drift{
		{ID: "rm-crm-db", Status: "Restarting", For: 300 * time.Millisecond},
	}}})
	path := writePlan(t, p)
	journalStarted(t, path, p, "rm-crm-db")
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if s := resultOf(res, "rm-crm-db"); s.State != Succeeded {
		t.Fatalf("rm-crm-db = %s (%s), want succeeded after the restart", s.State, s.Detail)
	}
	checkAllUpgraded(t, p, env.sim)
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied = %d, want %d", n, len(p.Steps))
	}
}

// The same, when the instance stays busy longer than WrongStateWait: the
// step fails, saying the upgrade was never accepted (the token is not
// spent), and a later apply upgrades it.
func TestResumeStartedStepStaysBusy(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{Drift: []rdssim.Drift{
		{ID: "rm-crm-db", Status: "Restarting", For: 400 * time.Millisecond},
	}}})
	path := writePlan(t, p)
	journalStarted(t, path, p, "rm-crm-db")
	opts := fastOptions()
	opts.WrongStateWait = 50 * time.Millisecond
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := resultOf(res, "rm-crm-db")
	if s.State != Failed || strings.Contains(s.Detail, "is spent") || !strings.Contains(s.Detail, "Restarting") {
		t.Fatalf("rm-crm-db = %s (%s), want failed naming Restarting, token not spent", s.State, s.Detail)
	}
	if n := len(upgradeCalls(env.sim)["rm-crm-db"]); n == 0 {
		t.Errorf("the ClientToken was never re-sent to ask whether the upgrade was accepted")
	}
	// a later apply waits for the instance to be Running again and upgrades it, once
	res, err = apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil || !res.Done() {
		t.Fatalf("second apply: %v %s", err, summarize(res))
	}
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied = %d, want %d", n, len(p.Steps))
	}
}

// A started step whose upgrade was accepted but whose answer was lost: the
// instance is busy with our own upgrade; the re-sent token is answered
// with the same task and the step succeeds without a second upgrade.
func TestResumeStartedStepWhoseUpgradeWasAccepted(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{UpgradeDuration: 200 * time.Millisecond})
	path := writePlan(t, p)
	journalStarted(t, path, p, "rm-crm-db")
	s := stepOf(t, p, "rm-crm-db")
	// the earlier run's call, carried out by the API, answer lost
	if _, err := env.cloud.UpgradeEngineVersion(t.Context(), UpgradeOf(s)); err != nil {
		t.Fatal(err)
	}
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil || !res.Done() {
		t.Fatalf("resume: %v %s", err, summarize(res))
	}
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied = %d, want %d", n, len(p.Steps))
	}
	recs, _ := ReadJournal(JournalPath(path), p.ID)
	if recs[s.ID].TaskID == "" {
		t.Errorf("the resumed step's task id was not journaled: %+v", recs[s.ID])
	}
}

// A started step found busy, once the instance is Running again, is held
// to its maintenance window like any other step.
func TestResumeStartedStepBusyThenWindowClosed(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{Drift: []rdssim.Drift{
		{ID: "rm-crm-db", Status: "Restarting", For: 150 * time.Millisecond},
	}}})
	path := writePlan(t, p)
	journalStarted(t, path, p, "rm-crm-db")
	opts := fastOptions()
	opts.NoWait = true
	opts.Window = func(s plans.Step, inst plans.Instance, now time.Time) (bool, time.Time, string) {
		if inst.ID == "rm-crm-db" {
			return false, now.Add(time.Hour), "outside maintenance window (test)"
		}
		return true, time.Time{}, ""
	}
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := resultOf(res, "rm-crm-db"); s.State != Pending {
		t.Errorf("rm-crm-db = %s (%s), want pending", s.State, s.Detail)
	}
	for _, c := range upgradeCalls(env.sim)["rm-crm-db"] {
		if c.Outcome == "applied" {
			t.Errorf("rm-crm-db upgraded outside its window at %s", c.Time)
		}
	}
}

// A step whose accepted upgrade was journaled as failed is never sent
// again, even when the instance is busy on resume: the journal already
// says the API accepted its ClientToken.
func TestResumeSubmittedStepNeverResent(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{Drift: []rdssim.Drift{
		{ID: "rm-crm-db", Status: "Restarting", For: 150 * time.Millisecond},
	}}})
	path := writePlan(t, p)
	s := stepOf(t, p, "rm-crm-db")
	j, err := OpenJournal(JournalPath(path), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Record{
		{Event: Started, Step: s.ID, Instance: s.InstanceID},
		{Event: Upgrading, Step: s.ID, Instance: s.InstanceID, TaskID: "77"},
		{Event: Failed, Step: s.ID, Instance: s.InstanceID, Reason: "upgrade task 77 ended on 5.5"},
	} {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if got := resultOf(res, "rm-crm-db"); got.State != Failed || !strings.Contains(got.Detail, "spent") {
		t.Errorf("rm-crm-db = %s (%s), want failed: token spent", got.State, got.Detail)
	}
	if n := len(upgradeCalls(env.sim)["rm-crm-db"]); n != 0 {
		t.Errorf("rm-crm-db got %d upgrade calls, want none (its token was accepted before)", n)
	}
	// applying again says the same, without nesting the earlier reason
	first := resultOf(res, "rm-crm-db").Detail
	for range 2 {
		if res, err = apply(t, t.Context(), path, env.cloud, fastOptions()); err != nil {
			t.Fatal(err)
		}
	}
	if again := resultOf(res, "rm-crm-db").Detail; again != first {
		t.Errorf("third apply says %q, first said %q", again, first)
	}
}

// Crashes and interruptions at random points while instances are now and
// then briefly busy for reasons of their own (a restart) and upgrade
// answers get lost: whatever a run leaves behind, later runs finish the
// plan with every instance upgraded exactly once, replicas first.
func TestCrashResumeWithBusyInstances(t *testing.T) {
	for _, seed := range []int64{101, 102, 103} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 11))
			p := FleetPlan(t, 24, seed)
			env := startSim(t, p, rdssim.Options{Seed: seed, Faults: rdssim.Faults{
				DriftRate: 0.05, DriftFor: 30 * time.Millisecond,
				DropResponseRate: 0.3, DropActions: []string{"UpgradeDBInstanceEngineVersion"},
			}})
			path := writePlan(t, p)
			opts := fastOptions()
			opts.Window = alwaysOpen
			opts.Concurrency = 4
			for range 6 {
				if rng.IntN(2) == 0 {
					runOnce(t, path, env.cloud, opts, 1+rng.IntN(3*len(p.Steps)), 0)
				} else {
					runOnce(t, path, env.cloud, opts, 0, time.Duration(5+rng.IntN(120))*time.Millisecond)
				}
			}
			// a step that met its instance restarting before it started
			// fails (drift); apply again, as an operator would
			var res *Result
			for range 8 {
				var err error
				if res, err = runOnce(t, path, env.cloud, opts, 0, 0); err != nil {
					t.Fatal(err)
				}
				if res.Done() {
					break
				}
			}
			if !res.Done() {
				t.Fatalf("plan not completed: %s", summarize(res))
			}
			checkAllUpgraded(t, p, env.sim)
			checkInvariants(t, p, env.sim, durationOf)
			if n := appliedCount(env.sim); n != len(p.Steps) {
				t.Errorf("applied upgrades = %d, want %d", n, len(p.Steps))
			}
		})
	}
}
