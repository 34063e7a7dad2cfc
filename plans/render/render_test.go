package render_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/plans/render"
)

func TestGolden(t *testing.T) {
	emptyPlan := plantest.Sample()
	emptyPlan.Steps = nil
	emptyPlan.Summary = plans.Summary{Instances: 1, Unchanged: []string{"rm-legacy-db"}, Applicable: true}
	emptyPlan.Inputs.PolicyDigest, emptyPlan.Inputs.PolicyAt = "", ""
	if err := plans.Seal(emptyPlan); err != nil {
		t.Fatal(err)
	}
	plansByName := map[string]*plans.Plan{"sample": plantest.Sample(), "empty": emptyPlan, "staged": plantest.Staged()}
	ext := map[string]string{render.Table: "txt", render.Markdown: "md", render.JSON: "json"}
	for name, p := range plansByName {
		for _, format := range render.Formats() {
			t.Run(name+"/"+format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := render.Render(&buf, format, p); err != nil {
					t.Fatalf("Render(%s): %v", format, err)
				}
				golden.Check(t, filepath.Join("testdata", name+"."+ext[format]), buf.Bytes())

				// Deterministic: a second rendering gives the same bytes.
				var again bytes.Buffer
				if err := render.Render(&again, format, p); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), again.Bytes()) {
					t.Errorf("two renderings of one plan differ")
				}
			})
		}
	}
}

// The JSON format is the plan file's encoding: it decodes and verifies.
func TestJSONIsThePlanFile(t *testing.T) {
	p := plantest.Sample()
	var buf bytes.Buffer
	if err := render.Render(&buf, render.JSON, p); err != nil {
		t.Fatal(err)
	}
	got, err := plans.Decode("rendered", buf.Bytes())
	if err != nil {
		t.Fatalf("decode rendered JSON: %v", err)
	}
	if got.ID != p.ID {
		t.Errorf("decoded id %s, want %s", got.ID, p.ID)
	}
}

func TestContent(t *testing.T) {
	p := plantest.Sample()
	tests := []struct {
		name, format string
		want         []string // substrings, in this order
		notWant      []string
	}{
		{
			name:   "table summary then steps",
			format: render.Table,
			want: []string{
				"plan        " + p.ID[:12], "unchanged   rm-legacy-db", "1 step denied, 1 warning", "applicable  no",
				"FROM → TO", "rm-crm-dr", "rm-pay-dr", "rr-pay-ro1", "rr-pay-ro2",
				"MaintainTime 16:00Z-20:00Z", "FINDING", "DENY: rr-shop-ro1 is Restarting", "WARN: rm-pay-db",
			},
			notWant: []string{"\x1b["}, // no colour
		},
		{
			name:   "markdown verdict first, findings, then steps",
			format: render.Markdown,
			want: []string{
				"## rdsup plan `" + p.ID[:12] + "`", "❌ **Not applicable**", "`rm-legacy-db`",
				p.Inputs.InventoryDigest, p.Inputs.PolicyDigest,
				"### Denied", "step 7 `rr-shop-ro1`", "### Warnings", `env=prod\|team=pay`,
				"### Steps (8)", "| 6 | `rm-pay-db` | primary |", "`rm-pay-dr`, `rr-pay-ro1`, `rr-pay-ro2` | 1 |",
			},
			notWant: []string{"env=prod|team"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render.Render(&buf, tc.format, p); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q after the earlier expectations:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, nw := range tc.notWant {
				if strings.Contains(out, nw) {
					t.Errorf("output contains %q:\n%s", nw, out)
				}
			}
		})
	}
}

// A long steps table is folded in <details>, after the summary; a short one is not.
func TestMarkdownFoldsLongTables(t *testing.T) {
	for _, tc := range []struct {
		steps int
		fold  bool
	}{{8, false}, {30, false}, {31, true}, {1000, true}} {
		p := plantest.Large(tc.steps)
		if tc.steps == 8 {
			p = plantest.Sample()
		}
		var buf bytes.Buffer
		if err := render.Render(&buf, render.Markdown, p); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if got := strings.Contains(out, "<details>"); got != tc.fold {
			t.Errorf("%d steps: folded = %v, want %v", tc.steps, got, tc.fold)
		}
		if tc.fold && !(strings.Index(out, "<details>") < strings.Index(out, "| # |") && strings.HasSuffix(out, "\n\n</details>\n")) {
			t.Errorf("%d steps: the table is not inside <details>:\n%s", tc.steps, out[max(0, len(out)-300):])
		}
	}
}

// Every Markdown table row has as many cells as its header: escaped pipes
// in messages do not split cells.
func TestMarkdownCellsEscaped(t *testing.T) {
	p := plantest.Sample()
	p.Steps[0].Policy.Warn = []plans.Finding{{Rule: "x|y", Message: "a | b\nc <d>"}}
	plans.Summarize(p)
	var buf bytes.Buffer
	if err := render.Render(&buf, render.Markdown, p); err != nil {
		t.Fatal(err)
	}
	cells := func(line string) int {
		return strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
	}
	var header int
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "| # |"):
			header = cells(line)
		case header > 0 && strings.HasPrefix(line, "|"):
			if got := cells(line); got != header {
				t.Errorf("row has %d separators, header %d: %s", got, header, line)
			}
		}
	}
	if header == 0 {
		t.Fatal("no steps table found")
	}
	if !strings.Contains(buf.String(), `a \| b c &lt;d&gt;`) {
		t.Errorf("message not escaped:\n%s", buf.String())
	}
}

func TestUnknownFormat(t *testing.T) {
	for _, format := range []string{"", "yaml", "Table", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			err := render.Render(&buf, format, plantest.Sample())
			if !errors.Is(err, render.ErrUnknownFormat) {
				t.Fatalf("Render(%q) error = %v, want ErrUnknownFormat", format, err)
			}
			for _, f := range render.Formats() {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name the allowed format %q", err, f)
				}
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes for an unknown format", buf.Len())
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsReturned(t *testing.T) {
	for _, format := range render.Formats() {
		t.Run(format, func(t *testing.T) {
			if err := render.Render(failingWriter{}, format, plantest.Sample()); err == nil {
				t.Errorf("Render(%s) to a failing writer returned nil", format)
			}
		})
	}
}

// BenchmarkRender renders a 100k-step plan in each format with the
// default options (what `rdsup plan` and `show` print), and the human
// formats also with --limit 0 (every row).
func BenchmarkRender(b *testing.B) {
	p := plantest.Large(100_000)
	run := func(name, format string, o render.Options) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := render.RenderWith(io.Discard, format, p, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, format := range render.Formats() {
		run(format+"/100k", format, render.Options{Limit: render.DefaultLimit, Width: 100})
	}
	run("table/100k/limit0", render.Table, render.Options{})
	run("markdown/100k/limit0", render.Markdown, render.Options{})
}
