package planner

import (
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

	// Steps come out in their final order without sorting: clusters by
	// primary id, in each cluster the replicas' steps (wave 0, by id) and then
	// the primary's. inv.Instances is sorted by id, so replicas[...] is too.
	steps := make([]plans.Step, 0, len(inv.Instances))
	var unchanged []string
	clusters := 0
	for i := range inv.Instances {
		in := &inv.Instances[i]
		if in.EngineVersion == in.TargetVersion {
			unchanged = append(unchanged, in.ID)
		}
		if in.Role != plans.RolePrimary {
			continue
		}
		first := len(steps)
		var deps []string
		for _, r := range replicas[in.ID] {
			if r.EngineVersion == r.TargetVersion {
				continue
			}
			steps = append(steps, newStep(r, in.ID))
			if in.EngineVersion == in.TargetVersion {
				continue // the primary stays: its replicas may go ahead alone
			}
			if r.TargetVersion != in.TargetVersion {
				p.add(inv.Lines[in.ID], in.ID, "upgrade the primary and all its replicas to the same targetVersion, or leave the primary out",
					"upgrades to %s but its %s instance %s targets %s (the cloud requires replicas to reach the primary's target first)", in.TargetVersion, r.Role, r.ID, r.TargetVersion)
				continue
			}
			deps = append(deps, r.ID)
		}
		if in.EngineVersion != in.TargetVersion {
			for _, r := range replicas[in.ID] {
				if r.EngineVersion == r.TargetVersion && r.EngineVersion != in.TargetVersion {
					p.add(inv.Lines[in.ID], in.ID, "add the replica to the plan with the primary's targetVersion, or leave the primary out",
						"upgrades to %s but its %s instance %s stays on %s (the cloud requires replicas to reach the primary's target first)", in.TargetVersion, r.Role, r.ID, r.EngineVersion)
				}
			}
			s := newStep(in, in.ID)
			if len(deps) > 0 {
				s.DependsOn, s.Wave = deps, 1
			}
			steps = append(steps, s)
		}
		if len(steps) > first {
			clusters++
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}

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
			Clusters: clusters, Waves: waves,
		},
	}
	plans.Summarize(plan)
	return plan, nil
}

func newStep(in *plans.Instance, cluster string) plans.Step {
	return plans.Step{
		ID: in.ID, InstanceID: in.ID, Region: in.Region, Engine: in.Engine, Role: in.Role,
		Cluster: cluster, FromVersion: in.EngineVersion, ToVersion: in.TargetVersion,
		EffectiveTime: in.EffectiveTime, DependsOn: []string{},
	}
}
