package executor_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// answerFirst answers the first n UpgradeDBInstanceEngineVersion calls for
// one instance with an error of the service (status, code) without passing
// them on; every other call goes to the simulator.
type answerFirst struct {
	base     http.RoundTripper
	instance string
	status   int
	code     string

	mu   sync.Mutex
	left int
	seen int
}

func (a *answerFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	if q.Get("Action") == "UpgradeDBInstanceEngineVersion" && q.Get("DBInstanceId") == a.instance {
		a.mu.Lock()
		intercept := a.left > 0
		if intercept {
			a.left--
			a.seen++
		}
		a.mu.Unlock()
		if intercept {
			body := fmt.Sprintf(`{"Code":%q,"Message":"answered by the test","RequestId":"R-%d"}`, a.code, a.seen)
			return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		}
	}
	return a.base.RoundTrip(r)
}

// TestServiceCodesDriveRetries: codes of the throttling family and "try
// again later" refusals are retried until the upgrade is accepted (once);
// an unsupported version fails the step at once.
func TestServiceCodesDriveRetries(t *testing.T) {
	tests := []struct {
		status  int
		code    string
		first   int // calls answered with the code
		succeed bool
	}{
		{400, "Throttling", 3, true},
		{400, "Throttling.User", 3, true},
		{400, "Throttling.Api", 3, true},
		{400, "Rejected.Throttling", 3, true},
		{429, "TooManyRequests", 3, true},
		{400, "InvalidOrderTask.NotSupport", 3, true},
		{403, "UnsupportedReadOrBakReadState", 2, true},
		{403, "IncorrectEngineVersion", 1, false},
		{403, "IncorrectDBInstanceLockMode", 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			p := examplePlan(t)
			sim, endpoint := rdssimtest.StartTestServer(t, p.Instances, rdssim.Options{DurationFor: durationOf})
			tr := &answerFirst{base: http.DefaultTransport.(*http.Transport).Clone(), instance: "rm-crm-db",
				status: tc.status, code: tc.code, left: tc.first}
			cloud, err := rdsapi.New(rdsapi.Config{Endpoint: endpoint, Transport: tr, Timeout: 2 * time.Second,
				Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret)})
			if err != nil {
				t.Fatal(err)
			}
			opts := fastOptions()
			opts.KeepGoing = true
			res, err := apply(t, t.Context(), writePlan(t, p), cloud, opts)
			if err != nil {
				t.Fatal(err)
			}
			if tr.seen != tc.first {
				t.Fatalf("%d calls answered with %s, want %d", tr.seen, tc.code, tc.first)
			}
			calls := upgradeCalls(sim)["rm-crm-db"]
			for _, s := range res.Steps {
				if s.Instance != "rm-crm-db" {
					if s.State != Succeeded {
						t.Errorf("%s = %s (%s): another instance was affected", s.Instance, s.State, s.Detail)
					}
					continue
				}
				switch {
				case tc.succeed && (s.State != Succeeded || len(calls) != 1 || calls[0].Outcome != "applied"):
					t.Errorf("rm-crm-db = %s (%s), simulator calls %+v; want retried until applied once", s.State, s.Detail, calls)
				case !tc.succeed && (s.State != Failed || len(calls) != 0 || !strings.Contains(s.Detail, tc.code)):
					t.Errorf("rm-crm-db = %s (%s), simulator calls %+v; want failed at once naming %s", s.State, s.Detail, calls, tc.code)
				}
			}
		})
	}
}
