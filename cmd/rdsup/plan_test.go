package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rdsup/rdsup/plans"
)

func TestPlanCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		cliCase
		planFile string // must exist afterwards when set
	}{
		{cliCase: cliCase{
			name: "example fleet, json", code: exitOK,
			args:   []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, "a.json"), "--format", "json"},
			stdout: []string{`"formatVersion": 3`, `"instanceId": "rm-pay-primary"`}, stderr: []string{"written to"},
		}, planFile: filepath.Join(dir, "a.json")},
		{cliCase: cliCase{
			name: "bad inventory", code: exitError,
			args:   []string{"plan", "-i", "../../testdata/bad/cycle.yaml", "-o", filepath.Join(dir, "b.json")},
			stderr: []string{"cycle.yaml", "instance rr-a: replica chain loops"},
		}},
		{cliCase: cliCase{
			name: "missing inventory file", code: exitError,
			args:   []string{"plan", "-i", filepath.Join(dir, "nope.yaml"), "-o", filepath.Join(dir, "c.json")},
			stderr: []string{"read inventory", "nope.yaml"},
		}},
		{cliCase: cliCase{
			name: "unknown format", code: exitError,
			args:   []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, "d.json"), "--format", "yaml"},
			stderr: []string{`unknown format "yaml"`, "table, markdown, json"},
		}},
		{cliCase: cliCase{
			name: "inventory flag required", code: exitError,
			args:   []string{"plan"},
			stderr: []string{`"inventory" not set`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t)
			if tt.planFile != "" {
				if _, err := plans.Load(tt.planFile); err != nil {
					t.Errorf("written plan does not load: %v", err)
				}
			} else if tt.code != exitOK {
				if m, _ := filepath.Glob(filepath.Join(dir, "[bcd].json")); len(m) > 0 {
					t.Errorf("a failed plan left files behind: %v", m)
				}
			}
		})
	}
}

func TestPlanTwiceSameBytes(t *testing.T) {
	dir := t.TempDir()
	var got [2]*plans.Plan
	for i := range got {
		path := filepath.Join(dir, "p.json")
		// --at pins the policy time, which is part of the plan's content.
		if _, errOut, code := runCLI(t, "plan", "-i", "../../testdata/fleet.yaml", "-o", path, "--format", "json", "--at", "2026-11-26T03:00:00Z"); code != exitOK {
			t.Fatalf("plan failed: %s", errOut)
		}
		p, err := plans.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = p
		os.Remove(path)
	}
	a, _ := plans.Encode(&plans.Plan{Steps: got[0].Steps, ID: got[0].ID})
	b, _ := plans.Encode(&plans.Plan{Steps: got[1].Steps, ID: got[1].ID})
	if string(a) != string(b) {
		t.Error("planning the same inventory twice gave different ids or steps")
	}
}
