package postgres_test

import (
	"sync"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/internal/pgtest"
	"github.com/rdsup/rdsup/plans"
)

func TestInitIsIdempotentAndRequired(t *testing.T) {
	url := pgtest.DB(t)
	s := connect(t, url)
	p := fleetPlan(t, 4, 1)
	// before init: every use says what to run
	_, err := s.SavePlan(t.Context(), p, 0)
	wantErr(t, err, postgres.ErrSchema, "rdsup state init")
	_, err = s.LoadPlan(t.Context(), p.ID)
	wantErr(t, err, postgres.ErrSchema, "rdsup state init")
	_, err = s.OpenWorker(t.Context(), p)
	wantErr(t, err, postgres.ErrSchema, "rdsup state init")
	// concurrent inits apply each migration once
	var wg sync.WaitGroup
	applied := make([][]int, 3)
	for i := range applied {
		wg.Go(func() {
			v, err := connect(t, url).Init(t.Context())
			if err != nil {
				t.Error(err)
			}
			applied[i] = v
		})
	}
	wg.Wait()
	total := 0
	for _, v := range applied {
		total += len(v)
	}
	if total != postgres.SchemaVersion() {
		t.Errorf("3 concurrent inits applied %d migrations in all, want %d", total, postgres.SchemaVersion())
	}
	if v, err := s.Init(t.Context()); err != nil || len(v) != 0 {
		t.Errorf("init again: applied %v, err %v; want nothing", v, err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("check after init: %v", err)
	}
}

func TestPlanRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	p := fleetPlan(t, 6, 2)
	created, err := s.SavePlan(t.Context(), p, 3)
	if err != nil || !created {
		t.Fatalf("save: created %v, %v", created, err)
	}
	if created, err := s.SavePlan(t.Context(), p, 0); err != nil || created {
		t.Fatalf("save again: created %v, %v; want an idempotent no-op", created, err)
	}
	for _, ref := range []string{p.ID, p.ID[:12], p.ID[:20]} {
		got, err := s.LoadPlan(t.Context(), ref)
		if err != nil {
			t.Fatalf("load %s: %v", ref, err)
		}
		if got.ID != p.ID || len(got.Steps) != len(p.Steps) {
			t.Errorf("load %s: plan %s with %d steps, want %s with %d", ref, got.ID, len(got.Steps), p.ID, len(p.Steps))
		}
	}
	list, err := s.Plans(t.Context())
	if err != nil || len(list) != 1 || list[0].ID != p.ID || list[0].Steps != len(p.Steps) || list[0].MaxConcurrency != 3 {
		t.Errorf("plans = %+v, %v", list, err)
	}
	bad := []struct{ name, ref, says string }{
		{"unknown id", "0123456789ab", "no plan 0123456789ab"},
		{"too short", p.ID[:8], "at least its first 12"},
		{"not hex", "zzzzzzzzzzzzzz", "64 lowercase hex"},
		{"empty", "", "at least its first 12"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.LoadPlan(t.Context(), c.ref)
			wantErr(t, err, nil, c.says)
		})
	}
}

func TestJournalRoundTripAcrossWorkers(t *testing.T) {
	s, url := newStore(t)
	p := fleetPlan(t, 4, 3)
	save(t, s, p, 0)
	w := worker(t, s, p)
	st := p.Steps[0]
	if c := claim(t, w, st); c.Result != executor.Claimed {
		t.Fatalf("claim: %+v", c)
	}
	for _, r := range []executor.Record{
		{Event: executor.Started, Step: st.ID, Instance: st.InstanceID},
		{Event: executor.Upgrading, Step: st.ID, Instance: st.InstanceID, TaskID: "t-1", RequestID: "r-1"},
	} {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	// another process reads the same state
	other := connect(t, url)
	recs, err := other.ReadSteps(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := recs[st.ID]
	if got.State != executor.Upgrading || !got.Submitted || got.TaskID != "t-1" || got.SubmittedAt.IsZero() {
		t.Errorf("read back %+v, want upgrading, submitted, task t-1", got)
	}
	if len(recs) != 1 {
		t.Errorf("%d steps with records, want 1", len(recs))
	}
	// a step not claimed cannot be journaled
	err = w.Append(executor.Record{Event: executor.Started, Step: p.Steps[1].ID})
	wantErr(t, err, executor.ErrLeaseLost, p.Steps[1].ID)
}

func TestDependenciesAcrossWorkers(t *testing.T) {
	s, _ := newStore(t)
	p := fleetPlan(t, 8, 4)
	save(t, s, p, 0)
	a, b := worker(t, s, p), worker(t, s, p)
	replica, primary := chain(t, p)
	if c := claim(t, b, primary); c.Result != executor.ClaimBusy {
		t.Fatalf("primary claimed before its replica succeeded: %+v", c)
	}
	if c := claim(t, a, replica); c.Result != executor.Claimed {
		t.Fatalf("claim replica: %+v", c)
	}
	if c := claim(t, b, replica); c.Result != executor.ClaimBusy {
		t.Fatalf("a step held by worker a was claimed by b: %+v", c)
	}
	for i, d := range primary.DependsOn {
		if i > 0 {
			if c := claim(t, b, primary); c.Result != executor.ClaimBusy {
				t.Fatalf("primary claimed with %d of %d replicas done: %+v", i, len(primary.DependsOn), c)
			}
		}
		st := *p.Step(d)
		if i > 0 && claim(t, a, st).Result != executor.Claimed {
			t.Fatalf("claim %s", d)
		}
		if err := a.Append(executor.Record{Event: executor.Succeeded, Step: st.ID, Instance: st.InstanceID}); err != nil {
			t.Fatal(err)
		}
		a.Release(st.ID)
	}
	if c := claim(t, b, replica); c.Result != executor.ClaimDone {
		t.Errorf("claim of a step done by another worker: %+v, want done", c)
	}
	if c := claim(t, b, primary); c.Result != executor.Claimed {
		t.Errorf("primary not claimable once its replica succeeded: %+v", c)
	}
}

func TestCampaignCap(t *testing.T) {
	s, _ := newStore(t)
	p := fleetPlan(t, 6, 5)
	save(t, s, p, 1)
	a, b := worker(t, s, p), worker(t, s, p)
	var roots []int
	for i, st := range p.Steps {
		if len(st.DependsOn) == 0 {
			roots = append(roots, i)
		}
	}
	if c := claim(t, a, p.Steps[roots[0]]); c.Result != executor.Claimed {
		t.Fatalf("first claim: %+v", c)
	}
	c := claim(t, b, p.Steps[roots[1]])
	if c.Result != executor.ClaimBusy || !contains(c.Detail, "campaign-wide cap of 1") {
		t.Fatalf("second claim under a cap of 1: %+v, want busy naming the cap", c)
	}
	a.Release(p.Steps[roots[0]].ID)
	if c := claim(t, b, p.Steps[roots[1]]); c.Result != executor.Claimed {
		t.Fatalf("claim after release: %+v", c)
	}
}

// TestLeaseTakeover: a worker that stops heartbeating (killed) loses its
// lease when it expires; another worker then claims the step with the
// state the first one journaled, and the first one can journal no more.
func TestLeaseTakeover(t *testing.T) {
	s, url := newStore(t)
	p := fleetPlan(t, 4, 6)
	save(t, s, p, 0)
	stalled := connect(t, url)
	stalled.Lease = time.Second
	a, err := stalled.OpenWorker(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	st := p.Steps[0]
	if c := claim(t, a, st); c.Result != executor.Claimed {
		t.Fatal(c)
	}
	if err := a.Append(executor.Record{Event: executor.Started, Step: st.ID, Instance: st.InstanceID}); err != nil {
		t.Fatal(err)
	}
	if err := a.Append(executor.Record{Event: executor.Upgrading, Step: st.ID, Instance: st.InstanceID, TaskID: "task-a"}); err != nil {
		t.Fatal(err)
	}
	a.StopHeartbeat() // the process stalls (or dies): no heartbeat, no release
	b := worker(t, s, p)
	if c := claim(t, b, st); c.Result != executor.ClaimBusy || !contains(c.Detail, a.ID) {
		t.Fatalf("claim while a's lease runs: %+v, want busy naming %s", c, a.ID)
	}
	var c executor.Claim
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c = claim(t, b, st); c.Result == executor.Claimed {
			break
		}
	}
	if c.Result != executor.Claimed {
		t.Fatalf("the step was never taken over after the lease expired: %+v", c)
	}
	if !c.Rec.Submitted || c.Rec.TaskID != "task-a" || c.Rec.State != executor.Upgrading {
		t.Errorf("takeover sees %+v, want a's submitted upgrade (task-a), so it is polled and never sent anew", c.Rec)
	}
	// a comes back: its lease is gone, and so is its right to journal the step
	err = a.Append(executor.Record{Event: executor.Succeeded, Step: st.ID, Instance: st.InstanceID})
	wantErr(t, err, executor.ErrLeaseLost)
}

// TestInstanceFencing: while a step of one plan holds an instance, no
// other plan in the store may start a step on it.
func TestInstanceFencing(t *testing.T) {
	s, _ := newStore(t)
	pa := fleetPlan(t, 4, 7)
	pb := fleetPlan(t, 4, 7)
	// another plan of the same fleet
	pb.Steps[0].Policy.Warn = append(pb.Steps[0].Policy.Warn, plans.Finding{Rule: "test.warn", Message: "plan b"})
	if err := plans.Seal(pb); err != nil {
		t.Fatal(err)
	}
	if pa.ID == pb.ID {
		t.Fatal("plans share an id")
	}
	save(t, s, pa, 0)
	save(t, s, pb, 0)
	a, b := worker(t, s, pa), worker(t, s, pb)
	sa := pa.Steps[0]
	sb := stepFor(t, pb, sa.InstanceID)
	if c := claim(t, a, sa); c.Result != executor.Claimed {
		t.Fatal(c)
	}
	c := claim(t, b, sb)
	if c.Result != executor.ClaimFenced {
		t.Fatalf("plan b claimed instance %s while plan a holds it: %+v", sa.InstanceID, c)
	}
	for _, w := range []string{sa.InstanceID, pa.ID[:12], sa.ID} {
		if !contains(c.Detail, w) {
			t.Errorf("fence message %q does not name %s", c.Detail, w)
		}
	}
	// a's upgrade is under way and a lets go of the step (--no-wait): still held
	if err := a.Append(executor.Record{Event: executor.Started, Step: sa.ID, Instance: sa.InstanceID}); err != nil {
		t.Fatal(err)
	}
	a.Release(sa.ID)
	if c := claim(t, b, sb); c.Result != executor.ClaimFenced || !contains(c.Detail, "started") {
		t.Fatalf("claim while plan a's upgrade of the instance is started: %+v, want fenced", c)
	}
	if c := claim(t, a, sa); c.Result != executor.Claimed {
		t.Fatal(c)
	}
	if err := a.Append(executor.Record{Event: executor.Succeeded, Step: sa.ID, Instance: sa.InstanceID}); err != nil {
		t.Fatal(err)
	}
	a.Release(sa.ID)
	if c := claim(t, b, sb); c.Result != executor.Claimed {
		t.Fatalf("claim once plan a's step is done: %+v", c)
	}
	// other instances were never fenced
	for _, st := range pb.Steps {
		if st.InstanceID != sa.InstanceID && len(st.DependsOn) == 0 {
			if c := claim(t, b, st); c.Result != executor.Claimed {
				t.Errorf("step %s on another instance: %+v", st.ID, c)
			}
		}
	}
}
