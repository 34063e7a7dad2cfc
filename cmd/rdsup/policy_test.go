package main

import (
	"path/filepath"
	"testing"
)

func TestPolicyCommands(t *testing.T) {
	failing := writePolicyDir(t, "team_test.rego", `package rdsup.team_test

test_passes if true

test_fails if {
	print("looking at", 1)
	1 == 2
}
`)
	broken := writePolicyDir(t, "broken.rego", "package rdsup.broken\n\ndeny contains msg if {\n")
	tests := []cliCase{
		{name: "built-in tests pass", args: []string{"policy", "test"}, code: exitOK,
			stdout: []string{"builtin/state_test.rego:", "data.rdsup.window_test.test_window_across_midnight: PASS", "PASS: "}},
		{name: "a failing test fails the run", args: []string{"policy", "test", failing}, code: exitError,
			stdout: []string{"data.rdsup.team_test.test_passes: PASS", "data.rdsup.team_test.test_fails: FAIL", "looking at 1", "FAIL: 1/"},
			stderr: []string{"1 of"}},
		{name: "only the given directory", args: []string{"policy", "test", "--no-default-policies", failing}, code: exitError,
			stdout: []string{"PASS: 1/2"}},
		{name: "a policy that does not parse", args: []string{"policy", "test", broken}, code: exitError,
			stderr: []string{"broken.rego:"}},
		{name: "missing directory", args: []string{"policy", "test", filepath.Join(failing, "nope")}, code: exitError,
			stderr: []string{"policy directory not found"}},
		{name: "show", args: []string{"policy", "show"}, code: exitOK,
			stdout: []string{"# ---- builtin/state.rego ----", "package rdsup.window", "# ---- builtin/data.yaml ----", `"5.5": ["5.6"]`, "tagKey: env"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}
