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

// Renderer writes a plan in one output format. Renderers do not change the
// plan's content and give the same bytes for the same plan.
type Renderer interface {
	Render(w io.Writer, p *plans.Plan) error
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

// Render writes p to w in the named format. An unknown format is an error.
func Render(w io.Writer, format string, p *plans.Plan) error {
	r, err := For(format)
	if err != nil {
		return err
	}
	return r.Render(w, p)
}
