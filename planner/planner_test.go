package planner_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
)

// planFile loads and builds an inventory under ../testdata.
func planFile(t *testing.T, name string) (*plans.Plan, error) {
	t.Helper()
	inv, err := planner.Load(filepath.Join("..", "testdata", name))
	if err != nil {
		return nil, err
	}
	return planner.Build(inv)
}

func TestBadInventories(t *testing.T) {
	tests := []struct {
		file string
		want []string // substrings every run must contain
	}{
		{"unknown-field", []string{"bad/unknown-field.yaml:9: instance rm-a: unknown field \"engineVersoin\"", "did you mean engineVersion?"}},
		{"duplicate-id", []string{":10: instance rm-a: duplicate id (first at line 7)"}},
		{"missing-primary", []string{"instance rr-a: its primary rm-gone is not in the inventory"}},
		{"primary-names-primary", []string{":9: instance rm-a: a primary names a primary (rm-b)"}},
		{"cycle", []string{"instance rr-a: replica chain loops: rr-a → rr-b → rr-a"}},
		{"replica-of-replica", []string{"instance rr-c: its primary rr-b is a readonly instance, not a primary", "name the cluster's primary instead (rm-a)"}},
		{"bad-window", []string{":10: instance rm-a: malformed maintainTime \"25:00Z-02:00Z\"", ":14: instance rm-b: malformed maintainTime \"02:00-06:00\""}},
		{"unknown-role", []string{":8: instance rm-a: unknown role \"master\""}},
		{"unknown-effective-time", []string{":10: instance rm-a: unknown effectiveTime \"Later\"", "use Immediate or MaintainTime"}},
		{"bad-id", []string{"malformed instance id \"rm_a!\""}},
		{"missing-fields", []string{"instance rm-a: missing field \"engineVersion\""}},
		{"replica-left-behind", []string{"instance rm-a: upgrades to 5.6 but its readonly instance rr-b stays on 5.5"}},
		{"replica-other-target", []string{"instance rm-a: upgrades to 5.6 but its readonly instance rr-b targets 5.7"}},
		{"many-problems", []string{"instance rm-a: malformed maintainTime", "instance rm-a: unknown role", "instance rm-z: unknown field", "instance rr-m: its primary rm-gone"}},
		{"empty", []string{"the inventory has no instances"}},
		{"empty-file", []string{"the inventory is empty"}},
		{"not-yaml", []string{"not-yaml.yaml:4: not valid YAML"}},
		{"duplicate-instances", []string{"duplicate-instances.yaml:10: top-level field \"instances\" is given twice (first at line 6)"}},
		{"duplicate-tag", []string{":10: instance rm-a: tag \"env\" is given twice (first at line 10)", ":17: instance rm-b: tag \"env\" is given twice (first at line 16)"}},
		{"duplicate-field", []string{"duplicate-field.yaml:6: field \"targetVersion\" is given twice in defaults (first at line 4)", ":11: instance rm-a: field \"role\" is given twice in an instance (first at line 9)"}},
		{"two-documents", []string{"two-documents.yaml:10: a second YAML document starts here"}},
		{"unknown-region", []string{"unknown-region.yaml:2: unknown region \"cn-hangzou\" (did you mean cn-hangzhou?)", ":12: instance rm-b: unknown region \"mars-north-1\" (a region id such as cn-hangzhou", ":16: instance rm-c: unknown region \"CN-Shanghai\" (did you mean cn-shanghai?)"}},
		{"control-char", []string{"control-char.yaml:9: control character U+0000 in column 39", "control-char.yaml:10: control character U+001B in column 22"}},
		{"no-target-version", []string{"no-target-version.yaml: targetVersion is not set for any instance (set `targetVersion:` under `defaults:` (or per instance)"}},
		{"some-target-version", []string{":10: instance rm-b: targetVersion is not set"}},
		{"bad-storage", []string{":10: instance rm-a: malformed storageGB \"20GB\"", ":13: instance rm-b: malformed storageGB \"-5\"", ":16: instance rm-c: malformed storageGB", ":19: instance rm-d: field \"storageGB\" must be a plain value"}},
		{"rollout-unmatched", []string{"rollout-unmatched.yaml:15: 1 planned instance(s) match no stage of the rollout: rm-shop-db", `end the rollout with a stage whose select is "*"`}},
		{"rollout-split-cluster", []string{`cluster rm-pay-db is split across stages: rr-pay-ro1 is in stage "canary", rm-pay-db in stage "production"`}},
		{"rollout-bad-stages", []string{`:17: stage "canary": soak "a day"`, `:18: stage "canary": unknown field "maxConcurent"`, `:19: stage "canary" is given twice (first at line 15)`,
			`:22: stage "prod": selector "=prod"`, `:23: stage "prod": maxConcurrentClusters "0"`, `:24: stage "prod": maxFailures "-1"`, `:25: a stage: no name`,
			`:26: a stage: soak "-2h" is negative`, `:27: stage "two words": malformed name`, `:28: stage "two words": field "select" must be a plain value`,
			`:31: stage "last": field "select" is given twice`, `:32: stage "typo": select "team=nobody" matches no instance`}},
		{"rollout-not-a-list", []string{"rollout-not-a-list.yaml:15: rollout must be a list of stages, found a mapping"}},
		{"rollout-empty", []string{"rollout-empty.yaml:14: rollout lists no stages"}},
		{"invalid-utf8", []string{"invalid-utf8.yaml:10: invalid UTF-8 (byte 0xe9 in column 22) (save the inventory as UTF-8)"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := planFile(t, filepath.Join("bad", tt.file+".yaml"))
			if err == nil {
				t.Fatal("the inventory was accepted; want an error")
			}
			if !errors.Is(err, planner.ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			golden.Check(t, filepath.Join("..", "testdata", "bad", tt.file+".err"), []byte(err.Error()+"\n"))
		})
	}
}

func TestManyProblemsSortedByInstance(t *testing.T) {
	_, err := planFile(t, "bad/many-problems.yaml")
	var ids []string
	for _, line := range strings.Split(err.Error(), "\n") {
		_, rest, _ := strings.Cut(line, "instance ")
		id, _, _ := strings.Cut(rest, ":")
		ids = append(ids, id)
	}
	if len(ids) < 4 || !slices.IsSorted(ids) {
		t.Errorf("problems not all reported in instance order: %q", ids)
	}
}

func TestExampleFleet(t *testing.T) {
	p, err := planFile(t, "fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plans.Step{}
	var order []string
	for _, s := range p.Steps {
		got[s.ID] = s
		order = append(order, s.ID)
	}
	wantOrder := []string{"rm-crm-db", "rm-pay-dr", "rr-pay-1", "rr-pay-2", "rm-pay-primary", "rr-shop-ro1", "rm-shop-db"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("step order = %q, want %q", order, wantOrder)
	}
	deps := map[string][]string{
		"rm-pay-primary": {"rm-pay-dr", "rr-pay-1", "rr-pay-2"},
		"rm-shop-db":     {"rr-shop-ro1"},
		"rm-crm-db":      {},
		"rr-pay-1":       {},
	}
	for id, want := range deps {
		if !slices.Equal(got[id].DependsOn, want) {
			t.Errorf("%s dependsOn = %q, want %q", id, got[id].DependsOn, want)
		}
	}
	if got["rm-pay-primary"].Wave != 1 || got["rr-pay-1"].Wave != 0 || got["rm-crm-db"].Wave != 0 {
		t.Errorf("waves: primary %d, replica %d, lone %d; want 1, 0, 0", got["rm-pay-primary"].Wave, got["rr-pay-1"].Wave, got["rm-crm-db"].Wave)
	}
	if got["rm-pay-dr"].Region != "cn-shanghai" || got["rm-pay-dr"].Cluster != "rm-pay-primary" {
		t.Errorf("rm-pay-dr: region %q cluster %q", got["rm-pay-dr"].Region, got["rm-pay-dr"].Cluster)
	}
	if !slices.Equal(p.Summary.Unchanged, []string{"rm-ledger-db", "rr-ledger-ro1"}) {
		t.Errorf("unchanged = %q", p.Summary.Unchanged)
	}
	if p.Summary.Clusters != 3 || p.Summary.Waves != 2 || p.Summary.Instances != 9 || !p.Summary.Applicable {
		t.Errorf("summary = %+v", p.Summary)
	}
	if in := p.Instance("rr-pay-1"); in == nil || in.Tags["team"] != "payments" || in.MaintainTime != "02:00Z-06:00Z" || in.EffectiveTime != "MaintainTime" {
		t.Errorf("snapshot of rr-pay-1 = %+v", in)
	}
}

// TestEveryReplicaBeforeItsPrimary checks the graph contract on synthetic fleets.
func TestEveryReplicaBeforeItsPrimary(t *testing.T) {
	p := buildSynthetic(t, 5000, 7)
	pos := map[string]int{}
	for i, s := range p.Steps {
		pos[s.ID] = i
	}
	for _, in := range p.Instances {
		if in.Role == plans.RolePrimary || in.EngineVersion == in.TargetVersion {
			continue
		}
		prim := p.Step(in.Primary)
		if prim == nil {
			continue
		}
		if !slices.Contains(prim.DependsOn, in.ID) {
			t.Fatalf("primary %s does not depend on its replica %s", prim.ID, in.ID)
		}
		if pos[in.ID] > pos[prim.ID] {
			t.Fatalf("replica %s is ordered after its primary %s", in.ID, prim.ID)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := buildSynthetic(t, 2000, 3), buildSynthetic(t, 2000, 3)
	for _, p := range []*plans.Plan{a, b} {
		if err := plans.Seal(p); err != nil {
			t.Fatal(err)
		}
	}
	ea, _ := plans.Encode(a)
	eb, _ := plans.Encode(b)
	if a.ID != b.ID || string(ea) != string(eb) {
		t.Error("two plans of the same inventory differ")
	}
}
