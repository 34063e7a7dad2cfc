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

// BenchmarkLoadAndPlan measures parsing, validating and planning (no policy).
func BenchmarkLoadAndPlan(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		data := fleetgen.YAML(n, 1)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
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
