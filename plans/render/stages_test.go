package render_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/plans/render"
)

// stagedStatus is the status of plantest.Staged after the canary stage
// succeeded and while it soaks, with one payments step failed.
func stagedStatus(t *testing.T) executor.PlanStatus {
	t.Helper()
	p := plantest.Staged()
	done := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	recs := map[string]executor.StepRecord{
		"rm-crm-dr": {State: executor.Succeeded, Started: true, Submitted: true, Updated: done.Add(-time.Hour)},
		"rm-crm-db": {State: executor.Succeeded, Started: true, Submitted: true, Updated: done},
		"rm-pay-dr": {State: executor.Failed, Started: true, Reason: "upgrade task failed", Updated: done},
	}
	return executor.StatusAt(p, "plan.json.journal", recs, done.Add(2*time.Hour))
}

func TestStageStatusGolden(t *testing.T) {
	st := stagedStatus(t)
	var table, js bytes.Buffer
	if err := render.Status(&table, render.Table, st, render.Options{Limit: 20}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "status-staged.txt"), table.Bytes())
	for _, want := range []string{"canary", "soaking", "2026-12-02T03:00:00Z", "1/1"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("status table lacks %q:\n%s", want, table.String())
		}
	}
	if err := render.Status(&js, render.JSON, st, render.Options{}); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Stages []struct {
			Name, State, SoakEndsAt string
			Failures                int
		}
		Steps []struct{ Step, Stage string }
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Stages) != 3 || back.Stages[0].State != "soaking" || back.Stages[0].SoakEndsAt != "2026-12-02T03:00:00Z" || back.Stages[1].Failures != 1 {
		t.Errorf("status JSON stages = %+v", back.Stages)
	}
	if back.Steps[0].Stage != "canary" {
		t.Errorf("status JSON step %+v lacks its stage", back.Steps[0])
	}
}

func TestSoakAndStoppedNotes(t *testing.T) {
	st := stagedStatus(t)
	if got, want := render.SoakNote(st.Stages), "stage canary soaks until 2026-12-02T03:00:00Z; stage payments starts then"; got != want {
		t.Errorf("SoakNote = %q, want %q", got, want)
	}
	if got := render.StoppedNote(st.Stages); got != "" {
		t.Errorf("StoppedNote = %q with nothing stopped", got)
	}
	st.Stages[1].State, st.Stages[1].Failures = executor.StageStopped, 2
	if got, want := render.StoppedNote(st.Stages), "stage payments stopped the campaign: 2 failed step(s), more than its maxFailures 1"; got != want {
		t.Errorf("StoppedNote = %q, want %q", got, want)
	}
}
