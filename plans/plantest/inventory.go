package plantest

import (
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
)

// FromYAML plans an inventory document with the planner alone (no
// policies: every step applicable), created at a fixed time and sealed,
// for tests that apply real plans.
func FromYAML(t testing.TB, name string, data []byte) *plans.Plan {
	t.Helper()
	inv, err := planner.Parse(name, data)
	if err != nil {
		t.Fatalf("parse inventory: %v", err)
	}
	p, err := planner.Build(inv)
	if err != nil {
		t.Fatalf("build plan: %v", err)
	}
	plans.Summarize(p)
	p.CreatedAt = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	if err := plans.Seal(p); err != nil {
		t.Fatalf("seal: %v", err)
	}
	return p
}
