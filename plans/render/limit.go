package render

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// DefaultLimit is how many rows a table shows unless --limit says
// otherwise: what a person reads. The JSON format is always complete.
const DefaultLimit = 50

// Shown is how many of n rows a table limited to limit rows shows; limit 0
// (or less) shows them all.
func Shown(n, limit int) int {
	if limit <= 0 || n <= limit {
		return n
	}
	return limit
}

// More is the line printed under a table that left hidden rows out, e.g.
// "… 94909 more steps (use --format json)"; "" when nothing was left out.
// noun names the rows, plural.
func More(hidden int, noun string) string {
	if hidden <= 0 {
		return ""
	}
	return "… " + strconv.Itoa(hidden) + " more " + noun + " (use --format json)"
}

// TerminalWidth is the width tables written to w should fit: the
// terminal's column count when w is a terminal; otherwise $COLUMNS when it
// holds a positive number; otherwise 0, which fits nothing (a pipe or a
// file gets the full cells; policy messages still wrap at 60 columns).
func TerminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 0
}
