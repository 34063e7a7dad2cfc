package render_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/plans/render"
)

func TestDiffGolden(t *testing.T) {
	ext := map[string]string{render.Table: "txt", render.Markdown: "md", render.JSON: "json"}
	cases := map[string]*plans.Diff{
		"diff":      plans.Compare(plantest.Sample(), plantest.Edited()),
		"diff-none": plans.Compare(plantest.Sample(), plantest.Sample()),
	}
	for name, d := range cases {
		for _, format := range render.Formats() {
			t.Run(name+"/"+format, func(t *testing.T) {
				r, err := render.DiffFor(format)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := r.RenderDiff(&buf, d, render.Options{Limit: render.DefaultLimit, Width: 120}); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", name+"."+ext[format]), buf.Bytes())
			})
		}
	}
}

func TestDiffUnknownFormat(t *testing.T) {
	if _, err := render.DiffFor("yaml"); !errors.Is(err, render.ErrUnknownFormat) || !strings.Contains(err.Error(), "table, markdown, json") {
		t.Errorf("DiffFor(yaml) = %v", err)
	}
}

// A diff of two large plans fits --max-bytes in Markdown, says what it cut,
// and keeps its <details> balanced.
func TestDiffMarkdownFits(t *testing.T) {
	old, next := plantest.Large(5000), plantest.Large(5000)
	for i := range next.Steps {
		next.Steps[i].Wave += 7
	}
	d := plans.Compare(old, next)
	for _, maxBytes := range []int{0, 10_000} {
		var buf bytes.Buffer
		if err := (mustDiff(t, render.Markdown)).RenderDiff(&buf, d, render.Options{Limit: 0, MaxBytes: maxBytes}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		limit := render.MarkdownMax
		if maxBytes > 0 {
			limit = maxBytes
		}
		if len(out) > limit || !strings.Contains(out, "**Truncated**") || !strings.Contains(out, "rows not shown") {
			t.Errorf("max %d: %d bytes, truncation note present %v", maxBytes, len(out), strings.Contains(out, "Truncated"))
		}
		if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
			t.Errorf("max %d: unbalanced <details>", maxBytes)
		}
	}
}

func mustDiff(t *testing.T, format string) render.DiffRenderer {
	t.Helper()
	r, err := render.DiffFor(format)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A regenerated plan in which thousands of steps moved and one step at
// the end became denied: the comment shows the new denial first, and every
// section its first rows, whatever comes before it in the plan.
func TestDiffMarkdownShowsNewDenialsFirst(t *testing.T) {
	old, next := plantest.Large(5000), plantest.Large(5000)
	for i := range next.Steps {
		next.Steps[i].Wave += 7
		next.Steps[i].Policy.Warn = append(next.Steps[i].Policy.Warn, plans.Finding{Rule: "rdsup.new.warn", Message: "a new warning for every step"})
	}
	last := &next.Steps[len(next.Steps)-1]
	last.Policy.Deny = append(last.Policy.Deny, plans.Finding{Rule: "rdsup.freeze.deny", Message: "change freeze"})
	plans.Summarize(next)
	var buf bytes.Buffer
	if err := mustDiff(t, render.Markdown).RenderDiff(&buf, plans.Compare(old, next), render.Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if len(out) > render.MarkdownMax {
		t.Errorf("%d bytes: more than a comment", len(out))
	}
	assertInOrder(t, "diff markdown", out, []string{"findings changed", "→ deny", "+ deny rdsup.freeze.deny: change freeze", "→ warn",
		"step fields changed", "| wave |", "rows not shown: the comment is full", "**Truncated**"})
}
