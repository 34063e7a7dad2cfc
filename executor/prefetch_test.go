package executor_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

// lonePrimaries is n lone primaries of one region sharing the window
// 11:00Z-12:00Z, on MaintainTime.
func lonePrimaries(n int) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(twoNightPrimaries[:strings.Index(twoNightPrimaries, "instances:")], "\n"))
	b.WriteString("\ninstances:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: rm-%02d\n    engineVersion: \"5.5\"\n    role: primary\n    status: Running\n", i)
	}
	return b.String()
}

// One step's pre-check reads the instances of the steps queued behind it
// in its region in the same attribute call: with one slot, 25 steps that
// each go straight to Scheduled cost far fewer pre-check calls than steps,
// and every step still decides on its own instance (all are scheduled for
// their window, then upgraded once).
func TestPreCheckReadsAhead(t *testing.T) {
	const n = 25
	env, path, clock, opts := nightRun(t, lonePrimaries(n), rdssim.Faults{})
	opts.Concurrency = 1
	opts.PollInterval = time.Second // a read ahead is kept at most this long
	opens := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	scheduled := map[string]bool{}
	opts.OnEvent = func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.State == Scheduled && !ev.Retry {
			scheduled[ev.Instance] = true
			if len(scheduled) == n {
				clock.Set(opens.Add(30 * time.Minute))
			}
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("apply: %v %s", err, summarize(res))
	}
	attr := 0
	for _, c := range env.sim.Calls() {
		if c.Action == "DescribeDBInstanceAttribute" {
			attr++
		}
	}
	// ten ids per call (the first call reads one step and nine queued
	// behind it): three calls, and a few more if the machine is slow
	if attr > 8 {
		t.Errorf("%d attribute calls for %d pre-checks, want them read ahead (≤ 8)", attr, n)
	}
	if len(scheduled) != n {
		t.Errorf("%d steps were scheduled for the window, want %d", len(scheduled), n)
	}
	for id, calls := range upgradeCalls(env.sim) {
		if len(calls) != 1 {
			t.Errorf("%s: %d upgrade calls, want 1", id, len(calls))
		}
	}
}
