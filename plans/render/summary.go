package render

import (
	"fmt"
	"io"
	"time"

	"github.com/rdsup/rdsup/executor"
)

var summaryColumns = []Column{
	{Header: "STEP", Min: 12},
	{Header: "INSTANCE", Min: 12},
	{Header: "CLUSTER", Min: 10},
	{Header: "RESULT", Min: 10, Wrap: true},
	{Header: "TASK"},
	{Header: "TIME", Right: true},
	{Header: "DETAIL", Min: 20, Max: findingsWidth, Wrap: true},
}

// Summary writes the result of an apply: the steps (those that did not
// succeed first, at most o.Limit rows, fitted to o.Width) and the totals.
// Each step's detail (a failure's reason) appears once, here; hint says
// where the complete list is.
func Summary(w io.Writer, res *executor.Result, o Options, hint string) error {
	fmt.Fprintln(w)
	counts := map[executor.State]int{}
	for _, s := range res.Steps {
		counts[s.State]++
	}
	shown, hidden := firstRows(res.Steps, func(s executor.StepResult) bool { return s.State != executor.Succeeded }, o.Limit)
	rows := make([][]string, len(shown))
	for i, s := range shown {
		d := ""
		if s.Duration > 0 {
			d = s.Duration.Round(time.Millisecond).String()
		}
		rows[i] = []string{s.Step, s.Instance, s.Cluster, StateLabel(s.State, s.Until, res.Finished), s.TaskID, d, s.Detail}
	}
	if err := WriteTable(w, summaryColumns, rows, o.Width); err != nil {
		return err
	}
	if hidden > 0 {
		fmt.Fprintf(w, "… %d more steps, all succeeded (%s)\n", hidden, hint)
	}
	fmt.Fprintf(w, "%d steps: %s in %s; %d API calls (%.1f per step)\n", len(res.Steps), Counts(counts),
		res.Finished.Sub(res.Started).Round(time.Millisecond), res.APICalls, float64(res.APICalls)/float64(max(1, len(res.Steps))))
	if len(res.Stages) > 0 {
		fmt.Fprintln(w)
		return WriteStageStatus(w, res.Stages, res.Finished, o.Width)
	}
	return nil
}

// firstRows picks the rows a limited table shows: the rows a person must
// look at (urgent) first, in their order, then the others; at most limit
// (0: all). hidden is how many were left out; urgent rows are left out
// only when they alone exceed the limit.
func firstRows[T any](items []T, urgent func(T) bool, limit int) (shown []T, hidden int) {
	n := Shown(len(items), limit)
	shown = make([]T, 0, n)
	for _, it := range items {
		if len(shown) < n && urgent(it) {
			shown = append(shown, it)
		}
	}
	for _, it := range items {
		if len(shown) < n && !urgent(it) {
			shown = append(shown, it)
		}
	}
	return shown, len(items) - len(shown)
}
