package render

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

// Stages of a staged rollout, as show, status and apply render them. A
// plan without stages renders exactly as before.

var planStageColumns = []Column{
	{Header: "STAGE", Min: 8},
	{Header: "SELECT", Min: 10, Wrap: true},
	{Header: "STEPS", Right: true},
	{Header: "CLUSTERS", Right: true},
	{Header: "SOAK"},
	{Header: "MAX CLUSTERS", Right: true},
	{Header: "MAX FAILURES", Right: true},
}

// stageCounts counts each stage's steps and clusters.
func stageCounts(p *plans.Plan) (steps, clusters map[string]int) {
	steps, clusters = map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for i := range p.Steps {
		s := &p.Steps[i]
		steps[s.Stage]++
		if !seen[s.Cluster] {
			seen[s.Cluster] = true
			clusters[s.Stage]++
		}
	}
	return steps, clusters
}

// gates renders a stage's optional gates as table cells ("-" for none).
func gates(st *plans.Stage) (soak, maxClusters, maxFailures string) {
	soak, maxClusters, maxFailures = "-", "-", "-"
	if st.Soak != "" {
		soak = st.Soak
	}
	if st.MaxConcurrentClusters > 0 {
		maxClusters = strconv.Itoa(st.MaxConcurrentClusters)
	}
	if st.MaxFailures != nil {
		maxFailures = strconv.Itoa(*st.MaxFailures)
	}
	return soak, maxClusters, maxFailures
}

// writePlanStages writes the plan's stages, in order, as a table.
func writePlanStages(w io.Writer, p *plans.Plan, width int) error {
	if len(p.Stages) == 0 {
		return nil
	}
	steps, clusters := stageCounts(p)
	rows := make([][]string, len(p.Stages))
	for i := range p.Stages {
		st := &p.Stages[i]
		soak, mc, mf := gates(st)
		rows[i] = []string{st.Name, st.Select, strconv.Itoa(steps[st.Name]), strconv.Itoa(clusters[st.Name]), soak, mc, mf}
	}
	fmt.Fprintln(w)
	return WriteTable(w, planStageColumns, rows, width)
}

// writeMarkdownStages writes the plan's stages as a Markdown table.
func writeMarkdownStages(d *mdDoc, p *plans.Plan) {
	if len(p.Stages) == 0 {
		return
	}
	steps, clusters := stageCounts(p)
	d.line("**Rollout stages** (each starts when the one before succeeded and soaked):\n")
	d.line("| Stage | Select | Steps | Clusters | Soak | Max clusters | Max failures |")
	d.line("|---|---|--:|--:|---|--:|--:|")
	for i := range p.Stages {
		st := &p.Stages[i]
		soak, mc, mf := gates(st)
		d.line(fmt.Sprintf("| %s | %s | %d | %d | %s | %s | %s |", inline(st.Name), code(st.Select), steps[st.Name], clusters[st.Name], soak, mc, mf))
	}
	d.line("")
}

var stageStatusColumns = []Column{
	{Header: "STAGE", Min: 8},
	{Header: "STATE", Min: 7},
	{Header: "SUCCEEDED", Right: true},
	{Header: "FAILURES", Right: true},
	{Header: "SOAK ENDS", Min: 10, Wrap: true},
}

// WriteStageStatus writes stages as status and apply show them: state,
// steps succeeded of all, failures of those allowed, and when the soak
// ends (relative to now when now is not zero). Nothing without stages.
func WriteStageStatus(w io.Writer, stages []executor.StageStatus, now time.Time, width int) error {
	if len(stages) == 0 {
		return nil
	}
	rows := make([][]string, len(stages))
	for i, st := range stages {
		fails := strconv.Itoa(st.Failures)
		if st.MaxFailures != nil {
			fails += "/" + strconv.Itoa(*st.MaxFailures)
		}
		soak := "-"
		if !st.SoakEndsAt.IsZero() && st.Soak != "" {
			soak = st.SoakEndsAt.UTC().Format(time.RFC3339)
			if !now.IsZero() && st.State == executor.StageSoaking {
				soak += ", in " + Until(st.SoakEndsAt.Sub(now))
			}
		} else if st.Soak != "" {
			soak = st.Soak + " after its last step"
		}
		rows[i] = []string{st.Name, string(st.State), fmt.Sprintf("%d/%d", st.Succeeded, st.Steps), fails, soak}
	}
	return WriteTable(w, stageStatusColumns, rows, width)
}

// SoakNote says which stage soaks until when, for apply's exit message;
// "" when none does.
func SoakNote(stages []executor.StageStatus) string {
	for i, st := range stages {
		if st.State != executor.StageSoaking {
			continue
		}
		next := ""
		if i+1 < len(stages) {
			next = "; stage " + stages[i+1].Name + " starts then"
		}
		return fmt.Sprintf("stage %s soaks until %s%s", st.Name, st.SoakEndsAt.UTC().Format(time.RFC3339), next)
	}
	return ""
}

// StoppedNote names the stage that stopped the campaign; "" when none did.
func StoppedNote(stages []executor.StageStatus) string {
	for _, st := range stages {
		if st.State == executor.StageStopped && st.MaxFailures != nil {
			return fmt.Sprintf("stage %s stopped the campaign: %d failed step(s), more than its maxFailures %d", st.Name, st.Failures, *st.MaxFailures)
		}
	}
	return ""
}

// stageColumn inserts a STAGE column after INSTANCE in the step table of a
// staged plan.
func stageColumn(p *plans.Plan, cols []Column, rows [][]string) ([]Column, [][]string) {
	if len(p.Stages) == 0 {
		return cols, rows
	}
	out := make([]Column, 0, len(cols)+1)
	out = append(append(append(out, cols[:2]...), Column{Header: "STAGE", Min: 6}), cols[2:]...)
	for i, r := range rows {
		rows[i] = append(append(append(make([]string, 0, len(r)+1), r[:2]...), p.Steps[i].Stage), r[2:]...)
	}
	return out, rows
}
