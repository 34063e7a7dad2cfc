package rdssim_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

// TestConcurrentRetriesUpgradeOnce has many clients upgrade replicas at once
// through lossy faults, retrying with their token until they get an answer:
// every instance must be upgraded exactly once.
func TestConcurrentRetriesUpgradeOnce(t *testing.T) {
	inv, err := planner.Parse("fleetgen.yaml", fleetgen.YAML(120, 5))
	if err != nil {
		t.Fatal(err)
	}
	var targets []plans.Instance
	for _, in := range inv.Instances {
		if in.Role != plans.RolePrimary && in.EngineVersion == "5.5" && in.TargetVersion == "5.6" {
			targets = append(targets, in)
		}
	}
	if len(targets) < 10 {
		t.Fatalf("fleet has only %d 5.5 replicas", len(targets))
	}
	sim, endpoint := rdssimtest.StartTestServer(t, inv.Instances, rdssim.Options{
		Clock: rdssim.NewManualClock(t0), UpgradeDuration: time.Minute, Seed: 9,
		Faults: rdssim.Faults{DropResponseRate: 0.3, ThrottleRate: 0.2, ServerErrorRate: 0.1},
	})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, in := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// One client per goroutine: the SDK's Client writes its own
			// fields (timeouts) on every call and is not safe to share.
			c := rdssimtest.NewClient(t, endpoint, in.Region)
			req := rds.CreateUpgradeDBInstanceEngineVersionRequest()
			req.DBInstanceId, req.EngineVersion, req.ClientToken = in.ID, "5.6", "tok-"+in.ID
			for attempt := 0; ; attempt++ {
				_, err := c.UpgradeDBInstanceEngineVersion(req)
				var se *sdkerrors.ServerError
				if err == nil {
					return
				}
				if errors.As(err, &se) && se.ErrorCode() != "Throttling.User" && se.HttpStatus() < 500 {
					t.Errorf("%s: %v", in.ID, err)
					return
				}
				if attempt > 50 {
					t.Errorf("%s: still failing after %d attempts: %v", in.ID, attempt, err)
					return
				}
			}
		})
	}
	wg.Wait()
	calls := sim.Calls()
	for _, in := range targets {
		if n := count(calls, "UpgradeDBInstanceEngineVersion", in.ID, "applied"); n != 1 {
			t.Errorf("%s: %d applied upgrade calls, want 1", in.ID, n)
		}
		if v, _ := sim.Instance(in.ID); v.Upgrades != 1 {
			t.Errorf("%s: %d upgrades", in.ID, v.Upgrades)
		}
	}
}
