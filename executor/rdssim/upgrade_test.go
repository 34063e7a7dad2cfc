package rdssim_test

import (
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
)

func TestUpgradeLifecycle(t *testing.T) {
	e := start(t, rdssim.Options{})
	resp, err := e.upgrade("rm-crm", "5.6", "tok-crm")
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if resp.TaskId == "" || resp.RequestId == "" {
		t.Fatalf("response = %+v, want TaskId and RequestId", resp)
	}
	steps := []struct {
		advance      time.Duration
		status, vers string
	}{
		{0, "EngineVersionUpgrading", "5.5"},
		{9*time.Minute + 59*time.Second, "EngineVersionUpgrading", "5.5"},
		{time.Second, "Running", "5.6"},
		{time.Hour, "Running", "5.6"},
	}
	for _, s := range steps {
		e.clock.Advance(s.advance)
		st, v := e.state(t, "rm-crm")
		if st != s.status || v != s.vers {
			t.Fatalf("at %s: %s on %s, want %s on %s", e.clock.Now().Sub(t0), st, v, s.status, s.vers)
		}
	}
	if n := count(e.sim.Calls(), "UpgradeDBInstanceEngineVersion", "rm-crm", "applied"); n != 1 {
		t.Fatalf("applied calls = %d, want 1", n)
	}
}

func TestAttributeShape(t *testing.T) {
	e := start(t, rdssim.Options{})
	items := e.attr(t, "rm-pay,rr-pay-1,rd-pay")
	if len(items) != 3 {
		t.Fatalf("got %d items, want 3", len(items))
	}
	p, r, g := items[0], items[1], items[2]
	if p.DBInstanceType != "Primary" || p.GuardDBInstanceId != "rd-pay" || p.MaintainTime != "18:00Z-22:00Z" {
		t.Errorf("primary = %+v", p)
	}
	var ro []string
	for _, x := range p.ReadOnlyDBInstanceIds.ReadOnlyDBInstanceId {
		ro = append(ro, x.DBInstanceId)
	}
	if len(ro) != 2 || ro[0] != "rr-pay-1" || ro[1] != "rr-pay-2" {
		t.Errorf("ReadOnlyDBInstanceIds = %v", ro)
	}
	if r.DBInstanceType != "Readonly" || r.MasterInstanceId != "rm-pay" || r.EngineVersion != "5.5" || r.DBInstanceStatus != "Running" {
		t.Errorf("readonly = %+v", r)
	}
	if g.DBInstanceType != "Guard" || g.MasterInstanceId != "rm-pay" || g.RegionId != "cn-shenzhen" {
		t.Errorf("guard = %+v", g)
	}
	_ = rds.DBInstanceAttribute{}
}
