package executor_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

// BenchmarkMakespan1000 applies a 1,000-instance synthetic fleet against
// the simulator and reports the makespan against its lower bound and the
// API calls per instance. Run with: go test -run '^$' -bench Makespan -benchtime 1x ./executor/
func BenchmarkMakespan1000(b *testing.B) {
	for _, c := range []int{20, 50, 100} {
		b.Run("concurrency="+strconv.Itoa(c), func(b *testing.B) {
			for range b.N {
				p := FleetPlan(b, 1000, 42)
				dur := BenchDuration(p)
				env := startSim(b, p, rdssim.Options{DurationFor: dur, Seed: 42})
				opts := Options{Concurrency: c, QPS: 100000, PollInterval: 10 * time.Millisecond,
					StepTimeout: time.Minute, Window: alwaysOpen}
				var mu sync.Mutex
				began, submitted := map[string]time.Time{}, map[string]time.Time{}
				var slot, pre, post time.Duration
				inflight, lastFull := 0, time.Time{} // steps between checking and succeeded; when all C slots were last busy
				opts.OnEvent = func(ev Event) {
					mu.Lock()
					defer mu.Unlock()
					if ev.Retry {
						return
					}
					switch ev.State {
					case Checking:
						began[ev.Step] = ev.Time
						if inflight++; inflight >= c {
							lastFull = ev.Time
						}
					case Upgrading:
						submitted[ev.Step] = ev.Time
						pre += ev.Time.Sub(began[ev.Step])
					case Succeeded:
						inflight--
						slot += ev.Time.Sub(began[ev.Step])
						post += ev.Time.Sub(submitted[ev.Step]) - dur(ev.Instance)
					}
				}
				b.ResetTimer()
				res, err := apply(b, b.Context(), writePlan(b, p), env.cloud, opts)
				if err != nil || !res.Done() {
					b.Fatalf("run: %v %s", err, summarize(res))
				}
				makespan := res.Finished.Sub(res.Started)
				lb, chain, work := LowerBound(p, dur, c)
				b.ReportMetric(float64(makespan)/float64(lb), "makespan/LB")
				b.ReportMetric(makespan.Seconds(), "makespan-s")
				b.ReportMetric(lb.Seconds(), "LB-s")
				b.ReportMetric(float64(res.APICalls)/float64(len(p.Steps)), "calls/instance")
				b.ReportMetric(float64(len(p.Steps)), "steps")
				upgrades, describes, ids := 0, 0, 0
				for _, call := range env.sim.Calls() {
					switch call.Action {
					case "UpgradeDBInstanceEngineVersion":
						upgrades++
					case "DescribeDBInstanceAttribute":
						describes++
						ids += 1 + strings.Count(call.InstanceID, ",")
					}
				}
				b.ReportMetric(float64(upgrades)/float64(len(p.Steps)), "upgrades/instance")
				b.ReportMetric(float64(ids)/float64(max(1, describes)), "ids/describe")
				b.Logf("upgrade calls %d (%.2f per instance), describe calls %d (%.2f per instance, %.1f ids per call)",
					upgrades, float64(upgrades)/float64(len(p.Steps)), describes, float64(describes)/float64(len(p.Steps)), float64(ids)/float64(max(1, describes)))
				n := time.Duration(len(p.Steps))
				b.Logf("tail: fewer than %d steps in flight for the last %s of the run", c, res.Finished.Sub(lastFull).Round(time.Millisecond))
				b.Logf("slot utilisation %.3f; per step: submit overhead %s, completion overhead %s",
					float64(slot)/float64(time.Duration(c)*makespan), (pre / n).Round(time.Microsecond), (post / n).Round(time.Microsecond))
				b.Logf("steps %d, makespan %s, lower bound %s (chain %s, work/C %s), ratio %.3f, %d API calls (%.2f per instance), %d poll rounds",
					len(p.Steps), makespan.Round(time.Millisecond), lb.Round(time.Millisecond), chain.Round(time.Millisecond), work.Round(time.Millisecond),
					float64(makespan)/float64(lb), res.APICalls, float64(res.APICalls)/float64(len(p.Steps)), res.PollRounds)
			}
		})
	}
}
