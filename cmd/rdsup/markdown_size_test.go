package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rdsup/rdsup/planner/fleetgen"
)

// freezePolicy denies every step of a production instance with a long
// message and warns on staging ones: most steps of a generated fleet end
// up denied.
const freezePolicy = `package rdsup.freeze

deny contains msg if {
	input.instance.tags.env == "prod"
	msg := sprintf("%s: change freeze for production until the quarter closes; ask the owning team (%s) for an exception or plan again after the freeze is lifted", [input.instance.id, input.instance.tags.team])
}

warn contains msg if {
	input.instance.tags.env == "staging"
	msg := sprintf("%s: staging goes first; check the canary dashboards before production", [input.instance.id])
}
`

// The Markdown of plan, show and diff fits a GitHub comment (65,536
// characters) by default whatever the plan's size, with --limit 0 too:
// the summary first, denials before warnings before the steps, the steps
// folded in <details>, and a note when something was cut.
func TestMarkdownFitsACommentAtAnySize(t *testing.T) {
	policyDir := writePolicyDir(t, "freeze.rego", freezePolicy)
	for _, tc := range []struct {
		n      int
		target string
		cut    bool
	}{
		{10, "8.0", false},
		{1000, "8.0", true},
		{20000, "5.6", true},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			dir := t.TempDir()
			inv := filepath.Join(dir, "fleet.yaml")
			y := bytes.Replace(fleetgen.YAML(tc.n, 7), []byte(`targetVersion: "5.6"`), []byte(`targetVersion: "`+tc.target+`"`), 1)
			if err := os.WriteFile(inv, y, 0o644); err != nil {
				t.Fatal(err)
			}
			before := filepath.Join(dir, "before.json")
			if _, stderr, code := runCLI(t, "plan", "-i", inv, "-o", before, "--at", checkAt, "--format", "json", "--no-default-policies"); code != exitOK {
				t.Fatalf("plan without the freeze: exit %d: %s", code, stderr)
			}
			path := filepath.Join(dir, "plan.json")
			out, stderr, code := runCLI(t, "plan", "-i", inv, "--no-default-policies", "-p", policyDir, "-o", path, "--at", checkAt, "--format", "markdown", "--limit", "0")
			if code != exitDenied {
				t.Fatalf("plan with the freeze: exit %d, want %d: %s", code, exitDenied, stderr)
			}
			p := loadPlan(t, path)
			if p.Summary.Denied < len(p.Steps)/3 {
				t.Fatalf("%d of %d steps denied: not the plan this test needs", p.Summary.Denied, len(p.Steps))
			}
			checkComment(t, "plan --limit 0", out, tc.cut, "## rdsup plan", "### Denied", "❌ step", "### Warnings", "⚠️ step", "### Steps", "| 1 |")
			shows := [][]string{{"show", path, "--format", "markdown", "--limit", "0"}}
			if tc.n <= 1000 {
				shows = append(shows, []string{"show", path, "--format", "markdown"}) // the default --limit
			}
			for _, args := range shows {
				out, stderr, code := runCLI(t, args...)
				if code != exitOK && code != exitDenied {
					t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
				}
				checkComment(t, strings.Join(args[2:], " "), out, tc.cut && args[len(args)-1] == "0", "## rdsup plan", "### Denied", "❌ step", "### Warnings", "⚠️ step", "### Steps", "| 1 |")
			}
			out, stderr, code = runCLI(t, "diff", before, path, "--format", "markdown", "--limit", "0")
			if code != exitOK {
				t.Fatalf("diff: exit %d: %s", code, stderr)
			}
			checkComment(t, "diff --limit 0", out, tc.cut, "## rdsup plan diff", "### inputs changed", "findings changed", "allow → deny")
			if !tc.cut && !strings.Contains(out, "allow → warn") {
				t.Errorf("diff: the new warnings are not shown")
			}
		})
	}
}

// checkComment checks one Markdown output: at most 65,536 bytes (so
// characters), <details> balanced, the sections in order, and a
// truncation note exactly when cut.
func checkComment(t *testing.T, what, out string, cut bool, inOrder ...string) {
	t.Helper()
	if len(out) > 65536 || utf8.RuneCountInString(out) > 65536 {
		t.Errorf("%s: %d bytes, %d characters: more than a GitHub comment holds", what, len(out), utf8.RuneCountInString(out))
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Errorf("%s: <details> not closed", what)
	}
	if got := strings.Contains(out, "**Truncated** to fit"); got != cut {
		t.Errorf("%s: truncation note present = %v, want %v (%d bytes)", what, got, cut, len(out))
	}
	at := 0
	for _, s := range inOrder {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Errorf("%s: %q missing or out of order (want %q)", what, s, inOrder)
			return
		}
		at += i
	}
}
