package executor_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

// executorGoroutines returns the stacks of goroutines running executor or
// rdsapi code, other than the caller's.
func executorGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "executor.executorGoroutines") || strings.Contains(g, "testing.tRunner") {
			continue
		}
		if strings.Contains(g, "rdsup/executor.") || strings.Contains(g, "rdsup/executor/rdsapi.") {
			out = append(out, g)
		}
	}
	return out
}

// goroutinesAfterExit is executorGoroutines once the goroutines that have
// finished their work (a background fsync past its WaitGroup Done, which
// Close waited for) have had up to a second to be descheduled: only a
// goroutine still there then is left behind.
func goroutinesAfterExit() []string {
	left := executorGoroutines()
	for deadline := time.Now().Add(time.Second); len(left) > 0 && time.Now().Before(deadline); left = executorGoroutines() {
		time.Sleep(5 * time.Millisecond)
	}
	return left
}

// Whenever a run is cancelled — before, during or after upgrade calls,
// while polling, while waiting for a window or a busy instance — Run and
// Close return with no goroutine of the executor left behind.
func TestCancelledRunLeavesNoGoroutines(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{UpgradeDuration: 200 * time.Millisecond,
		Faults: rdssim.Faults{Latency: 2 * time.Millisecond, Drift: []rdssim.Drift{{ID: "rm-crm-db", Status: "Restarting", For: time.Hour}}}})
	for _, after := range []time.Duration{0, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond, 100 * time.Millisecond} {
		path := writePlan(t, p)
		journalStarted(t, path, p, "rm-crm-db") // resumed into a wait for a busy instance
		ctx, cancel := context.WithTimeout(t.Context(), after)
		s, err := Open(path, "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(ctx, s.Plan, env.cloud, s.Journal, fastOptions())
		cancel()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err != nil || !res.Interrupted {
			t.Fatalf("cancel after %s: err %v, interrupted %v", after, err, res.Interrupted)
		}
		if left := goroutinesAfterExit(); len(left) > 0 {
			t.Fatalf("cancel after %s: %d executor goroutines left:\n%s", after, len(left), strings.Join(left, "\n\n"))
		}
	}
}
