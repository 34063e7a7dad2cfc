package postgres_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/plans"
)

// lonePrimaries plans n independent instances: n steps, all ready at once.
func lonePrimaries(b *testing.B, n int) *plans.Plan {
	var y strings.Builder
	y.WriteString("defaults:\n  region: cn-hangzhou\n  engine: MySQL\n  targetVersion: \"5.6\"\n  effectiveTime: Immediate\n  status: Running\ninstances:\n")
	for i := range n {
		fmt.Fprintf(&y, "  - id: rm-bench-%06d\n    role: primary\n    engineVersion: \"5.5\"\n    maintainTime: \"02:00Z-06:00Z\"\n", i)
	}
	return planYAML(b, "bench.yaml", []byte(y.String()))
}

// BenchmarkClaim3Workers: three workers (each with its own connection
// pool, as three processes would have) claim 10,000 ready steps, each
// walking the plan from its own starting point; reports claims/s.
func BenchmarkClaim3Workers(b *testing.B) {
	const steps = 10000
	s, url := newStore(b)
	p := lonePrimaries(b, steps)
	save(b, s, p, 0)
	workers := make([]*postgres.Worker, 3)
	for i := range workers {
		workers[i] = worker(b, connect(b, url), p)
	}
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		b.StopTimer()
		if _, err := s.Reset(b.Context(), p.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var claimed atomic.Int64
		var wg sync.WaitGroup
		for k, w := range workers {
			wg.Go(func() {
				for i := range steps {
					st := p.Steps[(i+k*steps/len(workers))%steps]
					c, err := w.Claim(b.Context(), st)
					if err != nil {
						b.Error(err)
						return
					}
					if c.Result == executor.Claimed {
						claimed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		total += time.Since(start)
		if claimed.Load() != steps {
			b.Fatalf("%d steps claimed, want each of %d once", claimed.Load(), steps)
		}
	}
	b.ReportMetric(float64(steps*b.N)/total.Seconds(), "claims/s")
}

// BenchmarkJournalAppend: the latency of one durable journal record, on
// the local file (fsync) and in PostgreSQL (a committed transaction).
func BenchmarkJournalAppend(b *testing.B) {
	p := lonePrimaries(b, 10)
	st := p.Steps[0]
	rec := executor.Record{Event: executor.Started, Step: st.ID, Instance: st.InstanceID}
	b.Run("local", func(b *testing.B) {
		j, err := executor.OpenJournal(filepath.Join(b.TempDir(), "plan.json.journal"), p.ID)
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		for b.Loop() {
			if err := j.Append(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres", func(b *testing.B) {
		s, _ := newStore(b)
		save(b, s, p, 0)
		w := worker(b, s, p)
		if c := claim(b, w, st); c.Result != executor.Claimed {
			b.Fatal(c)
		}
		for b.Loop() {
			if err := w.Append(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
