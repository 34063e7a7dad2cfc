package executor_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans/plantest"
)

// TestStatusJSON pins the documented `rdsup status --format json` shape.
func TestStatusJSON(t *testing.T) {
	p := plantest.Sample()
	path := filepath.Join(t.TempDir(), "plan.json.journal")
	j, err := OpenJournal(path, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	s0, s1, s2, s3 := p.Steps[0], p.Steps[1], p.Steps[2], p.Steps[3]
	for i, r := range []Record{
		{Event: Started, Step: s0.ID, Instance: s0.InstanceID},
		{Event: Upgrading, Step: s0.ID, Instance: s0.InstanceID, TaskID: "10000001", RequestID: "REQ-1"},
		{Event: Succeeded, Step: s0.ID, Instance: s0.InstanceID, TaskID: "10000001", Reason: "upgraded to 5.6"},
		{Event: Started, Step: s1.ID, Instance: s1.InstanceID},
		{Event: Pending, Step: s2.ID, Instance: s2.InstanceID, Reason: "outside maintenance window 22:00Z-02:00Z"},
		{Event: Started, Step: s3.ID, Instance: s3.InstanceID},
		{Event: Upgrading, Step: s3.ID, Instance: s3.InstanceID, TaskID: "10000002", RequestID: "REQ-2"},
		{Event: Pending, Step: s3.ID, Instance: s3.InstanceID, TaskID: "10000002", OpensAt: time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC),
			Reason: "upgrade accepted (task 10000002); the cloud starts it when maintenance window 22:00Z-02:00Z opens at 2026-11-26T22:00:00Z; the next apply polls it"},
	} {
		r.Time = at.Add(time.Duration(i) * time.Minute)
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	recs, err := ReadJournal(path, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	st := StatusOf(p, "plan.json.journal", recs)
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "status.json.golden"), got.Bytes())
}
