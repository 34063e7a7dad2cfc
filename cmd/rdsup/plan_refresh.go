package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/pflag"

	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/discover"
	"github.com/rdsup/rdsup/plans"
)

// refreshOptions are plan's --refresh flags.
type refreshOptions struct {
	on       bool
	endpoint string
	profile  string
	qps      float64
}

func (r *refreshOptions) addFlags(f *pflag.FlagSet) {
	f.BoolVar(&r.on, "refresh", false, "read every instance's live state from the API first, print the drift, and plan with the live facts")
	f.StringVar(&r.endpoint, "endpoint", "", "with --refresh: RDS API endpoint URL (default: the region's public endpoint; http://127.0.0.1:PORT for rdsup sim)")
	f.StringVar(&r.profile, "profile", "", "with --refresh: profile of ~/.aliyun/config.json to take credentials from")
	f.Float64Var(&r.qps, "qps", discover.DefaultQPS, "with --refresh: API calls per second")
	limitFloat(f, "qps", 0, 10000, true)
}

// makeRefreshedPlan is makePlan with the inventory's facts replaced by
// the live ones (status, engine version, role, primary, window, storage);
// the drift goes to w and the plan records inputs.refreshedAt.
func makeRefreshedPlan(ctx context.Context, w io.Writer, o *planOptions) (*plans.Plan, error) {
	inv, err := planner.Load(o.inventory)
	if err != nil {
		return nil, err
	}
	c, err := rdsapi.New(rdsapi.Config{Endpoint: o.refresh.endpoint, Profile: o.refresh.profile})
	if err != nil {
		return nil, err
	}
	at := time.Now().UTC().Truncate(time.Second)
	live, drift, err := discover.Refresh(ctx, c.Discovery(), inv.Instances, discover.Options{QPS: o.refresh.qps})
	if err != nil {
		return nil, fmt.Errorf("plan --refresh %s: %w", o.inventory, err)
	}
	if err := writeDrift(w, drift, len(inv.Instances)); err != nil {
		return nil, err
	}
	inv.Instances = live
	p, err := buildPlan(inv, &o.policy, o.selection())
	if err != nil {
		return nil, err
	}
	if err := o.policy.evaluate(ctx, p); err != nil {
		return nil, err
	}
	p.Inputs.RefreshedAt = at.Format(time.RFC3339)
	p.CreatedAt = time.Now().UTC().Truncate(time.Second)
	if err := plans.Seal(p); err != nil {
		return nil, err
	}
	return p, nil
}

// writeDrift prints what the live state changed against the inventory.
func writeDrift(w io.Writer, drift []discover.Drift, n int) error {
	if len(drift) == 0 {
		_, err := fmt.Fprintf(w, "refresh: the %d instance(s) are as the inventory says\n", n)
		return err
	}
	fmt.Fprintf(w, "refresh: %d difference(s) between the inventory and the live instances; planning with the live facts:\n", len(drift))
	t := tablewriter.NewTable(w)
	t.Header("INSTANCE", "FIELD", "INVENTORY", "LIVE")
	for _, d := range drift {
		inv, live := d.Inventory, d.Live
		if d.Field == "replica" {
			inv, live = "(not listed)", d.Live+" (new in the cluster: not planned)"
		}
		if err := t.Append([]string{d.Instance, d.Field, orNone(inv), orNone(live)}); err != nil {
			return err
		}
	}
	return t.Render()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
