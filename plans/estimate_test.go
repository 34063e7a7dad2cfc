package plans_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

func TestEstimateUpgrade(t *testing.T) {
	tests := []struct {
		name      string
		role      string
		storageGB int
		want      time.Duration
	}{
		{"replica, small", plans.RoleReadOnly, 20, 10*time.Minute + 10*time.Second},
		{"replica, 1 TB", plans.RoleReadOnly, 1000, 10*time.Minute + 500*time.Second},
		{"disaster recovery like a replica", plans.RoleDisasterRecovery, 100, 10*time.Minute + 50*time.Second},
		{"primary 1.5×", plans.RolePrimary, 100, (10*time.Minute + 50*time.Second) * 3 / 2},
		{"unknown storage: the default", plans.RoleReadOnly, 0, 10*time.Minute + plans.DefaultStorageGB*time.Second/2},
		{"negative storage: the default", plans.RoleReadOnly, -5, 10*time.Minute + plans.DefaultStorageGB*time.Second/2},
		{"primary, unknown storage", plans.RolePrimary, 0, (10*time.Minute + plans.DefaultStorageGB*time.Second/2) * 3 / 2},
		{"primary rounds to the second", plans.RolePrimary, 1, 15*time.Minute + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plans.EstimateUpgrade(tt.role, tt.storageGB); got != tt.want {
				t.Errorf("EstimateUpgrade(%s, %d) = %s, want %s", tt.role, tt.storageGB, got, tt.want)
			}
		})
	}
}

// A step's estimateSeconds wins; a plan written before steps carried one
// falls back to the model over the instance snapshot.
func TestPlanEstimate(t *testing.T) {
	p := plantest.Sample()
	p.Steps[0].EstimateSeconds = 0
	p.Instance(p.Steps[0].InstanceID).StorageGB = 200
	if got, want := p.Estimate(0), plans.EstimateUpgrade(p.Steps[0].Role, 200); got != want {
		t.Errorf("estimate without estimateSeconds = %s, want the model's %s", got, want)
	}
	p.Steps[0].EstimateSeconds = 42
	if got := p.Estimate(0); got != 42*time.Second {
		t.Errorf("estimate = %s, want the step's 42s", got)
	}
}

// RemainingPath: the longest chain of estimates from a step to the end.
func TestRemainingPath(t *testing.T) {
	p := &plans.Plan{Steps: []plans.Step{
		{ID: "r1", EstimateSeconds: 10},
		{ID: "r2", EstimateSeconds: 30},
		{ID: "p", EstimateSeconds: 100, DependsOn: []string{"r1", "r2"}},
		{ID: "p@2", EstimateSeconds: 5, DependsOn: []string{"p"}},
		{ID: "lone", EstimateSeconds: 50},
	}}
	got := plans.RemainingPath(p)
	want := []time.Duration{115, 135, 105, 5, 50}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Errorf("%s: remaining path %s, want %s", p.Steps[i].ID, got[i], want[i]*time.Second)
		}
	}
}

// estimateSeconds round-trips; a format-3 plan without it still loads and
// verifies (its digest never covered the field).
func TestEstimateSecondsOptional(t *testing.T) {
	old := plantest.Sample()
	data, err := plans.Encode(old)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("estimateSeconds")) {
		t.Fatal("a plan without estimates writes estimateSeconds")
	}
	if _, err := plans.Decode("old.json", data); err != nil {
		t.Fatalf("a format-3 plan without estimates is refused: %v", err)
	}
	p := plantest.Sample()
	p.Steps[0].EstimateSeconds = 1234
	if err := plans.Seal(p); err != nil {
		t.Fatal(err)
	}
	if p.ID == old.ID {
		t.Error("the plan id does not cover estimateSeconds")
	}
	data, err = plans.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plans.Decode("new.json", data)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if back.Steps[0].EstimateSeconds != 1234 {
		t.Errorf("estimateSeconds = %d after a round trip, want 1234", back.Steps[0].EstimateSeconds)
	}
	p.Steps[0].EstimateSeconds = -1
	if err := plans.Seal(p); err != nil {
		t.Fatal(err)
	}
	if err := plans.Validate(p); err == nil || !strings.Contains(err.Error(), "estimateSeconds -1") {
		t.Errorf("negative estimate: %v, want it refused", err)
	}
}
