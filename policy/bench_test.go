package policy

import (
	"fmt"
	"testing"
	"time"
)

var benchAt = time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)

// BenchmarkEvaluate measures judging whole plans with the built-in
// policies: one prepared query, steps in parallel on GOMAXPROCS workers.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("steps=%d", n), func(b *testing.B) {
			p := syntheticPlan(n)
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
			b.StopTimer()
			if p.Summary.Denied != 0 {
				b.Fatalf("synthetic plan denied: %+v", p.Steps[0].Policy)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/step")
		})
	}
}
