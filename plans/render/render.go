// Package render turns a plan into text for people and tools: a table
// (tablewriter), Markdown for pull-request comments, and JSON.
package render

import (
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

// Formats lists the accepted format names.
func Formats() []string { return []string{Table, Markdown, JSON} }

// Render writes p to w in the named format. An unknown format is an error.
func Render(w io.Writer, format string, p *plans.Plan) error {
	switch format {
	case JSON:
		b, err := plans.Encode(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case Table, Markdown:
		return fmt.Errorf("render: format %q not implemented yet", format) // STUB
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats(), ", "))
}
