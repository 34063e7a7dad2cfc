package executor_test

import (
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans/plantest"
)

// TestStageGate drives the gate as a virtual-clock preview would, over
// plantest.Staged: canary (crm, soak 24h), payments (one cluster at a
// time, one failure tolerated), rest.
func TestStageGate(t *testing.T) {
	g := NewStageGate(plantest.Staged())
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	expect := func(step string, now time.Time, want GateVerdict, wantUntil time.Time) {
		t.Helper()
		if v, until := g.Ready(step, now); v != want || !until.Equal(wantUntil) {
			t.Errorf("Ready(%s, %s) = %v %s, want %v %s", step, now.Format(time.DateTime), v, until, want, wantUntil)
		}
	}
	expect("rm-crm-dr", t0, GateOpen, time.Time{})
	expect("rm-pay-dr", t0, GateBlocked, time.Time{})
	expect("rr-shop-ro1", t0, GateBlocked, time.Time{})
	g.NoteStarted("rm-crm-dr")
	g.NoteDone("rm-crm-dr", t0.Add(time.Hour))
	expect("rm-pay-dr", t0.Add(time.Hour), GateBlocked, time.Time{})
	g.NoteDone("rm-crm-db", t0.Add(2*time.Hour))
	soakEnd := t0.Add(26 * time.Hour)
	expect("rm-pay-dr", t0.Add(3*time.Hour), GateSoaking, soakEnd)
	if st := g.Status(t0.Add(3 * time.Hour)); st[0].State != StageSoaking || !st[0].SoakEndsAt.Equal(soakEnd) || st[1].State != StageWaiting {
		t.Errorf("status during the soak: %+v", st)
	}
	expect("rm-pay-dr", soakEnd, GateOpen, time.Time{})
	g.NoteStarted("rm-pay-dr")
	expect("rr-pay-ro1", soakEnd, GateOpen, time.Time{}) // same cluster: in flight already
	if g.NoteFailed("rr-pay-ro1") {
		t.Error("the first failure stopped the campaign; maxFailures is 1")
	}
	expect("rr-pay-ro2", soakEnd, GateOpen, time.Time{})
	if !g.NoteFailed("rr-pay-ro2") {
		t.Error("the second failure did not stop the campaign")
	}
	expect("rm-pay-dr", soakEnd, GateStopped, time.Time{})
	st := g.Status(soakEnd)
	if st[0].State != StageDone || st[1].State != StageStopped || st[1].Failures != 2 || st[2].State != StageWaiting {
		t.Errorf("status after the stop: %+v", st)
	}
}

// TestStageGateClusterLimit: payments allows one cluster in flight; a
// cluster stops counting once every step of it finished (a failure
// blocks its dependents, which finish it too).
func TestStageGateClusterLimit(t *testing.T) {
	p := plantest.Staged()
	p.Stages = p.Stages[1:] // payments first, so nothing soaks
	p.Stages[0].MaxFailures = nil
	p.Step("rm-crm-dr").Stage, p.Step("rm-crm-db").Stage = "payments", "payments"
	g := NewStageGate(p)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if v, _ := g.Ready("rm-crm-dr", now); v != GateOpen {
		t.Fatalf("first cluster: %v", v)
	}
	g.NoteStarted("rm-crm-dr")
	if v, _ := g.Ready("rm-pay-dr", now); v != GateClusterLimit {
		t.Errorf("second cluster while the first is in flight: %v, want GateClusterLimit", v)
	}
	g.NoteFailed("rm-crm-dr") // rm-crm-db is blocked behind it: the cluster is finished
	if v, _ := g.Ready("rm-pay-dr", now); v != GateOpen {
		t.Errorf("second cluster after the first finished: %v, want GateOpen", v)
	}
}

func TestStageGateWithoutStages(t *testing.T) {
	g := NewStageGate(plantest.Sample())
	if v, _ := g.Ready("rm-pay-db", time.Time{}); v != GateOpen || g.Staged() || g.Status(time.Time{}) != nil {
		t.Errorf("a plan without stages is gated: %v", v)
	}
}
