package plans_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// inputs.selection is written and read back by the strict reader, and is
// part of what the plan id seals.
func TestSelectionRoundTrip(t *testing.T) {
	p := plantest.Sample()
	p.Inputs.Selection = &plans.Selection{Only: []string{"env=prod", "rm-pay-*"}, Exclude: nil, WithReplicas: true}
	if err := plans.Seal(p); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := plans.Write(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := plans.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &plans.Selection{Only: []string{"env=prod", "rm-pay-*"}, Exclude: []string{}, WithReplicas: true}
	if !reflect.DeepEqual(got.Inputs.Selection, want) {
		t.Errorf("selection read back %+v, want %+v", got.Inputs.Selection, want)
	}
	q := plantest.Sample()
	if err := plans.Seal(q); err != nil {
		t.Fatal(err)
	}
	if q.ID == p.ID {
		t.Error("the selection does not change the plan id")
	}
}
