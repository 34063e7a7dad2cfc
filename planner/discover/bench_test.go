package discover_test

import (
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/discover"
	"github.com/rdsup/rdsup/planner/fleetgen"
)

// BenchmarkDiscover2000 discovers a simulated account of 2,000 instances in
// five regions through the SDK over loopback, without a rate limit (the
// tool's own cost); calls/op and calls/instance are reported. At the
// default --qps the wall time is about calls / 20 seconds.
func BenchmarkDiscover2000(b *testing.B) {
	inv, err := planner.Parse("gen.yaml", fleetgen.YAML(2000, 1))
	if err != nil {
		b.Fatal(err)
	}
	_, acct := serve(b, inv.Instances, rdssim.Options{}, nil)
	o := discover.Options{Regions: []string{"ap-southeast-1", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen"}, QPS: 1e6, Concurrency: 16}
	var calls int64
	for b.Loop() {
		res, err := discover.Discover(b.Context(), acct, o)
		if err != nil {
			b.Fatal(err)
		}
		calls = res.Calls
		out := discover.Encode(res.InventoryInstances(), discover.Header{Regions: res.Regions})
		if _, err := planner.ParseDraft("d.yaml", out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(calls)/2000, "calls/instance")
}
