package plans_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

func TestCompareSame(t *testing.T) {
	d := plans.Compare(plantest.Sample(), plantest.Sample())
	if !d.Empty() {
		t.Fatalf("a plan differs from itself: %+v", d)
	}
}

func TestCompare(t *testing.T) {
	d := plans.Compare(plantest.Sample(), plantest.Edited())
	if d.Empty() {
		t.Fatal("Empty() on plans that differ")
	}
	ids := func(refs []plans.StepRef) string {
		var s []string
		for _, r := range refs {
			s = append(s, r.ID)
		}
		return strings.Join(s, " ")
	}
	if got := ids(d.Added); got != "rm-legacy-db" {
		t.Errorf("added %q, want rm-legacy-db", got)
	}
	if got := ids(d.Removed); got != "rm-crm-dr" {
		t.Errorf("removed %q, want rm-crm-dr", got)
	}
	fields := map[string]string{}
	for _, c := range d.Changed {
		for _, f := range c.Fields {
			fields[c.ID+"."+f.Field] = f.Old + " → " + f.New
		}
	}
	for k, want := range map[string]string{
		"rm-crm-db.dependsOn":      "rm-crm-dr → ",
		"rm-crm-db.wave":           "1 → 0",
		"rm-shop-db.effectiveTime": "MaintainTime → Immediate",
	} {
		if fields[k] != want {
			t.Errorf("%s: %q, want %q (all: %v)", k, fields[k], want, fields)
		}
	}
	if len(fields) != 3 {
		t.Errorf("changed fields %v, want exactly 3", fields)
	}
	verdicts := map[string]plans.VerdictChange{}
	for _, v := range d.Verdicts {
		verdicts[v.ID] = v
	}
	if v := verdicts["rr-shop-ro1"]; v.Old != "deny" || v.New != "allow" || len(v.Removed) != 1 || len(v.Added) != 0 {
		t.Errorf("rr-shop-ro1 verdict change %+v, want deny → allow with one finding removed", v)
	}
	if v := verdicts["rm-pay-db"]; v.Old != "warn" || v.New != "warn" || len(v.Removed) != 1 || len(v.Added) != 1 {
		t.Errorf("rm-pay-db verdict change %+v, want warn → warn, one finding replaced", v)
	}
	inputs := map[string]bool{}
	for _, c := range d.Inputs {
		inputs[c.Field] = true
	}
	if !inputs["policyAt"] || !inputs["selection"] || len(inputs) != 2 {
		t.Errorf("inputs changed %v, want policyAt and selection", inputs)
	}
	var inst []string
	for _, c := range d.Instances {
		for _, f := range c.Fields {
			inst = append(inst, c.ID+"."+f.Field)
		}
	}
	if want := []string{"rm-legacy-db.targetVersion", "rm-shop-db.effectiveTime", "rr-shop-ro1.status"}; !slices.Equal(inst, want) {
		t.Errorf("instance changes %v, want %v", inst, want)
	}
}

// A single-hop step that became several hops matches its first hop by
// instance and toVersion: the id is a changed field, the other hops are
// added.
func TestCompareHopsMatchByInstanceAndVersion(t *testing.T) {
	old := plantest.Sample()
	next := plantest.Sample()
	s := next.Step("rm-crm-dr")
	s.ID = "rm-crm-dr@5.6"
	next.Step("rm-crm-db").DependsOn = []string{"rm-crm-dr@5.6"}
	d := plans.Compare(old, next)
	if len(d.Added) != 0 || len(d.Removed) != 0 {
		t.Fatalf("added %v removed %v, want none", d.Added, d.Removed)
	}
	if len(d.Changed) != 2 || d.Changed[0].ID != "rm-crm-dr@5.6" || d.Changed[0].Fields[0] != (plans.FieldChange{Field: "id", Old: "rm-crm-dr", New: "rm-crm-dr@5.6"}) {
		t.Errorf("changed %+v", d.Changed)
	}
}
