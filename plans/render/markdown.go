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
// Options.Limit rows, and the whole comment fits in MarkdownMax bytes: when
// the lists do not fit, they share the room (denials twice as much as
// warnings and steps) and a note says how many rows of each are missing.
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
	// steps and stepBudget are the step rows and the share of the room
	// writeMarkdownFindings measured and left for them.
	steps      []string
	stepBudget int
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
	if !d.cut && len(d.missing) == 0 {
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

// Shares of the comment when every section is long: denials twice what
// warnings and steps get (see allot).
var markdownWeights = []int{2, 1, 1} // denials, warnings, steps

// mdSection is a list of the comment measured before it is written, so
// that each long list gets a fair share of the room.
type mdSection struct {
	title, label, noun string
	rows               []string // the first Shown(total, limit) rows
	total              int      // rows there are
}

// size is what the section takes when written in full.
func (s mdSection) size() int {
	if s.total == 0 {
		return 0
	}
	n := len(s.title) + 24 + 96 // heading, blank line, a "more" line
	for _, r := range s.rows {
		n += len(r) + 1
	}
	return n
}

// writeMarkdownFindings lists denials, then warnings, each in step order
// and at most limit of each (0: all). When the comment cannot hold them
// all, denials, warnings and steps share the room (denials twice as much),
// so every list shows its first rows and its count.
func writeMarkdownFindings(d *mdDoc, v *view, limit int) {
	pick := func(title, label, noun string, of func(*plans.Step) []plans.Finding) mdSection {
		s := mdSection{title: title, label: label, noun: noun}
		for i := range v.p.Steps {
			s.total += len(of(&v.p.Steps[i]))
		}
		n, size := Shown(s.total, limit), 0
	rows:
		for i := range v.p.Steps {
			st := &v.p.Steps[i]
			for _, f := range of(st) {
				if len(s.rows) == n || size > d.room {
					break rows // more than the comment holds: enough to measure
				}
				r := fmt.Sprintf("- %s step %d %s: %s (%s)", label, i+1, code(st.InstanceID), inline(f.Message), code(f.Rule))
				s.rows = append(s.rows, r)
				size += len(r) + 1
			}
		}
		return s
	}
	deny := pick("Denied", "❌", "denials", func(s *plans.Step) []plans.Finding { return s.Policy.Deny })
	warn := pick("Warnings", "⚠️", "warnings", func(s *plans.Step) []plans.Finding { return s.Policy.Warn })
	d.steps = markdownStepRows(v, limit, d.room)
	steps := mdSection{title: "Steps", noun: "steps", rows: d.steps, total: len(v.p.Steps)}
	budgets := allot(d.room-d.b.Len(), []int{deny.size(), warn.size(), steps.size() + 512}, markdownWeights)
	d.stepBudget = budgets[2]
	for i, s := range []mdSection{deny, warn} {
		writeMarkdownSection(d, s, budgets[i])
	}
}

// writeMarkdownSection writes one list of findings within budget bytes.
func writeMarkdownSection(d *mdDoc, s mdSection, budget int) {
	if s.total == 0 {
		return
	}
	start, written := d.b.Len(), 0
	if d.line(fmt.Sprintf("### %s (%d)\n", s.title, s.total)) {
		for _, r := range s.rows {
			if d.b.Len()-start+len(r)+1 > budget-96 || !d.line(r) {
				break
			}
			written++
		}
	}
	switch {
	case d.cut:
		d.lost(s.noun, s.total-written)
		return
	case written < len(s.rows):
		d.lost(s.noun, s.total-written)
		d.line("- … " + strconv.Itoa(s.total-written) + " more " + s.noun + " not shown: the comment is full (`--format json` lists them all)")
	case s.total > written:
		d.line("- … " + strconv.Itoa(s.total-written) + " more " + s.noun + " (use `--format json`)")
	}
	d.line("")
}

// allot shares room among sections that would take sizes bytes, in
// proportion to their weights, max-min fair: a section needing less than
// its share gets what it needs, and what it leaves goes to the others.
func allot(room int, sizes, weights []int) []int {
	out := make([]int, len(sizes))
	left, weight := max(room, 0), 0
	open := map[int]bool{}
	for i := range sizes {
		open[i] = true
		weight += weights[i]
	}
	for len(open) > 0 {
		settled := false
		for i := range sizes {
			if open[i] && sizes[i]*weight <= left*weights[i] {
				out[i] = sizes[i]
				left -= sizes[i]
				weight -= weights[i]
				delete(open, i)
				settled = true
			}
		}
		if !settled {
			for i := range open {
				out[i] = left * weights[i] / weight
			}
			break
		}
	}
	return out
}

// markdownStepRows are the table rows of the first limit steps (0: all),
// only as many as take up to capBytes: more would never be shown.
func markdownStepRows(v *view, limit, capBytes int) []string {
	steps := v.p.Steps
	n := Shown(len(steps), limit)
	out := make([]string, 0, min(n, 1024))
	var row strings.Builder
	var cell []string
	size := 0
	for i := range n {
		if size > capBytes {
			break
		}
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
		out = append(out, row.String())
		size += row.Len() + 1
	}
	return out
}

// writeMarkdownSteps writes the first limit steps (0: all) as a table,
// within the share writeMarkdownFindings left them.
func writeMarkdownSteps(d *mdDoc, v *view, limit int) {
	steps := v.p.Steps
	if len(steps) == 0 {
		d.line("No steps: every instance is already at its target version.")
		return
	}
	rows, budget := d.steps, d.stepBudget
	if rows == nil {
		rows, budget = markdownStepRows(v, limit, d.room), d.room
	}
	n := Shown(len(steps), limit)
	written := 0
	defer func() {
		if d.cut || written < n {
			d.lost("steps", len(steps)-written)
		}
	}()
	start := d.b.Len()
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
	for _, r := range rows {
		if d.b.Len()-start+len(r)+1 > budget-96 || !d.line(r) {
			break
		}
		written++
	}
	switch {
	case d.cut:
	case written < n:
		d.line("\n… " + strconv.Itoa(len(steps)-written) + " more steps not shown: the comment is full (`--format json` lists them all)")
	case len(steps) > n:
		d.line("\n… " + strconv.Itoa(len(steps)-n) + " more steps (use `--format json`)")
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
