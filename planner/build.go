package planner

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// Build turns a validated inventory into an unsealed plan: one step per
// instance not yet on its target version, every replica's step before its
// primary's (the primary's step depends on them), waves for display, the
// inventory snapshot and the summary filled, no policy findings yet. Call
// plans.Seal after the policies ran.
func Build(inv *Inventory) (*plans.Plan, error) {
	p := &problems{file: inv.Path}
	byID := make(map[string]*plans.Instance, len(inv.Instances))
	replicas := map[string][]*plans.Instance{}
	for i := range inv.Instances {
		in := &inv.Instances[i]
		byID[in.ID] = in
		if in.Role != plans.RolePrimary && in.Primary != "" {
			replicas[in.Primary] = append(replicas[in.Primary], in)
		}
	}

	steps := make([]plans.Step, 0, len(inv.Instances))
	var unchanged []string
	clusters := map[string]bool{}
	for _, in := range inv.Instances { // sorted by id, so dependsOn lists are sorted
		if in.EngineVersion == in.TargetVersion {
			unchanged = append(unchanged, in.ID)
			continue
		}
		s := plans.Step{
			ID: in.ID, InstanceID: in.ID, Region: in.Region, Engine: in.Engine, Role: in.Role,
			Cluster: in.ID, FromVersion: in.EngineVersion, ToVersion: in.TargetVersion,
			EffectiveTime: in.EffectiveTime, DependsOn: []string{},
		}
		if in.Role != plans.RolePrimary {
			s.Cluster = in.Primary
		} else {
			for _, r := range replicas[in.ID] {
				switch {
				case r.EngineVersion == in.TargetVersion:
					// already on the target: nothing to wait for
				case r.TargetVersion != in.TargetVersion:
					p.add(inv.Lines[in.ID], in.ID, "upgrade the primary and all its replicas to the same targetVersion, or leave the primary out",
						"upgrades to %s but its %s instance %s targets %s (the cloud requires replicas to reach the primary's target first)", in.TargetVersion, r.Role, r.ID, r.TargetVersion)
				default:
					s.DependsOn = append(s.DependsOn, r.ID)
				}
			}
			if len(s.DependsOn) > 0 {
				s.Wave = 1
			}
		}
		clusters[s.Cluster] = true
		steps = append(steps, s)
	}
	if err := p.err(); err != nil {
		return nil, err
	}

	slices.SortFunc(steps, func(a, b plans.Step) int {
		return cmp.Or(strings.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Wave, b.Wave), strings.Compare(a.ID, b.ID))
	})
	waves := 0
	for _, s := range steps {
		waves = max(waves, s.Wave+1)
	}
	if unchanged == nil {
		unchanged = []string{}
	}
	plan := &plans.Plan{
		FormatVersion: plans.FormatVersion,
		Inputs:        plans.Inputs{Inventory: inv.BaseName(), InventoryDigest: inv.Digest},
		Steps:         steps,
		Instances:     inv.Instances,
		Summary: plans.Summary{
			Instances: len(inv.Instances), Steps: len(steps), Unchanged: unchanged,
			Clusters: len(clusters), Waves: waves,
		},
	}
	plans.Summarize(plan)
	return plan, nil
}
