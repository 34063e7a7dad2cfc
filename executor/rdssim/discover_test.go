package rdssim_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

// taggedFleet: n primaries in cn-beijing, every third tagged env=prod.
func taggedFleet(n int) []plans.Instance {
	out := make([]plans.Instance, n)
	for i := range out {
		env := "dev"
		if i%3 == 0 {
			env = "prod"
		}
		out[i] = plans.Instance{ID: fmt.Sprintf("rm-b%04d", i), Region: "cn-beijing", Engine: "MySQL", EngineVersion: "5.7",
			Role: plans.RolePrimary, Status: "Running", MaintainTime: "02:00Z-06:00Z", Tags: map[string]string{"env": env, "n": fmt.Sprint(i)}}
	}
	return out
}

// TestDescribeDBInstancesTokenPagingAndTags: MaxResults/NextToken pages
// cover every instance once; the tag filter (Tags JSON and Tag.N.key)
// keeps only the tagged ones.
func TestDescribeDBInstancesTokenPagingAndTags(t *testing.T) {
	_, endpoint := rdssimtest.StartTestServer(t, taggedFleet(250), rdssim.Options{})
	c := rdssimtest.NewClient(t, endpoint, "cn-beijing")
	list := func(set func(r *rds.DescribeDBInstancesRequest)) (ids []string, calls int) {
		token := ""
		for {
			req := rds.CreateDescribeDBInstancesRequest()
			req.RegionId = "cn-beijing"
			req.MaxResults = "100"
			req.NextToken = token
			set(req)
			resp, err := c.DescribeDBInstances(req)
			if err != nil {
				t.Fatal(err)
			}
			calls++
			for _, it := range resp.Items.DBInstance {
				ids = append(ids, it.DBInstanceId)
			}
			if token = resp.NextToken; token == "" {
				return ids, calls
			}
		}
	}
	tests := []struct {
		name      string
		set       func(r *rds.DescribeDBInstancesRequest)
		wantN     int
		wantCalls int
	}{
		{"all", func(*rds.DescribeDBInstancesRequest) {}, 250, 3},
		{"Tags JSON", func(r *rds.DescribeDBInstancesRequest) { r.Tags = `{"env":"prod"}` }, 84, 1},
		{"Tag.1.key", func(r *rds.DescribeDBInstancesRequest) { r.Tag1Key, r.Tag1Value = "env", "prod" }, 84, 1},
		{"two tags", func(r *rds.DescribeDBInstancesRequest) {
			r.Tag1Key, r.Tag1Value, r.Tag2Key, r.Tag2Value = "env", "prod", "n", "3"
		}, 1, 1},
		{"no match", func(r *rds.DescribeDBInstancesRequest) { r.Tags = `{"env":"staging"}` }, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, calls := list(tt.set)
			if len(ids) != tt.wantN || calls != tt.wantCalls {
				t.Fatalf("got %d instances in %d calls, want %d in %d", len(ids), calls, tt.wantN, tt.wantCalls)
			}
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Errorf("pages repeat or reorder instances")
			}
		})
	}
	bad := []struct {
		name, code string
		set        func(r *rds.DescribeDBInstancesRequest)
	}{
		{"MaxResults 101", "InvalidMaxResults.Malformed", func(r *rds.DescribeDBInstancesRequest) { r.MaxResults = "101" }},
		{"bad token", "InvalidNextToken.Malformed", func(r *rds.DescribeDBInstancesRequest) { r.NextToken = "!!" }},
		{"bad Tags", "InvalidTags.Malformed", func(r *rds.DescribeDBInstancesRequest) { r.Tags = "env=prod" }},
		{"six tags", "InvalidParameter", func(r *rds.DescribeDBInstancesRequest) { r.Tags = `{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6"}` }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			req := rds.CreateDescribeDBInstancesRequest()
			req.RegionId = "cn-beijing"
			tt.set(req)
			_, err := c.DescribeDBInstances(req)
			wantCode(t, err, tt.code, http.StatusBadRequest)
		})
	}
}

// TestListTagResources: tags of the listed ids, paged with NextToken,
// only in the request's region; more than 50 ids are refused.
func TestListTagResources(t *testing.T) {
	_, endpoint := rdssimtest.StartTestServer(t, taggedFleet(60), rdssim.Options{})
	c := rdssimtest.NewClient(t, endpoint, "cn-beijing")
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("rm-b%04d", i)
	}
	got := map[string]map[string]string{}
	token, calls := "", 0
	for {
		req := rds.CreateListTagResourcesRequest()
		req.RegionId, req.ResourceType, req.NextToken = "cn-beijing", "INSTANCE", token
		req.ResourceId = &ids
		resp, err := c.ListTagResources(req)
		if err != nil {
			t.Fatal(err)
		}
		calls++
		for _, tr := range resp.TagResources.TagResource {
			if got[tr.ResourceId] == nil {
				got[tr.ResourceId] = map[string]string{}
			}
			got[tr.ResourceId][tr.TagKey] = tr.TagValue
		}
		if token = resp.NextToken; token == "" {
			break
		}
	}
	if len(got) != 50 || calls != 2 || got["rm-b0003"]["env"] != "prod" || got["rm-b0004"]["n"] != "4" {
		t.Fatalf("%d calls, tags %v", calls, got["rm-b0003"])
	}
	req := rds.CreateListTagResourcesRequest()
	req.RegionId, req.ResourceType = "cn-hangzhou", "INSTANCE"
	req.ResourceId = &ids
	if resp, err := c.ListTagResources(req); err != nil || len(resp.TagResources.TagResource) != 0 {
		t.Errorf("another region: %v, %d tags; want none", err, len(resp.TagResources.TagResource))
	}
	many := append(slices.Clone(ids), "rm-x")
	req.ResourceId = &many
	_, err := c.ListTagResources(req)
	wantCode(t, err, "InvalidParameter", http.StatusBadRequest)
	req.ResourceId, req.ResourceType = &ids, "DISK"
	_, err = c.ListTagResources(req)
	wantCode(t, err, "InvalidResourceType.NotSupported", http.StatusBadRequest)
}

// TestDescribeRegionsAndStorage: the region list holds the fleet's
// regions; DBInstanceStorage is the inventory's storageGB or a seeded size.
func TestDescribeRegionsAndStorage(t *testing.T) {
	f := fleet()
	f[0].StorageGB = 750
	f = append(f, plans.Instance{ID: "rm-far", Region: "eu-central-1", Engine: "MySQL", EngineVersion: "5.7", Role: plans.RolePrimary})
	_, endpoint := rdssimtest.StartTestServer(t, f, rdssim.Options{})
	c := rdssimtest.NewClient(t, endpoint, "cn-hangzhou")
	resp, err := c.DescribeRegions(rds.CreateDescribeRegionsRequest())
	if err != nil {
		t.Fatal(err)
	}
	var regions []string
	for _, r := range resp.Regions.RDSRegion {
		regions = append(regions, r.RegionId)
	}
	for _, want := range []string{"cn-hangzhou", "cn-shenzhen", "eu-central-1"} {
		if !slices.Contains(regions, want) {
			t.Errorf("regions %v lack %s", regions, want)
		}
	}
	req := rds.CreateDescribeDBInstanceAttributeRequest()
	req.DBInstanceId = "rm-pay,rm-crm"
	attr, err := c.DescribeDBInstanceAttribute(req)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	for _, a := range attr.Items.DBInstanceAttribute {
		sizes[a.DBInstanceId] = a.DBInstanceStorage
	}
	if sizes["rm-pay"] != 750 || sizes["rm-crm"] <= 0 {
		t.Errorf("storage %v, want rm-pay 750 and rm-crm seeded", sizes)
	}
}
