package render

import (
	"fmt"
	"io"
	"time"

	"github.com/olekukonko/tablewriter"

	"github.com/rdsup/rdsup/executor"
)

// Summary writes the result of an apply: one row per step and the totals.
// Each step's detail (a failure's reason) appears once, here.
func Summary(w io.Writer, res *executor.Result) error {
	fmt.Fprintln(w)
	t := tablewriter.NewTable(w)
	t.Header("STEP", "INSTANCE", "CLUSTER", "RESULT", "TASK", "TIME", "DETAIL")
	counts := map[executor.State]int{}
	for _, s := range res.Steps {
		counts[s.State]++
		d := ""
		if s.Duration > 0 {
			d = s.Duration.Round(time.Millisecond).String()
		}
		if err := t.Append([]string{s.Step, s.Instance, s.Cluster, StateLabel(s.State, s.Until, res.Finished), s.TaskID, d, s.Detail}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d steps: %s in %s; %d API calls (%.1f per step)\n", len(res.Steps), Counts(counts),
		res.Finished.Sub(res.Started).Round(time.Millisecond), res.APICalls, float64(res.APICalls)/float64(max(1, len(res.Steps))))
	return nil
}
