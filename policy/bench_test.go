package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

var benchAt = time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)

// BenchmarkEvaluate measures judging whole plans with the built-in
// policies: one prepared query, steps in parallel on GOMAXPROCS workers.
// The plans are planned from synthetic inventories (planner/fleetgen).
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			p := fleetPlan(b, n)
			e, err := New(b.Context(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := e.Evaluate(b.Context(), p, benchAt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(p.Steps)), "ns/step")
		})
	}
}

// BenchmarkNew measures loading, compiling and preparing the built-in
// policies, paid once per command.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(b.Context(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func fleetPlan(b *testing.B, n int) *plans.Plan {
	b.Helper()
	inv, err := planner.Parse("fleet.yaml", fleetgen.YAML(n, 1))
	if err != nil {
		b.Fatal(err)
	}
	p, err := planner.Build(inv)
	if err != nil {
		b.Fatal(err)
	}
	return p
}
