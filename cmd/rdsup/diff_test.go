package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffCommand(t *testing.T) {
	all := makePlanFile(t, testFleet, exitOK)
	again := makePlanFile(t, testFleet, exitOK)
	shop := makePlanFile(t, testFleet, exitOK, "--only", "team=shop", "--with-replicas")
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"id": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []cliCase{
		{name: "a plan and its regeneration: no differences", args: []string{"diff", all, again, "--exit-code"}, code: exitOK,
			stdout: []string{"no differences"}},
		{name: "differ, without --exit-code", args: []string{"diff", all, shop}, code: exitOK,
			stdout: []string{"inputs changed (1)", "selection", "--only team=shop --with-replicas", "steps removed (5)", "rm-pay-primary"}},
		{name: "differ, with --exit-code", args: []string{"diff", all, shop, "--exit-code"}, code: exitDiffer},
		{name: "markdown", args: []string{"diff", all, shop, "--format", "markdown", "--max-bytes", "4096"}, code: exitOK,
			stdout: []string{"## rdsup plan diff", "### steps removed (5)"}},
		{name: "an error stays 1 with --exit-code", args: []string{"diff", all, bad, "--exit-code"}, code: exitError,
			stderr: []string{"bad.json"}},
		{name: "unknown format", args: []string{"diff", all, shop, "--format", "yaml"}, code: exitError,
			stderr: []string{`unknown format "yaml"`}},
		{name: "two plans needed", args: []string{"diff", all}, code: exitError,
			stderr: []string{"accepts 2 arg(s)"}},
		{name: "--max-bytes below the minimum", args: []string{"diff", all, shop, "--max-bytes", "10"}, code: exitError,
			stderr: []string{"--max-bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
	out, _ := cliCase{name: "json", args: []string{"diff", all, shop, "--format", "json"}}.check(t)
	var d struct {
		Removed []struct{ ID string } `json:"removed"`
		Inputs  []struct{ Field string }
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.Removed) != 5 || len(d.Inputs) != 1 {
		t.Errorf("json diff: %v %+v\n%s", err, d, out)
	}
}

func TestPlanSelectionFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []cliCase{
		{name: "only with replicas", args: []string{"plan", "-i", testFleet, "-o", filepath.Join(dir, "a.json"), "--only", "team=shop", "--with-replicas", "--format", "json"}, code: exitOK,
			stdout: []string{`"selection": {`, `"only": [`, `"team=shop"`, `"withReplicas": true`, `"instanceId": "rr-shop-ro1"`}},
		{name: "primary without replicas names them", args: []string{"plan", "-i", testFleet, "-o", filepath.Join(dir, "b.json"), "--only", "rm-pay-*"}, code: exitError,
			stderr: []string{"instance rm-pay-primary: is selected but its replicas rr-pay-1, rr-pay-2 are not", "--with-replicas"}},
		{name: "exclude", args: []string{"plan", "-i", testFleet, "-o", filepath.Join(dir, "c.json"), "--exclude", "env=prod", "--format", "json"}, code: exitOK,
			stdout: []string{`"exclude": [`, `"instanceId": "rm-shop-db"`}},
		{name: "a selector matching nothing", args: []string{"plan", "-i", testFleet, "-o", filepath.Join(dir, "d.json"), "--only", "team=ghosts"}, code: exitError,
			stderr: []string{`--only "team=ghosts" matches no instance of fleet.yaml`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := tc.check(t)
			if tc.name == "exclude" && strings.Contains(out, `"instanceId": "rm-pay-primary"`) {
				t.Errorf("excluded instance planned:\n%s", out)
			}
		})
	}
}
