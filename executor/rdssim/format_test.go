package rdssim_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/responses"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/internal/golden"
)

// common sends one RPC action through the classic SDK's generic request.
func (e *env) common(t *testing.T, method, format, action string, query, form map[string]string) (*responses.CommonResponse, error) {
	t.Helper()
	req := requests.NewCommonRequest()
	req.Method = method
	req.Product = "Rds"
	req.Version = rdssim.APIVersion
	req.ApiName = action
	req.AcceptFormat = format
	req.QueryParams, req.FormParams = map[string]string{}, map[string]string{}
	maps.Copy(req.QueryParams, query)
	maps.Copy(req.FormParams, form)
	return e.client.ProcessCommonRequest(req)
}

// TestXMLResponses pins Format=XML bodies (a result and an error) as the
// classic SDK receives them; regenerate with go test -update.
func TestXMLResponses(t *testing.T) {
	e := start(t, rdssim.Options{Seed: 1})
	tests := []struct {
		name, action string
		query        map[string]string
		root, code   string
	}{
		{"describe-attribute", "DescribeDBInstanceAttribute", map[string]string{"DBInstanceId": "rm-pay,rd-pay"}, "DescribeDBInstanceAttributeResponse", ""},
		{"describe-instances-empty", "DescribeDBInstances", map[string]string{"RegionId": "cn-beijing"}, "DescribeDBInstancesResponse", ""},
		{"error-not-found", "DescribeDBInstanceAttribute", map[string]string{"DBInstanceId": "rm-nope"}, "Error", "InvalidDBInstanceId.NotFound"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.common(t, requests.POST, "XML", tc.action, tc.query, nil)
			var se *sdkerrors.ServerError
			if (err != nil) != (tc.code != "") || err != nil && !errors.As(err, &se) {
				t.Fatalf("err = %v, want code %q", err, tc.code)
			}
			raw := resp.GetHttpContentBytes()
			if ct := resp.GetHttpHeaders()["Content-Type"]; len(ct) != 1 || !strings.HasPrefix(ct[0], "text/xml") {
				t.Fatalf("Content-Type = %v, want text/xml", ct)
			}
			var doc struct {
				XMLName   xml.Name
				RequestId string
				HostId    string
				Code      string
			}
			if err := xml.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("not XML: %v\n%s", err, raw)
			}
			if doc.XMLName.Local != tc.root || doc.RequestId == "" || doc.Code != tc.code || (tc.code != "") != (doc.HostId != "") {
				t.Fatalf("root %s, RequestId %q, Code %q, HostId %q; want root %s, code %q\n%s",
					doc.XMLName.Local, doc.RequestId, doc.Code, doc.HostId, tc.root, tc.code, raw)
			}
			golden.Check(t, filepath.Join("testdata", "xml-"+tc.name+".golden.xml"), raw)
		})
	}
}

// TestV1GetAndFormBody: a v1-signed request may carry its parameters in
// the query of a GET, or in a form body of a POST.
func TestV1GetAndFormBody(t *testing.T) {
	e := start(t, rdssim.Options{})
	tests := []struct {
		name, method string
		query, form  map[string]string
	}{
		{"GET query", requests.GET, map[string]string{"DBInstanceId": "rm-pay"}, nil},
		{"POST query", requests.POST, map[string]string{"DBInstanceId": "rm-pay"}, nil},
		{"POST form body", requests.POST, nil, map[string]string{"DBInstanceId": "rm-pay"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := e.common(t, tc.method, "JSON", "DescribeDBInstanceAttribute", tc.query, tc.form)
			if err != nil {
				t.Fatal(err)
			}
			if s := resp.GetHttpContentString(); !strings.Contains(s, `"DBInstanceId":"rm-pay"`) {
				t.Fatalf("response does not describe rm-pay: %s", s)
			}
		})
	}
}

// TestMalformedRequests: requests no client should send are refused with
// the service's error body, never a panic or a bare HTTP error.
func TestMalformedRequests(t *testing.T) {
	e := start(t, rdssim.Options{})
	tests := []struct {
		name, method, query, contentType, body string
		header                                 map[string]string
		code                                   string
	}{
		{"malformed query", "GET", "Action=DescribeDBInstances&x=%zz", "", "", nil, "InvalidParameter"},
		{"malformed form body", "POST", "", "application/x-www-form-urlencoded", "a=%zz", nil, "InvalidParameter"},
		{"body over 1 MiB", "POST", "", "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", 1<<20), nil, "InvalidParameter"},
		{"no signature", "GET", "Action=DescribeDBInstances&Version=2014-08-15", "", "", nil, "IncompleteSignature"},
		{"other Authorization scheme", "GET", "Action=DescribeDBInstances", "", "", map[string]string{"Authorization": "Bearer x"}, "IncompleteSignature"},
		{"v3 without headers", "GET", "", "", "", map[string]string{"Authorization": "ACS3-HMAC-SHA256 Credential=k,SignedHeaders=host,Signature=00"}, "MissingParameter"},
		{"XML error", "GET", "Format=XML", "", "", nil, "IncompleteSignature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.endpoint+"/?"+tc.query, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body struct {
				RequestId, HostId, Code, Message, Recommend string
			}
			if strings.Contains(tc.query, "Format=XML") {
				err = xml.Unmarshal(raw, &body)
			} else {
				err = json.Unmarshal(raw, &body)
			}
			if err != nil || resp.StatusCode != 400 || body.Code != tc.code || body.RequestId == "" || body.HostId == "" ||
				body.Message == "" || body.Recommend == "" {
				t.Fatalf("HTTP %d %s (%v), want 400 with a full %s error body", resp.StatusCode, raw, err, tc.code)
			}
		})
	}
}
