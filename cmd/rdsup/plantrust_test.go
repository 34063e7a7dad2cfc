package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
)

const freezeRego = `package rdsup.freeze

deny contains sprintf("%s: payments are frozen", [input.instance.id]) if input.instance.tags.team == "payments"
`

const warnRego = `package rdsup.team

warn contains sprintf("%s: tell the shop team", [input.instance.id]) if input.instance.tags.team == "shop"
`

// writeFiles writes name → content into a new directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// testFleet has production instances outside their windows at checkAt;
// exampleFleet's windows are always open, so simulated applies are quick.
const testFleet = "../../testdata/fleet.yaml"

// makePlanFile runs rdsup plan on inventory with extra flags and returns
// the plan file; code is the exit code plan must give.
func makePlanFile(t *testing.T, inventory string, code int, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	args := append([]string{"plan", "-i", inventory, "-o", path, "--at", checkAt}, extra...)
	if _, stderr, got := runCLI(t, args...); got != code {
		t.Fatalf("plan: exit %d, want %d: %s", got, code, stderr)
	}
	return path
}

// TestCheckRecordedDenialWins: a plan made with a denying policy exits 2
// under check whatever the policies given now, and whatever else fails.
func TestCheckRecordedDenialWins(t *testing.T) {
	freeze := writeFiles(t, map[string]string{"freeze.rego": freezeRego})
	denied := makePlanFile(t, testFleet, exitDenied, "-p", freeze)
	tests := []cliCase{
		{name: "check without -p (the CI job that forgot it)", args: []string{"check", denied}, code: exitDenied,
			stderr: []string{"records 4 denied step(s) (rm-pay-dr, rr-pay-1, rr-pay-2, rm-pay-primary)", "policy file freeze.rego removed"}},
		{name: "check without -p, new set allowed: re-evaluation is clean", args: []string{"check", denied, "--allow-policy-change"}, code: exitDenied,
			stdout: []string{"plan is applicable"}, stderr: []string{"records 4 denied step(s)"}},
		{name: "check with the plan's -p", args: []string{"check", denied, "-p", freeze}, code: exitDenied,
			stdout: []string{"payments are frozen"}, stderr: []string{"records 4 denied step(s)", "policy denies 4 of"}},
		{name: "check with a wrong --plan-id", args: []string{"check", denied, "-p", freeze, "--plan-id", strings.Repeat("0", 12)}, code: exitDenied,
			stderr: []string{"records 4 denied step(s)", "also: refusing " + denied}},
		{name: "check with a bad --at", args: []string{"check", denied, "--at", "soon"}, code: exitDenied,
			stderr: []string{"records 4 denied step(s)", `--at "soon"`}},
		{name: "check with a missing -p directory", args: []string{"check", denied, "-p", filepath.Join(freeze, "nope")}, code: exitDenied,
			stderr: []string{"records 4 denied step(s)", "policy directory not found"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

// TestPolicySetDiffNamed: check and apply name each file that differs from
// the plan's policy set, and refuse (exit 1) unless --allow-policy-change.
func TestPolicySetDiffNamed(t *testing.T) {
	team := writeFiles(t, map[string]string{"team/warn.rego": warnRego, "shared/ok.rego": "package rdsup.ok\n"})
	data := writeFiles(t, map[string]string{"a.yaml": "rdsup: {config: {production: {tagValue: prod}}}\n", "b.yaml": "{}\n"})
	a, b := filepath.Join(data, "a.yaml"), filepath.Join(data, "b.yaml")
	plan := makePlanFile(t, exampleFleet, exitOK, "-p", team, "--data", a, "--data", b)

	changed := writeFiles(t, map[string]string{"team/warn.rego": warnRego + "\n# edited\n", "shared/ok.rego": "package rdsup.ok\n"})
	moved := writeFiles(t, map[string]string{"warn.rego": warnRego, "shared/ok.rego": "package rdsup.ok\n"})
	otherData := writeFiles(t, map[string]string{"a.yaml": "rdsup: {config: {production: {tagValue: live}}}\n"})
	same := writeFiles(t, map[string]string{"team/warn.rego": warnRego, "shared/ok.rego": "package rdsup.ok\n"}) // another checkout

	tests := []cliCase{
		{name: "same set from another checkout", args: []string{"check", plan, "-p", same, "--data", a, "--data", b}, code: exitOK,
			stdout: []string{"tell the shop team"}},
		{name: "policy file changed", args: []string{"check", plan, "-p", changed, "--data", a, "--data", b}, code: exitError,
			stderr: []string{"policy file team/warn.rego changed"}},
		{name: "policy file moved", args: []string{"check", plan, "-p", moved, "--data", a, "--data", b}, code: exitError,
			stderr: []string{"policy file team/warn.rego removed", "policy file warn.rego added"}},
		{name: "policy directory left out", args: []string{"check", plan, "--data", a, "--data", b}, code: exitError,
			stderr: []string{"policy file shared/ok.rego removed", "policy file team/warn.rego removed"}},
		{name: "data file changed", args: []string{"check", plan, "-p", team, "--data", filepath.Join(otherData, "a.yaml"), "--data", b}, code: exitError,
			stderr: []string{"data file a.yaml changed"}},
		{name: "data file left out", args: []string{"check", plan, "-p", team, "--data", a}, code: exitError,
			stderr: []string{"data file b.yaml removed"}},
		{name: "data files in another order", args: []string{"check", plan, "-p", team, "--data", b, "--data", a}, code: exitError,
			stderr: []string{"data files merged in another order: [builtin/data.yaml, a.yaml, b.yaml] in the plan, [builtin/data.yaml, b.yaml, a.yaml] now"}},
		{name: "built-ins turned off", args: []string{"check", plan, "-p", team, "--data", a, "--data", b, "--no-default-policies"}, code: exitError,
			stderr: []string{"built-in policies turned off"}},
		{name: "apply refuses another set", args: []string{"apply", plan, "--simulate", "--yes", "-p", changed, "--data", a, "--data", b}, code: exitError,
			stderr: []string{"policy file team/warn.rego changed", "--allow-policy-change"}},
		{name: "apply without the plan's flags", args: []string{"apply", plan, "--simulate", "--yes"}, code: exitError,
			stderr: []string{"policy file team/warn.rego removed", "data file a.yaml removed"}},
		{name: "apply with --allow-policy-change", args: []string{"apply", plan, "--simulate", "--yes", "--allow-policy-change"}, code: exitOK,
			stderr: []string{"judging the plan by a policy set other than the one it was made with"}},
		{name: "apply with the plan's set", args: []string{"apply", plan, "--simulate", "--yes", "-p", same, "--data", a, "--data", b}, code: exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

// TestPlanIDFlag: --plan-id accepts the plan's id or a prefix of at least
// 12 hex digits, and refuses anything else naming both ids.
func TestPlanIDFlag(t *testing.T) {
	plan := makePlanFile(t, exampleFleet, exitOK)
	p, err := plans.Load(plan)
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Repeat("0", 64)
	tests := []cliCase{
		{name: "check: the full id", args: []string{"check", plan, "--plan-id", p.ID}, code: exitOK},
		{name: "check: 12 hex digits", args: []string{"check", plan, "--plan-id", p.ID[:12]}, code: exitOK},
		{name: "check: another id", args: []string{"check", plan, "--plan-id", other}, code: exitError,
			stderr: []string{"its plan id is " + p.ID + ", but --plan-id is " + other}},
		{name: "apply: another id", args: []string{"apply", plan, "--simulate", "--yes", "--plan-id", other[:12]}, code: exitError,
			stderr: []string{"its plan id is " + p.ID + ", but --plan-id is " + other[:12], "approved in review"}},
		{name: "apply: another id, refused before the lock and journal", args: []string{"apply", plan, "--endpoint", "http://127.0.0.1:1", "--yes", "--plan-id", other}, code: exitError,
			stderr: []string{"its plan id is " + p.ID}},
		{name: "apply: too short a prefix", args: []string{"apply", plan, "--simulate", "--yes", "--plan-id", p.ID[:11]}, code: exitError,
			stderr: []string{"at least its first 12"}},
		{name: "apply: not hex", args: []string{"apply", plan, "--simulate", "--yes", "--plan-id", strings.ToUpper(p.ID)}, code: exitError,
			stderr: []string{"64 lowercase hex digits"}},
		{name: "apply: the full id", args: []string{"apply", plan, "--simulate", "--yes", "--plan-id", p.ID}, code: exitOK},
		{name: "apply: 12 hex digits", args: []string{"apply", plan, "--simulate", "--yes", "--plan-id", p.ID[:12]}, code: exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _ := tc.check(t)
			if tc.code == exitError && strings.Contains(stdout, "succeeded") {
				t.Errorf("a refused apply ran steps:\n%s", stdout)
			}
		})
	}
	for _, f := range []string{plan + ".journal", plan + ".lock"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("a refused apply left %s", f)
		}
	}
}

// TestResealedPlanRefusedByEveryCommand: a plan edited and sealed again
// (its id recomputed) with a dependsOn cycle, or with two steps for one
// instance, is refused by show, check, apply and status, naming the steps.
func TestResealedPlanRefusedByEveryCommand(t *testing.T) {
	good := makePlanFile(t, testFleet, exitOK)
	tests := []struct {
		name string
		edit func(p *plans.Plan)
		want string
	}{
		{"dependsOn cycle", func(p *plans.Plan) {
			s := p.Step("rr-pay-1")
			s.DependsOn = append(s.DependsOn, "rm-pay-primary")
		}, "steps rm-pay-primary, rr-pay-1 form a dependsOn cycle"},
		{"two steps for one instance", func(p *plans.Plan) { p.Step("rr-pay-2").InstanceID = "rr-pay-1" },
			"steps rr-pay-1 and rr-pay-2 both upgrade instance rr-pay-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := plans.Load(good)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(p)
			slices.Sort(p.Step("rr-pay-1").DependsOn)
			if err := plans.Seal(p); err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "resealed.json")
			if err := plans.Write(bad, p); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"show", bad}, {"check", bad}, {"apply", bad, "--simulate", "--yes"}, {"status", bad},
			} {
				c := cliCase{name: args[0], args: args, code: exitError, stderr: []string{tc.want, "plan structure is invalid", "make a new plan"}}
				if stdout, _ := c.check(t); stdout != "" {
					t.Errorf("%s printed to stdout for a refused plan:\n%s", args[0], stdout)
				}
			}
		})
	}
}
