package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
)

// runStatusState reads a plan's state from the shared store: the plan
// given by file or --plan-id, or, with neither, the list of stored plans.
func runStatusState(ctx context.Context, out io.Writer, o *statusOptions) error {
	if _, err := render.ParseStatusFormat(o.format); err != nil {
		return err
	}
	s, err := o.state.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var p *plans.Plan
	switch {
	case o.path != "":
		if p, err = plans.Load(o.path); err != nil {
			return err
		}
		if o.planID != "" && !hasPrefix(p.ID, o.planID) {
			return fmt.Errorf("%s is plan %s, not --plan-id %s", o.path, p.ID, o.planID)
		}
		if _, err := s.LoadPlan(ctx, p.ID); err != nil {
			return err
		}
	case o.planID != "":
		if p, err = s.LoadPlan(ctx, o.planID); err != nil {
			return err
		}
	default:
		return listPlans(ctx, out, o, s)
	}
	recs, err := s.ReadSteps(ctx, p)
	if err != nil {
		return err
	}
	st := executor.StatusOf(p, s.JournalName(p.ID), recs)
	if st.RunningApply, err = s.Holders(ctx, p.ID); err != nil {
		return err
	}
	return render.Status(out, o.format, st, renderOptions(out, o.limit))
}

func hasPrefix(id, prefix string) bool { return len(prefix) <= len(id) && id[:len(prefix)] == prefix }

func listPlans(ctx context.Context, out io.Writer, o *statusOptions, s interface {
	Plans(context.Context) ([]postgres.PlanInfo, error)
	Name() string
}) error {
	list, err := s.Plans(ctx)
	if err != nil {
		return err
	}
	if o.format == render.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if list == nil {
			list = []postgres.PlanInfo{}
		}
		return enc.Encode(struct {
			Plans []postgres.PlanInfo `json:"plans"`
		}{list})
	}
	if len(list) == 0 {
		fmt.Fprintf(out, "no plans in %s; store one with `rdsup apply PLANFILE --state URL`\n", s.Name())
		return nil
	}
	rows := make([][]string, len(list))
	for i, pi := range list {
		upd := ""
		if !pi.Updated.IsZero() {
			upd = pi.Updated.Format(time.RFC3339)
		}
		rows[i] = []string{pi.ID[:min(12, len(pi.ID))], pi.CreatedAt.Format(time.RFC3339), fmt.Sprint(pi.Steps),
			fmt.Sprint(pi.Succeeded), fmt.Sprint(pi.Failed), fmt.Sprint(pi.InFlight), upd}
	}
	cols := []render.Column{{Header: "PLAN"}, {Header: "STORED"}, {Header: "STEPS", Right: true},
		{Header: "SUCCEEDED", Right: true}, {Header: "FAILED", Right: true}, {Header: "IN FLIGHT", Right: true}, {Header: "UPDATED"}}
	fmt.Fprintf(out, "plans in %s (rdsup status --state URL --plan-id PLAN for one):\n", s.Name())
	return render.WriteTable(out, cols, rows, renderOptions(out, o.limit).Width)
}
