package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
)

var statusFormats = render.StatusFormats()

type statusOptions struct {
	path   string
	format string
	limit  int
	state  stateOptions
	planID string
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
It may run while an apply is in progress.

With --state URL (or $RDSUP_STATE) status reads the shared PostgreSQL state
store instead, from any machine: --plan-id ID (or a PLANFILE) shows that
plan's steps and the workers holding leases on them; with neither it lists
the stored plans.`,
		Example: `  rdsup status rdsup-plan.json
  rdsup status --state postgres://rdsup@db/rdsup --plan-id 1a2b3c4d5e6f
  rdsup status rdsup-plan.json --format json | jq '.counts'`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.path = args[0]
			}
			if o.state.resolved() != "" {
				return runStatusState(cmd.Context(), cmd.OutOrStdout(), o)
			}
			if o.path == "" {
				return errors.New("give the PLANFILE (or --state URL, to read a shared state store)")
			}
			return runStatus(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	o.state.addFlags(cmd.Flags(), false)
	cmd.Flags().StringVar(&o.planID, "plan-id", "", "with --state: the stored plan to show (its id or first 12+ hex digits); without it, the stored plans are listed")
	cmd.Flags().StringVar(&o.format, "format", render.Table, "output format: "+strings.Join(statusFormats, ", "))
	completeFlag(cmd, "format", fixedCompletion(statusFormats...))
	addLimitFlag(cmd.Flags(), &o.limit)
	return cmd
}

func runStatus(_ context.Context, out io.Writer, o *statusOptions) error {
	if _, err := render.ParseStatusFormat(o.format); err != nil {
		return err
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
	if _, err := os.Lstat(jpath); o.format != render.JSON && errors.Is(err, fs.ErrNotExist) {
		st.Journal = "none: " + jpath + " does not exist (no apply of this plan file ran here; apply --simulate keeps its journal in a temporary directory)"
	}
	return render.Status(out, o.format, st, renderOptions(out, o.limit))
}
