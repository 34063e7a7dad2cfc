package rdssim

import (
	"fmt"
	"testing"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// The simulator's upgrade durations follow the planner's model with seeded
// noise: the same seed gives the same durations, another seed others, each
// within ±DurationNoise of the estimate, and the noise averages out.
func TestModelDurationSeeded(t *testing.T) {
	var sum, est time.Duration
	differ := 0
	for i := range 200 {
		id := fmt.Sprintf("rr-%03d", i)
		typ, role := TypeReadonly, plans.RoleReadOnly
		if i%3 == 0 {
			typ, role = TypePrimary, plans.RolePrimary
		}
		gb := []int{20, 100, 500, 2000}[i%4]
		d := modelDuration(42, id, typ, gb)
		if again := modelDuration(42, id, typ, gb); again != d {
			t.Fatalf("%s: seed 42 gives %s then %s", id, d, again)
		}
		if modelDuration(7, id, typ, gb) != d {
			differ++
		}
		e := plans.EstimateUpgrade(role, gb)
		if lo, hi := time.Duration(float64(e)*(1-DurationNoise)), time.Duration(float64(e)*(1+DurationNoise)); d < lo-time.Second || d > hi+time.Second {
			t.Errorf("%s (%s, %d GB): %s, want within ±%.0f%% of the estimate %s", id, role, gb, d, 100*DurationNoise, e)
		}
		sum, est = sum+d, est+e
	}
	if differ < 190 {
		t.Errorf("seeds 42 and 7 give the same duration for %d of 200 instances", 200-differ)
	}
	if r := float64(sum) / float64(est); r < 0.95 || r > 1.05 {
		t.Errorf("simulated total / estimated total = %.3f, want about 1", r)
	}
	if modelDuration(1, "x", TypeReadonly, 2000) <= modelDuration(1, "x", TypeReadonly, 20) {
		t.Error("a 2 TB instance upgrades no slower than a 20 GB one")
	}
}
