package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// writeSamplePlan writes plantest.Sample to a temporary plan file.
func writeSamplePlan(t *testing.T) (path string, p *plans.Plan) {
	t.Helper()
	p = plantest.Sample()
	path = filepath.Join(t.TempDir(), "plan.json")
	if err := plans.Write(path, p); err != nil {
		t.Fatal(err)
	}
	return path, p
}

// writeEdited writes a copy of the plan at path, named name in the same
// directory, with old replaced by new once, as a person editing it would.
func writeEdited(t *testing.T, path, name, old, new string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("plan does not contain %q", old)
	}
	edited := filepath.Join(filepath.Dir(path), name)
	if err := os.WriteFile(edited, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return edited
}

func TestShow(t *testing.T) {
	path, p := writeSamplePlan(t)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cliCase
		wantStdout []byte // exact stdout, when set
	}{
		{cliCase: cliCase{
			name:   "table by default",
			args:   []string{"show", path},
			stdout: []string{"plan        " + p.ID[:12], "applicable  no", "rm-pay-db", "rr-pay-ro1", "DENY: rr-shop-ro1 is Restarting"},
		}},
		{cliCase: cliCase{
			name:   "markdown",
			args:   []string{"show", path, "--format", "markdown"},
			stdout: []string{"## rdsup plan `" + p.ID[:12] + "`", "❌ **Not applicable**", "### Steps (8)"},
		}},
		{cliCase: cliCase{
			name: "json is the plan file",
			args: []string{"show", "--format=json", path},
		}, wantStdout: file},
		{cliCase: cliCase{
			name:   "unknown format names the allowed ones",
			args:   []string{"show", path, "--format", "yaml"},
			code:   exitError,
			stderr: []string{`unknown format "yaml"`, "table, markdown, json"},
		}},
		{cliCase: cliCase{
			name:   "edited plan is refused",
			args:   []string{"show", writeEdited(t, path, "edited.json", `"toVersion": "5.6"`, `"toVersion": "9.9"`)},
			code:   exitError,
			stderr: []string{"plan was modified after it was written", "rdsup plan"},
		}},
		{cliCase: cliCase{
			name:   "plan of another format version is refused naming both",
			args:   []string{"show", writeEdited(t, path, "v7.json", `"formatVersion": 3`, `"formatVersion": 7`)},
			code:   exitError,
			stderr: []string{"formatVersion 7", "reads 3"},
		}},
		{cliCase: cliCase{
			name:   "missing file",
			args:   []string{"show", filepath.Join(t.TempDir(), "nope.json")},
			code:   exitError,
			stderr: []string{"nope.json"},
		}},
		{cliCase: cliCase{
			name:   "no plan file given",
			args:   []string{"show"},
			code:   exitError,
			stderr: []string{"accepts 1 arg"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _ := tc.check(t)
			if tc.wantStdout != nil && stdout != string(tc.wantStdout) {
				t.Errorf("stdout is not the plan file:\n%s", stdout)
			}
			if tc.code != exitOK && stdout != "" {
				t.Errorf("a refused plan printed to stdout:\n%s", stdout)
			}
		})
	}
}
