package policy

import (
	"fmt"
	"sort"

	"github.com/rdsup/rdsup/plans"
)

// syntheticPlan builds a plan of about n steps the way the planner shapes
// them: clusters of one primary with 0–3 read-only replicas, every fifth
// cluster with a disaster-recovery instance, replicas first. Every step
// passes the built-in policies at 19:00Z.
func syntheticPlan(n int) *plans.Plan {
	p := &plans.Plan{}
	for c := 0; len(p.Instances) < n; c++ {
		pid := fmt.Sprintf("rm-c%06d", c)
		var deps []string
		nrep := c % 4
		for r := 0; r < nrep+btoi(c%5 == 0) && len(p.Instances) < n-1; r++ {
			id := fmt.Sprintf("rr-c%06d-%d", c, r)
			role := plans.RoleReadOnly
			if r == nrep {
				id, role = fmt.Sprintf("rm-c%06d-dr", c), plans.RoleDisasterRecovery
			}
			p.Instances = append(p.Instances, instance(id, role, pid, c))
			p.Steps = append(p.Steps, step(id, role, pid, 0, nil))
			deps = append(deps, "s-"+id)
		}
		sort.Strings(deps)
		p.Instances = append(p.Instances, instance(pid, plans.RolePrimary, "", c))
		p.Steps = append(p.Steps, step(pid, plans.RolePrimary, pid, btoi(len(deps) > 0), deps))
	}
	sort.Slice(p.Instances, func(i, j int) bool { return p.Instances[i].ID < p.Instances[j].ID })
	return p
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func instance(id, role, primary string, c int) plans.Instance {
	tags := map[string]string{"team": fmt.Sprintf("t%d", c%17)}
	if c%3 == 0 {
		tags["env"] = "prod"
	}
	return plans.Instance{
		ID: id, Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.5", TargetVersion: "5.6",
		Role: role, Primary: primary, Status: "Running", MaintainTime: "18:00Z-22:00Z",
		EffectiveTime: plans.EffectiveImmediate, Tags: tags,
	}
}

func step(id, role, cluster string, wave int, deps []string) plans.Step {
	if deps == nil {
		deps = []string{}
	}
	return plans.Step{
		ID: "s-" + id, InstanceID: id, Region: "cn-hangzhou", Engine: "MySQL", Role: role, Cluster: cluster,
		FromVersion: "5.5", ToVersion: "5.6", EffectiveTime: plans.EffectiveImmediate, DependsOn: deps, Wave: wave,
	}
}
