package plans

import "time"

// The duration model: how long one upgrade step (one hop of one instance)
// is expected to take. The planner records it in each step
// (estimateSeconds), the executor's scheduler starts the steps on the
// longest remaining path first with it, `rdsup schedule` previews a
// campaign with it, and the simulator's upgrade durations follow it with
// seeded noise. It is deliberately simple:
//
//	estimate = (EstimateBase + storageGB × EstimatePerGB) × role factor
//
// with storageGB the instance's (DefaultStorageGB when the inventory does
// not say) and the role factor EstimatePrimaryFactor for a primary (it
// switches over, and its replicas catch up) and 1 for replicas.
const (
	EstimateBase          = 10 * time.Minute // fixed cost: snapshot, restart, checks
	EstimatePerGB         = time.Second / 2  // data to upgrade in place
	EstimatePrimaryFactor = 1.5              // primaries take longer
	DefaultStorageGB      = 500              // assumed when storageGB is absent
)

// EstimateUpgrade is the model's duration of one upgrade step of an
// instance with the given role and storage (0: unknown, DefaultStorageGB),
// rounded to the second.
func EstimateUpgrade(role string, storageGB int) time.Duration {
	if storageGB <= 0 {
		storageGB = DefaultStorageGB
	}
	d := EstimateBase + time.Duration(storageGB)*EstimatePerGB
	if role == RolePrimary {
		d = time.Duration(float64(d) * EstimatePrimaryFactor)
	}
	return d.Round(time.Second)
}

// Estimate is how long step i of the plan is expected to take: its
// estimateSeconds, or for a plan written before steps carried one, the
// model applied to its instance's snapshot.
func (p *Plan) Estimate(i int) time.Duration {
	return estimate(&p.Steps[i], p.Instance)
}

func estimate(s *Step, instance func(id string) *Instance) time.Duration {
	if s.EstimateSeconds > 0 {
		return time.Duration(s.EstimateSeconds) * time.Second
	}
	gb := 0
	if in := instance(s.InstanceID); in != nil {
		gb = in.StorageGB
	}
	return EstimateUpgrade(s.Role, gb)
}

// StartsFirst is the order of ready steps, for the scheduler and `rdsup
// schedule` alike: a step with remaining path ra at plan index ia starts
// before one with rb at ib when its path is longer, ties in plan order.
func StartsFirst(ra time.Duration, ia int, rb time.Duration, ib int) bool {
	if ra != rb {
		return ra > rb
	}
	return ia < ib
}

// RemainingPath returns, for every step (by index), the longest estimated
// path from the step's start to the end of the plan through the steps
// that depend on it, the step's own estimate included. It is the priority
// of a ready step: the scheduler and `rdsup schedule` start the step with
// the longest remaining path first (ties: plan order).
func RemainingPath(p *Plan) []time.Duration {
	idx := make(map[string]int, len(p.Steps))
	for i, s := range p.Steps {
		idx[s.ID] = i
	}
	dependents := make([][]int, len(p.Steps))
	for i, s := range p.Steps {
		for _, d := range s.DependsOn {
			if j, ok := idx[d]; ok {
				dependents[j] = append(dependents[j], i)
			}
		}
	}
	inst := make(map[string]*Instance, len(p.Instances))
	for i := range p.Instances {
		inst[p.Instances[i].ID] = &p.Instances[i]
	}
	byID := func(id string) *Instance { return inst[id] }
	rem := make([]time.Duration, len(p.Steps))
	done := make([]bool, len(p.Steps))
	var visit func(i int) time.Duration
	visit = func(i int) time.Duration {
		if done[i] {
			return rem[i]
		}
		done[i] = true // a cycle (refused by Validate) counts once
		var after time.Duration
		for _, j := range dependents[i] {
			after = max(after, visit(j))
		}
		rem[i] = estimate(&p.Steps[i], byID) + after
		return rem[i]
	}
	for i := range p.Steps {
		visit(i)
	}
	return rem
}
