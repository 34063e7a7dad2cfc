package policy

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

var benchAt = time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)

// BenchmarkEvaluate measures judging whole plans with the built-in
// policies: one compiled query, steps in parallel on GOMAXPROCS workers.
// `rdsup plan` runs it with the GC target raised (cmd/rdsup tuneGC); run
// the benchmark with GOGC=400 to match.
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
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				if err := e.Evaluate(b.Context(), p, benchAt); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			steps := float64(b.N) * float64(len(p.Steps))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/steps, "ns/step")
			// Allocations per step do not depend on the machine's load:
			// compare them across changes when timings are noisy.
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/steps, "allocs/step")
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

func fleetPlan(b testing.TB, n int) *plans.Plan {
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

// BenchmarkWindowRule measures the plans that stress the window rule:
// every step Immediate, a third of the instances production, judged inside
// their window (all pass) and outside it (the production steps are denied
// with the window's opening).
func BenchmarkWindowRule(b *testing.B) {
	p := syntheticPlan(10_000)
	e, err := New(b.Context(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"inside", time.Date(2026, 3, 4, 19, 0, 0, 0, time.UTC)},
		{"outside", time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.Evaluate(b.Context(), p, tc.at); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(p.Steps)), "ns/step")
		})
	}
}
