package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
)

// The cron line `rdsup apply PLAN --yes --no-wait` on MaintainTime
// upgrades whose window opens in hours: apply submits the replicas'
// upgrades, exits 3 at once, and `rdsup status` shows them scheduled with
// the window's opening; a second run before the window sends nothing again.
func TestApplyNoWaitSchedulesMaintainTimeUpgrades(t *testing.T) {
	now := time.Now().UTC()
	from, to := now.Add(3*time.Hour), now.Add(4*time.Hour)
	window := from.Format("15:04") + "Z-" + to.Format("15:04") + "Z"
	inv := filepath.Join(t.TempDir(), "night.yaml")
	if err := os.WriteFile(inv, fmt.Appendf(nil, `defaults:
  region: cn-hangzhou
  engine: MySQL
  targetVersion: "5.6"
  effectiveTime: MaintainTime
  maintainTime: %q
instances:
  - {id: rm-night, role: primary, engineVersion: "5.5", status: Running}
  - {id: rr-night-1, role: readonly, primary: rm-night, engineVersion: "5.5", status: Running}
`, window), 0o644); err != nil {
		t.Fatal(err)
	}
	path, p := planFile(t, inv)
	sim, endpoint := simFor(t, p, rdssim.Faults{})
	for run := 1; run <= 2; run++ {
		start := time.Now()
		out, stderr, code := runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--no-wait", "--poll-interval", "5ms")
		if code != exitPending || !strings.Contains(stderr, "scheduled for their maintenance window") {
			t.Fatalf("run %d: exit %d, want %d (scheduled)\n%s\n%s", run, code, exitPending, out, stderr)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("run %d took %s: --no-wait waited for the window", run, d)
		}
	}
	calls := map[string][]rdssim.Call{}
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" {
			calls[c.InstanceID] = append(calls[c.InstanceID], c)
		}
	}
	if len(calls["rr-night-1"]) != 1 || calls["rr-night-1"][0].Outcome != "applied" || len(calls["rm-night"]) != 0 {
		t.Fatalf("upgrade calls %+v, want one applied call for the replica, none for the primary", calls)
	}

	out, stderr, code := runCLI(t, "status", path)
	opens := from.Truncate(time.Minute).Format(time.RFC3339)
	if code != exitOK || !strings.Contains(out, "scheduled (window opens "+opens+")") || !strings.Contains(out, "1 scheduled, 1 not-started") {
		t.Errorf("status: exit %d, want the replica scheduled, window opening %s\n%s\n%s", code, opens, out, stderr)
	}
	out, _, _ = runCLI(t, "status", path, "--format", "json")
	var st executor.PlanStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Steps {
		want := executor.NotStarted
		if s.Instance == "rr-night-1" {
			want = executor.Scheduled
			if s.TaskID != calls["rr-night-1"][0].TaskID || s.OpensAt.Format(time.RFC3339) != opens {
				t.Errorf("json status of %s: task %q opens %s, want task %s opens %s", s.Instance, s.TaskID, s.OpensAt, calls["rr-night-1"][0].TaskID, opens)
			}
		}
		if s.State != want {
			t.Errorf("json status of %s = %s, want %s", s.Instance, s.State, want)
		}
	}
}
