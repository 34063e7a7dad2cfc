package executor_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/schedule"
)

// previewVsApply previews the 1,000-instance synthetic fleet (storage
// sizes from fleetgen; MaintainTime or Immediate upgrades) with `rdsup schedule`'s package,
// then applies it against the simulator (its duration model: the
// estimates with ±20% seeded noise) on a clock scale times faster than
// real time, polling every 15 simulated seconds as apply does by default,
// and returns both spans on the simulated clock.
func previewVsApply(t testing.TB, concurrency int, effective string, scale float64) (preview, applied time.Duration) {
	y := bytes.ReplaceAll(fleetgen.YAML(1000, 42), []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: "+effective))
	p := PlanFromYAML(t, "fleet-1000.yaml", y)
	clock := rdssim.NewScaledClock(scale)
	env := startSimClock(t, p, rdssim.Options{Clock: clock, Seed: 1})
	from := clock.Now()
	s, err := schedule.Run(p, schedule.Options{From: from, Concurrency: concurrency})
	if err != nil {
		t.Fatal(err)
	}
	poll := time.Duration(float64(DefaultPollInterval) / scale) // apply's 15 s, on the simulated clock
	opts := Options{Concurrency: concurrency, QPS: 1000, PollInterval: poll, Clock: clock}
	res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("apply: %v; %d of %d steps succeeded", err, res.Count(Succeeded), len(res.Steps))
	}
	return s.Finish.Sub(from), res.Finished.Sub(res.Started)
}

// BenchmarkPreviewVsApply1000 reports how close the schedule preview's
// finish is to the simulated apply's (target: within 10%). Both are on
// the simulated clock; the apply's follows real time (scaled), so the
// ratio is reported, not asserted. Run with:
// go test -run '^$' -bench PreviewVsApply -benchtime 1x ./executor/
func BenchmarkPreviewVsApply1000(b *testing.B) {
	for _, run := range []struct {
		eff   string
		c     []int
		scale float64 // MaintainTime waits for windows: days of simulated time
	}{{"MaintainTime", []int{10, 50}, 7200}, {"Immediate", []int{50, 100}, 1200}} {
		for _, c := range run.c {
			eff := run.eff
			b.Run(eff+"/concurrency="+strconv.Itoa(c), func(b *testing.B) {
				for range b.N {
					preview, applied := previewVsApply(b, c, eff, run.scale)
					b.ReportMetric(preview.Hours(), "preview-h")
					b.ReportMetric(applied.Hours(), "apply-h")
					b.ReportMetric(preview.Seconds()/applied.Seconds(), "preview/apply")
					b.Logf("%s, concurrency %d: preview finishes after %s, the simulated apply after %s (ratio %.3f)",
						eff, c, preview.Round(time.Minute), applied.Round(time.Minute), preview.Seconds()/applied.Seconds())
				}
			})
		}
	}
}
