package render

import (
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Column is one column of a table written by WriteTable.
type Column struct {
	Header string
	Right  bool // right-aligned, for numbers
	// Max is the widest the column gets even when the width allows more;
	// 0 is no cap. Policy messages use it so a table in a pipe stays
	// readable.
	Max int
	// Min is the narrowest the column may be squeezed to when the table is
	// fitted to a width; 0 means the column is never squeezed (ids, counts).
	Min int
	// Wrap breaks a cell that is too wide onto more lines, at spaces where
	// it can (policy messages lose nothing); without it the cell is cut and
	// ends in "…" (ids, dependency lists).
	Wrap bool
}

// WriteTable writes rows under cols as a box table (tablewriter) whose
// lines are at most width display columns wide; width 0 fits nothing and
// only applies each column's Max. A cell may hold several lines ("\n").
// Columns with a Min are narrowed, widest first, until the table fits; if
// it cannot fit even then, the columns stay at their Min.
//
// The table is streamed with column widths computed here in one pass, so
// that tablewriter neither keeps a second copy of every row nor measures
// them again. rows is rewritten in place with the fitted cells.
func WriteTable(w io.Writer, cols []Column, rows [][]string, width int) error {
	widths := naturalWidths(cols, rows)
	fitWidths(cols, widths, width)
	for _, r := range rows {
		for j := range r {
			r[j] = fitCell(r[j], widths[j], cols[j].Wrap)
		}
	}
	perColumn := tw.NewMapper[int, int]()
	align := make([]tw.Align, len(cols))
	header := make([]string, len(cols))
	for j, c := range cols {
		perColumn.Set(j, widths[j]+2) // content and one space of padding each side
		align[j] = tw.AlignLeft
		if c.Right {
			align[j] = tw.AlignRight
		}
		header[j] = fitCell(c.Header, widths[j], false)
	}
	cfg := tablewriter.NewConfigBuilder().Build()
	cfg.Header.Formatting.AutoFormat = tw.Off // headers are written as they should look
	cfg.Row.Formatting.AutoWrap = tw.WrapNone // cells are fitted by fitCell
	cfg.Header.Formatting.AutoWrap = tw.WrapNone
	cfg.Row.Alignment.PerColumn = align
	cfg.Widths.PerColumn = perColumn
	cfg.Stream = tw.StreamConfig{Enable: true, StrictColumns: true}

	// Ocean is tablewriter's streaming renderer: the same light box lines as
	// the default one, about a third faster on large tables.
	t := tablewriter.NewTable(w, tablewriter.WithConfig(cfg), tablewriter.WithRenderer(renderer.NewOcean()))
	if err := t.Start(); err != nil {
		return err
	}
	t.Header(header)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Close()
}

// naturalWidths is the display width of each column's widest line (header
// included), capped at the column's Max.
func naturalWidths(cols []Column, rows [][]string) []int {
	widths := make([]int, len(cols))
	for j, c := range cols {
		widths[j] = twwidth.Width(c.Header)
	}
	for _, r := range rows {
		for j, cell := range r {
			for line := range strings.SplitSeq(cell, "\n") {
				widths[j] = max(widths[j], twwidth.Width(line))
			}
		}
	}
	for j, c := range cols {
		if c.Max > 0 {
			widths[j] = min(widths[j], max(c.Max, twwidth.Width(c.Header)))
		}
	}
	return widths
}

// tableWidth is the width of a box table with these column contents: one
// space of padding each side and a border line around and between columns.
func tableWidth(widths []int) int {
	n := 1
	for _, wd := range widths {
		n += wd + 3
	}
	return n
}

// fitWidths narrows the squeezable columns, widest first, until the table
// is at most width wide or every column is at its Min. width 0 fits nothing.
func fitWidths(cols []Column, widths []int, width int) {
	if width <= 0 {
		return
	}
	for excess := tableWidth(widths) - width; excess > 0; excess-- {
		widest := -1
		for j, c := range cols {
			if c.Min > 0 && widths[j] > c.Min && (widest < 0 || widths[j] > widths[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			return
		}
		widths[widest]--
	}
}

// fitCell makes every line of cell at most width display columns wide:
// wrapped at spaces when wrapCell is set (a word still too wide is broken),
// otherwise cut with "…".
func fitCell(cell string, width int, wrapCell bool) string {
	if twwidth.Width(cell) <= width && !strings.Contains(cell, "\n") {
		return cell
	}
	lines := strings.Split(cell, "\n")
	out := lines[:0:0]
	for _, line := range lines {
		if wrapCell {
			line = wrap(line, width)
		}
		for l := range strings.SplitSeq(line, "\n") {
			if wrapCell {
				out = append(out, breakWord(l, width)...)
			} else {
				out = append(out, ellipsize(l, width))
			}
		}
	}
	return strings.Join(out, "\n")
}

// ellipsize cuts s to at most width display columns, ending it in "…" when
// anything was cut.
func ellipsize(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := twwidth.Width(string(r))
		if used+rw > width-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	b.WriteString("…")
	return b.String()
}

// breakWord splits s into pieces of at most width display columns (at
// least one rune each).
func breakWord(s string, width int) []string {
	if twwidth.Width(s) <= width {
		return []string{s}
	}
	var out []string
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := twwidth.Width(string(r))
		if used > 0 && used+rw > width {
			out = append(out, b.String())
			b.Reset()
			used = 0
		}
		b.WriteRune(r)
		used += rw
	}
	return append(out, b.String())
}

// wrap breaks s into lines of at most width display columns at spaces; a
// word longer than width gets a line of its own.
func wrap(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		wd := twwidth.Width(word)
		switch {
		case i == 0:
		case line+1+wd > width:
			b.WriteByte('\n')
			line = 0
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += wd
	}
	return b.String()
}
