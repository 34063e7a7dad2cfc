package planner_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
)

// TestRolloutStages: the example rollout puts each cluster in the first
// stage that selects it, records the stages with their gates in the plan,
// and a validated plan comes out.
func TestRolloutStages(t *testing.T) {
	p, err := planFile(t, filepath.Join("rollout", "fleet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	two := 2
	want := []plans.Stage{
		{Name: "canary", Select: "env=staging", Soak: "24h"},
		{Name: "production", Select: "env=prod", MaxConcurrentClusters: 1, MaxFailures: &two},
		{Name: "rest", Select: "*"},
	}
	if len(p.Stages) != len(want) {
		t.Fatalf("stages = %+v, want %+v", p.Stages, want)
	}
	for i, st := range p.Stages {
		w := want[i]
		if st.Name != w.Name || st.Select != w.Select || st.Soak != w.Soak || st.MaxConcurrentClusters != w.MaxConcurrentClusters ||
			(st.MaxFailures == nil) != (w.MaxFailures == nil) || (st.MaxFailures != nil && *st.MaxFailures != *w.MaxFailures) {
			t.Errorf("stage %d = %+v, want %+v", i, st, w)
		}
	}
	stageOf := map[string]string{}
	for _, s := range p.Steps {
		stageOf[s.ID] = s.Stage
	}
	wantStage := map[string]string{
		"rm-stg-db": "canary", "rr-stg-ro1": "canary",
		"rm-pay-db": "production", "rr-pay-ro1": "production", "rm-shop-db": "production", "rm-crm-db": "production",
		"rm-tools-db": "rest",
	}
	for id, w := range wantStage {
		if stageOf[id] != w {
			t.Errorf("step %s in stage %q, want %q", id, stageOf[id], w)
		}
	}
	plans.Summarize(p)
	if err := plans.Seal(p); err != nil {
		t.Fatal(err)
	}
	if err := plans.Validate(p); err != nil {
		t.Errorf("the planner's staged plan is invalid: %v", err)
	}
}

// TestRolloutWithSelection: only planned instances must fall in a stage,
// and stages that select nothing planned stay in the plan, empty.
func TestRolloutWithSelection(t *testing.T) {
	inv, err := planner.Load(filepath.Join("..", "testdata", "bad", "rollout-unmatched.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.BuildWith(inv, planner.Options{Selection: &plans.Selection{Only: []string{"team=payments"}}})
	if err != nil {
		t.Fatalf("rm-shop-db, which no stage selects, is not planned, yet: %v", err)
	}
	if len(p.Stages) != 2 {
		t.Errorf("stages = %+v, want canary and payments", p.Stages)
	}
	for _, s := range p.Steps {
		if s.Stage != "payments" {
			t.Errorf("step %s in stage %q, want payments", s.ID, s.Stage)
		}
	}
	_, err = planner.BuildWith(inv, planner.Options{Selection: &plans.Selection{Exclude: []string{"team=payments"}}})
	if err == nil || !strings.Contains(err.Error(), "match no stage of the rollout: rm-shop-db") {
		t.Errorf("error = %v, want rm-shop-db named", err)
	}
}

// TestNoRolloutNoStages: an inventory without rollout: gives a plan without
// stages (its bytes as before).
func TestNoRolloutNoStages(t *testing.T) {
	p, err := planFile(t, "fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Stages != nil {
		t.Errorf("stages = %+v, want none", p.Stages)
	}
	for _, s := range p.Steps {
		if s.Stage != "" {
			t.Errorf("step %s has stage %q", s.ID, s.Stage)
		}
	}
}
