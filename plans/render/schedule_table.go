package render

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/schedule"
)

// scheduleTable writes a summary (start, finish, steps, clusters, extra
// nights), the extra nights with the window that saves each, and the first
// Limit steps: those that never start first, then by start time.
type scheduleTable struct{}

var scheduleColumns = []Column{
	{Header: "STEP", Min: 8}, {Header: "CLUSTER", Min: 8}, {Header: "START"}, {Header: "END"},
	{Header: "TAKES", Right: true}, {Header: "NOTE", Min: 10, Max: 60, Wrap: true},
}

func (scheduleTable) RenderSchedule(w io.Writer, _ *plans.Plan, s *schedule.Schedule, o Options) error {
	never := 0
	for _, st := range s.Steps {
		if st.Start.IsZero() {
			never++
		}
	}
	fmt.Fprintf(w, "Start:        %s (concurrency %d)\n", stamp(s.From), s.Concurrency)
	fmt.Fprintf(w, "Finish:       %s (%s after the start)\n", stamp(s.Finish), span(s.Finish.Sub(s.From)))
	fmt.Fprintf(w, "Steps:        %d in %d clusters", len(s.Steps), len(s.Clusters))
	if never > 0 {
		fmt.Fprintf(w, "; %d never start", never)
	}
	fmt.Fprintln(w)
	for _, st := range s.Stages {
		if st.Start.IsZero() {
			fmt.Fprintf(w, "Stage %s: %d steps, never starts\n", st.Name, st.Steps)
			continue
		}
		fmt.Fprintf(w, "Stage %s: %d steps, %s – %s\n", st.Name, st.Steps, stamp(st.Start), stamp(st.End))
	}
	fmt.Fprintf(w, "Extra nights: %d cluster(s) whose primary's window opens before its replicas are done\n", len(s.ExtraNights))
	nights := s.ExtraNights[:Shown(len(s.ExtraNights), o.Limit)]
	for _, e := range nights {
		fmt.Fprintf(w, "  - %s\n", e.Message())
	}
	if more := More(len(s.ExtraNights)-len(nights), "extra nights"); more != "" {
		fmt.Fprintln(w, "  "+more)
	}
	if len(s.Steps) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	order := make([]int, len(s.Steps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := s.Steps[order[a]], s.Steps[order[b]]
		if x.Start.IsZero() != y.Start.IsZero() {
			return x.Start.IsZero()
		}
		return x.Start.Before(y.Start)
	})
	n := Shown(len(order), o.Limit)
	rows := make([][]string, 0, n)
	for _, i := range order[:n] {
		st := s.Steps[i]
		note := st.Reason
		switch {
		case note != "":
			note = "never starts: " + note
		case st.WindowWait:
			note = "waits for its window"
		}
		takes := ""
		if !st.Start.IsZero() {
			takes = span(st.End.Sub(st.Start))
		}
		rows = append(rows, []string{st.ID, st.Cluster, stamp(st.Start), stamp(st.End), takes, note})
	}
	if err := WriteTable(w, scheduleColumns, rows, o.Width); err != nil {
		return err
	}
	if more := More(len(order)-n, "steps"); more != "" {
		fmt.Fprintln(w, more)
	}
	return nil
}

// span writes a duration in days, hours and minutes: "2d3h5m", "45m".
func span(d time.Duration) string {
	if d <= 0 {
		return "0m"
	}
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	out := ""
	if days > 0 {
		out += fmt.Sprintf("%dd", days)
	}
	if h > 0 || days > 0 {
		out += fmt.Sprintf("%dh", h)
	}
	return out + fmt.Sprintf("%dm", m)
}
