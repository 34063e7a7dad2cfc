package plantest

import "github.com/rdsup/rdsup/plans"

// Edited is Sample regenerated after changes a reviewer should see in
// `rdsup diff Sample Edited`: rr-shop-ro1 is Running again (its deny goes),
// rm-pay-db's warning says something else, rm-shop-db takes effect
// Immediate, rm-crm-dr left the plan (rm-crm-db no longer waits for it),
// rm-legacy-db is upgraded to 5.7, policies ran at another time and the
// plan was made with --only env=prod.
func Edited() *plans.Plan {
	p := Sample()
	p.Inputs.PolicyAt = "2026-11-27T06:00:00Z"
	p.Inputs.Selection = &plans.Selection{Only: []string{"env=prod"}, Exclude: []string{}}
	p.Instance("rr-shop-ro1").Status = "Running"
	p.Step("rr-shop-ro1").Policy.Deny = nil
	p.Step("rm-pay-db").Policy.Warn[0].Message = "rm-pay-db upgrades Immediate at the edge of its window"
	p.Instance("rm-shop-db").EffectiveTime = plans.EffectiveImmediate
	p.Step("rm-shop-db").EffectiveTime = plans.EffectiveImmediate
	steps := p.Steps[:0]
	for _, s := range p.Steps {
		if s.ID != "rm-crm-dr" {
			steps = append(steps, s)
		}
	}
	p.Steps = steps
	crm := p.Step("rm-crm-db")
	crm.DependsOn, crm.Wave = nil, 0
	p.Instance("rm-legacy-db").TargetVersion = "5.7"
	legacy := p.Instance("rm-legacy-db")
	p.Steps = append(p.Steps, plans.Step{
		ID: legacy.ID, InstanceID: legacy.ID, Region: legacy.Region, Engine: legacy.Engine, Role: legacy.Role,
		Cluster: legacy.ID, FromVersion: "5.6", ToVersion: "5.7", EffectiveTime: legacy.EffectiveTime,
	})
	p.Summary.Unchanged = nil
	p.ID = ""
	return seal(p)
}
