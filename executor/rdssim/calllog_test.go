package rdssim_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

// An upgrade call is logged with the version it asked for and the versions
// of its whole cluster before it took effect; other calls carry neither.
func TestUpgradeCallLogsClusterVersions(t *testing.T) {
	e := start(t, rdssim.Options{})
	if _, err := e.upgrade("rr-pay-1", "5.6", "tok-1"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	if _, err := e.upgrade("rd-pay", "5.6", "tok-2"); err != nil {
		t.Fatal(err)
	}
	e.upgrade("rd-pay", "5.6", "tok-2")  // a retry with the same token: deduplicated
	e.upgrade("rm-pay", "5.6", "tok-3")  // refused: its replicas are not on 5.6
	e.upgrade("rm-nope", "5.6", "tok-4") // unknown instance
	e.state(t, "rm-crm")                 // a read
	e.upgrade("rm-crm", "5.6", "tok-5")  // a lone primary
	all55 := map[string]string{"rm-pay": "5.5", "rr-pay-1": "5.5", "rr-pay-2": "5.5", "rd-pay": "5.5"}
	after1 := maps.Clone(all55)
	after1["rr-pay-1"] = "5.6"
	want := []struct {
		action, id, outcome, version string
		versions                     map[string]string
	}{
		{"UpgradeDBInstanceEngineVersion", "rr-pay-1", "applied", "5.6", all55},
		{"UpgradeDBInstanceEngineVersion", "rd-pay", "applied", "5.6", after1},
		{"UpgradeDBInstanceEngineVersion", "rd-pay", "deduplicated", "5.6", after1},
		{"UpgradeDBInstanceEngineVersion", "rm-pay", "error:UnsupportedReadOrBakReadState", "5.6", after1},
		{"UpgradeDBInstanceEngineVersion", "rm-nope", "error:InvalidDBInstanceId.NotFound", "5.6", nil},
		{"DescribeDBInstanceAttribute", "rm-crm", "ok", "", nil},
		{"UpgradeDBInstanceEngineVersion", "rm-crm", "applied", "5.6", map[string]string{"rm-crm": "5.5"}},
	}
	calls := e.sim.Calls()
	if len(calls) != len(want) {
		t.Fatalf("%d calls logged, want %d: %+v", len(calls), len(want), calls)
	}
	for i, w := range want {
		c := calls[i]
		if c.Action != w.action || c.InstanceID != w.id || c.Outcome != w.outcome || c.EngineVersion != w.version || !maps.Equal(c.Versions, w.versions) {
			t.Errorf("call %d = %s %s %s version %q versions %v\nwant  %s %s %s version %q versions %v",
				i, c.Action, c.InstanceID, c.Outcome, c.EngineVersion, c.Versions, w.action, w.id, w.outcome, w.version, w.versions)
		}
	}
}

// The simulator's default paths are the service's MySQL upgrades, one
// major version at a time; 8.0 → 8.4 is accepted once configured.
func TestUpgradePathsDefaultAndConfigured(t *testing.T) {
	fleet := []plans.Instance{
		{ID: "rm-55", Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.5", Role: plans.RolePrimary, Status: "Running", MaintainTime: "00:00Z-23:59Z"},
		{ID: "rm-56", Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.6", Role: plans.RolePrimary, Status: "Running", MaintainTime: "00:00Z-23:59Z"},
		{ID: "rm-57", Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.7", Role: plans.RolePrimary, Status: "Running", MaintainTime: "00:00Z-23:59Z"},
		{ID: "rm-80", Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "8.0", Role: plans.RolePrimary, Status: "Running", MaintainTime: "00:00Z-23:59Z"},
	}
	with84 := append(slices.Clone(rdssim.DefaultUpgradePaths), rdssim.UpgradePath{Engine: "MySQL", From: "8.0", To: "8.4"})
	tests := []struct {
		name     string
		paths    []rdssim.UpgradePath
		id, to   string
		wantCode string // "" → accepted
	}{
		{"5.5 to 5.6", nil, "rm-55", "5.6", ""},
		{"5.6 to 5.7", nil, "rm-56", "5.7", ""},
		{"5.7 to 8.0", nil, "rm-57", "8.0", ""},
		{"5.5 to 8.0 skips two majors", nil, "rm-55", "8.0", "IncorrectEngineVersion"},
		{"5.5 to 5.7 skips one", nil, "rm-55", "5.7", "IncorrectEngineVersion"},
		{"8.0 to 8.4 not by default", nil, "rm-80", "8.4", "IncorrectEngineVersion"},
		{"8.0 to 8.4 configured", with84, "rm-80", "8.4", ""},
		{"configured paths still one major at a time", with84, "rm-57", "8.4", "IncorrectEngineVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := rdssimtest.StartTestServer(t, fleet, rdssim.Options{UpgradePaths: tt.paths, UpgradeDuration: time.Minute})
			e := &env{client: rdssimtest.NewClient(t, endpoint, "cn-hangzhou")}
			_, err := e.upgrade(tt.id, tt.to, "tok")
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("upgrade %s to %s: %v", tt.id, tt.to, err)
				}
				return
			}
			wantCode(t, err, tt.wantCode, 403)
		})
	}
}
