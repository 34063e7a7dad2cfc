package rdssim_test

import (
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	e := start(t, rdssim.Options{})
	first, err := e.upgrade("rm-crm", "5.6", "persisted-token")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(4 * time.Minute)
	path := filepath.Join(t.TempDir(), "sim-state.json")
	if err := e.sim.Save(path); err != nil {
		t.Fatal(err)
	}
	before := e.sim.Instances()

	// A new process: same clock, new server.
	opts := rdssim.Options{AccessKeyID: rdssimtest.AccessKeyID, AccessKeySecret: rdssimtest.AccessKeySecret, Clock: e.clock}
	sim, err := rdssim.Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := sim.Instances(); len(got) != len(before) || got[1].Status != before[1].Status {
		t.Fatalf("instances after load = %+v, want %+v", got, before)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	e2 := &env{sim: sim, clock: e.clock, endpoint: srv.URL, client: rdssimtest.NewClient(t, srv.URL, "cn-hangzhou")}
	if st, v := e2.state(t, "rm-crm"); st != "EngineVersionUpgrading" || v != "5.5" {
		t.Fatalf("after load rm-crm is %s on %s", st, v)
	}
	again, err := e2.upgrade("rm-crm", "5.6", "persisted-token")
	if err != nil || again.TaskId != first.TaskId {
		t.Fatalf("token after load: %+v, %v; want TaskId %s", again, err, first.TaskId)
	}
	e.clock.Advance(6 * time.Minute)
	if st, v := e2.state(t, "rm-crm"); st != "Running" || v != "5.6" {
		t.Fatalf("after the task rm-crm is %s on %s", st, v)
	}
	calls := sim.Calls()
	if count(calls, "UpgradeDBInstanceEngineVersion", "rm-crm", "applied") != 1 ||
		count(calls, "UpgradeDBInstanceEngineVersion", "rm-crm", "deduplicated") != 1 {
		t.Fatalf("call log after load: %+v", calls)
	}
	// New tasks do not reuse ids.
	r, err := e2.upgrade("rr-pay-1", "5.6", "")
	if err != nil || r.TaskId == first.TaskId {
		t.Fatalf("new task %+v %v", r, err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		is   error
	}{
		{"missing", filepath.Join(dir, "nope.json"), fs.ErrNotExist},
		{"future version", write("v9.json", `{"formatVersion": 9}`), rdssim.ErrStateFormat},
		{"not json", write("bad.json", `{`), nil},
		{"dangling task", write("dangling.json", `{"formatVersion":1,"instances":[{"id":"a","taskId":"7"}]}`), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rdssim.Load(tc.path, rdssim.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func TestUpgradeDurations(t *testing.T) {
	taskSpan := func(opts rdssim.Options, id string) time.Duration {
		e := start(t, opts)
		if _, err := e.upgrade(id, "5.6", ""); err != nil {
			t.Fatal(err)
		}
		r := rds.CreateDescribeTasksRequest()
		r.DBInstanceId = id
		resp, err := e.client.DescribeTasks(r)
		if err != nil || len(resp.Items.TaskProgressInfo) != 1 {
			t.Fatalf("DescribeTasks: %+v %v", resp, err)
		}
		p := resp.Items.TaskProgressInfo[0]
		b, _ := time.Parse(time.RFC3339, p.BeginTime)
		f, _ := time.Parse(time.RFC3339, p.ExpectedFinishTime)
		return f.Sub(b)
	}
	spread := func(seed int64, id string) time.Duration {
		return taskSpan(rdssim.Options{Seed: seed, DurationFor: func(string) time.Duration { return 0 }}, id)
	}
	if a, b := spread(3, "rm-crm"), spread(3, "rm-crm"); a != b {
		t.Fatalf("seed 3: %s then %s", a, b)
	}
	for _, c := range []struct {
		id, role string
	}{{"rm-crm", plans.RolePrimary}, {"rr-pay-1", plans.RoleReadOnly}} {
		gb := start(t, rdssim.Options{Seed: 3}).attr(t, c.id)[0].DBInstanceStorage
		est := plans.EstimateUpgrade(c.role, gb)
		lo, hi := time.Duration(float64(est)*(1-rdssim.DurationNoise)), time.Duration(float64(est)*(1+rdssim.DurationNoise))
		if d := spread(3, c.id); d < lo-time.Second || d > hi+time.Second {
			t.Fatalf("%s upgrade takes %s, want the estimate %s ±%.0f%%", c.id, d, est, 100*rdssim.DurationNoise)
		}
	}
	per := rdssim.Options{UpgradeDuration: time.Minute, DurationFor: func(id string) time.Duration {
		if id == "rm-crm" {
			return 3 * time.Minute
		}
		return 0
	}}
	if d := taskSpan(per, "rm-crm"); d != 3*time.Minute {
		t.Fatalf("DurationFor: %s, want 3m", d)
	}
	if d := taskSpan(per, "rr-pay-1"); d != time.Minute {
		t.Fatalf("UpgradeDuration fallback: %s, want 1m", d)
	}
}
