package plantest

import "github.com/rdsup/rdsup/plans"

// Staged is Sample with a rollout in three stages, as the planner writes
// it for an inventory with a rollout: section: canary (the crm cluster,
// soaking 24h), payments (at most one cluster at a time, one failure
// tolerated) and rest (everything else).
func Staged() *plans.Plan {
	p := Sample()
	one := 1
	p.Stages = []plans.Stage{
		{Name: "canary", Select: "team=crm", Soak: "24h"},
		{Name: "payments", Select: "team=payments", MaxConcurrentClusters: 1, MaxFailures: &one},
		{Name: "rest", Select: "*"},
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		switch s.Cluster {
		case "rm-crm-db":
			s.Stage = "canary"
		case "rm-pay-db":
			s.Stage = "payments"
		default:
			s.Stage = "rest"
		}
	}
	return seal(p)
}
