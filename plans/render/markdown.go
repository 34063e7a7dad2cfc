package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// markdownRenderer writes a pull-request comment: the verdict and counts
// first, then the policy findings, then the steps as a table (folded in
// <details> when long).
type markdownRenderer struct{}

// markdownOpenSteps is the longest steps table shown unfolded.
const markdownOpenSteps = 30

// markdownUnchangedMax caps the unchanged instances listed in the summary.
const markdownUnchangedMax = 50

func (markdownRenderer) Render(w io.Writer, p *plans.Plan) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	v := newView(p)
	writeMarkdownSummary(bw, p)
	writeMarkdownFindings(bw, v)
	writeMarkdownSteps(bw, v)
	return bw.Flush()
}

func writeMarkdownSummary(w *bufio.Writer, p *plans.Plan) {
	s := p.Summary
	fmt.Fprintf(w, "## rdsup plan `%s`\n\n", shortID(p.ID))
	if s.Applicable {
		w.WriteString("✅ **Applicable**: no step is denied by policy.\n\n")
	} else {
		fmt.Fprintf(w, "❌ **Not applicable**: %s by policy; `rdsup apply` refuses this plan. Fix the findings below and run `rdsup plan` again.\n\n",
			plural(s.Denied, "step is denied", "steps are denied"))
	}
	w.WriteString("| Instances | Steps | Unchanged | Clusters | Waves | Denied steps | Warnings |\n")
	w.WriteString("|--:|--:|--:|--:|--:|--:|--:|\n")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d | %d |\n\n",
		s.Instances, s.Steps, len(s.Unchanged), s.Clusters, s.Waves, s.Denied, s.Warnings)
	if len(s.Unchanged) > 0 {
		fmt.Fprintf(w, "- **Unchanged** (already at target): %s\n", listed(s.Unchanged, markdownUnchangedMax, ", ", code))
	}
	fmt.Fprintf(w, "- **Inventory**: %s %s\n", code(p.Inputs.Inventory), code(p.Inputs.InventoryDigest))
	if p.Inputs.PolicyDigest == "" {
		w.WriteString("- **Policy set**: none ran\n")
	} else {
		fmt.Fprintf(w, "- **Policy set**: %s evaluated at %s\n", code(p.Inputs.PolicyDigest), p.Inputs.PolicyAt)
	}
	fmt.Fprintf(w, "- **Plan id**: %s, created %s, format %d\n\n", code(p.ID), p.CreatedAt.UTC().Format(time.RFC3339), p.FormatVersion)
}

// writeMarkdownFindings lists denials, then warnings, each in step order.
func writeMarkdownFindings(w *bufio.Writer, v *view) {
	if v.p.Summary.Denied == 0 && v.p.Summary.Warnings == 0 {
		return
	}
	section := func(title, label string, pick func(*plans.Step) []plans.Finding) {
		first := true
		for i := range v.p.Steps {
			s := &v.p.Steps[i]
			for _, f := range pick(s) {
				if first {
					fmt.Fprintf(w, "### %s\n\n", title)
					first = false
				}
				fmt.Fprintf(w, "- %s step %d %s: %s (%s)\n", label, i+1, code(s.InstanceID), inline(f.Message), code(f.Rule))
			}
		}
		if !first {
			w.WriteString("\n")
		}
	}
	section("Denied", "❌", func(s *plans.Step) []plans.Finding { return s.Policy.Deny })
	section("Warnings", "⚠️", func(s *plans.Step) []plans.Finding { return s.Policy.Warn })
}

func writeMarkdownSteps(w *bufio.Writer, v *view) {
	steps := v.p.Steps
	if len(steps) == 0 {
		w.WriteString("No steps: every instance is already at its target version.\n")
		return
	}
	fmt.Fprintf(w, "### Steps (%d)\n\n", len(steps))
	if len(steps) > markdownOpenSteps {
		// Long tables are folded so the verdict and findings stay in view.
		fmt.Fprintf(w, "<details>\n<summary>%s, in dependency order</summary>\n\n", plural(len(steps), "step", "steps"))
		defer w.WriteString("\n</details>\n")
	}
	w.WriteString("| # | Instance | Role | Region | From → To | Effective | Depends on | Wave | Policy |\n")
	w.WriteString("|--:|---|---|---|---|---|---|--:|---|\n")
	var cell []string
	for i := range steps {
		s := &steps[i]
		cell = cell[:0]
		for _, id := range v.dependsOn(s) {
			cell = append(cell, code(id))
		}
		deps := strings.Join(cell, ", ")
		if deps == "" {
			deps = "—"
		}
		cell = cell[:0]
		for _, f := range findings(s) {
			cell = append(cell, f.label+": "+inline(f.Message))
		}
		w.WriteString("| ")
		w.WriteString(strconv.Itoa(i + 1))
		for _, c := range []string{code(s.InstanceID), inline(s.Role), inline(s.Region), inline(versions(s)),
			inline(v.effective(s)), deps, strconv.Itoa(s.Wave), strings.Join(cell, "<br>")} {
			w.WriteString(" | ")
			w.WriteString(c)
		}
		w.WriteString(" |\n")
	}
}

// inlineReplacer makes text safe inside a Markdown table cell or list item:
// a pipe would end the cell, a newline the row, and angle brackets would be
// read as HTML.
var inlineReplacer = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;")

var codeReplacer = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

func inline(s string) string {
	if !strings.ContainsAny(s, "|\r\n<>") {
		return s
	}
	return inlineReplacer.Replace(s)
}

// code formats s as inline code. Pipes stay escaped (GitHub tables split
// cells on them even inside code spans); a backtick in s widens the fence.
func code(s string) string {
	if s == "" {
		return "—"
	}
	if strings.ContainsAny(s, "|\r\n") {
		s = codeReplacer.Replace(s)
	}
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}
