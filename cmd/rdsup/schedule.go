package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/internal/atomicfile"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
	"github.com/rdsup/rdsup/schedule"
	"github.com/spf13/cobra"
)

type scheduleOptions struct {
	path        string
	from        string
	concurrency int
	format      string
	out         string
	limit       int
	policy      policyOptions
}

func newScheduleCmd() *cobra.Command {
	o := &scheduleOptions{}
	cmd := &cobra.Command{
		Use:   "schedule PLANFILE [--from T] [--concurrency N] [--format " + render.ScheduleFormatHelp() + "] [-o FILE]",
		Short: "Preview when each step of a plan would run, and when the campaign ends",
		Long: `Schedule plays a plan on a virtual clock — no API calls, no simulator — the
way apply would run it: each step takes its estimated duration (the plan's
estimateSeconds), waits for its dependencies, takes one of --concurrency
slots, and starts in the order apply uses (longest remaining path first).
MaintainTime upgrades run when their instance's window opens; an Immediate
step asks the policies (the built-in window rule, -p, --data) as apply does
and waits for the time their denial lifts.

A plan with rollout stages runs them as apply does: a stage starts when
the stages before it succeeded and soaked, with at most its
maxConcurrentClusters clusters in flight.

It prints when each step starts and ends, each stage, when the campaign finishes, and
the clusters that need an extra night because the primary's window opens
before its replicas are done, with the maintainTime that would save it.
The table shows the first --limit steps (those that never start first,
then by start); JSON is complete; SVG is a Gantt chart (one row per
cluster) to attach to a pull request.`,
		Example: `  rdsup schedule rdsup-plan.json
  rdsup schedule rdsup-plan.json --from 2026-01-05T18:00:00Z --concurrency 20
  rdsup schedule rdsup-plan.json --format svg -o schedule.svg`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return runSchedule(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "when the run starts, RFC 3339 (e.g. 2026-01-05T18:00:00Z); default now")
	f.IntVar(&o.concurrency, "concurrency", executor.DefaultConcurrency, "steps in flight at once, as apply --concurrency")
	f.StringVar(&o.format, "format", render.Table, "output format: "+render.ScheduleFormatHelp())
	f.StringVarP(&o.out, "out", "o", "", "write to this file (atomically) instead of stdout")
	addLimitFlag(f, &o.limit)
	f.StringArrayVarP(&o.policy.dirs, "policy", "p", nil, "directory of Rego policies added to the built-in ones, as for apply; repeatable")
	f.StringArrayVar(&o.policy.data, "data", nil, "YAML or JSON data file merged over the built-in policy data; repeatable")
	f.BoolVar(&o.policy.noDefaults, "no-default-policies", false, "leave out the built-in policies (and their window rule)")
	f.DurationVar(&o.policy.timeout, "policy-timeout", defaultPolicyTimeout, "longest the policies may take to judge one step")
	limitInt(f, "concurrency", 1, 1000)
	limitDuration(f, "policy-timeout", time.Millisecond, 24*time.Hour)
	completeFlag(cmd, "format", fixedCompletion(render.ScheduleFormats()...))
	return cmd
}

// runSchedule loads the plan, previews its run and renders the preview.
func runSchedule(ctx context.Context, stdout io.Writer, o *scheduleOptions) error {
	r, err := render.ScheduleFor(o.format)
	if err != nil {
		return err
	}
	from := time.Now().UTC().Truncate(time.Minute)
	if o.from != "" {
		if from, err = time.Parse(time.RFC3339, o.from); err != nil {
			return fmt.Errorf("--from %q: not an RFC 3339 time; write it like 2026-01-05T18:00:00Z", o.from)
		}
	}
	p, err := plans.Load(o.path)
	if err != nil {
		return err
	}
	eng, err := o.policy.engine(ctx)
	if err != nil {
		return err
	}
	window, errs := policyWindow(ctx, eng, p)
	so := schedule.Options{From: from, Concurrency: o.concurrency, Window: schedule.WindowFunc(window)}
	if len(p.Stages) > 0 {
		so.Gate = stageGate{executor.NewStageGate(p)}
	}
	s, err := schedule.Run(p, so)
	if err != nil {
		return err
	}
	if err := errs.err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	out := stdout
	if o.out != "" {
		out = &buf
	}
	ro := renderOptions(stdout, o.limit)
	if o.out != "" {
		ro.Width = 0
	}
	if err := r.RenderSchedule(out, p, s, ro); err != nil {
		return err
	}
	if o.out != "" {
		if err := atomicfile.Write(o.out, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", o.out, err)
		}
		fmt.Fprintf(stdout, "wrote the schedule to %s: %d steps, finish %s, %d extra night(s)\n",
			o.out, len(s.Steps), s.Finish.Format(time.RFC3339), len(s.ExtraNights))
	}
	return nil
}

// stageGate drives apply's rollout gates (executor.StageGate) on the
// preview's virtual clock: a stage starts when the stages before it
// succeeded and soaked, with at most maxConcurrentClusters clusters in
// flight. The preview has no failures, so maxFailures never stops it.
type stageGate struct{ g *executor.StageGate }

func (a stageGate) Admit(s *plans.Step, now time.Time) (bool, time.Time) {
	switch v, until := a.g.Ready(s.ID, now); v {
	case executor.GateOpen:
		return true, time.Time{}
	case executor.GateSoaking:
		return false, until
	default:
		return false, time.Time{}
	}
}

func (a stageGate) Started(s *plans.Step, _ time.Time) { a.g.NoteStarted(s.ID) }
func (a stageGate) Ended(s *plans.Step, at time.Time)  { a.g.NoteDone(s.ID, at) }
