package rdsapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// listService stands in front of the simulator for a service that does not
// honour DBInstanceId lists: it either answers only the first id of a list
// (firstOnly) or refuses lists with InvalidParameter.
type listService struct {
	base      http.RoundTripper
	firstOnly bool
	lists     atomic.Int32 // list calls seen
}

func (l *listService) RoundTrip(r *http.Request) (*http.Response, error) {
	ids := r.URL.Query().Get("DBInstanceId")
	isList := r.URL.Query().Get("Action") == "DescribeDBInstanceAttribute" && strings.Contains(ids, ",")
	if isList {
		l.lists.Add(1)
	}
	if isList && !l.firstOnly {
		body := `{"Code":"InvalidParameter","Message":"DBInstanceId takes one id.","RequestId":"R-list"}`
		return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
	resp, err := l.base.RoundTrip(r)
	if err != nil || !isList {
		return resp, err
	}
	var v map[string]any
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(raw, &v) == nil {
		if items, ok := v["Items"].(map[string]any); ok {
			if list, ok := items["DBInstanceAttribute"].([]any); ok && len(list) > 1 {
				items["DBInstanceAttribute"] = list[:1]
				raw, _ = json.Marshal(v)
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	resp.ContentLength = int64(len(raw))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func TestDescribeDoesNotDependOnLists(t *testing.T) {
	for _, tc := range []struct {
		name       string
		firstOnly  bool
		wantLists2 int32 // list calls of the second Describe
	}{
		{"service answers the first id of a list", true, 1},
		{"service refuses lists", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, endpoint := rdssimtest.StartTestServer(t, fleet(), rdssim.Options{UpgradeDuration: time.Hour})
			ls := &listService{base: http.DefaultTransport.(*http.Transport).Clone(), firstOnly: tc.firstOnly}
			c, err := rdsapi.New(rdsapi.Config{Endpoint: endpoint, Transport: ls, Timeout: 2 * time.Second,
				Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret)})
			if err != nil {
				t.Fatal(err)
			}
			for round := 1; round <= 2; round++ {
				before := ls.lists.Load()
				got, err := c.Describe(t.Context(), "cn-hangzhou", []string{"rm-a", "rm-b"})
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if len(got) != 2 || got["rm-a"].Status != "Running" || got["rm-b"].Status != "Running" {
					t.Fatalf("round %d: describe = %+v, want rm-a and rm-b", round, got)
				}
				if round == 2 && ls.lists.Load()-before != tc.wantLists2 {
					t.Errorf("second round sent %d list calls, want %d", ls.lists.Load()-before, tc.wantLists2)
				}
			}
			if n := len(sim.Calls()); n > 6 {
				t.Errorf("%d calls for two rounds of two ids", n)
			}
		})
	}
}
