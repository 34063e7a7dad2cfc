package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
)

const checkAt = "2026-03-04T19:00:00Z"

// writePolicyDir writes one Rego file into a new directory.
func writePolicyDir(t *testing.T, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	if _, stderr, code := runCLI(t, "plan", "-i", "../../testdata/fleet.yaml", "-o", plan, "--format", "json", "--at", checkAt); code != exitOK {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	freeze := writePolicyDir(t, "freeze.rego", `package rdsup.freeze

deny contains {"msg": sprintf("%s: payments are frozen this week", [input.instance.id]), "ticket": "CHG-1"} if input.instance.tags.team == "payments"
`)
	noPaths := filepath.Join(dir, "paths.json")
	if err := os.WriteFile(noPaths, []byte(`{"rdsup": {"config": {"versionPaths": {"MySQL": {"5.5": [], "5.6": [], "5.7": []}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	edited := writeEdited(t, plan, "edited.json", `"toVersion": "5.6"`, `"toVersion": "5.7"`)

	tests := []cliCase{
		{name: "clean plan", args: []string{"check", plan}, code: exitOK,
			stdout: []string{"checked, 0 steps denied", "plan is applicable", "at " + checkAt}},
		{name: "junit", args: []string{"check", plan, "--format", "junit"}, code: exitOK,
			stdout: []string{"<testsuite ", `failures="0"`}},
		{name: "json", args: []string{"check", plan, "--format", "json"}, code: exitOK,
			stdout: []string{`"applicable": true`, `"at": "` + checkAt + `"`}},
		{name: "github", args: []string{"check", plan, "--format", "github"}, code: exitOK,
			stdout: []string{"::notice title=rdsup check::"}},
		{name: "a team policy added is another policy set", args: []string{"check", plan, "-p", freeze, "--format", "github"}, code: exitError,
			stdout: []string{"::notice title=rdsup check::"},
			stderr: []string{"the policy set differs from the one " + plan + " was judged with", "policy file freeze.rego added", "--allow-policy-change"}},
		{name: "a team policy denies under --allow-policy-change", args: []string{"check", plan, "-p", freeze, "--format", "github", "--allow-policy-change"}, code: exitDenied,
			stdout: []string{"::error file=" + plan, "rdsup.freeze.deny", "rm-pay-primary: payments are frozen this week"},
			stderr: []string{"policy denies 4 of", "judging the plan by a policy set other than the one it was made with", "policy file freeze.rego added"}},
		{name: "a data file added is another policy set", args: []string{"check", plan, "--data", noPaths}, code: exitError,
			stderr: []string{"data file paths.json added"}},
		{name: "data takes the version path away", args: []string{"check", plan, "--data", noPaths, "--allow-policy-change"}, code: exitDenied,
			stdout: []string{"rdsup.version.deny", "allowed: none"}},
		{name: "built-in policies turned off is another policy set", args: []string{"check", plan, "--no-default-policies"}, code: exitError,
			stderr: []string{"built-in policies turned off"}},
		{name: "without the built-in policies", args: []string{"check", plan, "--no-default-policies", "--allow-policy-change"}, code: exitOK,
			stdout: []string{"policy set none"}},
		{name: "--at outside a production window", args: []string{"check", plan, "--at", "2026-03-04T12:00:00Z", "--format", "json"}, code: exitOK,
			stdout: []string{`"at": "2026-03-04T12:00:00Z"`}},
		{name: "edited plan", args: []string{"check", edited}, code: exitError,
			stderr: []string{"plan was modified after it was written"}},
		{name: "unknown output", args: []string{"check", plan, "--format", "yaml"}, code: exitError,
			stderr: []string{`unknown output format "yaml"`, "table, json, junit, github"}},
		{name: "missing policy directory", args: []string{"check", plan, "-p", filepath.Join(dir, "nope")}, code: exitError,
			stderr: []string{"policy directory not found"}},
		{name: "bad --at", args: []string{"check", plan, "--at", "tomorrow"}, code: exitError,
			stderr: []string{`--at "tomorrow"`, "RFC 3339"}},
		{name: "no plan file", args: []string{"check", filepath.Join(dir, "none.json")}, code: exitError,
			stderr: []string{"none.json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

// TestPlanPolicyFlags: `rdsup plan` records the verdicts, the policy set
// and the time, and exits 2 when a step is denied.
func TestPlanPolicyFlags(t *testing.T) {
	dir := t.TempDir()
	deny := writePolicyDir(t, "ro.rego", "package rdsup.team\n\ndeny contains \"no read-only upgrades today\" if input.step.role == \"readonly\"\n")

	out := filepath.Join(dir, "denied.json")
	_, stderr, code := runCLI(t, "plan", "-i", "../../testdata/fleet.yaml", "-o", out, "--format", "json", "-p", deny, "--at", checkAt)
	if code != exitDenied {
		t.Fatalf("exit %d, want %d: %s", code, exitDenied, stderr)
	}
	p, err := plans.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Applicable || p.Summary.Denied == 0 || p.Inputs.PolicyAt != checkAt || !strings.HasPrefix(p.Inputs.PolicyDigest, "sha256:") {
		t.Errorf("summary %+v inputs %+v", p.Summary, p.Inputs)
	}
	for _, s := range p.Steps {
		if got := len(s.Policy.Deny) > 0; got != (s.Role == plans.RoleReadOnly) {
			t.Errorf("step %s (%s): deny %+v", s.ID, s.Role, s.Policy.Deny)
		}
	}

	none := filepath.Join(dir, "none.json")
	if _, stderr, code := runCLI(t, "plan", "-i", "../../testdata/fleet.yaml", "-o", none, "--format", "json", "--no-default-policies"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if p, err := plans.Load(none); err != nil || p.Inputs.PolicyDigest != "" || p.Inputs.PolicyAt != "" {
		t.Errorf("no policies: inputs %+v, err %v", p.Inputs, err)
	}
}
