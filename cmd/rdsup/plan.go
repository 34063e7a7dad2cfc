package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
	"github.com/rdsup/rdsup/policy"
	"github.com/spf13/cobra"
)

// defaultPlanFile is where `rdsup plan` writes when -o is not given.
const defaultPlanFile = "rdsup-plan.json"

type planOptions struct {
	inventory string
	out       string
	format    string
	limit     int
	maxBytes  int
	policy    policyOptions
	refresh   refreshOptions
	selectionOptions
}

// buildPlan orders the steps, one per hop along the policy data's
// versionPaths (built-in defaults merged with --data).
func buildPlan(inv *planner.Inventory, pol *policyOptions, sel *plans.Selection) (*plans.Plan, error) {
	paths, err := policy.VersionPaths(pol.options())
	if err != nil {
		return nil, err
	}
	return planner.BuildWith(inv, planner.Options{Paths: planner.Paths(paths), Selection: sel})
}

func newPlanCmd() *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan -i INVENTORY [-o PLANFILE]",
		Short: "Plan the upgrade of an inventory: ordered steps, checked by policy",
		Long: `Plan reads a YAML inventory, orders one upgrade step per hop for every
instance that is not on its target version (hops follow the policy data's
versionPaths: MySQL 5.5 → 5.6 → 5.7 → 8.0 by default; in a cluster, for every
hop, read-only and disaster-recovery replicas before their primary), checks
every step against the policies, writes the plan file and prints it.

--only and --exclude (repeatable) choose the instances: an id or a glob
(rm-pay-*), tag=value, tag!=value, region=…; terms joined by commas must all
hold. A selected primary needs its replicas (--with-replicas adds them).

An inventory's optional rollout: section lists stages (name, select in the
syntax of --only, and the gates soak, maxConcurrentClusters, maxFailures);
every planned instance goes to the first stage that selects it, a cluster
all to one stage. The plan records the stages and each step's stage.

With --refresh, plan first reads every instance's live state from the API
(--endpoint, --profile, --qps as for apply), prints what differs from the
inventory, and plans with the live facts (the plan records inputs.refreshedAt).

Exit codes: 0 plan written and applicable, 1 error, 2 plan written but a step
is denied by policy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlan(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inventory, "inventory", "i", "", "inventory YAML file (required)")
	f.StringVarP(&o.out, "out", "o", defaultPlanFile, "plan file to write")
	f.StringVar(&o.format, "format", render.Table, "output format: "+render.FormatHelp())
	completeFlag(cmd, "format", fixedCompletion(render.Formats()...))
	_ = cmd.MarkFlagRequired("inventory")
	_ = cmd.MarkFlagFilename("inventory", "yaml", "yml")
	addLimitFlag(f, &o.limit)
	addMaxBytesFlag(f, &o.maxBytes)
	o.policy.addFlags(f)
	o.refresh.addFlags(f)
	o.selectionOptions.addFlags(f, "plan")
	return cmd
}

func runPlan(ctx context.Context, cmd *cobra.Command, o *planOptions) error {
	r, err := render.For(o.format)
	if err != nil {
		return err
	}
	var p *plans.Plan
	if o.refresh.on {
		p, err = makeRefreshedPlan(ctx, cmd.ErrOrStderr(), o)
	} else {
		p, err = makePlan(ctx, o.inventory, &o.policy, o.selection())
	}
	if err != nil {
		return err
	}
	b, err := plans.Encode(p)
	if err != nil {
		return err
	}
	if err := plans.WriteFileAtomic(o.out, b, 0o644); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	empty, err := writeNothingToDo(cmd.OutOrStdout(), p, o.format)
	switch {
	case err != nil || empty:
	case o.format == render.JSON:
		_, err = cmd.OutOrStdout().Write(b) // the file's bytes; no second encoding of a large plan
	default:
		ro := renderOptions(cmd.OutOrStdout(), o.limit)
		ro.MaxBytes = o.maxBytes
		err = r.Render(cmd.OutOrStdout(), p, ro)
	}
	if err != nil {
		return err
	}
	notef(cmd.Context(), cmd.ErrOrStderr(), slog.LevelInfo, "plan %s written to %s (%d steps, %d unchanged)", p.ID[:12], o.out, len(p.Steps), len(p.Summary.Unchanged))
	if !p.Summary.Applicable {
		return denied(fmt.Sprintf("policy denies %d step(s); the plan in %s cannot be applied until the findings are fixed", p.Summary.Denied, o.out))
	}
	return nil
}

// makePlan loads the inventory, builds the steps, evaluates the policies
// and seals the plan. It does not write it.
func makePlan(ctx context.Context, inventory string, pol *policyOptions, sel *plans.Selection) (*plans.Plan, error) {
	inv, err := planner.Load(inventory)
	if err != nil {
		return nil, err
	}
	p, err := buildPlan(inv, pol, sel)
	if err != nil {
		return nil, err
	}
	if err := pol.evaluate(ctx, p); err != nil {
		return nil, err
	}
	p.CreatedAt = time.Now().UTC().Truncate(time.Second)
	if err := plans.Seal(p); err != nil {
		return nil, err
	}
	return p, nil
}
