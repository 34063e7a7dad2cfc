package executor_test

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

const twoNightPrimaries = `defaults:
  region: cn-hangzhou
  engine: MySQL
  targetVersion: "5.6"
  effectiveTime: MaintainTime
  maintainTime: "11:00Z-12:00Z"
instances:
  - id: rm-a
    engineVersion: "5.5"
    role: primary
    status: Running
  - id: rm-b
    engineVersion: "5.5"
    role: primary
    status: Running
`

// A MaintainTime upgrade the cloud accepted waits for its window without
// a slot (and without calls): with one slot, both instances are submitted
// and scheduled before either window opens, each event saying when the
// window opens; once it opens both finish.
func TestScheduledUpgradeHoldsNoSlot(t *testing.T) {
	env, path, clock, opts := nightRun(t, twoNightPrimaries, rdssim.Faults{})
	opts.Concurrency = 1
	opens := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	scheduled := map[string]time.Time{}
	opts.OnEvent = func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.State == Scheduled && !ev.Retry {
			scheduled[ev.Instance] = ev.Until
			if len(scheduled) == 2 {
				clock.Set(opens.Add(30 * time.Minute)) // both waiting: the window opens
			}
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := apply(t, ctx, path, env.cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("apply: %v %s", err, summarize(res))
	}
	for _, id := range []string{"rm-a", "rm-b"} {
		if u, ok := scheduled[id]; !ok || !u.Equal(opens) {
			t.Errorf("%s: scheduled until %s (seen %v), want scheduled until %s", id, u, ok, opens)
		}
	}
	describes := 0
	for _, c := range env.sim.Calls() {
		if c.Action != "UpgradeDBInstanceEngineVersion" && c.Time.Before(opens) {
			describes++
		}
	}
	if describes > 2 {
		t.Errorf("%d reads before the window opened, want only the 2 pre-checks", describes)
	}
}
