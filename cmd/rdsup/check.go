package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
	"github.com/rdsup/rdsup/policy/output"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	planFile string
	output   string
	policy   policyOptions
	stdout   io.Writer
	stderr   io.Writer
}

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check PLANFILE",
		Short: "Re-check a plan's steps against the policies (for pull-request review)",
		Long: `Check loads a plan file (refusing an edited one), evaluates every step
against the built-in policies and those given with -p, and prints the
findings. Use it in CI so that a change of the plan or of the policies gets
checked.

--at defaults to the time the plan was judged at (inputs.policyAt), so a
check is reproducible; without one it is now.

Exit codes: 0 clean (warnings allowed), 1 error, 2 a step is denied.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.planFile, o.stdout, o.stderr = args[0], cmd.OutOrStdout(), cmd.ErrOrStderr()
			return runCheck(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.output, "output", output.Table, "output format: "+strings.Join(output.Formats(), ", "))
	o.policy.addFlags(f)
	f.Lookup("at").Usage = "time the policies judge the plan at (input.plan.at), RFC 3339; default the plan's inputs.policyAt, else now"
	return cmd
}

func runCheck(ctx context.Context, o *checkOptions) error {
	rd, err := output.Get(o.output)
	if err != nil {
		return err
	}
	p, err := plans.Load(o.planFile)
	if err != nil {
		return err
	}
	at, err := o.checkTime(p)
	if err != nil {
		return err
	}
	e, err := o.policy.engine(ctx)
	if err != nil {
		return err
	}
	recorded := p.Inputs.PolicyDigest
	restoreGC := tuneGC()
	err = e.Evaluate(ctx, p, at)
	restoreGC()
	if err != nil {
		return evalErr(err)
	}
	if recorded != e.Digest() {
		slog.New(slog.NewTextHandler(o.stderr, nil)).Info("policy set differs from the one the plan was made with",
			"plan", o.planFile, "recorded", recorded, "now", e.Digest())
	}
	r := policy.NewReport(o.planFile, p)
	if err := rd.Render(o.stdout, r); err != nil {
		return err
	}
	if !r.Applicable() {
		return denied(fmt.Sprintf("policy denies %d of %d steps in %s", r.Denied, len(r.Steps), o.planFile))
	}
	return nil
}

// checkTime is --at, else the time the plan was judged at, else now.
func (o *checkOptions) checkTime(p *plans.Plan) (time.Time, error) {
	if o.policy.at == "" && p.Inputs.PolicyAt != "" {
		t, err := time.Parse(time.RFC3339, p.Inputs.PolicyAt)
		if err != nil {
			return time.Time{}, fmt.Errorf("read plan %s: inputs.policyAt %q is not an RFC 3339 time", o.planFile, p.Inputs.PolicyAt)
		}
		return t, nil
	}
	return o.policy.atTime()
}
