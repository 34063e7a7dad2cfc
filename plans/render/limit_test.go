package render_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/plans/render"
)

func renderString(t testing.TB, format string, p *plans.Plan, o render.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := render.RenderWith(&buf, format, p, o); err != nil {
		t.Fatalf("render %s: %v", format, err)
	}
	return buf.String()
}

var (
	tableStepRow    = regexp.MustCompile(`(?m)^│ +\d+ │ r[mr]-c\d+-\S+ +│ (primary|readonly|disaster)`)
	markdownStepRow = regexp.MustCompile("(?m)^\\| \\d+ \\| `")
)

// The human formats show the first Limit steps and count the rest; 0
// shows all.
func TestLimitSteps(t *testing.T) {
	p := plantest.Large(120)
	tests := []struct {
		limit, rows int
		more        string
	}{
		{limit: 0, rows: 120},
		{limit: 1, rows: 1, more: "… 119 more steps (use --format json)"},
		{limit: 50, rows: 50, more: "… 70 more steps (use --format json)"},
		{limit: 119, rows: 119, more: "… 1 more steps (use --format json)"},
		{limit: 120, rows: 120},
		{limit: 1000, rows: 120},
		{limit: -5, rows: 120}, // a negative limit is refused by the flag; here it shows all
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.limit), func(t *testing.T) {
			o := render.Options{Limit: tc.limit}
			table := renderString(t, render.Table, p, o)
			if got := len(tableStepRow.FindAllString(table, -1)); got != tc.rows {
				t.Errorf("table: %d step rows, want %d", got, tc.rows)
			}
			md := renderString(t, render.Markdown, p, o)
			if got := len(markdownStepRow.FindAllString(md, -1)); got != tc.rows {
				t.Errorf("markdown: %d step rows, want %d", got, tc.rows)
			}
			for name, out := range map[string]string{"table": table, "markdown": strings.ReplaceAll(md, "`", "")} {
				if tc.more == "" && strings.Contains(out, "more steps") {
					t.Errorf("%s: says steps are left out when none are", name)
				}
				if tc.more != "" && !strings.Contains(out, tc.more) {
					t.Errorf("%s: lacks %q", name, tc.more)
				}
			}
		})
	}
}

// Denials come before warnings in the findings, whatever their steps'
// order, so a limit cuts warnings first.
func TestLimitFindingsDeniedFirst(t *testing.T) {
	p := plantest.Large(200)
	for i := range p.Steps {
		p.Steps[i].Policy = plans.Verdict{}
		if i < 10 {
			p.Steps[i].Policy.Warn = []plans.Finding{{Rule: "w", Message: fmt.Sprintf("warned-%d", i)}}
		}
	}
	p.Steps[199].Policy.Deny = []plans.Finding{{Rule: "d", Message: "denied-last"}}
	p.Steps[150].Policy.Deny = []plans.Finding{{Rule: "d", Message: "denied-mid"}}
	plans.Summarize(p)
	o := render.Options{Limit: 3}

	table := renderString(t, render.Table, p, o)
	want := []string{"FINDING", "│ 151 │", "DENY: denied-mid", "│ 200 │", "DENY: denied-last", "WARN: warned-0", "… 9 more findings (use --format json)"}
	assertInOrder(t, "table", table, want)
	if strings.Contains(table, "warned-1") {
		t.Errorf("table shows a fourth finding with limit 3:\n%s", table)
	}

	md := renderString(t, render.Markdown, p, o)
	assertInOrder(t, "markdown", md, []string{"### Denied (2)", "step 151", "step 200", "### Warnings (10)", "warned-0", "warned-2", "… 7 more warnings", "### Steps (200)"})
	if strings.Contains(md, "warned-3") {
		t.Errorf("markdown shows a fourth warning with limit 3")
	}
}

func assertInOrder(t *testing.T, name, out string, want []string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("%s lacks %q after the earlier expectations:\n%s", name, w, out)
		}
		rest = rest[i+len(w):]
	}
}

// longPlan is the sample with the long cells a real fleet has: long
// instance ids, many dependencies, long policy messages.
func longPlan() *plans.Plan {
	p := plantest.Sample()
	p.Steps[5].Policy.Warn = append(p.Steps[5].Policy.Warn, plans.Finding{Rule: "rdsup.long",
		Message: strings.Repeat("a-long-policy-message-without-spaces-", 4) + " and then " + strings.Repeat("words ", 40)})
	p.Steps[6].InstanceID = "rr-shop-readonly-replica-in-a-very-long-naming-scheme-0001"
	p.Steps[7].DependsOn = append(p.Steps[7].DependsOn, "rr-some-other-very-long-dependency-name-0002")
	plans.Summarize(p)
	return p
}

// Fitted to a width, no line of the table is wider: policy messages and
// effective times wrap, ids and dependencies are cut with "…".
func TestTableFitsWidth(t *testing.T) {
	plansByName := map[string]*plans.Plan{"sample": plantest.Sample(), "long": longPlan(), "large": plantest.Large(300)}
	for name, p := range plansByName {
		for _, width := range []int{90, 100, 120, 160, 240} {
			t.Run(fmt.Sprintf("%s/%d", name, width), func(t *testing.T) {
				out := renderString(t, render.Table, p, render.Options{Limit: render.DefaultLimit, Width: width})
				for i, line := range strings.Split(out, "\n") {
					if w := twwidth.Width(line); w > width {
						t.Errorf("line %d is %d columns wide, more than %d:\n%s", i+1, w, width, line)
					}
				}
			})
		}
	}
	// The 100-column rendering of the long plan, for review.
	out := renderString(t, render.Table, longPlan(), render.Options{Limit: render.DefaultLimit, Width: 100})
	golden.Check(t, filepath.Join("testdata", "long.w100.txt"), []byte(out))
}

// A table that cannot be narrowed enough keeps its columns at their
// minimum instead of failing or dropping cells.
func TestTableTooNarrow(t *testing.T) {
	out := renderString(t, render.Table, plantest.Sample(), render.Options{Width: 20})
	for _, want := range []string{"rm-crm-dr", "rr-shop-ro1", "DENY: rr-shop-ro1", "5.5 → 5.6"} {
		if !strings.Contains(out, want) {
			t.Errorf("20-column rendering lacks %q:\n%s", want, out)
		}
	}
}

// The Markdown of any plan fits a GitHub comment (65,536 characters), and
// what is cut is said, denials kept longest.
func TestMarkdownFitsGitHubComment(t *testing.T) {
	allDenied := plantest.Large(5000)
	for i := range allDenied.Steps {
		allDenied.Steps[i].Policy.Deny = []plans.Finding{{Rule: "rdsup.freeze", Message: "change freeze: " + strings.Repeat("no upgrades this week ", 5)}}
	}
	plans.Summarize(allDenied)
	hugeMessage := plantest.Sample()
	hugeMessage.Steps[6].Policy.Deny[0].Message = strings.Repeat("x", 100_000)
	plans.Summarize(hugeMessage)

	tests := []struct {
		name    string
		p       *plans.Plan
		limit   int
		cut     bool
		want    []string // in this order
		notWant []string
	}{
		{name: "large plan, default limit", p: plantest.Large(100_000), limit: render.DefaultLimit,
			want: []string{"### Denied (1031)", "… 981 more denials", "### Warnings (3226)", "### Steps (100000)", "… 99950 more steps", "</details>"}},
		{name: "large plan, no limit", p: plantest.Large(100_000), limit: 0, cut: true,
			want: []string{"### Denied (1031)", "step 1 ", "more denials not shown", "### Warnings (3226)", "more warnings not shown",
				"### Steps (100000)", "<details>", "| 1 |", "more steps not shown", "</details>", "**Truncated**", "652 denials, 3050 warnings, 99872 steps not shown"}},
		{name: "every step denied, no limit", p: allDenied, limit: 0, cut: true,
			want: []string{"### Denied (5000)", "step 1 ", "4813 more denials not shown", "### Warnings (162)", "### Steps (5000)", "| 1 |",
				"**Truncated**", "4813 denials, 4937 steps not shown"}},
		{name: "one message longer than a comment", p: hugeMessage, limit: 0, cut: true,
			want:    []string{"### Denied (1)", "1 more denials not shown", "### Warnings (1)", "### Steps (8)", "**Truncated**", "1 denials, 2 steps not shown"},
			notWant: []string{"xxxxxxxxxx"}},
		{name: "many steps, no findings, no limit", p: plantest.Large(3000), limit: 0, cut: true,
			want: []string{"### Steps (3000)", "<details>", "</details>", "**Truncated**", "steps not shown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := renderString(t, render.Markdown, tc.p, render.Options{Limit: tc.limit})
			if len(out) > render.MarkdownMax || utf8.RuneCountInString(out) > 65536 {
				t.Errorf("%d bytes, %d characters: more than a GitHub comment holds", len(out), utf8.RuneCountInString(out))
			}
			if got := strings.Contains(out, "Truncated"); got != tc.cut {
				t.Errorf("truncated = %v, want %v", got, tc.cut)
			}
			if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
				t.Errorf("<details> not closed")
			}
			assertInOrder(t, "markdown", out, tc.want)
			for _, nw := range tc.notWant {
				if strings.Contains(out, nw) {
					t.Errorf("output contains %q", nw)
				}
			}
		})
	}
}

// Output that is not a terminal fits $COLUMNS when it is a positive
// number, and nothing otherwise.
func TestTerminalWidth(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for columns, want := range map[string]int{"": 0, "100": 100, "80": 80, "0": 0, "-5": 0, "wide": 0, "100x": 0, " 90": 0} {
		t.Setenv("COLUMNS", columns)
		for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "file": f} {
			if got := render.TerminalWidth(w); got != want {
				t.Errorf("COLUMNS=%q, %s: TerminalWidth = %d, want %d", columns, name, got, want)
			}
		}
	}
}
