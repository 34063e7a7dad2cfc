// Package plantest builds sealed plans for tests of the packages that read
// plans (renderers, commands, the executor) without running the planner:
// a small realistic plan and large synthetic ones for benchmarks.
package plantest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// CreatedAt is the fixed creation time of every plan built here.
var CreatedAt = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

const (
	inventoryDigest = "sha256:4f1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef"
	policyDigest    = "sha256:9a8b7c6d5e4f30211203f4e5d6c7b8a99887766554433221100ffeeddccbbaa9"
	policyAt        = "2026-11-26T06:00:00Z"
)

// Sample returns a sealed plan of a realistic fleet: three clusters with
// read-only and disaster-recovery replicas (one cluster upgraded in its
// maintenance window), one instance already at target, one step denied and
// one warned by policy.
func Sample() *plans.Plan {
	type in struct {
		id, region, role, primary, from, status, window, effective string
	}
	fleet := []in{
		{"rm-crm-db", "cn-hangzhou", plans.RolePrimary, "", "5.5", "Running", "18:00Z-22:00Z", plans.EffectiveImmediate},
		{"rm-crm-dr", "cn-shanghai", plans.RoleDisasterRecovery, "rm-crm-db", "5.5", "Running", "18:00Z-22:00Z", plans.EffectiveImmediate},
		{"rm-legacy-db", "cn-hangzhou", plans.RolePrimary, "", "5.6", "Running", "02:00Z-06:00Z", plans.EffectiveImmediate},
		{"rm-pay-db", "cn-hangzhou", plans.RolePrimary, "", "5.5", "Running", "22:00Z-02:00Z", plans.EffectiveImmediate},
		{"rm-pay-dr", "cn-shenzhen", plans.RoleDisasterRecovery, "rm-pay-db", "5.5", "Running", "22:00Z-02:00Z", plans.EffectiveImmediate},
		{"rm-shop-db", "cn-beijing", plans.RolePrimary, "", "5.5", "Running", "16:00Z-20:00Z", plans.EffectiveMaintenance},
		{"rr-pay-ro1", "cn-hangzhou", plans.RoleReadOnly, "rm-pay-db", "5.5", "Running", "22:00Z-02:00Z", plans.EffectiveImmediate},
		{"rr-pay-ro2", "cn-hangzhou", plans.RoleReadOnly, "rm-pay-db", "5.5", "Running", "22:00Z-02:00Z", plans.EffectiveImmediate},
		{"rr-shop-ro1", "cn-beijing", plans.RoleReadOnly, "rm-shop-db", "5.5", "Restarting", "16:00Z-20:00Z", plans.EffectiveMaintenance},
	}
	p := &plans.Plan{
		CreatedAt: CreatedAt,
		Inputs: plans.Inputs{
			Inventory:       "testdata/fleet.yaml",
			InventoryDigest: inventoryDigest,
			PolicyDigest:    policyDigest,
			PolicyAt:        policyAt,
			PolicySet:       PolicySet(),
		},
	}
	for _, f := range fleet {
		p.Instances = append(p.Instances, plans.Instance{
			ID: f.id, Region: f.region, Engine: "MySQL", EngineVersion: f.from, TargetVersion: "5.6",
			Role: f.role, Primary: f.primary, Status: f.status, MaintainTime: f.window,
			EffectiveTime: f.effective, Tags: map[string]string{"team": teamOf(f.id), "env": "prod"},
		})
	}
	// Sorted by cluster, then wave, then id, as the planner orders them.
	order := []struct {
		id, cluster string
		wave        int
		deps        []string
	}{
		{"rm-crm-dr", "rm-crm-db", 0, nil},
		{"rm-crm-db", "rm-crm-db", 1, []string{"rm-crm-dr"}},
		{"rm-pay-dr", "rm-pay-db", 0, nil},
		{"rr-pay-ro1", "rm-pay-db", 0, nil},
		{"rr-pay-ro2", "rm-pay-db", 0, nil},
		{"rm-pay-db", "rm-pay-db", 1, []string{"rm-pay-dr", "rr-pay-ro1", "rr-pay-ro2"}},
		{"rr-shop-ro1", "rm-shop-db", 0, nil},
		{"rm-shop-db", "rm-shop-db", 1, []string{"rr-shop-ro1"}},
	}
	byID := make(map[string]plans.Instance, len(p.Instances))
	for _, in := range p.Instances {
		byID[in.ID] = in
	}
	for _, o := range order {
		in := byID[o.id]
		p.Steps = append(p.Steps, plans.Step{
			ID: o.id, InstanceID: o.id, Region: in.Region, Engine: in.Engine, Role: in.Role,
			Cluster: o.cluster, FromVersion: in.EngineVersion, ToVersion: in.TargetVersion,
			EffectiveTime: in.EffectiveTime, DependsOn: o.deps, Wave: o.wave,
		})
	}
	deny := p.Step("rr-shop-ro1")
	deny.Policy.Deny = []plans.Finding{{
		Rule:    "rdsup.state.deny",
		Message: "rr-shop-ro1 is Restarting, not Running; wait until it is Running and plan again",
	}}
	warn := p.Step("rm-pay-db")
	warn.Policy.Warn = []plans.Finding{{
		Rule:    "rdsup.window.warn",
		Message: "rm-pay-db upgrades Immediate outside its maintenance window 22:00Z-02:00Z (tags env=prod|team=pay)",
	}}
	p.Summary = plans.Summary{Instances: len(p.Instances), Unchanged: []string{"rm-legacy-db"}, Clusters: 3, Waves: 2}
	return seal(p)
}

// PolicySet is the policy set the plans built here record: the built-in
// policies and a team directory with one module, and one data file.
func PolicySet() plans.PolicySet {
	d := func(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }
	return plans.PolicySet{
		Builtin: true,
		Files: []plans.PolicyFile{
			{Path: "builtin/replicas.rego", Digest: d('1')},
			{Path: "builtin/state.rego", Digest: d('2')},
			{Path: "builtin/version.rego", Digest: d('3')},
			{Path: "builtin/window.rego", Digest: d('4')},
			{Path: "team/freeze.rego", Digest: d('5')},
		},
		Data: []plans.PolicyFile{
			{Path: "builtin/data.yaml", Digest: d('6')},
			{Path: "paths.yaml", Digest: d('7')},
		},
	}
}

func teamOf(id string) string {
	switch {
	case len(id) > 6 && id[3:6] == "crm":
		return "crm"
	case len(id) > 6 && id[3:6] == "pay":
		return "payments"
	case len(id) > 7 && id[3:7] == "shop":
		return "shop"
	}
	return "platform"
}

// Large returns a sealed plan of n steps in clusters of a primary and three
// replicas (two read-only, one disaster-recovery); every 97th step is
// denied and every 31st warned. For benchmarks of code that reads plans.
func Large(n int) *plans.Plan {
	p := &plans.Plan{
		CreatedAt: CreatedAt,
		Inputs:    plans.Inputs{Inventory: "fleet.yaml", InventoryDigest: inventoryDigest, PolicyDigest: policyDigest, PolicyAt: policyAt, PolicySet: PolicySet()},
		Steps:     make([]plans.Step, 0, n),
		Instances: make([]plans.Instance, 0, n),
	}
	roles := []string{plans.RoleDisasterRecovery, plans.RoleReadOnly, plans.RoleReadOnly, plans.RolePrimary}
	var deps []string
	for i := 0; i < n; i++ {
		c, k := i/4, i%4
		primary := fmt.Sprintf("rm-c%06d-db", c)
		id := primary
		if k < 3 {
			id = fmt.Sprintf("rr-c%06d-r%d", c, k)
		}
		role := roles[k]
		if i == n-1 && k < 3 { // a trailing partial cluster ends with its primary
			id, role = primary, plans.RolePrimary
		}
		st := plans.Step{
			ID: id, InstanceID: id, Region: "cn-hangzhou", Engine: "MySQL", Role: role, Cluster: primary,
			FromVersion: "5.7", ToVersion: "8.0", EffectiveTime: plans.EffectiveMaintenance,
		}
		in := plans.Instance{
			ID: id, Region: st.Region, Engine: st.Engine, EngineVersion: "5.7", TargetVersion: "8.0",
			Role: role, Status: "Running", MaintainTime: "18:00Z-22:00Z", EffectiveTime: st.EffectiveTime,
			Tags: map[string]string{"env": "prod"},
		}
		if role == plans.RolePrimary {
			st.DependsOn, st.Wave, deps = deps, 1, nil
		} else {
			in.Primary = primary
			deps = append(deps, id)
		}
		if i%97 == 0 {
			st.Policy.Deny = []plans.Finding{{Rule: "rdsup.state.deny", Message: id + " is not Running"}}
		}
		if i%31 == 0 {
			st.Policy.Warn = []plans.Finding{{Rule: "rdsup.window.warn", Message: id + " | outside window"}}
		}
		p.Steps = append(p.Steps, st)
		p.Instances = append(p.Instances, in)
	}
	slices.SortFunc(p.Instances, func(a, b plans.Instance) int { return strings.Compare(a.ID, b.ID) })
	p.Summary = plans.Summary{Instances: n, Clusters: (n + 3) / 4, Waves: 2}
	return seal(p)
}

func seal(p *plans.Plan) *plans.Plan {
	plans.Summarize(p)
	if err := plans.Seal(p); err != nil {
		panic(fmt.Sprintf("plantest: seal: %v", err))
	}
	return p
}
