package render_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans/render"
)

// TestResultTablesShowWhatNeedsAPerson: the apply result and the status
// table show the steps that did not succeed first, at most --limit rows,
// fitted to the width, and say how many succeeded steps they left out.
func TestResultTablesShowWhatNeedsAPerson(t *testing.T) {
	const n = 200
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	res := &executor.Result{Started: start, Finished: start.Add(time.Hour), APICalls: 3 * n}
	st := executor.PlanStatus{Plan: strings.Repeat("ab", 32), Journal: "plan.json.journal", Counts: map[executor.State]int{}}
	for i := range n {
		state, detail := executor.Succeeded, "upgraded to 5.6"
		if i == 150 {
			state, detail = executor.Failed, "not eligible: "+strings.Repeat("a long reason that must wrap ", 8)
		}
		id := fmt.Sprintf("rm-%03d", i)
		res.Steps = append(res.Steps, executor.StepResult{Step: id, Instance: id, Cluster: id, State: state, Detail: detail})
		st.Steps = append(st.Steps, executor.StepStatus{Step: id, Instance: id, State: state, Reason: detail, FromVersion: "5.5", ToVersion: "5.6"})
		st.Counts[state]++
	}
	writers := map[string]func(*bytes.Buffer, render.Options) error{
		"summary": func(b *bytes.Buffer, o render.Options) error { return render.Summary(b, res, o, "see status") },
		"status":  func(b *bytes.Buffer, o render.Options) error { return render.Status(b, render.Table, st, o) },
	}
	for name, write := range writers {
		for _, tc := range []struct {
			limit, width, rows int
		}{{10, 100, 10}, {1, 0, 1}, {0, 0, n}} {
			t.Run(fmt.Sprintf("%s limit %d width %d", name, tc.limit, tc.width), func(t *testing.T) {
				var b bytes.Buffer
				if err := write(&b, render.Options{Limit: tc.limit, Width: tc.width}); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				if got := strings.Count(out, "\n│ rm-"); got != tc.rows {
					t.Errorf("%d step rows, want %d:\n%s", got, tc.rows, out)
				}
				if !strings.Contains(out, "│ rm-150") {
					t.Errorf("the failed step is not shown:\n%s", out)
				}
				more := fmt.Sprintf("… %d more steps, all succeeded", n-tc.rows)
				if hidden := tc.rows < n; strings.Contains(out, more) != hidden {
					t.Errorf("more line %q present = %v, want %v:\n%s", more, !hidden, hidden, out)
				}
				for _, line := range strings.Split(out, "\n") {
					if w := len([]rune(line)); tc.width > 0 && strings.HasPrefix(line, "│") && w > tc.width {
						t.Errorf("line of %d columns, want at most %d: %q", w, tc.width, line)
					}
				}
			})
		}
	}
}
