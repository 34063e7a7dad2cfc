package rdssim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

func bigFleet(b *testing.B, n int) []plans.Instance {
	b.Helper()
	inv, err := planner.Parse("fleetgen.yaml", fleetgen.YAML(n, 1))
	if err != nil {
		b.Fatal(err)
	}
	return inv.Instances
}

func benchClient(b *testing.B, n int) (*rdssim.Sim, *rds.Client, []plans.Instance) {
	b.Helper()
	fl := bigFleet(b, n)
	sim, endpoint := rdssimtest.StartTestServer(b, fl, rdssim.Options{Clock: rdssim.NewManualClock(t0), UpgradeDuration: time.Minute})
	return sim, rdssimtest.NewClient(b, endpoint, fl[0].Region), fl
}

// BenchmarkDescribeAttributeBatch30 polls 30 instances (the most one call
// takes) of a 1,000-instance fleet per call, through the real SDK over loopback.
func BenchmarkDescribeAttributeBatch30(b *testing.B) {
	_, c, fl := benchClient(b, 1000)
	var ids []string
	for _, in := range fl[:30] {
		ids = append(ids, in.ID)
	}
	req := rds.CreateDescribeDBInstanceAttributeRequest()
	req.DBInstanceId = strings.Join(ids, ",")
	b.ResetTimer()
	for b.Loop() {
		resp, err := c.DescribeDBInstanceAttribute(req)
		if err != nil || len(resp.Items.DBInstanceAttribute) != 30 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribeDBInstancesPage100 lists one page of 100 instances.
func BenchmarkDescribeDBInstancesPage100(b *testing.B) {
	_, c, _ := benchClient(b, 1000)
	req := rds.CreateDescribeDBInstancesRequest()
	req.PageSize = requests.NewInteger(100)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.DescribeDBInstances(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpgradeDeduplicated measures the full upgrade path (signature,
// token lookup, response) for a repeated call.
func BenchmarkUpgradeDeduplicated(b *testing.B) {
	_, c, fl := benchClient(b, 1000)
	var id string
	for _, in := range fl {
		if in.Role == plans.RoleReadOnly && in.EngineVersion != in.TargetVersion {
			id = in.ID
			break
		}
	}
	req := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	req.DBInstanceId, req.EngineVersion, req.ClientToken = id, "5.6", "bench-token"
	if _, err := c.UpgradeDBInstanceEngineVersion(req); err != nil {
		b.Skipf("fleet instance %s cannot be upgraded to 5.6: %v", id, err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.UpgradeDBInstanceEngineVersion(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstances10000 is the /_sim/instances view of a large fleet.
func BenchmarkInstances10000(b *testing.B) {
	sim := rdssim.New(bigFleet(b, 10000), rdssim.Options{Clock: rdssim.NewManualClock(t0)})
	b.ResetTimer()
	for b.Loop() {
		if len(sim.Instances()) == 0 {
			b.Fatal("empty")
		}
	}
}
