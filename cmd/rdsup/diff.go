package main

import (
	"context"
	"io"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
	"github.com/spf13/cobra"
)

type diffOptions struct {
	old, new string
	format   string
	exitCode bool
	limit    int
	maxBytes int
}

func newDiffCmd() *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW [--format " + render.FormatHelp() + "] [--exit-code]",
		Short: "Show what changed between two plan files",
		Long: `Diff verifies two plan files and prints what changed from OLD to NEW, for a
reviewer of a regenerated plan: inputs (inventory and policy digests, policy
files, selection), steps added and removed, step fields changed (versions,
dependsOn, wave, …), findings that appeared or went away with the verdict
change, and instance facts that changed. Steps are matched by id; client
tokens are left out (they change with the plan id).

With --exit-code, exit 4 when the plans differ and 0 when they do not (like
git diff --exit-code, but 1 stays "error", as for every rdsup command).
Without it, diff exits 0 whether or not they differ, 1 on an error.`,
		Example: `  rdsup diff main-plan.json rdsup-plan.json
  rdsup diff old.json new.json --format markdown > comment.md
  rdsup diff old.json new.json --exit-code >/dev/null || echo changed`,
		Args: cobra.ExactArgs(2),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.old, o.new = args[0], args[1]
			return runDiff(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", render.Table, "output format: "+render.FormatHelp())
	f.BoolVar(&o.exitCode, "exit-code", false, "exit 4 when the plans differ, 0 when they do not")
	f.IntVar(&o.limit, "limit", render.DefaultLimit, "rows each table and markdown section shows; 0 shows all (json is always complete)")
	limitInt(f, "limit", 0, 1_000_000_000)
	addMaxBytesFlag(f, &o.maxBytes)
	completeFlag(cmd, "format", fixedCompletion(render.Formats()...))
	return cmd
}

func runDiff(_ context.Context, out io.Writer, o *diffOptions) error {
	r, err := render.DiffFor(o.format)
	if err != nil {
		return err
	}
	oldPlan, err := plans.Load(o.old)
	if err != nil {
		return err
	}
	newPlan, err := plans.Load(o.new)
	if err != nil {
		return err
	}
	d := plans.Compare(oldPlan, newPlan)
	ro := renderOptions(out, o.limit)
	ro.MaxBytes = o.maxBytes
	if err := r.RenderDiff(out, d, ro); err != nil {
		return err
	}
	if o.exitCode && !d.Empty() {
		return differ()
	}
	return nil
}
