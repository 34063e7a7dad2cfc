package executor_test

import (
	"strconv"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/planner/fleetgen"
)

// applyFleet applies the 1,000-instance synthetic fleet (MaintainTime
// upgrades, as fleetgen writes it) the way `rdsup apply --simulate` does:
// the simulator's default upgrade spread on a clock 7,200 times faster
// than real time, polled every 50 ms (six simulated minutes). It returns
// the simulator's calls by action per upgraded instance and the wall time.
func applyFleet(t testing.TB, concurrency int) (map[string]float64, time.Duration) {
	p := PlanFromYAML(t, "fleet-1000.yaml", fleetgen.YAML(1000, 42))
	clock := rdssim.NewScaledClock(7200)
	env := startSimClock(t, p, rdssim.Options{Clock: clock, Seed: 1})
	opts := Options{Concurrency: concurrency, QPS: 1000, PollInterval: 50 * time.Millisecond, Clock: clock}
	start := time.Now()
	res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
	wall := time.Since(start)
	if err != nil || !res.Done() {
		t.Fatalf("apply: %v; %d of %d steps succeeded", err, res.Count(Succeeded), len(res.Steps))
	}
	perAction := map[string]float64{}
	for _, c := range env.sim.Calls() {
		perAction[c.Action] += 1 / float64(len(p.Steps))
		perAction["total"] += 1 / float64(len(p.Steps))
	}
	return perAction, wall
}

// Waiting for a maintenance window holds no slot and sends no call, and
// in-flight instances are polled with the regional list call: the whole
// fleet at the default concurrency costs at most 3 API calls per upgraded
// instance. Its wall time is logged, not asserted (BenchmarkFleetApply1000
// reports it).
func TestFleetCallsPerInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("applies 1,000 instances (about 25 s)")
	}
	calls, wall := applyFleet(t, DefaultConcurrency)
	t.Logf("concurrency %d: %.2f calls per instance %v, %s", DefaultConcurrency, calls["total"], calls, wall.Round(time.Millisecond))
	if calls["total"] > 3 {
		t.Errorf("%.2f API calls per upgraded instance, want at most 3 (%v)", calls["total"], calls)
	}
}

// BenchmarkFleetApply1000 reports API calls per upgraded instance and
// the wall time of the --simulate apply of 1,000 instances. Run with:
// go test -run '^$' -bench FleetApply -benchtime 1x ./executor/
func BenchmarkFleetApply1000(b *testing.B) {
	for _, c := range []int{1, 10, DefaultConcurrency, 100} {
		b.Run("concurrency="+strconv.Itoa(c), func(b *testing.B) {
			for range b.N {
				calls, wall := applyFleet(b, c)
				b.ReportMetric(calls["total"], "calls/instance")
				b.ReportMetric(calls["DescribeDBInstances"], "list/instance")
				b.ReportMetric(calls["DescribeDBInstanceAttribute"], "attr/instance")
				b.ReportMetric(wall.Seconds(), "wall-s")
			}
		})
	}
}
