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
	trust    trustOptions
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

The policies given must be the set the plan was judged with (its
inputs.policySet): otherwise check names the files added, removed or changed
and exits 1. --allow-policy-change re-evaluates the plan with the set given
instead: "is this approved plan still fine under today's rules". --plan-id
refuses any plan but the one approved in review.

Exit codes: 2 if the plan itself records a denied step, whatever else
happens (a plan made with denials never passes); otherwise 1 for an error,
a different policy set or another plan id; 2 if the re-evaluation denies a
step; 0 clean (warnings allowed).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.planFile, o.stdout, o.stderr = args[0], cmd.OutOrStdout(), cmd.ErrOrStderr()
			return runCheck(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.output, "format", output.Table, "output format: "+strings.Join(output.Formats(), ", "))
	deprecatedAlias(f, "output", "format")
	completeFlag(cmd, "format", fixedCompletion(output.Formats()...))
	o.policy.addFlags(f)
	o.trust.addFlags(f)
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
	recorded := recordedDenials(p) // before re-evaluation replaces the verdicts
	err = o.judge(ctx, p, rd)
	if len(recorded) > 0 { // a recorded denial wins over every other outcome
		msg := recordedDenialMsg(o.planFile, recorded)
		if err != nil {
			msg += "\nrdsup: also: " + err.Error()
		}
		return denied(msg)
	}
	return err
}

// judge checks the plan's id and policy set, re-evaluates its steps with
// the policies given (when they are the plan's, or --allow-policy-change)
// and renders the findings: the re-evaluated ones, else those the plan
// records.
func (o *checkOptions) judge(ctx context.Context, p *plans.Plan, rd output.Renderer) error {
	if err := o.trust.checkPlanID(o.planFile, p); err != nil {
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
	log := newLogger(ctx, o.stderr, slog.LevelInfo)
	if err := o.trust.checkPolicySet(o.planFile, p, e, log); err != nil {
		if rerr := rd.Render(o.stdout, policy.NewReport(o.planFile, p)); rerr != nil {
			return rerr
		}
		return err
	}
	restoreGC := tuneGC()
	err = e.Evaluate(ctx, p, at)
	restoreGC()
	if err != nil {
		return evalErr(err)
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
