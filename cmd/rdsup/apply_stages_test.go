package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

const stagedFleet = "../../testdata/rollout/fleet.yaml"

// upgraded lists the instances the simulator upgraded, sorted.
func upgraded(sim *rdssim.Sim) []string {
	var ids []string
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" && c.Outcome == "applied" {
			ids = append(ids, c.InstanceID)
		}
	}
	slices.Sort(ids)
	return ids
}

// The cron line on a staged inventory: the canary stage runs, then the
// campaign soaks for a day: apply exits 3 saying until when, status shows
// the stage soaking, and a run during the soak starts nothing.
func TestApplyNoWaitExits3WhileSoaking(t *testing.T) {
	inv := abs(t, stagedFleet)
	path, p := planFile(t, inv)
	sim, endpoint := simFor(t, p, rdssim.Faults{})
	for run := 1; run <= 2; run++ {
		out, stderr, code := runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--no-wait", "--poll-interval", "5ms")
		if code != exitPending || !strings.Contains(stderr, "stage canary soaks until ") || !strings.Contains(stderr, "; stage production starts then") {
			t.Fatalf("run %d: exit %d, want %d naming the soak\n%s\n%s", run, code, exitPending, out, stderr)
		}
		if !strings.Contains(out, "soaking") {
			t.Errorf("run %d: the summary does not show the stage soaking:\n%s", run, out)
		}
	}
	if got := upgraded(sim); !slices.Equal(got, []string{"rm-stg-db", "rr-stg-ro1"}) {
		t.Errorf("upgraded %v, want only the canary stage", got)
	}
	out, stderr, code := runCLI(t, "status", path)
	if code != exitOK || !strings.Contains(out, "canary") || !strings.Contains(out, "soaking") {
		t.Errorf("status: exit %d\n%s\n%s", code, out, stderr)
	}
	out, _, _ = runCLI(t, "status", path, "--format", "json")
	var st executor.PlanStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Stages) != 3 || st.Stages[0].State != executor.StageSoaking || st.Stages[0].SoakEndsAt.Sub(st.Stages[0].DoneAt).Hours() != 24 {
		t.Errorf("status JSON stages = %+v, want canary soaking for 24h", st.Stages)
	}
}

// apply -i takes plan's selection flags: the plan it writes records the
// selection and covers only the selected instances (their stages' gates
// still apply); a bad selection is refused before anything runs; with a
// PLANFILE the flags are refused.
func TestApplyInventorySelection(t *testing.T) {
	inv := abs(t, stagedFleet)
	dir := t.TempDir()
	out := filepath.Join(dir, "prod.json")
	planned, stderr, code := runCLI(t, "plan", "-i", inv, "-o", out, "--only", "rm-pay-db", "--with-replicas")
	if code != exitOK {
		t.Fatalf("plan: exit %d\n%s\n%s", code, planned, stderr)
	}
	p, err := plans.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	sim, endpoint := simFor(t, p, rdssim.Faults{})

	applyOut := filepath.Join(dir, "apply.json")
	stdout, stderr, code := runCLI(t, "apply", "-i", inv, "-o", applyOut, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms",
		"--only", "rm-pay-db", "--with-replicas")
	if code != exitOK {
		t.Fatalf("apply -i --only: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := upgraded(sim); !slices.Equal(got, []string{"rm-pay-db", "rr-pay-ro1"}) {
		t.Errorf("upgraded %v, want the selected cluster only", got)
	}
	ap, err := plans.Load(applyOut)
	if err != nil {
		t.Fatal(err)
	}
	if sel := ap.Inputs.Selection; sel == nil || !slices.Equal(sel.Only, []string{"rm-pay-db"}) || !sel.WithReplicas {
		t.Errorf("applied plan's selection = %+v, want --only rm-pay-db --with-replicas", sel)
	}
	if ap.ID != p.ID {
		t.Errorf("apply -i --only planned %s, plan with the same flags %s", ap.ID[:12], p.ID[:12])
	}

	tests := []cliCase{
		{name: "primary without its replica", args: []string{"apply", "-i", inv, "-o", filepath.Join(dir, "x.json"), "--simulate", "--yes", "--only", "rm-pay-db"},
			code: exitError, stderr: []string{"rm-pay-db", "rr-pay-ro1", "--with-replicas"}},
		{name: "selector matching nothing", args: []string{"apply", "-i", inv, "--simulate", "--yes", "--exclude", "team=nobody"},
			code: exitError, stderr: []string{`--exclude "team=nobody" matches no instance`}},
		{name: "selection with a plan file", args: []string{"apply", applyOut, "--yes", "--only", "env=prod"},
			code: exitError, stderr: []string{"a PLANFILE keeps the selection it was planned with"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}
