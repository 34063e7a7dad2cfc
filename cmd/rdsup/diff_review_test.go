package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The review of a regenerated plan in a pull request: a denied 5.5 → 8.0
// plan made again with the data its denial asked for. The diff names the
// data file among the inputs, the hops added, the steps whose id and
// fromVersion changed, and the verdicts that went from deny to allow, in
// each format; --exit-code says the plans differ.
func TestDiffReviewsFollowedAdvice(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	inv := write("fleet.yaml", hopsInventory)
	gap := write("gap.json", `{"rdsup": {"config": {"versionPaths": {"MySQL": {"5.6": []}}}}}`)
	fix := write("fix.json", `{"rdsup":{"config":{"versionPaths":{"MySQL":{"5.6":["5.7"]}}}}}`)
	denied := makePlanFile(t, inv, exitDenied, "--data", gap)
	fixed := makePlanFile(t, inv, exitOK, "--data", gap, "--data", fix)

	tests := []cliCase{
		{name: "table", args: []string{"diff", denied, fixed}, code: exitOK, stdout: []string{
			"(2 steps, 2 denied)", "(6 steps, 0 denied)",
			"inputs changed (2)", "policyDigest", "policySet.data[fix.json]",
			"findings changed (2)", "deny → allow", "rdsup.version.deny",
			"steps added (4)", "rr-a1@5.6", "rm-a@5.7",
			"step fields changed (8)", "rm-a@8.0", "fromVersion"}},
		{name: "markdown", args: []string{"diff", denied, fixed, "--format", "markdown"}, code: exitOK, stdout: []string{
			"## rdsup plan diff", "2 → 6 steps, 2 → 0 denied.", "### inputs changed (2)", "### findings changed (2)", "| `rm-a@8.0` | deny → allow |",
			"### steps added (4)", "### step fields changed (8)", "| `rm-a@8.0` | id | rm-a | rm-a@8.0 |"}},
		{name: "differ, --exit-code", args: []string{"diff", denied, fixed, "--exit-code"}, code: exitDiffer},
		{name: "same plan, --exit-code", args: []string{"diff", fixed, fixed, "--exit-code"}, code: exitOK, stdout: []string{"no differences"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
	for _, tc := range tests[:2] {
		out, _, _ := runCLI(t, tc.args...)
		if strings.Index(out, "findings changed") > strings.Index(out, "steps added") {
			t.Errorf("%s: verdict changes come after the steps added", tc.name)
		}
	}

	out, _ := cliCase{name: "json", args: []string{"diff", denied, fixed, "--format", "json"}}.check(t)
	var d struct {
		Inputs []struct{ Field, Old, New string }
		Added  []struct {
			ID, FromVersion, ToVersion, Verdict string
		}
		Removed []struct{ ID string }
		Changed []struct {
			ID     string
			Fields []struct{ Field, Old, New string }
		}
		Verdicts []struct {
			ID, Old, New string
			Removed      []string
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(d.Inputs) != 2 || d.Inputs[1].Field != "policySet.data[fix.json]" || d.Inputs[1].Old != "" {
		t.Errorf("inputs %+v", d.Inputs)
	}
	if len(d.Added) != 4 || d.Added[0].ID != "rr-a1@5.6" || d.Added[0].FromVersion != "5.5" || d.Added[0].Verdict != "allow" || len(d.Removed) != 0 {
		t.Errorf("added %+v removed %+v", d.Added, d.Removed)
	}
	if len(d.Verdicts) != 2 || d.Verdicts[0].Old != "deny" || d.Verdicts[0].New != "allow" || len(d.Verdicts[0].Removed) != 1 {
		t.Errorf("verdicts %+v", d.Verdicts)
	}
	fields := map[string]string{}
	for _, c := range d.Changed {
		for _, f := range c.Fields {
			fields[c.ID+"."+f.Field] = f.Old + " → " + f.New
		}
	}
	if fields["rm-a@8.0.id"] != "rm-a → rm-a@8.0" || fields["rm-a@8.0.fromVersion"] != "5.5 → 5.7" || fields["rr-a1@8.0.dependsOn"] != " → rm-a@5.7, rr-a1@5.7" {
		t.Errorf("changed fields %v", fields)
	}
}
