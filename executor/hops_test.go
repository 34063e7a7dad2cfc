package executor_test

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

// hopsFleet has two clusters and a lone primary on MySQL 5.5 going to 8.0:
// three hops each with the default paths (5.5 → 5.6 → 5.7 → 8.0).
const hopsFleet = `defaults:
  region: cn-hangzhou
  engine: MySQL
  engineVersion: "5.5"
  targetVersion: "8.0"
  effectiveTime: Immediate
  status: Running
  maintainTime: "00:00Z-23:59Z"
instances:
  - {id: rm-shop-db, role: primary}
  - {id: rr-shop-ro1, role: readonly, primary: rm-shop-db}
  - {id: rr-shop-ro2, role: readonly, primary: rm-shop-db}
  - {id: rm-shop-dr, role: disaster-recovery, primary: rm-shop-db, region: cn-shenzhen}
  - {id: rm-pay-db, role: primary}
  - {id: rr-pay-ro1, role: readonly, primary: rm-pay-db}
  - {id: rm-crm-db, role: primary}
`

// TestMultiHopCampaign applies a 5.5 → 8.0 plan against the simulator
// through the real SDK, interrupted in the middle of a hop and resumed,
// and checks from the simulator's call log: every instance on 8.0, each
// hop applied exactly once, for every hop all replicas before their
// primary, and no replica more than one hop ahead of its primary.
func TestMultiHopCampaign(t *testing.T) {
	p := PlanFromYAML(t, "hops.yaml", []byte(hopsFleet))
	if len(p.Steps) != 7*3 {
		t.Fatalf("plan has %d steps, want 21 (3 hops for each of 7 instances)", len(p.Steps))
	}
	const dur = 40 * time.Millisecond
	env := startSim(t, p, rdssim.Options{UpgradeDuration: dur})
	path := writePlan(t, p)

	// First run: a signal right after the primary's middle hop was accepted.
	ctx, cancel := context.WithCancel(t.Context())
	opts := fastOptions()
	opts.OnEvent = func(ev Event) {
		if ev.State == Upgrading && ev.Step == "rm-shop-db@5.7" {
			cancel()
		}
	}
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done() {
		t.Fatalf("the interrupted run finished everything: %s", summarize(res))
	}
	res, err = apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil || !res.Done() {
		t.Fatalf("resume: %v %s", err, summarize(res))
	}

	for _, v := range env.sim.Instances() {
		if v.EngineVersion != "8.0" || v.Status != "Running" {
			t.Errorf("instance %s is %s on %s, want Running on 8.0", v.ID, v.Status, v.EngineVersion)
		}
	}
	checkHopOrder(t, p, env.sim, dur)
}

// checkHopOrder checks the simulator's call log against the plan: every
// step's ClientToken applied exactly once, and every step applied only
// after each step it depends on had finished; and, independently of
// dependsOn, the order rules of a cluster.
func checkHopOrder(t *testing.T, p *plans.Plan, sim *rdssim.Sim, dur time.Duration) {
	t.Helper()
	byToken := map[string]*plans.Step{}
	for i := range p.Steps {
		byToken[p.Steps[i].ClientToken] = &p.Steps[i]
	}
	applied := map[string]time.Time{} // step id → when its upgrade was accepted
	for _, c := range sim.Calls() {
		if c.Action != "UpgradeDBInstanceEngineVersion" || c.Outcome != "applied" {
			continue
		}
		s := byToken[c.ClientToken]
		if s == nil {
			t.Errorf("applied upgrade of %s with token %q of no step", c.InstanceID, c.ClientToken)
			continue
		}
		if _, twice := applied[s.ID]; twice {
			t.Errorf("step %s applied twice", s.ID)
		}
		applied[s.ID] = c.Time
	}
	for _, s := range p.Steps {
		if _, ok := applied[s.ID]; !ok {
			t.Errorf("step %s (%s → %s) never applied", s.ID, s.FromVersion, s.ToVersion)
		}
	}
	// step of an instance to a version → when it was applied
	at := map[[2]string]time.Time{}
	for _, s := range p.Steps {
		at[[2]string{s.InstanceID, s.ToVersion}] = applied[s.ID]
	}
	primaryOf := map[string]string{}
	for _, in := range p.Instances {
		if in.Primary != "" {
			primaryOf[in.ID] = in.Primary
		}
	}
	for _, s := range p.Steps {
		start := applied[s.ID]
		for _, in := range p.Instances {
			if in.Primary != s.InstanceID {
				continue
			}
			// a primary's hop to v starts after each replica reached v
			if r, ok := at[[2]string{in.ID, s.ToVersion}]; !ok || start.Before(r.Add(dur)) {
				t.Errorf("primary hop %s started at %s, before its replica %s reached %s (applied %s)", s.ID, start.Format(time.StampMilli), in.ID, s.ToVersion, r.Format(time.StampMilli))
			}
		}
		// a replica's hop from u starts after its primary reached u
		if pr, ok := primaryOf[s.InstanceID]; ok && s.FromVersion != "5.5" {
			if pt, ok := at[[2]string{pr, s.FromVersion}]; !ok || start.Before(pt.Add(dur)) {
				t.Errorf("replica hop %s started at %s, before its primary %s reached %s: two versions ahead", s.ID, start.Format(time.StampMilli), pr, s.FromVersion)
			}
		}
	}
}

// A multi-hop plan applied again without its journal (lost, or another
// machine) sends no upgrade: an instance already past a hop's toVersion
// along the plan's own hops has done that hop. Today's executor compares the
// live version with the step's fromVersion and toVersion only, so the first
// hop of an instance now on 8.0 fails as drift.
func TestMultiHopWithoutJournal(t *testing.T) {
	p := PlanFromYAML(t, "hops.yaml", []byte(hopsFleet))
	env := startSim(t, p, rdssim.Options{UpgradeDuration: 20 * time.Millisecond})
	path := writePlan(t, p)
	if res, err := apply(t, t.Context(), path, env.cloud, fastOptions()); err != nil || !res.Done() {
		t.Fatalf("first apply: %v", err)
	}
	if err := os.Remove(JournalPath(path)); err != nil {
		t.Fatal(err)
	}
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil || !res.Done() {
		t.Fatalf("second apply without the journal: %v %s", err, summarize(res))
	}
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied = %d, want %d (no second upgrade)", n, len(p.Steps))
	}
}
