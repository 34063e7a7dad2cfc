package main

import (
	"context"
	"io"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
	"github.com/spf13/cobra"
)

type showOptions struct {
	path   string
	format string
}

func newShowCmd() *cobra.Command {
	o := &showOptions{}
	cmd := &cobra.Command{
		Use:   "show PLANFILE [--format " + render.FormatHelp() + "]",
		Short: "Print a plan file as a table, Markdown or JSON",
		Long: `Show verifies a plan file (its format version, and that its content still
matches its id) and prints it: a table for a terminal, Markdown for a pull
request comment, or the plan's canonical JSON. An edited plan is refused.`,
		Example: `  rdsup show rdsup-plan.json
  rdsup show rdsup-plan.json --format markdown > comment.md`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.path = args[0]
			return runShow(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", render.Table, "output format: "+render.FormatHelp())
	completeFlag(cmd, "format", fixedCompletion(render.Formats()...))
	return cmd
}

// runShow loads and verifies the plan, then renders it to out.
func runShow(_ context.Context, out io.Writer, o *showOptions) error {
	r, err := render.For(o.format)
	if err != nil {
		return err
	}
	p, err := plans.Load(o.path)
	if err != nil {
		return err
	}
	if empty, err := writeNothingToDo(out, p, o.format); empty || err != nil {
		return err
	}
	return r.Render(out, p)
}
