package rdssim_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// v3env is a simulator behind an optional request rewriter (to tamper with
// signed requests on the wire) and a darabonba-openapi client: the generic
// client the current Alibaba Cloud SDKs are built on, signing with
// ACS3-HMAC-SHA256.
type v3env struct {
	sim      *rdssim.Sim
	endpoint string // host:port
	client   *openapi.Client
}

func startV3(t *testing.T, opts rdssim.Options, tamper func(*http.Request)) *v3env {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret
	if opts.UpgradeDuration == 0 {
		opts.UpgradeDuration = 10 * time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = rdssim.NewManualClock(t0)
	}
	sim, err := rdssim.NewChecked(fleet(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tamper != nil {
			tamper(r)
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e := &v3env{sim: sim, endpoint: strings.TrimPrefix(srv.URL, "http://")}
	e.client = e.newClient(t, rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret)
	return e
}

func (e *v3env) newClient(t *testing.T, id, secret string) *openapi.Client {
	t.Helper()
	c, err := openapi.NewClient(&openapi.Config{
		AccessKeyId: tea.String(id), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(e.endpoint), Protocol: tea.String("HTTP"), RegionId: tea.String("cn-hangzhou"),
	})
	if err != nil {
		t.Fatalf("new darabonba-openapi client: %v", err)
	}
	return c
}

// call is CallApi of an RPC action: query parameters in the query string,
// form parameters in a form body, extra headers on top of the signed ones.
type call struct {
	action, method string
	bodyType       string // json (default) or string (the raw body)
	query, form    map[string]string
	headers        map[string]string
}

func (e *v3env) do(c *openapi.Client, k call) (map[string]any, error) {
	if k.method == "" {
		k.method = "POST"
	}
	req := &openapi.OpenApiRequest{Query: strs(k.query), Headers: strs(k.headers)}
	if k.form != nil {
		body := map[string]any{}
		for n, v := range k.form {
			body[n] = v
		}
		req.Body = body
	}
	if k.bodyType == "" {
		k.bodyType = "json"
	}
	params := &openapi.Params{
		Action: tea.String(k.action), Version: tea.String(rdssim.APIVersion), Protocol: tea.String("HTTP"),
		Pathname: tea.String("/"), Method: tea.String(k.method), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String(k.bodyType),
	}
	resp, err := c.CallApi(params, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	if k.bodyType == "string" {
		return map[string]any{"raw": resp["body"]}, nil
	}
	body, _ := resp["body"].(map[string]any)
	return body, nil
}

func strs(m map[string]string) map[string]*string {
	out := map[string]*string{}
	for k, v := range m {
		out[k] = tea.String(v)
	}
	return out
}

// wantV3Code asserts err is the SDK's error for an error body with code and
// HTTP status, and that the body had the service's shape.
func wantV3Code(t *testing.T, err error, code string, status int) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *tea.SDKError %s", err, err, code)
	}
	if tea.StringValue(se.Code) != code || tea.IntValue(se.StatusCode) != status {
		t.Fatalf("error = %s (HTTP %d): %s; want %s (HTTP %d)", tea.StringValue(se.Code), tea.IntValue(se.StatusCode),
			tea.StringValue(se.Message), code, status)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &body); err != nil {
		t.Fatalf("%s: error data %q: %v", code, tea.StringValue(se.Data), err)
	}
	for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if s, _ := body[k].(string); s == "" {
			t.Fatalf("%s: error body has no %s: %v", code, k, body)
		}
	}
}

func TestV3ListDescribeUpgrade(t *testing.T) {
	e := startV3(t, rdssim.Options{}, nil)

	// List, with the parameters in the query of a GET and of a POST.
	for _, method := range []string{"GET", "POST"} {
		body, err := e.do(e.client, call{action: "DescribeDBInstances", method: method,
			query: map[string]string{"RegionId": "cn-hangzhou", "PageSize": "100"}})
		if err != nil {
			t.Fatalf("%s DescribeDBInstances: %v", method, err)
		}
		if n := fmt.Sprint(body["TotalRecordCount"]); n != "5" {
			t.Fatalf("%s DescribeDBInstances: TotalRecordCount = %s, want 5 (cn-hangzhou): %v", method, n, body)
		}
	}

	// Describe, the id in a form body.
	body, err := e.do(e.client, call{action: "DescribeDBInstanceAttribute", form: map[string]string{"DBInstanceId": "rm-pay"}})
	if err != nil {
		t.Fatalf("DescribeDBInstanceAttribute: %v", err)
	}
	items := body["Items"].(map[string]any)["DBInstanceAttribute"].([]any)
	if a := items[0].(map[string]any); len(items) != 1 || a["DBInstanceId"] != "rm-pay" || a["EngineVersion"] != "5.5" {
		t.Fatalf("DescribeDBInstanceAttribute(rm-pay) = %v", items)
	}

	// Upgrade twice with one ClientToken: one task.
	var tasks []any
	for range 2 {
		body, err := e.do(e.client, call{action: "UpgradeDBInstanceEngineVersion", form: map[string]string{
			"DBInstanceId": "rm-crm", "EngineVersion": "5.6", "ClientToken": "v3-token", "EffectiveTime": "Immediate"}})
		if err != nil {
			t.Fatalf("UpgradeDBInstanceEngineVersion: %v", err)
		}
		tasks = append(tasks, body["TaskId"])
	}
	if tasks[0] == nil || tasks[0] != tasks[1] {
		t.Fatalf("task ids = %v, want one task twice", tasks)
	}
	calls := e.sim.Calls()
	if count(calls, "UpgradeDBInstanceEngineVersion", "rm-crm", "applied") != 1 ||
		count(calls, "UpgradeDBInstanceEngineVersion", "rm-crm", "deduplicated") != 1 {
		t.Fatalf("calls = %+v, want one applied and one deduplicated upgrade", calls)
	}
	if in, _ := e.sim.Instance("rm-crm"); in.Upgrades != 1 {
		t.Fatalf("rm-crm upgraded %d times, want 1", in.Upgrades)
	}
}

// replace rewrites the first old in s to new.
func replace(s, old, new string) string { return strings.Replace(s, old, new, 1) }

func TestV3SignatureFailures(t *testing.T) {
	describe := call{action: "DescribeDBInstanceAttribute", query: map[string]string{"DBInstanceId": "rm-pay"}}
	stale := time.Now().UTC().Add(-20 * time.Minute).Format("2006-01-02T15:04:05Z")
	tests := []struct {
		name         string
		id, secret   string
		opts         rdssim.Options
		tamper       func(*http.Request)
		call         call
		code         string
		status       int
		msgSubstring string
	}{
		{name: "wrong secret", secret: "not-the-secret", call: describe, code: "SignatureDoesNotMatch", status: 400,
			msgSubstring: "server string to sign is:ACS3-HMAC-SHA256"},
		{name: "unknown key", id: "LTAIsomeoneelse", call: describe, code: "InvalidAccessKeyId.NotFound", status: 404},
		{name: "tampered query", call: describe, code: "SignatureDoesNotMatch", status: 400, msgSubstring: "DBInstanceId=rm-crm",
			tamper: func(r *http.Request) { r.URL.RawQuery = replace(r.URL.RawQuery, "rm-pay", "rm-crm") }},
		{name: "tampered action header", call: describe, code: "SignatureDoesNotMatch", status: 400,
			tamper: func(r *http.Request) { r.Header.Set("x-acs-action", "DescribeDBInstances") }},
		{name: "tampered form body", status: 400, code: "SignatureDoesNotMatch", msgSubstring: "x-acs-content-sha256",
			call: call{action: "DescribeDBInstanceAttribute", form: map[string]string{"DBInstanceId": "rm-pay"}},
			tamper: func(r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				b = bytes.Replace(b, []byte("rm-pay"), []byte("rm-crm"), 1)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			}},
		{name: "unsigned x-acs header", call: describe, code: "IncompleteSignature", status: 400,
			tamper: func(r *http.Request) { r.Header.Set("x-acs-extra", "1") }},
		{name: "malformed authorization", call: describe, code: "IncompleteSignature", status: 400,
			tamper: func(r *http.Request) { r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential") }},
		{name: "unsupported algorithm", call: describe, code: "InvalidParameter", status: 400,
			tamper: func(r *http.Request) {
				r.Header.Set("Authorization", replace(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256", "ACS3-HMAC-SM3"))
			}},
		{name: "missing date", call: describe, code: "MissingParameter", status: 400,
			tamper: func(r *http.Request) { r.Header.Del("x-acs-date") }},
		{name: "stale date", code: "InvalidTimeStamp.Expired", status: 400,
			call: call{action: describe.action, query: describe.query, headers: map[string]string{"x-acs-date": stale}}},
		{name: "server clock ahead", call: describe, code: "InvalidTimeStamp.Expired", status: 400,
			opts: rdssim.Options{WallClock: func() time.Time { return time.Now().Add(16 * time.Minute) }}},
		{name: "malformed date", code: "InvalidTimeStamp.Format", status: 400,
			call: call{action: describe.action, query: describe.query, headers: map[string]string{"x-acs-date": "yesterday"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := startV3(t, tc.opts, tc.tamper)
			id, secret := rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret
			if tc.id != "" {
				id = tc.id
			}
			if tc.secret != "" {
				secret = tc.secret
			}
			_, err := e.do(e.newClient(t, id, secret), tc.call)
			wantV3Code(t, err, tc.code, tc.status)
			if tc.msgSubstring != "" && !strings.Contains(err.Error(), tc.msgSubstring) {
				t.Fatalf("message %q does not mention %s", err.Error(), tc.msgSubstring)
			}
			calls := e.sim.Calls()
			if len(calls) != 1 || calls[0].Outcome != "error:"+tc.code {
				t.Fatalf("calls = %+v, want one error:%s", calls, tc.code)
			}
		})
	}
}

func TestV3ReusedNonce(t *testing.T) {
	e := startV3(t, rdssim.Options{}, nil)
	k := call{action: "UpgradeDBInstanceEngineVersion", headers: map[string]string{"x-acs-signature-nonce": "nonce-once"},
		query: map[string]string{"DBInstanceId": "rm-crm", "EngineVersion": "5.6", "ClientToken": "tok"}}
	if _, err := e.do(e.client, k); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := e.do(e.client, k)
	wantV3Code(t, err, "SignatureNonceUsed", 400)
	calls := e.sim.Calls()
	if len(calls) != 2 || calls[0].Outcome != "applied" || calls[1].Outcome != "error:SignatureNonceUsed" {
		t.Fatalf("calls = %+v, want applied then error:SignatureNonceUsed", calls)
	}
}

// specialValues need every rule of the canonical query's percent-encoding.
var specialValues = []string{"a b", "a*b", "a~b", "a/b+c", "a&b=c", "é", "100%", "\"quoted\""}

// TestSignaturesWithSpecialCharacters: both schemes canonicalise awkward
// parameter values as the clients do, in the query and in a form body.
func TestSignaturesWithSpecialCharacters(t *testing.T) {
	e3 := startV3(t, rdssim.Options{}, nil)
	e1 := start(t, rdssim.Options{})
	for _, v := range specialValues {
		t.Run(v, func(t *testing.T) {
			q := map[string]string{"RegionId": "cn-hangzhou", "Engine": v}
			if _, err := e3.do(e3.client, call{action: "DescribeDBInstances", method: "GET", query: q}); err != nil {
				t.Errorf("v3 GET query: %v", err)
			}
			if _, err := e3.do(e3.client, call{action: "DescribeDBInstances", form: q}); err != nil {
				t.Errorf("v3 POST form: %v", err)
			}
			if _, err := e1.common(t, "GET", "JSON", "DescribeDBInstances", q, nil); err != nil {
				t.Errorf("v1 GET query: %v", err)
			}
			if _, err := e1.common(t, "POST", "JSON", "DescribeDBInstances", nil, q); err != nil {
				t.Errorf("v1 POST form: %v", err)
			}
		})
	}
}

func TestV3FormatXML(t *testing.T) {
	e := startV3(t, rdssim.Options{}, nil)
	body, err := e.do(e.client, call{action: "DescribeDBInstanceAttribute", bodyType: "string",
		query: map[string]string{"DBInstanceId": "rm-pay", "Format": "XML"}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := body["raw"].(string)
	var doc struct {
		XMLName xml.Name
		Items   struct {
			DBInstanceAttribute []struct{ DBInstanceId, EngineVersion string }
		}
	}
	if err := xml.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, raw)
	}
	if doc.XMLName.Local != "DescribeDBInstanceAttributeResponse" || len(doc.Items.DBInstanceAttribute) != 1 ||
		doc.Items.DBInstanceAttribute[0].DBInstanceId != "rm-pay" {
		t.Fatalf("XML answer = %+v\n%s", doc, raw)
	}
}
