package discover_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/discover"
	"github.com/rdsup/rdsup/plans"
)

// TestEncodeQuotes: whatever the cloud reports in tags and fields, the
// written inventory reads back to the same values.
func TestEncodeQuotes(t *testing.T) {
	odd := []string{"yes", "null", "No", "~", "1", "0x10", "5.10", "-dash", "a: b", "a #b", "#x", `q"uote`, `back\slash`, "it's", "支付",
		"tab\there", "[x]", "{y}", "&anchor", "*alias", "!tag", "%p", "@a", "`b", "| c", "> d", " lead", "trail ", "", "acs-ok"}
	tags := map[string]string{}
	for i, v := range odd {
		tags["k"+string(rune('a'+i%26))+string(rune('a'+i/26))] = v
		if v != "" {
			tags[v] = "v"
		}
	}
	insts := []plans.Instance{
		{ID: "rm-a", Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.7", TargetVersion: "8.0", Role: plans.RolePrimary,
			Status: "Running", MaintainTime: "22:00Z-02:00Z", EffectiveTime: "MaintainTime", Tags: tags, StorageGB: 7},
		{ID: "rr-a", Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.7", TargetVersion: "8.0", Role: plans.RoleReadOnly,
			Primary: "rm-a", Status: "Running", MaintainTime: "22:00Z-02:00Z", EffectiveTime: "Immediate", Tags: map[string]string{}},
	}
	out := discover.Encode(insts, discover.Header{Regions: []string{"cn-hangzhou"}, At: time.Unix(0, 0)})
	inv, err := planner.Parse("q.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(inv.Instances, insts) {
		t.Errorf("read back:\n%+v\nwant\n%+v\n%s", inv.Instances, insts, out)
	}
}
