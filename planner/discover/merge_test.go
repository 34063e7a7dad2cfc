package discover_test

import (
	"reflect"
	"testing"

	"github.com/rdsup/rdsup/planner/discover"
	"github.com/rdsup/rdsup/plans"
)

func TestMerge(t *testing.T) {
	in := func(id, region, version, target string, tags map[string]string) plans.Instance {
		return plans.Instance{ID: id, Region: region, Engine: "MySQL", EngineVersion: version, TargetVersion: target, Role: plans.RolePrimary,
			Status: "Running", EffectiveTime: "Immediate", Tags: tags}
	}
	old := []plans.Instance{
		in("rm-a", "cn-hangzhou", "5.6", "8.0", map[string]string{"env": "prod", "owner": "bob"}),
		in("rm-dev", "cn-hangzhou", "5.6", "5.7", map[string]string{"env": "dev"}), // outside --tag env=prod: kept
		in("rm-gone", "cn-hangzhou", "5.6", "5.7", map[string]string{"env": "prod"}),
		in("rm-far", "eu-central-1", "5.6", "5.7", map[string]string{"env": "prod"}), // region not discovered: kept
	}
	found := []plans.Instance{
		in("rm-a", "cn-hangzhou", "5.7", "5.7", map[string]string{"env": "prod", "team": "x"}),
		in("rm-new", "cn-hangzhou", "5.6", "", map[string]string{"env": "prod"}),
	}
	got, ch := discover.Merge(old, map[string]string{"targetVersion": "5.7"}, found, []string{"cn-hangzhou"}, discover.Filter{Tags: map[string]string{"env": "prod"}})
	want := discover.Changes{Added: []string{"rm-new"}, Removed: []string{"rm-gone"}, Kept: 2,
		Changed: []string{"rm-a: engineVersion 5.6 → 5.7", "rm-a: tag team added (x)"}}
	if !reflect.DeepEqual(ch, want) {
		t.Errorf("changes %+v\nwant %+v", ch, want)
	}
	ids := []string{}
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	if !reflect.DeepEqual(ids, []string{"rm-a", "rm-dev", "rm-far", "rm-new"}) {
		t.Fatalf("ids %v", ids)
	}
	a := got[0]
	if a.TargetVersion != "8.0" || a.EngineVersion != "5.7" || !reflect.DeepEqual(a.Tags, map[string]string{"env": "prod", "owner": "bob", "team": "x"}) {
		t.Errorf("rm-a %+v: want the person's target and tag with the cloud's version and tags", a)
	}
	if got[3].TargetVersion != "5.7" {
		t.Errorf("rm-new target %q, want the old defaults' 5.7", got[3].TargetVersion)
	}
}
