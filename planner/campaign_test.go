package planner

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

// The order rules of a campaign hold on generated fleets of many clusters:
// one step per hop along the default paths, each depending on the
// instance's previous hop; for every hop the primary's step depends on
// each replica's step of that hop; a replica's hop from u depends on its
// primary's hop to u (never more than one hop ahead); no step depends on
// another cluster's; every dependency comes earlier in the plan.
func TestCampaignOrderRulesOnGeneratedFleets(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			y := bytes.Replace(fleetgen.YAML(400, seed), []byte(`targetVersion: "5.6"`), []byte(`targetVersion: "8.0"`), 1)
			inv, err := Parse("fleet.yaml", y)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Build(inv)
			if err != nil {
				t.Fatal(err)
			}
			checkCampaignOrder(t, p)
		})
	}
}

func checkCampaignOrder(t *testing.T, p *plans.Plan) {
	t.Helper()
	inst := map[string]plans.Instance{}
	for _, in := range p.Instances {
		inst[in.ID] = in
	}
	clusterOf := func(id string) string {
		if in := inst[id]; in.Role != plans.RolePrimary {
			return in.Primary
		}
		return id
	}
	pos := map[string]int{}
	hop := map[[2]string]plans.Step{} // (instance, toVersion) → step
	for i, s := range p.Steps {
		pos[s.ID] = i
		hop[[2]string{s.InstanceID, s.ToVersion}] = s
	}
	paths := DefaultPaths()
	for _, in := range p.Instances {
		want := paths.Hops(in.Engine, in.EngineVersion, "8.0")
		var got []string
		for _, s := range p.Steps {
			if s.InstanceID == in.ID {
				got = append(got, s.ToVersion)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s from %s: hops %v, want %v", in.ID, in.EngineVersion, got, want)
		}
	}
	for i, s := range p.Steps {
		deps := s.DependsOn
		for _, d := range deps {
			j, ok := pos[d]
			if !ok || j >= i {
				t.Errorf("step %s depends on %s, which is not earlier in the plan", s.ID, d)
				continue
			}
			if c := clusterOf(p.Steps[j].InstanceID); c != clusterOf(s.InstanceID) {
				t.Errorf("step %s (cluster %s) depends on %s of cluster %s: clusters are independent", s.ID, clusterOf(s.InstanceID), d, c)
			}
		}
		in := inst[s.InstanceID]
		if s.FromVersion != in.EngineVersion {
			if prev, ok := hop[[2]string{s.InstanceID, s.FromVersion}]; !ok || !slices.Contains(deps, prev.ID) {
				t.Errorf("hop %s does not depend on the instance's previous hop to %s", s.ID, s.FromVersion)
			}
		}
		if in.Role == plans.RolePrimary {
			for _, r := range p.Instances {
				if r.Primary != in.ID {
					continue
				}
				if rs, ok := hop[[2]string{r.ID, s.ToVersion}]; !ok || !slices.Contains(deps, rs.ID) {
					t.Errorf("primary hop %s does not depend on its replica %s's hop to %s", s.ID, r.ID, s.ToVersion)
				}
			}
			continue
		}
		if ps, ok := hop[[2]string{in.Primary, s.FromVersion}]; ok && !slices.Contains(deps, ps.ID) {
			t.Errorf("replica hop %s (from %s) does not depend on its primary's hop %s: it could run two versions ahead", s.ID, s.FromVersion, ps.ID)
		}
	}
}
