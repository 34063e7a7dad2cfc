package discover

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// ErrOutsideSelection marks a replica whose primary was not discovered.
var ErrOutsideSelection = errors.New("primary outside the selection")

// roleOf maps a DBInstanceType to the inventory's role.
func roleOf(typ string) (string, bool) {
	switch {
	case strings.EqualFold(typ, TypePrimary):
		return plans.RolePrimary, true
	case strings.EqualFold(typ, TypeReadonly):
		return plans.RoleReadOnly, true
	case strings.EqualFold(typ, TypeGuard):
		return plans.RoleDisasterRecovery, true
	}
	return "", false
}

// primaryOf returns the primary a replica follows: its MasterInstanceId,
// or for a disaster-recovery instance that does not report one, the
// primary whose GuardDBInstanceId names it.
func primaryOf(in Instance, guardOf map[string]string) string {
	if in.Master != "" {
		return in.Master
	}
	if strings.EqualFold(in.Type, TypeGuard) {
		return guardOf[in.ID]
	}
	return ""
}

// checkMasters reports replicas whose primary is not among the discovered
// instances (looking it up to say where it is), instances of a type that
// is not known, and notes primaries whose replicas were not discovered.
func (d *run) checkMasters(ctx context.Context, res *Result) error {
	byID := make(map[string]*Instance, len(res.Instances))
	guardOf := map[string]string{}
	for i := range res.Instances {
		in := &res.Instances[i]
		byID[in.ID] = in
		if in.Guard != "" {
			guardOf[in.Guard] = in.ID
		}
	}
	var errs []error
	for _, in := range res.Instances {
		role, ok := roleOf(in.Type)
		if !ok {
			errs = append(errs, fmt.Errorf("instance %s (%s): unknown DBInstanceType %q: rdsup knows Primary, Readonly, Guard and Temp", in.ID, in.Region, in.Type))
			continue
		}
		if role == plans.RolePrimary {
			for _, r := range append(slices.Clone(in.ReadOnly), in.Guard) {
				if _, ok := byID[r]; r != "" && !ok {
					res.Notes = append(res.Notes, fmt.Sprintf("%s: its replica %s is outside the selection, so the plan cannot order it before %s (and the API refuses to upgrade %s first): widen --region/--tag to include it", in.ID, r, in.ID, in.ID))
				}
			}
			continue
		}
		p := primaryOf(in, guardOf)
		switch {
		case p == "":
			errs = append(errs, fmt.Errorf("instance %s (%s, %s): the API names no primary for it (no MasterInstanceId, and no discovered primary has it as GuardDBInstanceId)", in.ID, in.Region, role))
		case byID[p] == nil:
			errs = append(errs, d.outside(ctx, in, role, p, res.Regions))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// outside explains a replica whose primary p was not discovered.
func (d *run) outside(ctx context.Context, in Instance, role, p string, regions []string) error {
	var found []Instance
	err := d.call(ctx, func() error {
		var err error
		found, err = d.acct.Describe(ctx, in.Region, []string{p})
		return err
	})
	where := "it was not found either"
	switch {
	case err != nil:
		where = "looking it up failed: " + err.Error()
	case len(found) == 1 && found[0].Region != "" && !slices.Contains(regions, found[0].Region):
		where = fmt.Sprintf("it is in region %s, which was not selected: add --region %s", found[0].Region, found[0].Region)
	case len(found) == 1:
		where = "it does not match the filters (" + d.o.Filter.String() + "): widen --tag/--engine to include it"
	}
	return fmt.Errorf("%w: %s instance %s (%s) replicates from %s, which was not discovered; %s", ErrOutsideSelection, role, in.ID, in.Region, p, where)
}

// String describes the filter for messages and the inventory's header.
func (f Filter) String() string {
	var parts []string
	if f.Engine != "" {
		parts = append(parts, "engine "+f.Engine)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Tags)) {
		parts = append(parts, "tag "+k+"="+f.Tags[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Instances maps a checked result to inventory instances (no target
// version, effective time or defaults applied), sorted by id.
func (r *Result) InventoryInstances() []plans.Instance {
	guardOf := map[string]string{}
	for _, in := range r.Instances {
		if in.Guard != "" {
			guardOf[in.Guard] = in.ID
		}
	}
	out := make([]plans.Instance, 0, len(r.Instances))
	for _, in := range r.Instances {
		role, _ := roleOf(in.Type)
		pi := plans.Instance{
			ID: in.ID, Region: in.Region, Engine: in.Engine, EngineVersion: in.EngineVersion,
			Role: role, Status: in.Status, MaintainTime: in.MaintainTime, StorageGB: in.StorageGB,
			Tags: maps.Clone(in.Tags),
		}
		if pi.Tags == nil {
			pi.Tags = map[string]string{}
		}
		if role != plans.RolePrimary {
			pi.Primary = primaryOf(in, guardOf)
		}
		out = append(out, pi)
	}
	return out
}
