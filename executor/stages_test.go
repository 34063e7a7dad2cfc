package executor_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

// stagedFleet: a staging cluster soaking an hour, then production a
// cluster at a time (pay has a replica), then the rest.
const stagedFleet = `defaults:
  region: cn-hangzhou
  engine: MySQL
  engineVersion: "5.5"
  targetVersion: "5.6"
  effectiveTime: Immediate
  status: Running
  maintainTime: "00:00Z-23:59Z"
instances:
  - {id: rm-stg-db, role: primary, tags: {env: staging}}
  - {id: rr-stg-ro1, role: readonly, primary: rm-stg-db, tags: {env: staging}}
  - {id: rm-pay-db, role: primary, tags: {env: prod}}
  - {id: rr-pay-ro1, role: readonly, primary: rm-pay-db, tags: {env: prod}}
  - {id: rr-pay-ro2, role: readonly, primary: rm-pay-db, tags: {env: prod}}
  - {id: rm-shop-db, role: primary, tags: {env: prod}}
  - {id: rm-crm-db, role: primary, tags: {env: prod}}
  - {id: rm-tools-db, role: primary, tags: {team: platform}}
rollout:
  - name: canary
    select: env=staging
    soak: 1h
  - name: production
    select: env=prod
    maxConcurrentClusters: %d
  - name: rest
    select: "*"
`

const stageUpgrade = time.Minute // the simulator's upgrade duration in these tests

// stagedRun plans fleet, starts a simulator on a manual clock with
// one-minute upgrades, and returns options for long runs on that clock.
func stagedRun(t *testing.T, fleet string, faults rdssim.Faults) (*simEnv, string, *rdssim.ManualClock, Options) {
	t.Helper()
	p := PlanFromYAML(t, "staged.yaml", []byte(fleet))
	clock := rdssim.NewManualClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	env := startSim(t, p, rdssim.Options{Clock: clock, UpgradeDuration: stageUpgrade, Faults: faults})
	opts := fastOptions()
	opts.Clock = clock
	opts.StepTimeout, opts.StartGrace, opts.RetryFor, opts.WrongStateWait = 1000*time.Hour, 1000*time.Hour, 1000*time.Hour, 1000*time.Hour
	return env, writePlan(t, p), clock, opts
}

func withLimit(limit int) string { return fmt.Sprintf(stagedFleet, limit) }

// appliedAt: instance → the time its (one) upgrade call was applied.
func appliedAt(sim *rdssim.Sim) map[string]time.Time {
	out := map[string]time.Time{}
	for id, cs := range upgradeCalls(sim) {
		for _, c := range cs {
			if c.Outcome == "applied" {
				out[id] = c.Time
			}
		}
	}
	return out
}

// checkStageOrder: no upgrade call of a stage before the previous stage's
// last step succeeded (per the journal) plus its soak.
func checkStageOrder(t *testing.T, p *plans.Plan, sim *rdssim.Sim, recs map[string]StepRecord) {
	t.Helper()
	applied := appliedAt(sim)
	var opens time.Time
	for k, st := range p.Stages {
		var last time.Time
		for _, s := range p.Steps {
			if s.Stage != st.Name {
				continue
			}
			if at, ok := applied[s.InstanceID]; ok && k > 0 && at.Before(opens) {
				t.Errorf("stage %s: %s upgraded at %s, before stage %s's soak ended at %s", st.Name, s.InstanceID, at.Format(time.TimeOnly), p.Stages[k-1].Name, opens.Format(time.TimeOnly))
			}
			if r := recs[s.ID]; r.State == Succeeded && r.Updated.After(last) {
				last = r.Updated
			}
		}
		opens = last.Add(st.SoakDuration())
	}
}

// maxClustersInFlight: the most clusters of a stage whose upgrades
// overlapped, from the simulator's call log: a cluster is in flight from
// its first applied call until its last upgrade ended.
func maxClustersInFlight(p *plans.Plan, sim *rdssim.Sim, stage string) int {
	applied := appliedAt(sim)
	type span struct{ from, to time.Time }
	spans := map[string]*span{}
	for _, s := range p.Steps {
		at, ok := applied[s.InstanceID]
		if s.Stage != stage || !ok {
			continue
		}
		sp := spans[s.Cluster]
		if sp == nil {
			sp = &span{at, at}
			spans[s.Cluster] = sp
		}
		if at.Before(sp.from) {
			sp.from = at
		}
		if end := at.Add(stageUpgrade); end.After(sp.to) {
			sp.to = end
		}
	}
	most := 0
	for _, a := range spans {
		n := 0
		for _, b := range spans {
			if !b.from.After(a.from) && b.to.After(a.from) { // b in flight when a starts
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// Waiting for the soak: apply sleeps on its clock (no API calls) and goes
// on when the soak is over; stages run in order; the production stage
// never has more clusters in flight than maxConcurrentClusters.
func TestStagesRunInOrderWithSoak(t *testing.T) {
	for _, limit := range []int{1, 2} {
		t.Run(fmt.Sprintf("maxConcurrentClusters=%d", limit), func(t *testing.T) {
			env, path, clock, opts := stagedRun(t, withLimit(limit), rdssim.Faults{})
			tick(t, clock, 10*time.Second)
			res, err := apply(t, t.Context(), path, env.cloud, opts)
			if err != nil || !res.Done() {
				t.Fatalf("apply: %v %s", err, summarize(res))
			}
			checkAllUpgraded(t, env.plan, env.sim)
			checkInvariants(t, env.plan, env.sim, func(string) time.Duration { return stageUpgrade })
			recs, err := ReadJournal(JournalPath(path), env.plan.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkStageOrder(t, env.plan, env.sim, recs)
			if n := maxClustersInFlight(env.plan, env.sim, "production"); n > limit || n == 0 {
				t.Errorf("production had %d clusters in flight at once, want 1 to %d", n, limit)
			}
			if len(res.Stages) != 3 {
				t.Fatalf("result stages = %+v", res.Stages)
			}
			for _, st := range res.Stages {
				if st.State != StageDone {
					t.Errorf("stage %s is %s after a complete run, want done", st.Name, st.State)
				}
			}
			canary := res.Stages[0]
			if !canary.SoakEndsAt.Equal(canary.DoneAt.Add(time.Hour)) || canary.DoneAt.IsZero() {
				t.Errorf("canary done at %s, soak ends %s; want an hour apart", canary.DoneAt, canary.SoakEndsAt)
			}
		})
	}
}

// Unattended: with --no-wait a soaking campaign ends the run (nothing of
// the next stage started, the result says when the soak ends); a run
// before the soak's end does nothing; the first run after it goes on.
// The soak's start comes from the journal, so later runs know it.
func TestNoWaitSoakingCampaignResumesAfterSoak(t *testing.T) {
	env, path, clock, opts := stagedRun(t, withLimit(2), rdssim.Faults{})
	opts.NoWait = true
	opts.OnEvent = func(ev Event) { // the upgrade runs while apply polls
		if ev.State == Upgrading && !ev.Retry {
			clock.Advance(2 * stageUpgrade)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second) // a run that waits for the soak fails, not hangs
	defer cancel()
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	canary := res.Stages[0]
	if canary.State != StageSoaking || res.Stages[1].State != StageWaiting {
		t.Fatalf("first run: stages %+v, want canary soaking, production waiting", res.Stages)
	}
	soakEnd := canary.SoakEndsAt
	if want := canary.DoneAt.Add(time.Hour); !soakEnd.Equal(want) {
		t.Errorf("soak ends %s, want %s", soakEnd, want)
	}
	if s := resultOf(res, "rm-tools-db"); !strings.Contains(s.Detail, "stage rest waits for stage production to succeed") {
		t.Errorf("first run: rm-tools-db detail %q, want it to name the stage it waits for", s.Detail)
	}
	for _, s := range res.Steps {
		prod := !strings.Contains(s.Instance, "stg")
		if prod && s.State != NotStarted {
			t.Errorf("first run: %s = %s (%s), want not started until the soak ends", s.Instance, s.State, s.Detail)
		}
		ready := s.Instance == "rr-pay-ro1" || s.Instance == "rm-shop-db" // first steps of production
		if ready && !strings.Contains(s.Detail, "stage production starts when stage canary's soak ends at "+soakEnd.UTC().Format(time.RFC3339)) {
			t.Errorf("first run: %s = %s (%s), want not started until the soak ends", s.Instance, s.State, s.Detail)
		}
		if !prod && s.State != Succeeded {
			t.Errorf("first run: %s = %s, want succeeded", s.Instance, s.State)
		}
	}
	if got := slices.Sorted(mapKeys(appliedAt(env.sim))); !slices.Equal(got, []string{"rm-stg-db", "rr-stg-ro1"}) {
		t.Errorf("first run upgraded %v, want only the canary stage", got)
	}

	// status, from the journal alone, tells the same
	recs, err := ReadJournal(JournalPath(path), env.plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := StatusAt(env.plan, JournalPath(path), recs, clock.Now())
	if len(st.Stages) != 3 || st.Stages[0].State != StageSoaking || !st.Stages[0].SoakEndsAt.Equal(soakEnd) || st.Stages[1].State != StageWaiting {
		t.Errorf("status stages = %+v, want canary soaking until %s", st.Stages, soakEnd)
	}
	if st.Steps[0].Stage == "" {
		t.Errorf("status steps carry no stage: %+v", st.Steps[0])
	}
	if st := StatusAt(env.plan, JournalPath(path), recs, soakEnd); st.Stages[0].State != StageDone || st.Stages[1].State != StageRunning {
		t.Errorf("status at the soak's end = %+v, want canary done, production running", st.Stages)
	}

	// a cron run during the soak: no upgrade, no journal record
	clock.Set(soakEnd.Add(-time.Minute))
	before, _ := ReadJournal(JournalPath(path), env.plan.ID)
	res, err = apply(t, ctx, path, env.cloud, opts)
	if err != nil || res.Stages[0].State != StageSoaking || res.Done() {
		t.Fatalf("run during the soak: %v %+v", err, res.Stages)
	}
	if n := len(upgradeCalls(env.sim)); n != 2 {
		t.Errorf("a run during the soak upgraded something: %d instances upgraded", n)
	}
	after, _ := ReadJournal(JournalPath(path), env.plan.ID)
	if len(after) != len(before) {
		t.Errorf("a run during the soak journaled steps: %d before, %d after", len(before), len(after))
	}

	// after the soak: the campaign goes on and finishes
	clock.Set(soakEnd)
	res, err = apply(t, ctx, path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("run after the soak: %v %s", err, summarize(res))
	}
	checkAllUpgraded(t, env.plan, env.sim)
	recs, _ = ReadJournal(JournalPath(path), env.plan.ID)
	checkStageOrder(t, env.plan, env.sim, recs)
	for id, at := range appliedAt(env.sim) {
		if !strings.Contains(id, "stg") && at.Before(soakEnd) {
			t.Errorf("%s upgraded at %s, before the soak ended at %s", id, at, soakEnd)
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

const failingFleet = `defaults:
  region: cn-hangzhou
  engine: MySQL
  engineVersion: "5.5"
  targetVersion: "5.6"
  effectiveTime: Immediate
  status: Running
  maintainTime: "00:00Z-23:59Z"
instances:
  - {id: rm-a, role: primary, tags: {env: prod}}
  - {id: rm-b, role: primary, tags: {env: prod}}
  - {id: rm-c, role: primary, tags: {env: prod}}
  - {id: rm-d, role: primary, tags: {env: prod}}
  - {id: rm-z, role: primary, tags: {env: dev}}
rollout:
  - name: production
    select: env=prod
    maxConcurrentClusters: 1
    maxFailures: 1
  - name: rest
    select: "*"
`

// One failure in a stage with maxFailures 1 lets the stage go on (without
// --keep-going); the second stops the campaign: no new step, in this
// stage or a later one, and the stage says it stopped.
func TestMaxFailuresStopsTheCampaign(t *testing.T) {
	env, path, clock, opts := stagedRun(t, failingFleet, rdssim.Faults{FailUpgrade: []string{"rm-b", "rm-c"}})
	tick(t, clock, 10*time.Second)
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{"rm-a": Succeeded, "rm-b": Failed, "rm-c": Failed, "rm-d": NotStarted, "rm-z": NotStarted}
	for id, st := range want {
		if s := resultOf(res, id); s.State != st {
			t.Errorf("%s = %s (%s), want %s", id, s.State, s.Detail, st)
		}
	}
	if s := resultOf(res, "rm-d"); !strings.Contains(s.Detail, "stage production exceeded its maxFailures") {
		t.Errorf("rm-d detail %q, want it to name the stage that stopped", s.Detail)
	}
	up := upgradeCalls(env.sim)
	for _, id := range []string{"rm-d", "rm-z"} {
		if len(up[id]) > 0 {
			t.Errorf("%s was upgraded after the campaign stopped: %+v", id, up[id])
		}
	}
	st := res.Stages[0]
	if st.State != StageStopped || st.Failures != 2 || st.MaxFailures == nil || *st.MaxFailures != 1 {
		t.Errorf("production stage %+v, want stopped with 2 failures of 1 allowed", st)
	}
	if res.Stages[1].State != StageWaiting {
		t.Errorf("rest stage %+v, want waiting", res.Stages[1])
	}
}

// Without maxFailures a failure follows --keep-going: the stage's other
// clusters go on, but the next stage never starts (its stage did not
// succeed).
func TestStageWithoutMaxFailuresKeepsGoing(t *testing.T) {
	fleet := strings.Replace(failingFleet, "    maxFailures: 1\n", "", 1)
	env, path, clock, opts := stagedRun(t, fleet, rdssim.Faults{FailUpgrade: []string{"rm-b", "rm-c"}})
	tick(t, clock, 10*time.Second)
	opts.KeepGoing = true
	res, err := apply(t, t.Context(), path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{"rm-a": Succeeded, "rm-b": Failed, "rm-c": Failed, "rm-d": Succeeded, "rm-z": NotStarted}
	for id, st := range want {
		if s := resultOf(res, id); s.State != st {
			t.Errorf("%s = %s (%s), want %s", id, s.State, s.Detail, st)
		}
	}
	if len(upgradeCalls(env.sim)["rm-z"]) > 0 {
		t.Error("rm-z of the next stage was upgraded though production did not succeed")
	}
	if st := res.Stages[0]; st.State != StageRunning || st.Failures != 2 {
		t.Errorf("production stage %+v, want running with 2 failures", st)
	}
}
