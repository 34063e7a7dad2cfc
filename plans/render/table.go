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

// tableRenderer writes what a person reads at a terminal: a short summary,
// the first Options.Limit steps, then the policy findings (denials first),
// each table fitted to Options.Width. No colour: the output is the same on
// a terminal, in a pipe and in a golden file.
type tableRenderer struct{}

// tableUnchangedMax caps the unchanged instances listed in the summary.
const tableUnchangedMax = 10

// summaryKeyWidth is the width of the summary's key column.
const summaryKeyWidth = 12

// findingsWidth is where the finding column wraps long messages when the
// table is not fitted to a narrower width.
const findingsWidth = 72

var stepColumns = []Column{
	{Header: "#", Right: true},
	{Header: "INSTANCE", Min: 12},
	{Header: "ROLE", Min: 8},
	{Header: "FROM → TO", Min: 9},
	{Header: "EFFECTIVE", Min: 12, Wrap: true},
	{Header: "DEPENDS ON", Min: 12},
	{Header: "WAVE", Right: true},
	{Header: "POLICY"},
}

var findingColumns = []Column{
	{Header: "#", Right: true},
	{Header: "INSTANCE", Min: 12},
	{Header: "FINDING", Min: 20, Max: findingsWidth, Wrap: true},
}

func (tableRenderer) Render(w io.Writer, p *plans.Plan, o Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	writeTableSummary(bw, p, o.Width)
	if err := writePlanStages(bw, p, o.Width); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	if len(p.Steps) == 0 {
		fmt.Fprintln(bw, "\n"+fitCell("No steps: every instance is already at its target version.", widthOr(o.Width), true))
		return bw.Flush()
	}
	v := newView(p, Shown(len(p.Steps), o.Limit))
	fmt.Fprintln(bw)
	if err := writeStepTable(bw, v, o); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	if err := writeFindingTable(bw, v, o); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return bw.Flush()
}

// widthOr is width, or no limit when width is 0.
func widthOr(width int) int {
	if width <= 0 {
		return int(^uint(0) >> 1)
	}
	return width
}

func writeTableSummary(w io.Writer, p *plans.Plan, width int) {
	s := p.Summary
	valueWidth := widthOr(width)
	if width > 0 {
		valueWidth = max(width-summaryKeyWidth, 20)
	}
	indent := "\n" + strings.Repeat(" ", summaryKeyWidth)
	row := func(k, v string) {
		v = strings.ReplaceAll(fitCell(v, valueWidth, true), "\n", indent)
		fmt.Fprintf(w, "%-*s%s\n", summaryKeyWidth, k, v)
	}
	row("plan", shortID(p.ID)+"  created "+p.CreatedAt.UTC().Format(time.RFC3339))
	row("inventory", p.Inputs.Inventory+"  "+shortID(p.Inputs.InventoryDigest))
	if p.Inputs.PolicyDigest == "" {
		row("policy set", "none ran")
	} else {
		row("policy set", shortID(p.Inputs.PolicyDigest)+"  at "+p.Inputs.PolicyAt)
	}
	row("instances", fmt.Sprintf("%d   steps %d   unchanged %d   clusters %d   waves %d",
		s.Instances, s.Steps, len(s.Unchanged), s.Clusters, s.Waves))
	if len(s.Unchanged) > 0 {
		row("unchanged", listed(s.Unchanged, tableUnchangedMax, ", ", func(id string) string { return id }))
	}
	row("findings", plural(s.Denied, "step denied", "steps denied")+", "+plural(s.Warnings, "warning", "warnings"))
	if s.Applicable {
		row("applicable", "yes")
	} else {
		row("applicable", "no: `rdsup apply` refuses a plan with denied steps; fix the findings and run `rdsup plan` again")
	}
}

// writeStepTable writes the first o.Limit steps, one row each, and a line
// counting the rest.
func writeStepTable(w io.Writer, v *view, o Options) error {
	n := Shown(len(v.p.Steps), o.Limit)
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = stepRow(v, i)
	}
	cols, rows := stageColumn(v.p, stepColumns, rows)
	if err := WriteTable(w, cols, rows, o.Width); err != nil {
		return err
	}
	if more := More(len(v.p.Steps)-n, "steps"); more != "" {
		fmt.Fprintln(w, more)
	}
	return nil
}

// stepRow is the row of the i-th step; multi-valued cells hold one value
// per line. The policy cell is the verdict; the messages are in the
// findings table.
func stepRow(v *view, i int) []string {
	s := &v.p.Steps[i]
	deps := "-"
	if d := v.dependsOn(s); len(d) > 0 {
		deps = strings.Join(d, "\n")
	}
	pol := "-"
	switch {
	case len(s.Policy.Deny) > 0:
		pol = labelDeny
	case len(s.Policy.Warn) > 0:
		pol = labelWarn
	}
	return []string{
		strconv.Itoa(i + 1), s.InstanceID, s.Role, versions(s),
		v.effective(s), deps, strconv.Itoa(s.Wave), pol,
	}
}

// writeFindingTable writes the policy findings, denials first, each kind
// in step order: at most o.Limit rows and a line counting the rest.
func writeFindingTable(w io.Writer, v *view, o Options) error {
	total := 0
	for i := range v.p.Steps {
		total += len(v.p.Steps[i].Policy.Deny) + len(v.p.Steps[i].Policy.Warn)
	}
	if total == 0 {
		return nil
	}
	n := Shown(total, o.Limit)
	rows := make([][]string, 0, n)
	add := func(label string, pick func(*plans.Step) []plans.Finding) {
		for i := range v.p.Steps {
			s := &v.p.Steps[i]
			for _, f := range pick(s) {
				if len(rows) == n {
					return
				}
				rows = append(rows, []string{strconv.Itoa(i + 1), s.InstanceID, label + ": " + f.Message})
			}
		}
	}
	add(labelDeny, func(s *plans.Step) []plans.Finding { return s.Policy.Deny })
	add(labelWarn, func(s *plans.Step) []plans.Finding { return s.Policy.Warn })
	fmt.Fprintln(w)
	if err := WriteTable(w, findingColumns, rows, o.Width); err != nil {
		return err
	}
	if more := More(total-len(rows), "findings"); more != "" {
		fmt.Fprintln(w, more)
	}
	return nil
}
