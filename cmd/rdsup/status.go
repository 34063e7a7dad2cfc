package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

// Formats of rdsup status.
const (
	statusTable = "table"
	statusJSON  = "json"
)

var statusFormats = []string{statusTable, statusJSON}

type statusOptions struct {
	path   string
	format string
}

func newStatusCmd() *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status PLANFILE [--format " + strings.Join(statusFormats, "|") + "]",
		Short: "Show each step's state from the plan's apply journal",
		Long: `Status verifies the plan file and reads its journal (PLANFILE.journal, written by
rdsup apply) without changing it or contacting the cloud. Each step is
not-started, started (upgrade call sent, answer not recorded: the next apply
re-sends it with the same ClientToken), upgrading (accepted, being polled),
succeeded, failed (with the reason), pending (window closed, --no-wait) or
scheduled (a MaintainTime upgrade accepted by the cloud that starts when the
instance's maintenance window opens, left by apply --no-wait; the next apply
polls it and never re-sends it; the table says when the window opens).
A failed step whose upgrade was accepted but not seen ending (step timeout,
instance unreadable) is polled again by the next apply; one whose accepted
upgrade ended on the old version stays failed (its ClientToken is spent).
It may run while an apply is in progress.`,
		Example: `  rdsup status rdsup-plan.json
  rdsup status rdsup-plan.json --format json | jq '.counts'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return runStatus(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", statusTable, "output format: "+strings.Join(statusFormats, ", "))
	completeFlag(cmd, "format", fixedCompletion(statusFormats...))
	return cmd
}

func runStatus(_ context.Context, out io.Writer, o *statusOptions) error {
	if o.format != statusTable && o.format != statusJSON {
		return fmt.Errorf("unknown format %q: use one of %s", o.format, strings.Join(statusFormats, ", "))
	}
	p, err := plans.Load(o.path)
	if err != nil {
		return err
	}
	jpath := executor.JournalPath(o.path)
	recs, err := executor.ReadJournal(jpath, p.ID)
	if err != nil {
		return err
	}
	st := executor.StatusOf(p, jpath, recs)
	if holder, held := executor.LockHolder(executor.LockPath(o.path)); held {
		st.RunningApply = holder
	}
	if o.format == statusJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if _, err := os.Lstat(jpath); errors.Is(err, fs.ErrNotExist) {
		st.Journal = "none: " + jpath + " does not exist (no apply of this plan file ran here; apply --simulate keeps its journal in a temporary directory)"
	}
	return writeStatusTable(out, st)
}

func writeStatusTable(w io.Writer, st executor.PlanStatus) error {
	fmt.Fprintf(w, "plan     %s\njournal  %s\n", shortPlanID(st.Plan), st.Journal)
	if st.RunningApply != "" {
		fmt.Fprintf(w, "running  %s\n", st.RunningApply)
	}
	fmt.Fprintln(w)
	t := tablewriter.NewTable(w)
	t.Header("STEP", "INSTANCE", "ROLE", "FROM → TO", "STATE", "TASK", "UPDATED", "REASON")
	for _, s := range st.Steps {
		upd := ""
		if !s.Updated.IsZero() {
			upd = s.Updated.UTC().Format(time.RFC3339)
		}
		state := s.State
		if !s.OpensAt.IsZero() {
			state += " (window opens " + s.OpensAt.UTC().Format(time.RFC3339) + ")"
		}
		if err := t.Append([]string{s.Step, s.Instance, s.Role, s.FromVersion + " → " + s.ToVersion, state, s.TaskID, upd, s.Reason}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	var parts []string
	for _, k := range []string{executor.StatusSucceeded, executor.StatusUpgrading, executor.StatusScheduled, executor.StatusStarted, executor.StatusFailed, executor.StatusPending, executor.StatusNotStarted} {
		if n := st.Counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	fmt.Fprintf(w, "%d steps: %s\n", len(st.Steps), strings.Join(parts, ", "))
	return nil
}
