// Package output renders a policy check report (policy.Report) for people
// and CI systems: a table, JSON, JUnit XML and GitHub Actions workflow
// commands, one file per format behind one interface.
package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/rdsup/rdsup/policy"
)

// Format names, also listed in --help.
const (
	Table  = "table"
	JSON   = "json"
	JUnit  = "junit"
	GitHub = "github"
)

// Renderer writes a report in one format.
type Renderer interface {
	Render(w io.Writer, r *policy.Report) error
}

var renderers = map[string]Renderer{
	Table:  tableRenderer{},
	JSON:   jsonRenderer{},
	JUnit:  junitRenderer{},
	GitHub: githubRenderer{},
}

// Formats lists the accepted format names.
func Formats() []string { return []string{Table, JSON, JUnit, GitHub} }

// Get returns the renderer of the named format; an unknown name is an error.
func Get(format string) (Renderer, error) {
	r, ok := renderers[format]
	if !ok {
		return nil, fmt.Errorf("unknown output format %q: use one of %s", format, strings.Join(Formats(), ", "))
	}
	return r, nil
}

// Render writes r to w in the named format.
func Render(w io.Writer, format string, r *policy.Report) error {
	rd, err := Get(format)
	if err != nil {
		return err
	}
	return rd.Render(w, r)
}

// finding is one finding flattened for renderers, in report order: steps in
// plan order, denials before warnings.
type finding struct {
	step, instance string
	severity       policy.Severity
	rule, message  string
}

func findings(r *policy.Report) []finding {
	var out []finding
	for _, s := range r.Steps {
		for _, f := range s.Deny {
			out = append(out, finding{s.Step, s.Instance, policy.SeverityDeny, f.Rule, f.Message})
		}
		for _, f := range s.Warn {
			out = append(out, finding{s.Step, s.Instance, policy.SeverityWarn, f.Rule, f.Message})
		}
	}
	return out
}

// summary is the one-line verdict every human-readable format ends with.
func summary(r *policy.Report) string {
	verdict := "plan is applicable"
	if !r.Applicable() {
		verdict = "plan is NOT applicable: fix the denied steps and run `rdsup plan` again"
	}
	return fmt.Sprintf("%s checked, %s denied, %s: %s", plural(len(r.Steps), "step"), plural(r.Denied, "step"), plural(r.Warnings, "warning"), verdict)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// stepLabel names a step, with its instance when the ids differ.
func stepLabel(step, instance string) string {
	if step == instance || instance == "" {
		return step
	}
	return step + " (" + instance + ")"
}
