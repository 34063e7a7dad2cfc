package main

import (
	"context"
	"io"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type showOptions struct {
	path     string
	format   string
	limit    int
	maxBytes int
}

func newShowCmd() *cobra.Command {
	o := &showOptions{}
	cmd := &cobra.Command{
		Use:   "show PLANFILE [--format " + render.FormatHelp() + "]",
		Short: "Print a plan file as a table, Markdown or JSON",
		Long: `Show verifies a plan file (its format version, and that its content still
matches its id) and prints it: a table for a terminal, Markdown for a pull
request comment, or the plan's canonical JSON. An edited plan is refused.

The table and Markdown show the first --limit steps and findings (denials
first) and count the rest; JSON is always complete. A table on a terminal
fits its width. Markdown never exceeds --max-bytes (default 65,536, a GitHub
comment's limit): what does not fit is cut with a note.`,
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
	addLimitFlag(cmd.Flags(), &o.limit)
	addMaxBytesFlag(cmd.Flags(), &o.maxBytes)
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
	ro := renderOptions(out, o.limit)
	ro.MaxBytes = o.maxBytes
	return r.Render(out, p, ro)
}

// addLimitFlag adds --limit, the rows the table and Markdown formats show.
func addLimitFlag(f *pflag.FlagSet, limit *int) {
	f.IntVar(limit, "limit", render.DefaultLimit, "steps and findings the table and markdown formats show; 0 shows all (json is always complete)")
	limitInt(f, "limit", 0, 1_000_000_000)
}

// renderOptions are the render options for output to out: the limit, and
// the terminal's width when out is one (or $COLUMNS).
func renderOptions(out io.Writer, limit int) render.Options {
	return render.Options{Limit: limit, Width: render.TerminalWidth(out)}
}
