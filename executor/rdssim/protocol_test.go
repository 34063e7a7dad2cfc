package rdssim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

func TestAuthentication(t *testing.T) {
	e := start(t, rdssim.Options{})
	tests := []struct {
		name, id, secret string
		code             string
		status           int
	}{
		{"wrong secret", rdssimtest.AccessKeyID, "not-the-secret", "SignatureDoesNotMatch", 400},
		{"unknown key", "LTAIsomeoneelse", rdssimtest.AccessKeySecret, "InvalidAccessKeyId.NotFound", 404},
		{"empty secret", rdssimtest.AccessKeyID, "x", "SignatureDoesNotMatch", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rdssimtest.NewClientWithKey(t, e.endpoint, "cn-hangzhou", tc.id, tc.secret)
			req := rds.CreateDescribeDBInstanceAttributeRequest()
			req.DBInstanceId = "rm-pay"
			_, err := c.DescribeDBInstanceAttribute(req)
			wantCode(t, err, tc.code, tc.status)
		})
	}
	// Nothing was carried out, everything was logged.
	calls := e.sim.Calls()
	if len(calls) != len(tests) {
		t.Fatalf("%d calls logged, want %d", len(calls), len(tests))
	}
	if calls[0].Outcome != "error:SignatureDoesNotMatch" || calls[1].Outcome != "error:InvalidAccessKeyId.NotFound" {
		t.Errorf("outcomes = %q, %q", calls[0].Outcome, calls[1].Outcome)
	}
}

func TestSignatureMismatchTellsTheServerStringToSign(t *testing.T) {
	e := start(t, rdssim.Options{})
	c := rdssimtest.NewClientWithKey(t, e.endpoint, "cn-hangzhou", rdssimtest.AccessKeyID, "bad")
	_, err := c.DescribeDBInstances(rds.CreateDescribeDBInstancesRequest())
	wantCode(t, err, "SignatureDoesNotMatch", 400)
	// The SDK compares our string to sign with its own: equal means the
	// canonicalisation matches and only the secret is wrong.
	if got := err.(interface{ Recommend() string }).Recommend(); got != "InvalidAccessKeySecret: Please check you AccessKeySecret" {
		t.Fatalf("SDK recommendation = %q: the simulator's string to sign differs from the SDK's", got)
	}
}

// replayTransport sends every request twice and returns the second answer.
type replayTransport struct{ base http.RoundTripper }

func (rt replayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	first := r.Clone(r.Context())
	first.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := rt.base.RoundTrip(first)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	second := r.Clone(r.Context())
	second.Body = io.NopCloser(bytes.NewReader(body))
	return rt.base.RoundTrip(second)
}

func TestReusedNonceIsRefused(t *testing.T) {
	e := start(t, rdssim.Options{})
	e.client.SetTransport(replayTransport{http.DefaultTransport})
	_, err := e.upgrade("rm-crm", "5.6", "tok")
	wantCode(t, err, "SignatureNonceUsed", 400)
	calls := e.sim.Calls()
	if len(calls) != 2 || calls[0].Outcome != "applied" || calls[1].Outcome != "error:SignatureNonceUsed" {
		t.Fatalf("calls = %+v, want applied then error:SignatureNonceUsed", calls)
	}
}

func TestUnknownActionAndVersion(t *testing.T) {
	e := start(t, rdssim.Options{})
	tests := []struct {
		name, action, version, code string
		status                      int
	}{
		{"unknown action", "DeleteDBInstance", rdssim.APIVersion, "InvalidAction.NotFound", 404},
		{"unknown version", "DescribeDBInstances", "2099-01-01", "InvalidVersion", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := requests.NewCommonRequest()
			req.Method = requests.POST
			req.Product = "Rds"
			req.Version = tc.version
			req.ApiName = tc.action
			_, err := e.client.ProcessCommonRequest(req)
			wantCode(t, err, tc.code, tc.status)
		})
	}
}

func TestObservationEndpoints(t *testing.T) {
	e := start(t, rdssim.Options{})
	if _, err := e.upgrade("rm-crm", "5.6", "tok-1"); err != nil {
		t.Fatal(err)
	}
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(e.endpoint + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var calls []map[string]any
	get("/_sim/calls", &calls)
	if len(calls) != 1 || calls[0]["action"] != "UpgradeDBInstanceEngineVersion" || calls[0]["outcome"] != "applied" ||
		calls[0]["instanceId"] != "rm-crm" || calls[0]["clientToken"] != "tok-1" || calls[0]["time"] == nil {
		t.Fatalf("/_sim/calls = %v", calls)
	}
	var inst []map[string]any
	get("/_sim/instances", &inst)
	if len(inst) != len(fleet()) {
		t.Fatalf("/_sim/instances has %d entries, want %d", len(inst), len(fleet()))
	}
	for _, in := range inst {
		if in["id"] == "rm-crm" && (in["status"] != "EngineVersionUpgrading" || in["engineVersion"] != "5.5") {
			t.Fatalf("rm-crm = %v", in)
		}
	}
	resp, err := http.Post(e.endpoint+"/_sim/calls", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /_sim/calls: %s, want 405", resp.Status)
	}
}

func TestTimestampSkew(t *testing.T) {
	tests := []struct {
		name string
		skew time.Duration // how far the server's wall clock is from the client's
		code string
	}{
		{"within 15 minutes", 14 * time.Minute, ""},
		{"server ahead", 16 * time.Minute, "InvalidTimeStamp.Expired"},
		{"server behind", -16 * time.Minute, "InvalidTimeStamp.Expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, rdssim.Options{WallClock: func() time.Time { return time.Now().Add(tc.skew) }})
			_, err := e.client.DescribeDBInstances(rds.CreateDescribeDBInstancesRequest())
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code, 400)
		})
	}
}
