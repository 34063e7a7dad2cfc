package postgres_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

// TestStoresAgree drives both executor.Store implementations, the local
// files and PostgreSQL, through the same journal and reads back the same
// folded step states.
func TestStoresAgree(t *testing.T) {
	p := fleetPlan(t, 6, 9)
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := plans.Write(path, p); err != nil {
		t.Fatal(err)
	}
	pg, _ := newStore(t)
	save(t, pg, p, 0)
	stores := []struct {
		name  string
		store executor.Store
		ref   string
	}{
		{"local", &executor.LocalStore{}, path},
		{"postgres", pg, p.ID[:12]},
	}
	at := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC)
	a, b := p.Steps[0], p.Steps[1]
	records := []executor.Record{
		{Time: at, Event: executor.Started, Step: a.ID, Instance: a.InstanceID},
		{Time: at.Add(time.Second), Event: executor.Upgrading, Step: a.ID, Instance: a.InstanceID, TaskID: "t-1", RequestID: "r-1"},
		{Time: at.Add(2 * time.Second), Event: executor.Succeeded, Step: a.ID, Instance: a.InstanceID, TaskID: "t-1", Reason: "upgraded"},
		{Time: at.Add(3 * time.Second), Event: executor.Started, Step: b.ID, Instance: b.InstanceID},
		{Time: at.Add(4 * time.Second), Event: executor.Failed, Step: b.ID, Instance: b.InstanceID, Reason: "drift", Unsettled: true},
	}
	got := map[string]map[string]executor.StepRecord{}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ctx := t.Context()
			lp, err := s.store.LoadPlan(ctx, s.ref)
			if err != nil || lp.ID != p.ID {
				t.Fatalf("load %s: %v", s.ref, err)
			}
			log, closeLog, err := s.store.Open(ctx, lp)
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := log.(executor.Claimer); ok {
				for _, st := range []plans.Step{a, b} {
					if cl, err := c.Claim(ctx, st); err != nil || cl.Result != executor.Claimed {
						t.Fatalf("claim %s: %+v %v", st.ID, cl, err)
					}
				}
			}
			for _, r := range records {
				if err := log.Append(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := closeLog(); err != nil {
				t.Fatal(err)
			}
			recs, err := s.store.ReadSteps(ctx, lp)
			if err != nil {
				t.Fatal(err)
			}
			got[s.name] = recs
		})
	}
	local, remote := got["local"], got["postgres"]
	if len(local) != 2 || len(remote) != 2 {
		t.Fatalf("steps with records: local %d, postgres %d; want 2", len(local), len(remote))
	}
	for id, l := range local {
		r := remote[id]
		if !l.Updated.Equal(r.Updated) || !l.SubmittedAt.Equal(r.SubmittedAt) {
			t.Errorf("step %s: times differ: local %v/%v, postgres %v/%v", id, l.Updated, l.SubmittedAt, r.Updated, r.SubmittedAt)
		}
		l.Updated, l.SubmittedAt, r.Updated, r.SubmittedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if l != r {
			t.Errorf("step %s: local %+v, postgres %+v", id, l, r)
		}
	}
}
