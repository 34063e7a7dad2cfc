package render

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// DiffRenderer writes a plans.Diff in one output format; the format names
// are those of plans (Formats).
type DiffRenderer interface {
	RenderDiff(w io.Writer, d *plans.Diff, o Options) error
}

var diffRenderers = map[string]DiffRenderer{
	Table:    diffTable{},
	Markdown: diffMarkdown{},
	JSON:     diffJSON{},
}

// DiffFor returns the diff renderer of the named format; an unknown format
// is an error naming the allowed ones.
func DiffFor(format string) (DiffRenderer, error) {
	r, ok := diffRenderers[format]
	if !ok {
		return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
	}
	return r, nil
}

// diffJSON writes the diff as indented JSON (plans.Diff's field names).
type diffJSON struct{}

func (diffJSON) RenderDiff(w io.Writer, d *plans.Diff, _ Options) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// diffSection is one part of a diff as rows, shared by table and Markdown.
type diffSection struct {
	title string
	cols  []Column
	rows  [][]string
}

var changeCols = []Column{{Header: "FIELD"}, {Header: "OLD", Max: 60, Min: 12, Wrap: true}, {Header: "NEW", Max: 60, Min: 12, Wrap: true}}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// diffSections lays out d: inputs, verdicts (steps now denied first, then
// now warned), steps added, removed, changed, instances; empty sections
// are left out.
func diffSections(d *plans.Diff) []diffSection {
	var out []diffSection
	add := func(title string, cols []Column, rows [][]string) {
		if len(rows) > 0 {
			out = append(out, diffSection{fmt.Sprintf("%s (%d)", title, len(rows)), cols, rows})
		}
	}
	var rows [][]string
	for _, c := range d.Inputs {
		rows = append(rows, []string{c.Field, orNone(c.Old), orNone(c.New)})
	}
	add("inputs changed", changeCols, rows)
	rows = nil
	for _, v := range d.Verdicts {
		for _, f := range v.Removed {
			rows = append(rows, []string{v.ID, v.Old + " → " + v.New, "- " + f})
		}
		for _, f := range v.Added {
			rows = append(rows, []string{v.ID, v.Old + " → " + v.New, "+ " + f})
		}
	}
	// what a reviewer must see first: steps now denied, then now warned
	slices.SortStableFunc(rows, func(a, b []string) int { return verdictRank(a[1]) - verdictRank(b[1]) })
	add("findings changed", []Column{{Header: "STEP"}, {Header: "VERDICT"}, {Header: "FINDING", Max: 90, Min: 20, Wrap: true}}, rows)
	stepCols := []Column{{Header: "STEP"}, {Header: "INSTANCE"}, {Header: "FROM → TO"}, {Header: "POLICY"}}
	refRows := func(refs []plans.StepRef) [][]string {
		var rows [][]string
		for _, s := range refs {
			rows = append(rows, []string{s.ID, s.InstanceID, s.FromVersion + " → " + s.ToVersion, s.Verdict})
		}
		return rows
	}
	add("steps added", stepCols, refRows(d.Added))
	add("steps removed", stepCols, refRows(d.Removed))
	rows = nil
	for _, s := range d.Changed {
		for _, f := range s.Fields {
			rows = append(rows, []string{s.ID, f.Field, orNone(f.Old), orNone(f.New)})
		}
	}
	add("step fields changed", append([]Column{{Header: "STEP"}}, changeCols...), rows)
	rows = nil
	for _, in := range d.Instances {
		for _, f := range in.Fields {
			rows = append(rows, []string{in.ID, f.Field, orNone(f.Old), orNone(f.New)})
		}
	}
	add("instances changed", append([]Column{{Header: "INSTANCE"}}, changeCols...), rows)
	return out
}

// verdictRank orders "old → new" verdict changes by the new verdict:
// deny, warn, then allow.
func verdictRank(change string) int {
	switch {
	case strings.HasSuffix(change, "→ deny"):
		return 0
	case strings.HasSuffix(change, "→ warn"):
		return 1
	}
	return 2
}

func diffHeadline(d *plans.Diff) string {
	side := func(r plans.PlanRef) string {
		return fmt.Sprintf("%s (%d steps, %d denied)", shortID(r.ID), r.Steps, r.Denied)
	}
	return "diff " + side(d.Old) + " → " + side(d.New)
}

// diffTable writes a headline and one table per section.
type diffTable struct{}

func (diffTable) RenderDiff(w io.Writer, d *plans.Diff, o Options) error {
	if _, err := fmt.Fprintln(w, diffHeadline(d)); err != nil {
		return err
	}
	if d.Empty() {
		_, err := fmt.Fprintln(w, "no differences")
		return err
	}
	for _, s := range diffSections(d) {
		rows := s.rows
		more := 0
		if o.Limit > 0 && len(rows) > o.Limit {
			rows, more = rows[:o.Limit], len(rows)-o.Limit
		}
		if _, err := fmt.Fprintf(w, "\n%s\n", s.title); err != nil {
			return err
		}
		if err := WriteTable(w, s.cols, rows, o.Width); err != nil {
			return err
		}
		if more > 0 {
			if _, err := fmt.Fprintf(w, "… %d more rows (--limit 0 shows all)\n", more); err != nil {
				return err
			}
		}
	}
	return nil
}

// diffMarkdown writes a pull-request comment: the headline, then each
// section as a table, folded when long, cut at Options.MaxBytes (default
// MarkdownMax) with a note.
type diffMarkdown struct{}

func (diffMarkdown) RenderDiff(w io.Writer, d *plans.Diff, o Options) error {
	limit := MarkdownMax
	if o.MaxBytes > 0 {
		limit = max(o.MaxBytes, MarkdownMinBytes)
	}
	var b strings.Builder
	room := limit - markdownReserve
	cut, missing := false, 0
	line := func(s string) bool {
		if cut || b.Len()+len(s)+1 > room {
			cut = true
			return false
		}
		b.WriteString(s)
		b.WriteByte('\n')
		return true
	}
	line("## rdsup plan diff `" + shortID(d.Old.ID) + "` → `" + shortID(d.New.ID) + "`\n")
	line(fmt.Sprintf("%d → %d steps, %d → %d denied.", d.Old.Steps, d.New.Steps, d.Old.Denied, d.New.Denied))
	if d.Empty() {
		line("\nNo differences.")
	}
	sections := diffSections(d)
	sizes, weights := make([]int, len(sections)), make([]int, len(sections))
	rendered := make([][]string, len(sections))
	for i, s := range sections {
		for j, r := range s.rows {
			if o.Limit > 0 && j >= o.Limit {
				break
			}
			row := "|"
			for k, cell := range r {
				if k == 0 {
					row += " " + code(cell) + " |"
				} else {
					row += " " + inline(cell) + " |"
				}
			}
			rendered[i] = append(rendered[i], row)
			sizes[i] += len(row) + 1
		}
		sizes[i] += 256 // heading, table header, a "more" line
		weights[i] = 1
		if strings.HasPrefix(s.title, "findings changed") {
			weights[i] = 2 // verdicts matter most
		}
	}
	budgets := allot(room-b.Len(), sizes, weights)
	for i, s := range sections {
		start := b.Len()
		folded, open := len(s.rows) > markdownOpenSteps, false
		if folded {
			open = line("\n<details><summary><b>" + inline(s.title) + "</b></summary>\n")
		} else {
			line("\n### " + inline(s.title) + "\n")
		}
		hdr, sep := "|", "|"
		for _, c := range s.cols {
			hdr += " " + inline(c.Header) + " |"
			sep += " --- |"
		}
		line(hdr)
		line(sep)
		shown := 0
		for _, row := range rendered[i] {
			if b.Len()-start+len(row)+1 > budgets[i]-96 || !line(row) {
				break
			}
			shown++
		}
		switch {
		case cut:
			missing += len(s.rows) - shown
		case shown < len(rendered[i]):
			missing += len(s.rows) - shown
			line(fmt.Sprintf("\n… %d more rows not shown: the comment is full (`--format json` lists them all)", len(s.rows)-shown))
		case shown < len(s.rows):
			line(fmt.Sprintf("\n… %d more rows", len(s.rows)-shown))
		}
		if open {
			b.WriteString("\n</details>\n") // within markdownReserve
		}
	}
	if missing > 0 {
		fmt.Fprintf(&b, "\n> ✂️ **Truncated** to fit %d characters: %s rows not shown. `rdsup diff OLD NEW --format json` prints the complete diff.\n", limit, strconv.Itoa(missing))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
