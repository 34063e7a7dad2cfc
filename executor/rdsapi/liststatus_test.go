package rdsapi_test

import (
	"fmt"
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

// ListStatus reads many instances of a region with DescribeDBInstances,
// 100 ids a call: 250 instances take 3 calls; ids the region does not
// have are absent, not an error.
func TestListStatus(t *testing.T) {
	var fleet []plans.Instance
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("rm-%03d", i)
		ids = append(ids, id)
		fleet = append(fleet, plans.Instance{ID: id, Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.7",
			Role: plans.RolePrimary, Status: "Running", MaintainTime: "00:00Z-01:00Z"})
	}
	sim, endpoint := rdssimtest.StartTestServer(t, fleet, rdssim.Options{})
	c := newClient(t, endpoint, rdssimtest.AccessKeySecret)
	got, err := c.ListStatus(t.Context(), "cn-hangzhou", append(ids, "rm-elsewhere"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d instances read, want 250", len(got))
	}
	if in := got["rm-042"]; in.Status != "Running" || in.EngineVersion != "5.7" || in.Region != "cn-hangzhou" {
		t.Errorf("rm-042 = %+v", in)
	}
	if _, ok := got["rm-elsewhere"]; ok {
		t.Error("an unknown id is in the answer")
	}
	lists := 0
	for _, call := range sim.Calls() {
		if call.Action == "DescribeDBInstances" {
			lists++
		}
	}
	if lists != 3 {
		t.Errorf("%d DescribeDBInstances calls for 251 ids, want 3", lists)
	}
}
