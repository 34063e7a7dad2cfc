package render

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// Format names, also listed in --help.
const (
	Table    = "table"
	Markdown = "markdown"
	JSON     = "json"
)

// ErrUnknownFormat is returned for a format name that is not one of Formats.
var ErrUnknownFormat = errors.New("unknown format")

// Options tune the human formats (table and Markdown); JSON is always the
// complete plan.
type Options struct {
	// Limit is how many rows each table shows (steps; findings); the rest
	// is counted in a "… N more" line. 0 shows every row.
	Limit int
	// Width is the display width the table format fits its lines to (see
	// TerminalWidth); 0 fits nothing.
	Width int
	// MaxBytes caps the Markdown format's output, in bytes (at least
	// MarkdownMinBytes); 0 is MarkdownMax, a GitHub comment's limit.
	MaxBytes int
}

// Defaults are the options of Render: DefaultLimit rows, no width fitting.
func Defaults() Options { return Options{Limit: DefaultLimit} }

// Renderer writes a plan in one output format. Renderers do not change the
// plan's content and give the same bytes for the same plan and options.
type Renderer interface {
	Render(w io.Writer, p *plans.Plan, o Options) error
}

// renderers maps each format name to its renderer; Formats gives the order.
var renderers = map[string]Renderer{
	Table:    tableRenderer{},
	Markdown: markdownRenderer{},
	JSON:     jsonRenderer{},
}

// Formats lists the accepted format names.
func Formats() []string { return []string{Table, Markdown, JSON} }

// FormatHelp is the accepted format names joined for a flag's usage text,
// e.g. "table|markdown|json".
func FormatHelp() string { return strings.Join(Formats(), "|") }

// For returns the renderer of the named format. An unknown format is an
// error naming the allowed ones.
func For(format string) (Renderer, error) {
	r, ok := renderers[format]
	if !ok {
		return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, format, strings.Join(Formats(), ", "))
	}
	return r, nil
}

// Render writes p to w in the named format with the Defaults options. An
// unknown format is an error.
func Render(w io.Writer, format string, p *plans.Plan) error {
	return RenderWith(w, format, p, Defaults())
}

// RenderWith writes p to w in the named format with options o.
func RenderWith(w io.Writer, format string, p *plans.Plan, o Options) error {
	r, err := For(format)
	if err != nil {
		return err
	}
	return r.Render(w, p, o)
}
