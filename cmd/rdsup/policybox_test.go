package main

import (
	"path/filepath"
	"testing"
	"time"
)

// policyTestdata is a policy directory of the policy package's testdata.
func policyTestdata(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "policy", "testdata"}, parts...)...)
}

// TestPolicyFailsClosed: a policy whose rule body fails (a bad time, a
// division by zero, to_number of a non-number) makes plan, check and
// apply -i fail with exit 1, naming the policy file and line, the rule and
// the step; the deny is never skipped.
func TestPolicyFailsClosed(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	if _, stderr, code := runCLI(t, "plan", "-i", "../../testdata/fleet.yaml", "-o", plan, "--at", checkAt); code != exitOK {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	cases := []struct {
		dir, line, rule, why string
	}{
		{"parse_time", "freeze.rego:6", "rule rdsup.freeze.deny at", "month out of range"},
		{"divide_by_zero", "freeze.rego:7", "rule rdsup.freeze.deny at", "divide by zero"},
		{"to_number", "freeze.rego:3", "rule rdsup.freeze.deny, in rdsup.freeze.frozen at", `parsing "abc"`},
	}
	var tests []cliCase
	for _, c := range cases {
		pol := policyTestdata("failclosed", c.dir)
		stderr := []string{"policy evaluation failed: step ", c.rule, filepath.Join(pol, c.line), c.why}
		tests = append(tests,
			cliCase{name: "plan " + c.dir, args: []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, c.dir+".json"), "-p", pol}, code: exitError, stderr: stderr},
			cliCase{name: "check " + c.dir, args: []string{"check", plan, "-p", pol, "--allow-policy-change"}, code: exitError, stderr: stderr},
			cliCase{name: "apply -i " + c.dir, args: []string{"apply", "-i", "../../testdata/fleet.yaml", "--simulate", "--yes", "-p", pol}, code: exitError, stderr: stderr},
			// check and apply PLAN judge the plan by a new policy set
			// (--allow-policy-change); apply re-checks each step before it
			// starts it: a failing re-check holds the step and fails the run.
			cliCase{name: "apply " + c.dir, args: []string{"apply", plan, "--simulate", "--yes", "-p", pol, "--allow-policy-change"}, code: exitError,
				stderr: append([]string{"the policy re-check failed for "}, stderr...)},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

// TestPolicyTimeout: --policy-timeout bounds plan, check and apply -i; a
// looping policy fails fast naming the rule and step, with what to do.
func TestPolicyTimeout(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	if _, stderr, code := runCLI(t, "plan", "-i", "../../testdata/fleet.yaml", "-o", plan, "--at", checkAt); code != exitOK {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	loop := policyTestdata("bound", "loop")
	stderr := []string{"policy evaluation timed out after 200ms: step ", "was being evaluated, in rule rdsup.loop.deny at " + filepath.Join(loop, "loop.rego:"), "raise --policy-timeout"}
	tests := []cliCase{
		{name: "plan", args: []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, "loop.json"), "-p", loop, "--policy-timeout", "200ms"}, code: exitError, stderr: stderr},
		{name: "check", args: []string{"check", plan, "-p", loop, "--allow-policy-change", "--policy-timeout", "200ms"}, code: exitError, stderr: stderr},
		{name: "apply -i", args: []string{"apply", "-i", "../../testdata/fleet.yaml", "--simulate", "--yes", "-p", loop, "--policy-timeout", "200ms"}, code: exitError, stderr: stderr},
		{name: "apply", args: []string{"apply", plan, "--simulate", "--yes", "-p", loop, "--allow-policy-change", "--policy-timeout", "200ms"}, code: exitError,
			stderr: append([]string{"the policy re-check failed for "}, stderr...)},
		{name: "zero", args: []string{"check", plan, "--policy-timeout", "0s"}, code: exitError, stderr: []string{"--policy-timeout 0s: must be from 1ms to 24h"}},
		{name: "negative", args: []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, "neg.json"), "--policy-timeout", "-1s"}, code: exitError, stderr: []string{"--policy-timeout -1s: must be from 1ms to 24h"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			tc.check(t)
			if took := time.Since(start); took > time.Minute { // a hang, not a speed target: the machines are noisy
				t.Errorf("took %s with a 200ms policy timeout: the bound did not stop it", took)
			}
		})
	}
}
