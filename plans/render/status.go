package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rdsup/rdsup/executor"
)

// StatusFormats are the formats of `rdsup status`.
func StatusFormats() []string { return []string{Table, JSON} }

// Status writes a plan's status (from its journal) in format: a table, or
// the documented JSON shape of executor.PlanStatus.
func Status(w io.Writer, format string, st executor.PlanStatus, o Options) error {
	switch format {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	case Table:
		return statusTable(w, st, o)
	}
	return fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, format, strings.Join(StatusFormats(), ", "))
}

var statusColumns = []Column{
	{Header: "STEP", Min: 12},
	{Header: "INSTANCE", Min: 12},
	{Header: "ROLE", Min: 8},
	{Header: "FROM → TO", Min: 9},
	{Header: "STATE", Min: 10, Wrap: true},
	{Header: "TASK"},
	{Header: "UPDATED", Min: 10, Wrap: true},
	{Header: "REASON", Min: 20, Max: findingsWidth, Wrap: true},
}

// statusTable writes the steps that are not done first, at most o.Limit
// rows, fitted to o.Width, then the counts.
func statusTable(w io.Writer, st executor.PlanStatus, o Options) error {
	fmt.Fprintf(w, "plan     %s\njournal  %s\n", shortPlanID(st.Plan), st.Journal)
	if st.RunningApply != "" {
		fmt.Fprintf(w, "running  %s\n", st.RunningApply)
	}
	fmt.Fprintln(w)
	if len(st.Stages) > 0 {
		if err := WriteStageStatus(w, st.Stages, time.Time{}, o.Width); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	shown, hidden := firstRows(st.Steps, func(s executor.StepStatus) bool { return s.State != executor.Succeeded }, o.Limit)
	rows := make([][]string, len(shown))
	for i, s := range shown {
		upd := ""
		if !s.Updated.IsZero() {
			upd = s.Updated.UTC().Format(time.RFC3339)
		}
		rows[i] = []string{s.Step, s.Instance, s.Role, s.FromVersion + " → " + s.ToVersion,
			StateLabel(s.State, s.OpensAt, time.Time{}), s.TaskID, upd, s.Reason}
	}
	if err := WriteTable(w, statusColumns, rows, o.Width); err != nil {
		return err
	}
	if hidden > 0 {
		fmt.Fprintf(w, "… %d more steps, all succeeded (use --format json, or --limit 0)\n", hidden)
	}
	fmt.Fprintf(w, "%d steps: %s\n", len(st.Steps), Counts(st.Counts))
	return nil
}

// StateLabel is a state as tables show it: a waiting or scheduled step
// says when its window opens (and, given now on the same clock, in how
// long).
func StateLabel(s executor.State, until, now time.Time) string {
	if until.IsZero() || s != executor.Scheduled && s != executor.Waiting && s != executor.Pending {
		return string(s)
	}
	return string(s) + " (" + WindowOpens(until, now) + ")"
}

// WindowOpens says when a maintenance window opens: without now "window
// opens 2026-12-01T18:00:00Z"; given now (on the same clock) "window opens
// 18:00Z, in 3h12m", with the date when it is not now's day.
func WindowOpens(until, now time.Time) string {
	u := until.UTC()
	if now.IsZero() {
		return "window opens " + u.Format(time.RFC3339)
	}
	at := u.Format("15:04Z")
	if u.YearDay() != now.UTC().YearDay() || u.Year() != now.UTC().Year() {
		at = u.Format("2006-01-02 15:04Z")
	}
	return fmt.Sprintf("window opens %s, in %s", at, Until(until.Sub(now)))
}

// Until renders a wait as people read it: 3h12m, 4m10s, 12s.
func Until(d time.Duration) string {
	switch {
	case d <= 0:
		return "now"
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return d.Round(time.Second).String()
}

// Counts renders state counts in the order of executor.States, skipping
// zeros: "3 succeeded, 1 failed".
func Counts(counts map[executor.State]int) string {
	var parts []string
	for _, s := range executor.States {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func shortPlanID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ParseStatusFormat checks a format name of `rdsup status` before any
// work is done.
func ParseStatusFormat(format string) (string, error) {
	for _, f := range StatusFormats() {
		if f == format {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, format, strings.Join(StatusFormats(), ", "))
}
