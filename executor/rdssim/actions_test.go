package rdssim_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

func TestDescribeDBInstancesPaging(t *testing.T) {
	e := start(t, rdssim.Options{})
	var got []string
	for page := 1; ; page++ {
		req := rds.CreateDescribeDBInstancesRequest()
		req.PageSize = requests.NewInteger(2)
		req.PageNumber = requests.NewInteger(page)
		resp, err := e.client.DescribeDBInstances(req)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if resp.TotalRecordCount != 5 || resp.PageNumber != page || resp.PageRecordCount != len(resp.Items.DBInstance) {
			t.Fatalf("page %d: total %d, number %d, count %d/%d", page, resp.TotalRecordCount, resp.PageNumber,
				resp.PageRecordCount, len(resp.Items.DBInstance))
		}
		if len(resp.Items.DBInstance) == 0 {
			break
		}
		for _, in := range resp.Items.DBInstance {
			got = append(got, in.DBInstanceId)
		}
	}
	// cn-hangzhou only: rd-pay lives in cn-shenzhen.
	want := []string{"rm-crm", "rm-new", "rm-pay", "rr-pay-1", "rr-pay-2"}
	if !slices.Equal(got, want) {
		t.Fatalf("paged ids = %v, want %v", got, want)
	}
}

func TestDescribeDBInstancesFilters(t *testing.T) {
	e := start(t, rdssim.Options{})
	if _, err := e.upgrade("rr-pay-1", "5.6", "t1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		region string
		set    func(*rds.DescribeDBInstancesRequest)
		want   []string
	}{
		{"readonly", "cn-hangzhou", func(r *rds.DescribeDBInstancesRequest) { r.DBInstanceType = "Readonly" }, []string{"rr-pay-1", "rr-pay-2"}},
		{"primary", "cn-hangzhou", func(r *rds.DescribeDBInstancesRequest) { r.DBInstanceType = "Primary" }, []string{"rm-crm", "rm-new", "rm-pay"}},
		{"upgrading", "cn-hangzhou", func(r *rds.DescribeDBInstancesRequest) { r.DBInstanceStatus = "EngineVersionUpgrading" }, []string{"rr-pay-1"}},
		{"engine", "cn-hangzhou", func(r *rds.DescribeDBInstancesRequest) { r.Engine = "PostgreSQL" }, nil},
		{"version", "cn-hangzhou", func(r *rds.DescribeDBInstancesRequest) { r.EngineVersion = "5.6" }, []string{"rm-new"}},
		{"other region", "cn-shenzhen", func(r *rds.DescribeDBInstancesRequest) {}, []string{"rd-pay"}},
		{"guard", "cn-shenzhen", func(r *rds.DescribeDBInstancesRequest) { r.DBInstanceType = "Guard" }, []string{"rd-pay"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rdssimtest.NewClient(t, e.endpoint, tc.region)
			req := rds.CreateDescribeDBInstancesRequest()
			tc.set(req)
			resp, err := c.DescribeDBInstances(req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, in := range resp.Items.DBInstance {
				got = append(got, in.DBInstanceId)
			}
			if !slices.Equal(got, tc.want) || resp.TotalRecordCount != len(tc.want) {
				t.Fatalf("ids = %v (total %d), want %v", got, resp.TotalRecordCount, tc.want)
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	e := start(t, rdssim.Options{})
	if _, err := e.upgrade("rr-pay-1", "5.6", "busy"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"attribute of unknown id", func() error {
			r := rds.CreateDescribeDBInstanceAttributeRequest()
			r.DBInstanceId = "rm-pay,rm-nope"
			_, err := e.client.DescribeDBInstanceAttribute(r)
			return err
		}, "InvalidDBInstanceId.NotFound", 404},
		{"attribute without id", func() error {
			_, err := e.client.DescribeDBInstanceAttribute(rds.CreateDescribeDBInstanceAttributeRequest())
			return err
		}, "MissingDBInstanceId", 400},
		{"bad page size", func() error {
			r := rds.CreateDescribeDBInstancesRequest()
			r.PageSize = requests.NewInteger(1000)
			_, err := e.client.DescribeDBInstances(r)
			return err
		}, "InvalidPageSize.Malformed", 400},
		{"upgrade unknown id", func() error { _, err := e.upgrade("rm-nope", "5.6", ""); return err }, "InvalidDBInstanceId.NotFound", 404},
		{"upgrade without version", func() error { _, err := e.upgrade("rm-crm", "", ""); return err }, "MissingEngineVersion", 400},
		{"upgrade to same version", func() error { _, err := e.upgrade("rm-new", "5.6", ""); return err }, "IncorrectEngineVersion", 403},
		{"upgrade skipping a version", func() error { _, err := e.upgrade("rm-crm", "8.0", ""); return err }, "IncorrectEngineVersion", 403},
		{"upgrade while upgrading", func() error { _, err := e.upgrade("rr-pay-1", "5.6", "other"); return err }, "IncorrectDBInstanceState", 403},
		{"primary before replicas", func() error { _, err := e.upgrade("rm-pay", "5.6", ""); return err }, "UnsupportedReadOrBakReadState", 403},
		{"bad effective time", func() error {
			r := rds.CreateUpgradeDBInstanceEngineVersionRequest()
			r.DBInstanceId, r.EngineVersion, r.EffectiveTime = "rm-crm", "5.6", "Tomorrow"
			_, err := e.client.UpgradeDBInstanceEngineVersion(r)
			return err
		}, "InvalidEffectiveTime.Malformed", 400},
		{"describe tasks of unknown id", func() error {
			r := rds.CreateDescribeTasksRequest()
			r.DBInstanceId = "rm-nope"
			_, err := e.client.DescribeTasks(r)
			return err
		}, "InvalidDBInstanceId.NotFound", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code, tc.status) })
	}
	if n := count(e.sim.Calls(), "UpgradeDBInstanceEngineVersion", "", "applied"); n != 1 {
		t.Fatalf("applied upgrades = %d, want 1 (refused calls must change nothing)", n)
	}
}

func TestNotRunningIsRefused(t *testing.T) {
	instances := fleet()
	instances[4].Status = "Locked" // rm-crm
	sim, endpoint := rdssimtest.StartTestServer(t, instances, rdssim.Options{Clock: rdssim.NewManualClock(t0)})
	c := rdssimtest.NewClient(t, endpoint, "cn-hangzhou")
	r := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	r.DBInstanceId, r.EngineVersion = "rm-crm", "5.6"
	_, err := c.UpgradeDBInstanceEngineVersion(r)
	wantCode(t, err, "IncorrectDBInstanceState", 403)
	if v, _ := sim.Instance("rm-crm"); v.Status != "Locked" || v.Upgrades != 0 {
		t.Fatalf("rm-crm = %+v", v)
	}
}

func TestIdempotency(t *testing.T) {
	e := start(t, rdssim.Options{})
	first, err := e.upgrade("rm-crm", "5.6", "plan-1-step-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.upgrade("rm-crm", "5.6", "plan-1-step-1")
	if err != nil {
		t.Fatalf("same token, same parameters: %v", err)
	}
	if again.TaskId != first.TaskId {
		t.Fatalf("TaskId %s then %s, want the same", first.TaskId, again.TaskId)
	}
	e.clock.Advance(time.Hour)
	// Still deduplicated after the task finished: nothing is done again.
	if later, err := e.upgrade("rm-crm", "5.6", "plan-1-step-1"); err != nil || later.TaskId != first.TaskId {
		t.Fatalf("after completion: %v, %v", later, err)
	}
	for _, tc := range []struct{ name, id, version string }{
		{"other instance", "rr-pay-1", "5.6"},
		{"other version", "rm-crm", "5.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.upgrade(tc.id, tc.version, "plan-1-step-1")
			wantCode(t, err, "IdempotentParameterMismatch", 400)
		})
	}
	calls := e.sim.Calls()
	if a, d := count(calls, "UpgradeDBInstanceEngineVersion", "rm-crm", "applied"),
		count(calls, "UpgradeDBInstanceEngineVersion", "rm-crm", "deduplicated"); a != 1 || d != 2 {
		t.Fatalf("rm-crm: %d applied, %d deduplicated; want 1 and 2", a, d)
	}
	if v, _ := e.sim.Instance("rm-crm"); v.Upgrades != 1 || v.EngineVersion != "5.6" {
		t.Fatalf("rm-crm = %+v, want one upgrade to 5.6", v)
	}
}

func TestReplicasFirst(t *testing.T) {
	e := start(t, rdssim.Options{})
	for _, id := range []string{"rr-pay-1", "rr-pay-2"} {
		if _, err := e.upgrade(id, "5.6", "tok-"+id); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(10 * time.Minute)
	// The read-only replicas are done, the disaster-recovery one is not.
	_, err := e.upgrade("rm-pay", "5.6", "tok-primary")
	wantCode(t, err, "UnsupportedReadOrBakReadState", 403)
	if _, err := e.upgrade("rd-pay", "5.6", "tok-dr"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	_, err = e.upgrade("rm-pay", "5.6", "tok-primary-2")
	wantCode(t, err, "UnsupportedReadOrBakReadState", 403) // still upgrading
	e.clock.Advance(5 * time.Minute)
	if _, err := e.upgrade("rm-pay", "5.6", "tok-primary-3"); err != nil {
		t.Fatalf("primary after all replicas: %v", err)
	}
	e.clock.Advance(10 * time.Minute)
	for _, a := range e.attr(t, "rm-pay,rr-pay-1,rr-pay-2,rd-pay") {
		if a.EngineVersion != "5.6" || a.DBInstanceStatus != "Running" {
			t.Errorf("%s: %s on %s", a.DBInstanceId, a.DBInstanceStatus, a.EngineVersion)
		}
	}
}

func TestMaintainTimeWaitsForTheWindow(t *testing.T) {
	e := start(t, rdssim.Options{})
	// t0 is 10:00Z; rr-pay-2's window is 22:00Z-02:00Z (crosses midnight).
	r := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	r.DBInstanceId, r.EngineVersion, r.EffectiveTime, r.ClientToken = "rr-pay-2", "5.6", "MaintainTime", "mt"
	resp, err := e.client.UpgradeDBInstanceEngineVersion(r)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		at           time.Duration // since t0
		status, vers string
		task         string
	}{
		{0, "Running", "5.5", "Scheduled"},
		{11*time.Hour + 59*time.Minute, "Running", "5.5", "Scheduled"},
		{12 * time.Hour, "EngineVersionUpgrading", "5.5", "Running"},
		{12*time.Hour + 10*time.Minute, "Running", "5.6", "Succeed"},
	}
	for _, s := range steps {
		e.clock.Set(t0.Add(s.at))
		st, v := e.state(t, "rr-pay-2")
		ht := historyTasks()
		ht.TaskId = resp.TaskId
		h, err := e.client.DescribeHistoryTasks(ht)
		if err != nil {
			t.Fatal(err)
		}
		if st != s.status || v != s.vers || len(h.Items) != 1 || h.Items[0].Status != s.task {
			t.Fatalf("at +%s: %s on %s, task %+v; want %s on %s, task %s", s.at, st, v, h.Items, s.status, s.vers, s.task)
		}
	}
}

func TestScheduledTaskBlocksAnotherUpgrade(t *testing.T) {
	e := start(t, rdssim.Options{})
	r := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	r.DBInstanceId, r.EngineVersion, r.EffectiveTime = "rr-pay-1", "5.6", "MaintainTime"
	if _, err := e.client.UpgradeDBInstanceEngineVersion(r); err != nil {
		t.Fatal(err)
	}
	_, err := e.upgrade("rr-pay-1", "5.6", "")
	wantCode(t, err, "IncorrectDBInstanceState", 403)
}

func TestTaskProgress(t *testing.T) {
	e := start(t, rdssim.Options{Faults: rdssim.Faults{FailUpgrade: []string{"rr-pay-2"}}})
	ok, err := e.upgrade("rr-pay-1", "5.6", "a")
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.upgrade("rr-pay-2", "5.6", "b")
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	dt := rds.CreateDescribeTasksRequest()
	dt.DBInstanceId = "rr-pay-1"
	tasks, err := e.client.DescribeTasks(dt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tasks.Items.TaskProgressInfo); n != 1 {
		t.Fatalf("DescribeTasks: %d tasks", n)
	}
	if p := tasks.Items.TaskProgressInfo[0]; p.TaskId != ok.TaskId || p.Status != "Running" || p.Progress != "50.0" || p.Remain != 300 ||
		p.TaskAction != "UpgradeDBInstanceEngineVersion" {
		t.Fatalf("task = %+v", p)
	}
	e.clock.Advance(5 * time.Minute)
	h, err := e.client.DescribeHistoryTasks(historyTasks())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range h.Items {
		got[it.TaskId] = it.Status + "/" + it.InstanceId
	}
	if got[ok.TaskId] != "Succeed/rr-pay-1" || got[bad.TaskId] != "Failed/rr-pay-2" || h.TotalCount != 2 {
		t.Fatalf("history = %v (total %d)", got, h.TotalCount)
	}
	if st, v := e.state(t, "rr-pay-2"); st != "Running" || v != "5.5" {
		t.Fatalf("failed upgrade left rr-pay-2 %s on %s, want Running on 5.5", st, v)
	}
	ht := historyTasks()
	ht.Status = "Failed"
	if h, err := e.client.DescribeHistoryTasks(ht); err != nil || len(h.Items) != 1 || h.Items[0].ReasonCode == "" {
		t.Fatalf("Failed filter: %+v %v", h, err)
	}
}

// A replica goes at most one major version ahead of its primary: the
// cloud refuses to take it further until the primary caught up.
func TestReplicaAtMostOneHopAhead(t *testing.T) {
	e := start(t, rdssim.Options{})
	if _, err := e.upgrade("rr-pay-1", "5.6", "tok-1"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	_, err := e.upgrade("rr-pay-1", "5.7", "tok-2")
	wantCode(t, err, "UnsupportedReadOrBakReadState", 403)
	if err == nil || !strings.Contains(err.Error(), "upgrade the primary to 5.6 before taking rr-pay-1 to 5.7") {
		t.Errorf("refusal does not say what to do: %v", err)
	}
	for _, id := range []string{"rr-pay-2", "rd-pay"} {
		if _, err := e.upgrade(id, "5.6", "tok-"+id); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(10 * time.Minute)
	if _, err := e.upgrade("rm-pay", "5.6", "tok-primary"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	if _, err := e.upgrade("rr-pay-1", "5.7", "tok-3"); err != nil {
		t.Fatalf("replica one hop ahead of its upgraded primary: %v", err)
	}
}
