package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// --limit bounds the table and Markdown of plan and show; JSON stays
// complete; a bad limit is refused before anything is written.
func TestLimitFlag(t *testing.T) {
	t.Setenv("COLUMNS", "")
	dir := t.TempDir()
	large := filepath.Join(dir, "large.json")
	if err := plans.Write(large, plantest.Large(200)); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(large)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cliCase
		notStdout []string
		exact     []byte // exact stdout, when set
	}{
		{cliCase: cliCase{name: "show: default limit",
			args: []string{"show", large}, stdout: []string{"│ 50 │", "… 150 more steps (use --format json)", "DENY: rr-c000000-r0", "WARN: rr-c000046-r2"}},
			notStdout: []string{"│ 51 │", "more findings"}},
		{cliCase: cliCase{name: "show: --limit 3",
			args: []string{"show", large, "--limit", "3"}, stdout: []string{"│ 3 │", "… 197 more steps (use --format json)", "│ 195 │ rr-c000048-r2 │ DENY", "… 7 more findings (use --format json)"}},
			notStdout: []string{"│ 4 │", "WARN"}},
		{cliCase: cliCase{name: "show: --limit 0 shows all",
			args: []string{"show", large, "--limit=0"}, stdout: []string{"│ 200 │"}},
			notStdout: []string{"more steps", "more findings"}},
		{cliCase: cliCase{name: "show: markdown limited",
			args: []string{"show", large, "--format", "markdown", "--limit", "5"}, stdout: []string{"| 5 | `", "… 195 more steps (use `--format json`)"}},
			notStdout: []string{"| 6 | `"}},
		{cliCase: cliCase{name: "show: json ignores the limit",
			args: []string{"show", large, "--format", "json", "--limit", "1"}}, exact: file},
		{cliCase: cliCase{name: "plan: --limit 2",
			args:   []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, "p.json"), "--limit", "2"},
			stdout: []string{"… 5 more steps (use --format json)"}}},
		{cliCase: cliCase{name: "show: negative limit refused", code: exitError,
			args: []string{"show", large, "--limit", "-1"}, stderr: []string{"--limit -1: must be from 0 to"}}},
		{cliCase: cliCase{name: "show: limit not a number", code: exitError,
			args: []string{"show", large, "--limit", "many"}, stderr: []string{`invalid argument "many" for "--limit"`}}},
		{cliCase: cliCase{name: "show: limit too large", code: exitError,
			args: []string{"show", large, "--limit", "99999999999"}, stderr: []string{"--limit"}}},
		{cliCase: cliCase{name: "plan: negative limit refused before writing", code: exitError,
			args: []string{"plan", "-i", "../../testdata/fleet.yaml", "-o", filepath.Join(dir, "never.json"), "--limit", "-5"}, stderr: []string{"--limit -5"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _ := tc.check(t)
			for _, s := range tc.notStdout {
				if strings.Contains(stdout, s) {
					t.Errorf("stdout contains %q", s)
				}
			}
			if tc.exact != nil && stdout != string(tc.exact) {
				t.Errorf("stdout is not the plan file")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "never.json")); err == nil {
		t.Errorf("a refused --limit still wrote the plan")
	}
}

// Output that is not a terminal is fitted to $COLUMNS when set, and not
// fitted at all otherwise.
func TestShowFitsColumns(t *testing.T) {
	path, _ := writeSamplePlan(t)
	widest := func(out string) int {
		w := 0
		for line := range strings.SplitSeq(out, "\n") {
			w = max(w, twwidth.Width(line))
		}
		return w
	}
	t.Setenv("COLUMNS", "100")
	stdout, _, code := runCLI(t, "show", path)
	if w := widest(stdout); code != exitOK || w > 100 {
		t.Errorf("COLUMNS=100: exit %d, widest line %d columns:\n%s", code, w, stdout)
	}
	t.Setenv("COLUMNS", "")
	stdout, _, _ = runCLI(t, "show", path)
	if w := widest(stdout); w <= 100 {
		t.Errorf("no COLUMNS, not a terminal: widest line %d columns; want the unfitted table (wider than 100)", w)
	}
}
