package rdssim_test

import (
	"errors"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// fleet: two clusters and a lone primary already at 5.6.
func fleet() []plans.Instance {
	in := func(id, role, primary, region, version, window string) plans.Instance {
		return plans.Instance{ID: id, Region: region, Engine: "MySQL", EngineVersion: version, TargetVersion: "5.6",
			Role: role, Primary: primary, Status: "Running", MaintainTime: window, EffectiveTime: "Immediate",
			Tags: map[string]string{"team": "t"}}
	}
	return []plans.Instance{
		in("rm-pay", plans.RolePrimary, "", "cn-hangzhou", "5.5", "18:00Z-22:00Z"),
		in("rr-pay-1", plans.RoleReadOnly, "rm-pay", "cn-hangzhou", "5.5", "02:00Z-06:00Z"),
		in("rr-pay-2", plans.RoleReadOnly, "rm-pay", "cn-hangzhou", "5.5", "22:00Z-02:00Z"),
		in("rd-pay", plans.RoleDisasterRecovery, "rm-pay", "cn-shenzhen", "5.5", "00:00Z-23:59Z"),
		in("rm-crm", plans.RolePrimary, "", "cn-hangzhou", "5.5", "00:00Z-23:59Z"),
		in("rm-new", plans.RolePrimary, "", "cn-hangzhou", "5.6", "00:00Z-23:59Z"),
	}
}

type env struct {
	sim      *rdssim.Sim
	clock    *rdssim.ManualClock
	endpoint string
	client   *rds.Client
}

// start serves fleet() on a manual clock at t0 with 10-minute upgrades
// unless opts says otherwise.
func start(t *testing.T, opts rdssim.Options) *env {
	t.Helper()
	clock := rdssim.NewManualClock(t0)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.UpgradeDuration == 0 && opts.DurationFor == nil {
		opts.UpgradeDuration = 10 * time.Minute
	}
	sim, endpoint := rdssimtest.StartTestServer(t, fleet(), opts)
	return &env{sim: sim, clock: clock, endpoint: endpoint, client: rdssimtest.NewClient(t, endpoint, "cn-hangzhou")}
}

func (e *env) upgrade(id, version, token string) (*rds.UpgradeDBInstanceEngineVersionResponse, error) {
	req := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	req.DBInstanceId, req.EngineVersion, req.ClientToken = id, version, token
	req.EffectiveTime = "Immediate"
	return e.client.UpgradeDBInstanceEngineVersion(req)
}

func (e *env) attr(t *testing.T, ids string) []rds.DBInstanceAttribute {
	t.Helper()
	req := rds.CreateDescribeDBInstanceAttributeRequest()
	req.DBInstanceId = ids
	resp, err := e.client.DescribeDBInstanceAttribute(req)
	if err != nil {
		t.Fatalf("DescribeDBInstanceAttribute(%s): %v", ids, err)
	}
	return resp.Items.DBInstanceAttribute
}

func (e *env) state(t *testing.T, id string) (status, version string) {
	t.Helper()
	a := e.attr(t, id)
	if len(a) != 1 {
		t.Fatalf("DescribeDBInstanceAttribute(%s): %d items, want 1", id, len(a))
	}
	return a[0].DBInstanceStatus, a[0].EngineVersion
}

// wantCode asserts err is the SDK's *ServerError with code (and status when > 0).
func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *errors.ServerError %s", err, err, code)
	}
	if se.ErrorCode() != code {
		t.Fatalf("error code = %q (message %q), want %q", se.ErrorCode(), se.Message(), code)
	}
	if status > 0 && se.HttpStatus() != status {
		t.Fatalf("%s: HTTP status = %d, want %d", code, se.HttpStatus(), status)
	}
	if se.RequestId() == "" {
		t.Fatalf("%s: no RequestId", code)
	}
}

// applied counts calls of action with outcome for instance.
func count(calls []rdssim.Call, action, id, outcome string) int {
	n := 0
	for _, c := range calls {
		if c.Action == action && (id == "" || c.InstanceID == id) && c.Outcome == outcome {
			n++
		}
	}
	return n
}

// historyTasks is a DescribeHistoryTasks request for the day around t0 (the
// action requires its time range).
func historyTasks() *rds.DescribeHistoryTasksRequest {
	r := rds.CreateDescribeHistoryTasksRequest()
	r.FromStartTime = t0.Add(-time.Hour).Format("2006-01-02T15:04:05Z")
	r.ToStartTime = t0.Add(24 * time.Hour).Format("2006-01-02T15:04:05Z")
	return r
}
