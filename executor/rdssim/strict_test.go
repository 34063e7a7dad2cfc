package rdssim_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

// rawCall signs params (RPC signature, HMAC-SHA1, written out here rather
// than through the SDK, which always adds RegionId) and POSTs them; it
// returns the HTTP status and the decoded body.
func rawCall(t *testing.T, endpoint string, params map[string]string) (int, map[string]any) {
	t.Helper()
	v := url.Values{}
	for k, val := range map[string]string{
		"Format": "JSON", "Version": rdssim.APIVersion, "AccessKeyId": rdssimtest.AccessKeyID,
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": strconv.FormatInt(time.Now().UnixNano(), 36),
		"Timestamp":      time.Now().UTC().Format("2006-01-02T15:04:05Z"),
	} {
		v.Set(k, val)
	}
	for k, val := range params {
		v.Set(k, val)
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	enc := func(s string) string {
		return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
	}
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, enc(k)+"="+enc(v.Get(k)))
	}
	mac := hmac.New(sha1.New, []byte(rdssimtest.AccessKeySecret+"&"))
	mac.Write([]byte("POST&%2F&" + enc(strings.Join(pairs, "&"))))
	v.Set("Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := http.PostForm(endpoint+"/", v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return resp.StatusCode, body
}

// manyFleet is n Running primaries in cn-hangzhou.
func manyFleet(n int) []plans.Instance {
	out := make([]plans.Instance, n)
	for i := range out {
		out[i] = plans.Instance{ID: fmt.Sprintf("rm-%03d", i), Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.5",
			Role: plans.RolePrimary, Status: "Running", MaintainTime: "00:00Z-23:59Z"}
	}
	return out
}

func ids(n int) string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("rm-%03d", i))
	}
	return strings.Join(out, ",")
}

// TestParametersLikeTheService pins the service's limits: required
// parameters, page sizes and id-list lengths, per action.
func TestParametersLikeTheService(t *testing.T) {
	clock := rdssim.NewManualClock(t0)
	sim, endpoint := rdssimtest.StartTestServer(t, manyFleet(40), rdssim.Options{Clock: clock, UpgradeDuration: time.Hour})
	client := rdssimtest.NewClient(t, endpoint, "cn-hangzhou")
	for i := range 31 {
		req := rdssimtest.UpgradeRequest(fmt.Sprintf("rm-%03d", i), "5.6", fmt.Sprintf("tok-%d", i))
		if _, err := client.UpgradeDBInstanceEngineVersion(req); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Minute)
	hist := func(extra map[string]string) map[string]string {
		p := map[string]string{"RegionId": "cn-hangzhou", "FromStartTime": "2026-01-05T00:00:00Z", "ToStartTime": "2026-01-06T00:00:00Z"}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	tests := []struct {
		name   string
		action string
		params map[string]string
		code   string // "" for success
		status int
		count  string // for success: the JSON field counting this page's items
		want   int
	}{
		{"instances without RegionId", "DescribeDBInstances", map[string]string{}, "MissingRegionId", 400, "", 0},
		{"instances default page of 30", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou"}, "", 200, "PageRecordCount", 30},
		{"instances page size 1", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou", "PageSize": "1"}, "", 200, "PageRecordCount", 1},
		{"instances page size 100", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou", "PageSize": "100"}, "", 200, "PageRecordCount", 40},
		{"instances page size 0", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou", "PageSize": "0"}, "InvalidPageSize.Malformed", 400, "", 0},
		{"instances page size 101", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou", "PageSize": "101"}, "InvalidPageSize.Malformed", 400, "", 0},
		{"instances page size not a number", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou", "PageSize": "ten"}, "InvalidPageSize.Malformed", 400, "", 0},
		{"attribute of 30 ids", "DescribeDBInstanceAttribute", map[string]string{"RegionId": "cn-hangzhou", "DBInstanceId": ids(30)}, "", 200, "", 0},
		{"attribute of 31 ids", "DescribeDBInstanceAttribute", map[string]string{"RegionId": "cn-hangzhou", "DBInstanceId": ids(31)}, "InvalidParameter", 400, "", 0},
		{"attribute without id", "DescribeDBInstanceAttribute", map[string]string{"RegionId": "cn-hangzhou"}, "MissingDBInstanceId", 400, "", 0},
		{"tasks page size 30", "DescribeTasks", map[string]string{"RegionId": "cn-hangzhou", "DBInstanceId": "rm-000", "PageSize": "30"}, "", 200, "PageRecordCount", 1},
		{"tasks page size 100", "DescribeTasks", map[string]string{"RegionId": "cn-hangzhou", "DBInstanceId": "rm-000", "PageSize": "100"}, "", 200, "PageRecordCount", 1},
		{"tasks page size 29", "DescribeTasks", map[string]string{"RegionId": "cn-hangzhou", "DBInstanceId": "rm-000", "PageSize": "29"}, "InvalidPageSize.Malformed", 400, "", 0},
		{"tasks page size 101", "DescribeTasks", map[string]string{"RegionId": "cn-hangzhou", "DBInstanceId": "rm-000", "PageSize": "101"}, "InvalidPageSize.Malformed", 400, "", 0},
		{"history default page of 10", "DescribeHistoryTasks", hist(nil), "", 200, "PageSize", 10},
		{"history page size 100", "DescribeHistoryTasks", hist(map[string]string{"PageSize": "100"}), "", 200, "TotalCount", 31},
		{"history page size 9", "DescribeHistoryTasks", hist(map[string]string{"PageSize": "9"}), "InvalidPageSize.Malformed", 400, "", 0},
		{"history page size 101", "DescribeHistoryTasks", hist(map[string]string{"PageSize": "101"}), "InvalidPageSize.Malformed", 400, "", 0},
		{"history without FromStartTime", "DescribeHistoryTasks", hist(map[string]string{"FromStartTime": ""}), "MissingFromStartTime", 400, "", 0},
		{"history without ToStartTime", "DescribeHistoryTasks", hist(map[string]string{"ToStartTime": ""}), "MissingToStartTime", 400, "", 0},
		{"history with a malformed time", "DescribeHistoryTasks", hist(map[string]string{"FromStartTime": "2026-01-05 00:00"}), "InvalidParameter", 400, "", 0},
		{"history with the range reversed", "DescribeHistoryTasks", hist(map[string]string{"ToStartTime": "2026-01-04T00:00:00Z"}), "InvalidParameter", 400, "", 0},
		{"history range before every task", "DescribeHistoryTasks", hist(map[string]string{"ToStartTime": "2026-01-05T09:00:00Z"}), "", 200, "TotalCount", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]string{"Action": tc.action}
			for k, v := range tc.params {
				if v != "" {
					p[k] = v
				}
			}
			status, body := rawCall(t, endpoint, p)
			if status != tc.status || (tc.code != "" && body["Code"] != tc.code) {
				t.Fatalf("HTTP %d %v, want %d %q", status, body, tc.status, tc.code)
			}
			if tc.code == "" && tc.count != "" && body[tc.count] != float64(tc.want) {
				t.Fatalf("%s = %v, want %d", tc.count, body[tc.count], tc.want)
			}
		})
	}
	if n := count(sim.Calls(), "DescribeDBInstances", "", "error:MissingRegionId"); n != 1 {
		t.Fatalf("call log has %d MissingRegionId calls, want 1", n)
	}
}

// TestSDKRequestsPassTheChecks: what the SDK sends by default (RegionId
// from the client, no PageSize) is accepted by every describe action.
func TestSDKRequestsPassTheChecks(t *testing.T) {
	e := start(t, rdssim.Options{})
	for _, action := range []struct {
		name   string
		params map[string]string
	}{
		{"DescribeDBInstances", map[string]string{}},
		{"DescribeDBInstanceAttribute", map[string]string{"DBInstanceId": "rm-pay"}},
		{"DescribeTasks", map[string]string{"DBInstanceId": "rm-pay"}},
	} {
		req := requests.NewCommonRequest()
		req.Method, req.Product, req.Version, req.ApiName = requests.POST, "Rds", rdssim.APIVersion, action.name
		req.QueryParams = action.params
		if _, err := e.client.ProcessCommonRequest(req); err != nil {
			t.Errorf("%s: %v", action.name, err)
		}
	}
}
