package discover_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/discover"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

// serve seeds a simulator with insts and returns it and an Account that
// reaches it through the real SDK over loopback; wrap, when set, sits in
// front of the simulator (to fail some calls).
func serve(t testing.TB, insts []plans.Instance, opts rdssim.Options, wrap func(http.Handler) http.Handler) (*rdssim.Sim, discover.Account) {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret
	sim, err := rdssim.NewChecked(insts, opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := rdsapi.New(rdsapi.Config{Endpoint: srv.URL, Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret), MaxConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c.Discovery()
}

func load(t *testing.T, path string) *planner.Inventory {
	t.Helper()
	inv, err := planner.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// fast are options that keep retries quick in tests.
func fast(regions ...string) discover.Options {
	return discover.Options{Regions: regions, QPS: 5000, Backoff: time.Millisecond}
}

// stepShape is what must survive a round trip: the steps and their edges.
type stepShape struct {
	ID, Instance, Region, Role, From, To, Effective string
	DependsOn                                       []string
	Wave                                            int
}

func shape(t *testing.T, inv *planner.Inventory) []stepShape {
	t.Helper()
	p, err := planner.Build(inv)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]stepShape, len(p.Steps))
	for i, s := range p.Steps {
		out[i] = stepShape{s.ID, s.InstanceID, s.Region, s.Role, s.FromVersion, s.ToVersion, s.EffectiveTime, s.DependsOn, s.Wave}
	}
	return out
}

// TestRoundTrip: an account seeded from an inventory, discovered and
// written, plans to the same steps and edges as the inventory itself.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		doc     []byte
		regions []string
	}{
		{"example fleet (DR in another region)", must(os.ReadFile("../../testdata/fleet.yaml")), []string{"cn-beijing", "cn-hangzhou", "cn-shanghai"}},
		{"fleetgen 400 in 5 regions", fleetgen.YAML(400, 7), []string{"ap-southeast-1", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig, err := planner.Parse("orig.yaml", tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			_, acct := serve(t, orig.Instances, rdssim.Options{Seed: 1}, nil)
			res, err := discover.Discover(t.Context(), acct, fast(tt.regions...))
			if err != nil {
				t.Fatal(err)
			}
			found := res.InventoryInstances()
			person := map[string]plans.Instance{}
			for _, in := range orig.Instances {
				person[in.ID] = in
			}
			for i := range found { // what a person decides: target and effective time
				found[i].TargetVersion, found[i].EffectiveTime = person[found[i].ID].TargetVersion, person[found[i].ID].EffectiveTime
			}
			out := discover.Encode(found, discover.Header{Regions: res.Regions, At: time.Unix(0, 0), Version: "test"})
			back, err := planner.Parse("disc.yaml", out)
			if err != nil {
				t.Fatalf("the written inventory does not load: %v\n%s", err, out)
			}
			if got, want := shape(t, back), shape(t, orig); !reflect.DeepEqual(got, want) {
				t.Fatalf("steps differ after the round trip:\ngot  %v\nwant %v", got, want)
			}
			for _, in := range back.Instances {
				o := person[in.ID]
				if in.Status != o.Status || in.MaintainTime != o.MaintainTime || !reflect.DeepEqual(in.Tags, o.Tags) || in.StorageGB <= 0 {
					t.Errorf("%s: got %+v, want the facts of %+v and a storage size", in.ID, in, o)
				}
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestEncodeGolden: the YAML discovery writes for the example fleet, with
// and without a target version.
func TestEncodeGolden(t *testing.T) {
	orig := load(t, "../../testdata/fleet.yaml")
	_, acct := serve(t, orig.Instances, rdssim.Options{Seed: 1}, nil)
	o := fast("cn-hangzhou", "cn-shanghai")
	o.Filter.Engine = "MySQL"
	res, err := discover.Discover(t.Context(), acct, o)
	if err != nil {
		t.Fatal(err)
	}
	h := discover.Header{Source: "http://127.0.0.1:PORT", Regions: res.Regions, Filter: o.Filter,
		At: time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC), Version: "v0.0.0-test", Notes: res.Notes}
	out := discover.Encode(res.InventoryInstances(), h)
	golden.Check(t, "testdata/discovered-draft.golden.yaml", out)
	if _, err := planner.ParseDraft("d.yaml", out); err != nil {
		t.Errorf("draft does not load as a draft: %v", err)
	}
	_, err = planner.Parse("d.yaml", out)
	if err == nil || !strings.Contains(err.Error(), "targetVersion is not set") {
		t.Errorf("plan of a draft: %v, want the targetVersion message", err)
	}
	found := res.InventoryInstances()
	for i := range found {
		found[i].TargetVersion = "5.6"
	}
	out = discover.Encode(found, h)
	golden.Check(t, "testdata/discovered.golden.yaml", out)
	if _, err := planner.Parse("d.yaml", out); err != nil {
		t.Errorf("does not load: %v", err)
	}
}

// bigFleet: n/2 clusters of a primary and a read-only replica in region,
// every fourth cluster tagged env=prod.
func bigFleet(n int, region string) []plans.Instance {
	var out []plans.Instance
	for c := 0; len(out) < n; c++ {
		env := "dev"
		if c%4 == 0 {
			env = "prod"
		}
		p := fmt.Sprintf("rm-%s-%04d", region, c)
		base := plans.Instance{Region: region, Engine: "MySQL", EngineVersion: "5.7", Status: "Running", MaintainTime: "02:00Z-06:00Z",
			Tags: map[string]string{"env": env}}
		pr, ro := base, base
		pr.ID, pr.Role = p, plans.RolePrimary
		ro.ID, ro.Role, ro.Primary = fmt.Sprintf("rr-%s-%04d", region, c), plans.RoleReadOnly, p
		out = append(out, pr, ro)
	}
	return out[:n]
}

func countCalls(calls []rdssim.Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		out[c.Action]++
	}
	return out
}

// TestPagingAndBatches: 250 instances in each of two regions are read in
// pages of 100, attributes in batches of 30 and tags in batches of 50.
func TestPagingAndBatches(t *testing.T) {
	fleet := append(bigFleet(250, "cn-beijing"), bigFleet(250, "cn-hangzhou")...)
	sim, acct := serve(t, fleet, rdssim.Options{}, nil)
	res, err := discover.Discover(t.Context(), acct, fast("cn-hangzhou", "cn-beijing"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Instances) != 500 {
		t.Fatalf("found %d instances, want 500", len(res.Instances))
	}
	got := countCalls(sim.Calls())
	want := map[string]int{"DescribeDBInstances": 2 * 3, "DescribeDBInstanceAttribute": 2 * 9, "ListTagResources": 2 * 5}
	if !reflect.DeepEqual(got, want) || res.Calls != 34 {
		t.Errorf("calls %v (%d counted), want %v", got, res.Calls, want)
	}
}

// TestTagFilterAndLinks: --tag selects through the API's filter; links
// of read-only and disaster-recovery instances become primaries.
func TestTagFilterAndLinks(t *testing.T) {
	fleet := bigFleet(40, "cn-beijing")
	fleet = append(fleet, plans.Instance{ID: "rd-beijing-0000", Region: "cn-shanghai", Engine: "MySQL", EngineVersion: "5.7", Status: "Running",
		Role: plans.RoleDisasterRecovery, Primary: "rm-cn-beijing-0000", Tags: map[string]string{"env": "prod"}})
	sim, acct := serve(t, fleet, rdssim.Options{}, nil)
	o := fast("cn-beijing", "cn-shanghai")
	o.Filter.Tags = map[string]string{"env": "prod"}
	res, err := discover.Discover(t.Context(), acct, o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, in := range res.InventoryInstances() {
		got[in.ID] = in.Role + ">" + in.Primary
	}
	want := map[string]string{}
	for c := 0; c < 20; c += 4 {
		want[fmt.Sprintf("rm-cn-beijing-%04d", c)] = "primary>"
		want[fmt.Sprintf("rr-cn-beijing-%04d", c)] = "readonly>" + fmt.Sprintf("rm-cn-beijing-%04d", c)
	}
	want["rd-beijing-0000"] = "disaster-recovery>rm-cn-beijing-0000"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if n := countCalls(sim.Calls())["DescribeDBInstanceAttribute"]; n != 2 {
		t.Errorf("%d attribute calls: the tag filter should have been the API's (one batch per region)", n)
	}
}

// TestFailures: each failure ends discovery with a message that says what
// to do, and no result.
func TestFailures(t *testing.T) {
	fleet := append(bigFleet(10, "cn-beijing"), bigFleet(10, "cn-hangzhou")...)
	dr := plans.Instance{ID: "rd-x", Region: "cn-shanghai", Engine: "MySQL", EngineVersion: "5.7", Status: "Running",
		Role: plans.RoleDisasterRecovery, Primary: "rm-cn-hangzhou-0000", Tags: map[string]string{"env": "dev"}}
	fleet = append(fleet, dr)
	refuse := func(action, region string, status int, code string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				if r.Form.Get("Action") == action && (region == "" || r.Form.Get("RegionId") == region) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					fmt.Fprintf(w, `{"Code":%q,"Message":"refused by the test","RequestId":"T-1"}`, code)
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	tests := []struct {
		name string
		wrap func(http.Handler) http.Handler
		opts discover.Options
		is   error
		want []string
	}{
		{"one region failing", refuse("DescribeDBInstances", "cn-beijing", 503, "ServiceUnavailable"), fast("cn-beijing", "cn-hangzhou"),
			discover.ErrRetryable, []string{"region cn-beijing: list instances:", "ServiceUnavailable", "gave up after 8 attempts"}},
		{"access denied", refuse("ListTagResources", "", 403, "Forbidden.RAM"), fast("cn-hangzhou"),
			discover.ErrAccessDenied, []string{"lacks rds:ListTagResources", "AliyunRDSReadOnlyAccess"}},
		{"bad key", refuse("DescribeDBInstances", "", 404, "InvalidAccessKeyId.NotFound"), fast("cn-hangzhou"),
			discover.ErrCredentials, []string{"InvalidAccessKeyId.NotFound"}},
		{"region the service refuses", refuse("DescribeDBInstances", "cn-hangzhou", 400, "InvalidRegionId.Malformed"), fast("cn-hangzhou"),
			discover.ErrUnknownRegion, []string{"region cn-hangzhou: list instances: the service does not offer RDS in cn-hangzhou (check --region", "InvalidRegionId.Malformed"}},
		{"throttled for good", refuse("DescribeDBInstanceAttribute", "", 400, "Throttling.User"), func() discover.Options {
			o := fast("cn-hangzhou")
			o.Attempts = 3
			return o
		}(), discover.ErrRetryable, []string{"describe instances:", "Throttling.User", "gave up after 3 attempts"}},
		{"unknown region", nil, fast("cn-hangzou", "mars-1"),
			discover.ErrUnknownRegion, []string{`unknown region "cn-hangzou" (did you mean cn-hangzhou?)`, `unknown region "mars-1"`}},
		{"master in another region", nil, fast("cn-shanghai"),
			discover.ErrOutsideSelection, []string{"disaster-recovery instance rd-x (cn-shanghai) replicates from rm-cn-hangzhou-0000", "add --region cn-hangzhou"}},
		{"master outside the tag filter", nil, func() discover.Options {
			o := fast("cn-shanghai", "cn-hangzhou")
			o.Filter.Tags = map[string]string{"env": "dev"}
			return o
		}(), discover.ErrOutsideSelection, []string{"rd-x (cn-shanghai) replicates from rm-cn-hangzhou-0000", "does not match the filters (tag env=dev)"}},
		{"too many tags", nil, func() discover.Options {
			o := fast("cn-hangzhou")
			o.Filter.Tags = map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6"}
			return o
		}(), nil, []string{"6 --tag filters: the API filters on at most 5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, acct := serve(t, fleet, rdssim.Options{}, tt.wrap)
			res, err := discover.Discover(t.Context(), acct, tt.opts)
			if err == nil {
				t.Fatalf("discovery succeeded with %d instances; want an error", len(res.Instances))
			}
			if res != nil {
				t.Errorf("a partial result came back with the error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error is not %v: %v", tt.is, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestThrottlingIsRetried: a third of the calls throttled, discovery
// still reads every instance.
func TestThrottlingIsRetried(t *testing.T) {
	sim, acct := serve(t, bigFleet(300, "cn-beijing"), rdssim.Options{Seed: 3, Faults: rdssim.Faults{ThrottleRate: 0.3}}, nil)
	res, err := discover.Discover(t.Context(), acct, fast("cn-beijing"))
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for _, c := range sim.Calls() {
		if c.Outcome == "error:Throttling.User" {
			throttled++
		}
	}
	if len(res.Instances) != 300 || throttled == 0 {
		t.Fatalf("%d instances, %d throttled calls; want 300 and some throttling", len(res.Instances), throttled)
	}
}

// TestRateLimit: --qps bounds the call rate.
func TestRateLimit(t *testing.T) {
	_, acct := serve(t, bigFleet(60, "cn-beijing"), rdssim.Options{}, nil)
	o := fast("cn-beijing")
	o.QPS = 20 // 1 list + 2 attribute + 2 tag calls: the burst of 20 covers them; with 2 QPS they take ≥ 1.5s
	o.QPS = 2
	start := time.Now()
	if _, err := discover.Discover(context.Background(), acct, o); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 1400*time.Millisecond {
		t.Errorf("5 calls at 2 QPS took %v; want at least 1.5s", d)
	}
}

func TestMain(m *testing.M) {
	_ = os.MkdirAll(filepath.Join("testdata"), 0o755)
	os.Exit(m.Run())
}

// TestAllRegions: --all-regions reads the region list once and every
// region in it, the empty ones included.
func TestAllRegions(t *testing.T) {
	fleet := append(bigFleet(4, "cn-beijing"), bigFleet(2, "eu-central-1")...)
	sim, acct := serve(t, fleet, rdssim.Options{}, nil)
	res, err := discover.Discover(t.Context(), acct, discover.Options{AllRegions: true, QPS: 5000})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ap-southeast-1", "cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "eu-central-1"}
	if !reflect.DeepEqual(res.Regions, want) || len(res.Instances) != 6 {
		t.Fatalf("regions %v, %d instances; want %v and 6", res.Regions, len(res.Instances), want)
	}
	calls := countCalls(sim.Calls())
	if calls["DescribeRegions"] != 1 || calls["DescribeDBInstances"] != len(want) {
		t.Errorf("calls %v: want one DescribeRegions and one list per region", calls)
	}
}
