package planner_test

import (
	"fmt"
	"testing"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

func buildSynthetic(t testing.TB, n int, seed int64) *plans.Plan {
	t.Helper()
	inv, err := planner.Parse("synthetic.yaml", fleetgen.YAML(n, seed))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Instances) != n {
		t.Fatalf("fleetgen made %d instances, want %d", len(inv.Instances), n)
	}
	p, err := planner.Build(inv)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// benchRollout is a rollout section for synthetic fleets: a canary of
// the clusters whose primary id ends in 7, then the rest.
const benchRollout = `rollout:
  - name: canary
    select: "*-000??7*"
    soak: 24h
  - name: rest
    select: "*"
    maxConcurrentClusters: 20
    maxFailures: 3
`

// BenchmarkLoadAndPlan measures parsing, validating and planning (no
// policy), of synthetic fleets without and with a rollout section.
func BenchmarkLoadAndPlan(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, staged := range []bool{false, true} {
			data := fleetgen.YAML(n, 1)
			name := fmt.Sprint(n)
			if staged {
				data = append(data, benchRollout...)
				name += "/staged"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					inv, err := planner.Parse("bench.yaml", data)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := planner.Build(inv); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
