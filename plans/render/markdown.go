package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// markdownRenderer writes a pull-request comment: the verdict and counts
// first, then the policy findings (denials, then warnings), then the steps
// as a table (folded in <details> when long). Each list shows at most
// Options.Limit rows, and the whole comment fits in MarkdownMax bytes: what
// does not fit is cut with a note saying what is missing, denials last to go.
type markdownRenderer struct{}

// MarkdownMax is the most the Markdown format writes, in bytes: a GitHub
// comment holds at most 65,536 characters, and a character is at least a
// byte.
const MarkdownMax = 65536

// MarkdownMinBytes is the smallest Options.MaxBytes honoured: the summary
// and the truncation note need about this much.
const MarkdownMinBytes = 4096

// markdownReserve is kept free for the truncation note and closing tags.
const markdownReserve = 1024

// markdownOpenSteps is the longest steps table shown unfolded.
const markdownOpenSteps = 30

// markdownUnchangedMax caps the unchanged instances listed in the summary.
const markdownUnchangedMax = 50

func (markdownRenderer) Render(w io.Writer, p *plans.Plan, o Options) error {
	d := &mdDoc{max: MarkdownMax}
	if o.MaxBytes > 0 {
		d.max = max(o.MaxBytes, MarkdownMinBytes)
	}
	d.room = d.max - markdownReserve
	v := newView(p, Shown(len(p.Steps), o.Limit))
	writeMarkdownSummary(d, p)
	writeMarkdownStages(d, p)
	writeMarkdownFindings(d, v, o.Limit)
	writeMarkdownSteps(d, v, o.Limit)
	d.finish()
	_, err := io.WriteString(w, d.b.String())
	return err
}

// mdDoc is a Markdown document that takes lines while they fit in room
// bytes. The first line that does not fit cuts the document: later lines
// are counted as missing, and finish writes a note saying what is missing.
type mdDoc struct {
	b       strings.Builder
	max     int // the document's cap (Options.MaxBytes)
	room    int
	cut     bool
	details bool           // inside an open <details>
	missing map[string]int // rows cut, by noun ("denials", …)
	order   []string       // nouns in the order they were first cut
}

// line appends s and a newline if they fit; it reports whether they did.
func (d *mdDoc) line(s string) bool {
	if d.cut || d.b.Len()+len(s)+1 > d.room {
		d.cut = true
		return false
	}
	d.b.WriteString(s)
	d.b.WriteByte('\n')
	return true
}

// lost counts n rows of noun that a cut left out.
func (d *mdDoc) lost(noun string, n int) {
	if n <= 0 {
		return
	}
	if d.missing == nil {
		d.missing = map[string]int{}
	}
	if _, ok := d.missing[noun]; !ok {
		d.order = append(d.order, noun)
	}
	d.missing[noun] += n
}

// finish closes an open <details> and, after a cut, says what is missing.
func (d *mdDoc) finish() {
	if d.details {
		d.b.WriteString("\n</details>\n")
	}
	if !d.cut {
		return
	}
	parts := make([]string, len(d.order))
	for i, noun := range d.order {
		parts[i] = strconv.Itoa(d.missing[noun]) + " " + noun
	}
	what := "the rest of the plan"
	if len(parts) > 0 {
		what = strings.Join(parts, ", ")
	}
	fit := "a GitHub comment"
	if d.max != MarkdownMax {
		fit = "--max-bytes"
	}
	fmt.Fprintf(&d.b, "\n> ✂️ **Truncated** to fit %s (%d characters): %s not shown. `rdsup show PLANFILE --format json` prints the complete plan.\n",
		fit, d.max, what)
}

func writeMarkdownSummary(d *mdDoc, p *plans.Plan) {
	s := p.Summary
	d.line(fmt.Sprintf("## rdsup plan `%s`\n", shortID(p.ID)))
	if s.Applicable {
		d.line("✅ **Applicable**: no step is denied by policy.\n")
	} else {
		d.line(fmt.Sprintf("❌ **Not applicable**: %s by policy; `rdsup apply` refuses this plan. Fix the findings below and run `rdsup plan` again.\n",
			plural(s.Denied, "step is denied", "steps are denied")))
	}
	d.line("| Instances | Steps | Unchanged | Clusters | Waves | Denied steps | Warnings |")
	d.line("|--:|--:|--:|--:|--:|--:|--:|")
	d.line(fmt.Sprintf("| %d | %d | %d | %d | %d | %d | %d |\n",
		s.Instances, s.Steps, len(s.Unchanged), s.Clusters, s.Waves, s.Denied, s.Warnings))
	if len(s.Unchanged) > 0 {
		d.line("- **Unchanged** (already at target): " + listed(s.Unchanged, markdownUnchangedMax, ", ", code))
	}
	d.line(fmt.Sprintf("- **Inventory**: %s %s", code(p.Inputs.Inventory), code(p.Inputs.InventoryDigest)))
	if p.Inputs.PolicyDigest == "" {
		d.line("- **Policy set**: none ran")
	} else {
		d.line(fmt.Sprintf("- **Policy set**: %s evaluated at %s", code(p.Inputs.PolicyDigest), p.Inputs.PolicyAt))
	}
	d.line(fmt.Sprintf("- **Plan id**: %s, created %s, format %d\n", code(p.ID), p.CreatedAt.UTC().Format(time.RFC3339), p.FormatVersion))
}

// writeMarkdownFindings lists denials, then warnings, each in step order
// and at most limit of each (0: all).
func writeMarkdownFindings(d *mdDoc, v *view, limit int) {
	section := func(title, label, noun string, pick func(*plans.Step) []plans.Finding) {
		total := 0
		for i := range v.p.Steps {
			total += len(pick(&v.p.Steps[i]))
		}
		if total == 0 {
			return
		}
		n := Shown(total, limit)
		written := 0
		if d.line(fmt.Sprintf("### %s (%d)\n", title, total)) {
		rows:
			for i := range v.p.Steps {
				s := &v.p.Steps[i]
				for _, f := range pick(s) {
					if written == n || !d.line(fmt.Sprintf("- %s step %d %s: %s (%s)", label, i+1, code(s.InstanceID), inline(f.Message), code(f.Rule))) {
						break rows
					}
					written++
				}
			}
		}
		if d.cut {
			d.lost(noun, total-written)
			return
		}
		if rest := total - n; rest > 0 {
			d.line("- … " + strconv.Itoa(rest) + " more " + noun + " (use `--format json`)")
		}
		d.line("")
	}
	section("Denied", "❌", "denials", func(s *plans.Step) []plans.Finding { return s.Policy.Deny })
	section("Warnings", "⚠️", "warnings", func(s *plans.Step) []plans.Finding { return s.Policy.Warn })
}

// writeMarkdownSteps writes the first limit steps (0: all) as a table.
func writeMarkdownSteps(d *mdDoc, v *view, limit int) {
	steps := v.p.Steps
	if len(steps) == 0 {
		d.line("No steps: every instance is already at its target version.")
		return
	}
	n := Shown(len(steps), limit)
	written := 0
	defer func() {
		if d.cut {
			d.lost("steps", len(steps)-written)
		}
	}()
	if !d.line(fmt.Sprintf("### Steps (%d)\n", len(steps))) {
		return
	}
	if n > markdownOpenSteps {
		// Long tables are folded so the verdict and findings stay in view.
		summary := plural(n, "step", "steps")
		if n < len(steps) {
			summary = "first " + summary + " of " + strconv.Itoa(len(steps))
		}
		if !d.line(fmt.Sprintf("<details>\n<summary>%s, in dependency order</summary>\n", summary)) {
			return
		}
		d.details = true
	}
	d.line("| # | Instance | Role | Region | From → To | Effective | Depends on | Wave | Policy |")
	d.line("|--:|---|---|---|---|---|---|--:|---|")
	var row strings.Builder
	var cell []string
	for i := range n {
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
		row.Reset()
		row.WriteString("| ")
		row.WriteString(strconv.Itoa(i + 1))
		for _, c := range []string{code(s.InstanceID), inline(s.Role), inline(s.Region), inline(versions(s)),
			inline(v.effective(s)), deps, strconv.Itoa(s.Wave), strings.Join(cell, "<br>")} {
			row.WriteString(" | ")
			row.WriteString(c)
		}
		row.WriteString(" |")
		if !d.line(row.String()) {
			return
		}
		written++
	}
	if rest := len(steps) - n; rest > 0 {
		d.line("\n… " + strconv.Itoa(rest) + " more steps (use `--format json`)")
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
