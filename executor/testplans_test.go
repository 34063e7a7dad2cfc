package executor

// Plan builders shared by the package's internal tests (the scheduler
// model) and its external tests (executor_test, which may import
// executor/rdsapi): exported here, in a _test file, for both.

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// PlanFromYAML plans an inventory (no policies: every step applicable).
func PlanFromYAML(t testing.TB, name string, data []byte) *plans.Plan {
	return plantest.FromYAML(t, name, data)
}

// FleetPlan plans a synthetic fleet of n instances with Immediate upgrades.
func FleetPlan(t testing.TB, n int, seed int64) *plans.Plan {
	t.Helper()
	y := bytes.ReplaceAll(fleetgen.YAML(n, seed), []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: Immediate"))
	return PlanFromYAML(t, fmt.Sprintf("fleet-%d-%d.yaml", n, seed), y)
}

// BenchDuration is the simulator's duration model at benchmark scale: each
// instance's estimate (plans.EstimateUpgrade by role and storageGB, the
// steps' estimateSeconds) at 20 ms of real time per estimated minute
// (10–40 minutes → 200–800 ms), times seeded noise within ±20%, as
// rdssim draws it. The scheduler knows the estimates, not the noise.
func BenchDuration(p *plans.Plan) func(string) time.Duration {
	est := map[string]time.Duration{}
	for i, s := range p.Steps {
		est[s.InstanceID] = p.Estimate(i)
	}
	return func(id string) time.Duration {
		h := fnv.New32a()
		h.Write([]byte(id))
		f := 0.8 + 0.4*float64(h.Sum32()%1000)/1000
		return time.Duration(float64(est[id]) / float64(time.Minute) * f * float64(20*time.Millisecond)).Round(time.Millisecond)
	}
}

// HashDuration is the benchmarks' earlier duration model, unrelated to the
// estimates: 200–800 ms from a hash of the id, primaries 1.5× longer.
func HashDuration(p *plans.Plan) func(string) time.Duration {
	primary := map[string]bool{}
	for _, in := range p.Instances {
		primary[in.ID] = in.Role == plans.RolePrimary
	}
	return func(id string) time.Duration {
		h := fnv.New32a()
		h.Write([]byte(id))
		d := time.Duration(200+h.Sum32()%600) * time.Millisecond
		if primary[id] {
			d = d * 3 / 2
		}
		return d
	}
}

// LowerBound is max(longest replica→primary chain, total work / c).
func LowerBound(p *plans.Plan, dur func(string) time.Duration, c int) (time.Duration, time.Duration, time.Duration) {
	chain := map[string]time.Duration{}
	var longest, total time.Duration
	for _, s := range p.Steps { // steps are ordered: dependencies first within a cluster
		d := dur(s.InstanceID)
		total += d
		var before time.Duration
		for _, dep := range s.DependsOn {
			before = max(before, chain[dep])
		}
		chain[s.ID] = before + d
		longest = max(longest, chain[s.ID])
	}
	work := total / time.Duration(c)
	return max(longest, work), longest, work
}
