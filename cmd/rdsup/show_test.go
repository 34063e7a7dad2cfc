package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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
		name       string
		args       []string
		wantCode   int
		wantOut    []string // substrings of stdout
		wantErr    []string // substrings of stderr
		wantStdout []byte   // exact stdout, when set
	}{
		{
			name:    "table by default",
			args:    []string{"show", path},
			wantOut: []string{"plan        " + p.ID[:12], "applicable  no", "rm-pay-db", "rr-pay-ro1", "DENY: rr-shop-ro1 is Restarting"},
		},
		{
			name:    "markdown",
			args:    []string{"show", path, "--format", "markdown"},
			wantOut: []string{"## rdsup plan `" + p.ID[:12] + "`", "❌ **Not applicable**", "### Steps (8)"},
		},
		{
			name:       "json is the plan file",
			args:       []string{"show", "--format=json", path},
			wantStdout: file,
		},
		{
			name:     "unknown format names the allowed ones",
			args:     []string{"show", path, "--format", "yaml"},
			wantCode: exitError,
			wantErr:  []string{`unknown format "yaml"`, "table, markdown, json"},
		},
		{
			name:     "edited plan is refused",
			args:     []string{"show", writeEdited(t, path, "edited.json", `"toVersion": "5.6"`, `"toVersion": "9.9"`)},
			wantCode: exitError,
			wantErr:  []string{"plan was modified after it was written", "rdsup plan"},
		},
		{
			name:     "plan of another format version is refused naming both",
			args:     []string{"show", writeEdited(t, path, "v7.json", `"formatVersion": 1`, `"formatVersion": 7`)},
			wantCode: exitError,
			wantErr:  []string{"formatVersion 7", "reads 1"},
		},
		{
			name:     "missing file",
			args:     []string{"show", filepath.Join(t.TempDir(), "nope.json")},
			wantCode: exitError,
			wantErr:  []string{"nope.json"},
		},
		{
			name:     "no plan file given",
			args:     []string{"show"},
			wantCode: exitError,
			wantErr:  []string{"accepts 1 arg"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit code %d, want %d\nstderr: %s", code, tc.wantCode, stderr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tc.wantStdout != nil && stdout != string(tc.wantStdout) {
				t.Errorf("stdout is not the plan file:\n%s", stdout)
			}
			if tc.wantCode != exitOK && stdout != "" {
				t.Errorf("a refused plan printed to stdout:\n%s", stdout)
			}
		})
	}
}
