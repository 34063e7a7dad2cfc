package fleetgen_test

import (
	"bytes"
	"testing"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

func TestShapes(t *testing.T) {
	for _, n := range []int{1, 7, 1000} {
		data := fleetgen.YAML(n, 42)
		if !bytes.Equal(data, fleetgen.YAML(n, 42)) {
			t.Fatalf("n=%d: two runs with one seed differ", n)
		}
		inv, err := planner.Parse("gen.yaml", data)
		if err != nil {
			t.Fatalf("n=%d: generated fleet does not validate: %v", n, err)
		}
		if len(inv.Instances) != n {
			t.Fatalf("n=%d: got %d instances", n, len(inv.Instances))
		}
		if _, err := planner.Build(inv); err != nil {
			t.Fatalf("n=%d: generated fleet does not plan: %v", n, err)
		}
		if n < 1000 {
			continue
		}
		roles := map[string]int{}
		replicas := map[string]int{}
		for _, in := range inv.Instances {
			roles[in.Role]++
			if in.Primary != "" {
				replicas[in.Primary]++
			}
		}
		if roles[plans.RoleReadOnly] == 0 || roles[plans.RoleDisasterRecovery] == 0 || roles[plans.RolePrimary] < n/5 {
			t.Errorf("unrealistic roles: %v", roles)
		}
		for p, k := range replicas {
			if k > 4 {
				t.Errorf("cluster %s has %d replicas; want at most 4", p, k)
			}
		}
	}
}
