package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/internal/pgtest"
)

func TestStateInitApplyStatus(t *testing.T) {
	db := pgtest.DB(t)
	path, p := planFile(t, exampleFleet)
	sim, endpoint := simFor(t, p, rdssim.Faults{})
	short := p.ID[:12]

	cliCase{name: "apply before init", args: []string{"apply", path, "--state", db, "--endpoint", endpoint, "--yes"},
		code: exitError, stderr: []string{"no rdsup schema", "rdsup state init"}}.check(t)
	cliCase{name: "init", args: []string{"state", "init", "--state", db},
		code: exitOK, stdout: []string{"schema version 1 (applied migration(s) 1)"}}.check(t)
	cliCase{name: "init again", args: []string{"state", "init", "--state", db},
		code: exitOK, stdout: []string{"schema version 1, up to date"}}.check(t)
	cliCase{name: "nothing stored", args: []string{"status", "--state", db},
		code: exitOK, stdout: []string{"no plans in"}}.check(t)
	cliCase{name: "unknown plan id", args: []string{"apply", "--state", db, "--plan-id", short, "--endpoint", endpoint, "--yes"},
		code: exitError, stderr: []string{"no plan " + short, "rdsup apply PLANFILE --state URL"}}.check(t)

	// store and apply the plan file
	cliCase{name: "apply", args: []string{"apply", path, "--state", db, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms", "--max-concurrency", "2"},
		code: exitOK, stdout: []string{"4 steps: 4 succeeded"}, stderr: []string{"plan " + short + " stored in"}}.check(t)
	applied := 0
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" && c.Outcome == "applied" {
			applied++
		}
	}
	if applied != len(p.Steps) {
		t.Errorf("%d upgrades applied, want %d", applied, len(p.Steps))
	}
	// from anywhere, by id: no local file, and nothing left to do
	t.Setenv(stateEnv, db)
	cliCase{name: "apply by id", args: []string{"apply", "--plan-id", short, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms"},
		code: exitOK, stdout: []string{"resuming from", "4 succeeded"}}.check(t)
	out, _ := cliCase{name: "status list", args: []string{"status", "--format", "json"}, code: exitOK}.check(t)
	var list struct {
		Plans []struct {
			ID               string
			Steps, Succeeded int
			MaxConcurrency   int
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Plans) != 1 || list.Plans[0].ID != p.ID || list.Plans[0].Succeeded != 4 || list.Plans[0].MaxConcurrency != 2 {
		t.Errorf("status list = %+v (%v):\n%s", list, err, out)
	}
	out, _ = cliCase{name: "status by id", args: []string{"status", "--plan-id", short}, code: exitOK,
		stdout: []string{"4 steps: 4 succeeded", "plan " + short}}.check(t)
	if strings.Contains(out, "running") {
		t.Errorf("status names a running apply after every worker ended:\n%s", out)
	}
	cliCase{name: "status of the plan file", args: []string{"status", path, "--format", "json"}, code: exitOK,
		stdout: []string{`"succeeded": 4`}}.check(t)

	bad := []cliCase{
		{name: "no plan", args: []string{"apply", "--yes"}, code: exitError, stderr: []string{"--plan-id ID of a plan already stored"}},
		{name: "with -i", args: []string{"apply", "-i", exampleFleet, "--yes"}, code: exitError, stderr: []string{"-i and --state exclude each other"}},
		{name: "with --simulate", args: []string{"apply", path, "--state", db, "--simulate", "--yes"}, code: exitError, stderr: []string{"--simulate and --state exclude each other"}},
		{name: "--simulate ignores $RDSUP_STATE", args: []string{"apply", path, "--simulate", "--yes"}, code: exitOK, stdout: []string{"4 steps: 4 succeeded"}},
		{name: "not postgres", args: []string{"apply", path, "--state", "mysql://x", "--yes"}, code: exitError, stderr: []string{"give a PostgreSQL URL"}},
		{name: "wrong plan id", args: []string{"apply", path, "--plan-id", "0123456789ab", "--yes"}, code: exitError, stderr: []string{"--plan-id is 0123456789ab"}},
		{name: "short id", args: []string{"status", "--plan-id", "abc"}, code: exitError, stderr: []string{"at least its first 12"}},
		{name: "lease too short", args: []string{"apply", path, "--lease", "1s", "--yes"}, code: exitError, stderr: []string{"--lease"}},
		{name: "negative cap", args: []string{"apply", path, "--max-concurrency", "-1", "--yes"}, code: exitError, stderr: []string{"--max-concurrency"}},
		{name: "unreachable store", args: []string{"state", "init", "--state", "postgres://u:sekret@127.0.0.1:1/db?connect_timeout=2"}, code: exitError, stderr: []string{"unreachable", "xxxxx"}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, stderr := c.check(t)
			if strings.Contains(stderr, "sekret") {
				t.Errorf("the password is in the error: %s", stderr)
			}
		})
	}
}

func TestStateFencingAcrossPlans(t *testing.T) {
	db := pgtest.DB(t)
	_, a := planFile(t, exampleFleet)
	pathB, b := planFile(t, exampleFleet, "--no-default-policies")
	if a.ID == b.ID {
		t.Fatal("the two plans share an id")
	}
	sim, endpoint := simFor(t, b, rdssim.Faults{})
	store, err := postgres.Connect(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SavePlan(t.Context(), a, 0); err != nil {
		t.Fatal(err)
	}
	w, err := store.OpenWorker(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	held := a.Steps[0]
	if c, err := w.Claim(t.Context(), held); err != nil || c.Result != executor.Claimed {
		t.Fatalf("claim %s: %+v %v", held.ID, c, err)
	}
	cliCase{name: "apply plan b", args: []string{"apply", pathB, "--state", db, "--endpoint", endpoint, "--yes",
		"--poll-interval", "5ms", "--no-default-policies"},
		code: exitPending, stderr: []string{"held by plan " + a.ID[:12], "step " + held.ID, "instance " + held.InstanceID}}.check(t)
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" && c.InstanceID == held.InstanceID {
			t.Errorf("plan b sent an upgrade of %s while plan a held it", held.InstanceID)
		}
	}
}
