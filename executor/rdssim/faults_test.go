package rdssim_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

func TestThrottleAndServerErrors(t *testing.T) {
	tests := []struct {
		name   string
		faults rdssim.Faults
		codes  map[string]int // acceptable code → status
	}{
		{"throttle", rdssim.Faults{ThrottleRate: 1}, map[string]int{"Throttling.User": 400}},
		{"5xx", rdssim.Faults{ServerErrorRate: 1}, map[string]int{"ServiceUnavailable": 503, "InternalError": 500}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, rdssim.Options{Faults: tc.faults})
			seen := map[string]bool{}
			for i := range 20 {
				_, err := e.upgrade("rm-crm", "5.6", fmt.Sprint("tok-", i))
				var se *sdkerrors.ServerError
				if !errors.As(err, &se) {
					t.Fatalf("call %d: %v, want a ServerError", i, err)
				}
				if st, ok := tc.codes[se.ErrorCode()]; !ok || st != se.HttpStatus() {
					t.Fatalf("call %d: %s (HTTP %d), want one of %v", i, se.ErrorCode(), se.HttpStatus(), tc.codes)
				}
				seen[se.ErrorCode()] = true
			}
			if len(seen) != len(tc.codes) {
				t.Errorf("codes seen %v, want all of %v", seen, tc.codes)
			}
			if v, _ := e.sim.Instance("rm-crm"); v.Upgrades != 0 {
				t.Fatalf("refused calls carried out %d upgrades", v.Upgrades)
			}
		})
	}
}

func TestThrottleQPSOnTheSimClock(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{ThrottleQPS: 2}})
	try := func() string {
		_, err := e.client.DescribeDBInstances(rds.CreateDescribeDBInstancesRequest())
		if err == nil {
			return "ok"
		}
		var se *sdkerrors.ServerError
		if errors.As(err, &se) {
			return se.ErrorCode()
		}
		return err.Error()
	}
	var got []string
	for range 3 {
		got = append(got, try())
	}
	e.clock.Advance(500 * time.Millisecond)
	got = append(got, try(), try())
	want := []string{"ok", "ok", "Throttling.User", "ok", "Throttling.User"}
	if !slices.Equal(got, want) {
		t.Fatalf("outcomes = %v, want %v", got, want)
	}
}

// outcomes runs a fixed script of calls and returns the log's outcomes.
func outcomes(t *testing.T, seed int64, order []string) []string {
	t.Helper()
	e := start(t, rdssim.Options{Seed: seed, Faults: rdssim.Faults{
		ThrottleRate: 0.2, ServerErrorRate: 0.2, DropResponseRate: 0.2,
		DropActions: []string{"DescribeDBInstanceAttribute"},
	}})
	for _, id := range order {
		r := rds.CreateDescribeDBInstanceAttributeRequest()
		r.DBInstanceId = id
		_, _ = e.client.DescribeDBInstanceAttribute(r)
	}
	var out []string
	for _, c := range e.sim.Calls() {
		s := c.InstanceID + ":" + c.Outcome
		if c.Dropped {
			s += "(dropped)"
		}
		out = append(out, s)
	}
	return out
}

func perInstance(log []string) map[string][]string {
	m := map[string][]string{}
	for _, s := range log {
		id, _, _ := strings.Cut(s, ":")
		m[id] = append(m[id], s)
	}
	return m
}

func TestFaultsReplayFromSeed(t *testing.T) {
	var seq []string
	for range 15 {
		seq = append(seq, "rm-pay", "rm-crm")
	}
	a := outcomes(t, 42, seq)
	b := outcomes(t, 42, seq)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	faulty := 0
	for _, s := range a {
		if !strings.HasSuffix(s, ":ok") {
			faulty++
		}
	}
	if faulty == 0 || faulty == len(a) {
		t.Fatalf("%d of %d calls faulted; the rates should give some of each", faulty, len(a))
	}
	if c := outcomes(t, 43, seq); slices.Equal(a, c) {
		t.Fatalf("seeds 42 and 43 gave the same %d outcomes", len(a))
	}
	// Interleaving does not matter: each instance sees the same faults.
	var grouped []string
	for range 15 {
		grouped = append(grouped, "rm-crm")
	}
	for range 15 {
		grouped = append(grouped, "rm-pay")
	}
	g := perInstance(outcomes(t, 42, grouped))
	p := perInstance(a)
	for id := range p {
		if !slices.Equal(p[id], g[id]) {
			t.Fatalf("%s: interleaved %v, grouped %v", id, p[id], g[id])
		}
	}
}

func TestDroppedResponseThenRetry(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{
		DropResponseRate: 1, DropActions: []string{"UpgradeDBInstanceEngineVersion"},
	}})
	_, err := e.upgrade("rm-crm", "5.6", "step-token")
	var se *sdkerrors.ServerError
	if err == nil || errors.As(err, &se) {
		t.Fatalf("dropped response: err = %v, want a transport error", err)
	}
	// The upgrade happened although the client never heard of it.
	if st, _ := e.state(t, "rm-crm"); st != "EngineVersionUpgrading" {
		t.Fatalf("after the dropped call rm-crm is %s", st)
	}
	e.sim.SetFaults(rdssim.Faults{})
	resp, err := e.upgrade("rm-crm", "5.6", "step-token")
	if err != nil {
		t.Fatalf("retry with the same token: %v", err)
	}
	calls := e.sim.Calls()
	up := slices.DeleteFunc(calls, func(c rdssim.Call) bool { return c.Action != "UpgradeDBInstanceEngineVersion" })
	if len(up) != 2 || up[0].Outcome != "applied" || !up[0].Dropped || up[1].Outcome != "deduplicated" ||
		up[1].TaskID != up[0].TaskID || resp.TaskId != up[0].TaskID {
		t.Fatalf("upgrade calls = %+v, want applied(dropped) then deduplicated with one TaskId", up)
	}
	e.clock.Advance(10 * time.Minute)
	if v, _ := e.sim.Instance("rm-crm"); v.Upgrades != 1 || v.EngineVersion != "5.6" {
		t.Fatalf("rm-crm = %+v, want exactly one upgrade to 5.6", v)
	}
}

func TestLatency(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{Latency: 30 * time.Millisecond}})
	began := time.Now()
	e.attr(t, "rm-crm")
	if d := time.Since(began); d < 30*time.Millisecond {
		t.Fatalf("call took %s, want at least 30ms", d)
	}
}

func TestFailUpgradeRateIsSeeded(t *testing.T) {
	failed := func(seed int64) []string {
		e := start(t, rdssim.Options{Seed: seed, Faults: rdssim.Faults{FailUpgradeRate: 0.5}})
		ids := []string{"rr-pay-1", "rr-pay-2", "rd-pay", "rm-crm"}
		for _, id := range ids {
			if _, err := e.upgrade(id, "5.6", "t-"+id); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(10 * time.Minute)
		var out []string
		for _, v := range e.sim.Instances() {
			if v.LastTask == "Failed" {
				if v.EngineVersion != "5.5" || v.Status != "Running" {
					t.Fatalf("%s failed but is %s on %s", v.ID, v.Status, v.EngineVersion)
				}
				out = append(out, v.ID)
			}
		}
		return out
	}
	a, b := failed(7), failed(7)
	if !slices.Equal(a, b) {
		t.Fatalf("seed 7 failed %v then %v", a, b)
	}
}

func TestDrift(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{Drift: []rdssim.Drift{
		{ID: "rm-crm", After: time.Minute, Status: "Restarting", For: 2 * time.Minute},
		{ID: "rr-pay-1", After: time.Minute, EngineVersion: "5.7"},
	}}})
	steps := []struct {
		advance      time.Duration
		id           string
		status, vers string
	}{
		{0, "rm-crm", "Running", "5.5"},
		{time.Minute, "rm-crm", "Restarting", "5.5"},
		{0, "rr-pay-1", "Running", "5.7"},
		{2 * time.Minute, "rm-crm", "Running", "5.5"},
	}
	for i, s := range steps {
		e.clock.Advance(s.advance)
		if st, v := e.state(t, s.id); st != s.status || v != s.vers {
			t.Fatalf("step %d: %s is %s on %s, want %s on %s", i, s.id, st, v, s.status, s.vers)
		}
		if i == 1 {
			_, err := e.upgrade("rm-crm", "5.6", "during-drift")
			wantCode(t, err, "IncorrectDBInstanceState", 403)
		}
	}
}

func TestDriftRate(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{DriftRate: 1, DriftStatus: "Rebooting"}})
	if st, _ := e.state(t, "rm-crm"); st != "Rebooting" {
		t.Fatalf("rm-crm is %s, want Rebooting", st)
	}
	e.sim.SetFaults(rdssim.Faults{})
	e.clock.Advance(5 * time.Minute)
	if st, _ := e.state(t, "rm-crm"); st != "Running" {
		t.Fatalf("after the drift rm-crm is %s, want Running", st)
	}
}

// healOnError clears the simulator's faults after the first failed round
// trip, so the SDK's own retry goes through.
type healOnError struct {
	base http.RoundTripper
	sim  *rdssim.Sim
}

func (h healOnError) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.base.RoundTrip(r)
	if err != nil {
		h.sim.SetFaults(rdssim.Faults{})
	}
	return resp, err
}

func TestSDKAutoRetryAfterDroppedResponse(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{DropResponseRate: 1}})
	c, err := rds.NewClientWithOptions("cn-hangzhou", sdk.NewConfig().WithAutoRetry(true).WithMaxRetryTime(2),
		credentials.NewAccessKeyCredential(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret))
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = strings.TrimPrefix(e.endpoint, "http://")
	c.SetTransport(healOnError{&http.Transport{}, e.sim})
	req := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	req.DBInstanceId, req.EngineVersion, req.ClientToken = "rm-crm", "5.6", "auto-retry"
	resp, err := c.UpgradeDBInstanceEngineVersion(req)
	if err != nil {
		t.Fatalf("SDK retry: %v", err)
	}
	calls := e.sim.Calls()
	if len(calls) != 2 || calls[0].Outcome != "applied" || !calls[0].Dropped ||
		calls[1].Outcome != "deduplicated" || calls[1].TaskID != resp.TaskId {
		t.Fatalf("calls = %+v, want applied(dropped), deduplicated", calls)
	}
}
