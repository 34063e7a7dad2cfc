package executor_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// testdata/journal-v1 was written by the release before the step states
// were redesigned (main at 48473b0; its plan re-made in plan format 3, see
// fleet.yaml): `rdsup apply --no-wait` against
// `rdsup sim --state sim.json` left rm-done succeeded, the MaintainTime
// upgrade of rr-late accepted and scheduled for its 04:00Z window, and
// its primary rm-late not started. This build reads that journal with the
// same meaning and resumes it: rr-late is polled (never sent again) and
// rm-late upgraded once the window is open.
func TestJournalOfThePreviousReleaseResumes(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"plan.json", "plan.json.journal"} {
		b, err := os.ReadFile(filepath.Join("testdata", "journal-v1", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "plan.json")
	s, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	st := StatusOf(s.Plan, s.Journal.Path(), s.Journal.Steps())
	s.Close()
	opens := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)
	want := map[string]State{"rm-done": Succeeded, "rr-late": Scheduled, "rm-late": NotStarted}
	for _, step := range st.Steps {
		if step.State != want[step.Instance] {
			t.Errorf("%s: state %s, want %s", step.Instance, step.State, want[step.Instance])
		}
		if step.Instance == "rr-late" && (!step.OpensAt.Equal(opens) || step.TaskID != "10000001") {
			t.Errorf("rr-late: opens %s task %q, want %s and task 10000001", step.OpensAt, step.TaskID, opens)
		}
	}

	clock := rdssim.NewManualClock(opens.Add(30 * time.Minute)) // the window is open, rr-late's upgrade done
	sim, err := rdssim.Load(filepath.Join("testdata", "journal-v1", "sim.json"), rdssim.Options{
		AccessKeyID: rdssimtest.AccessKeyID, AccessKeySecret: rdssimtest.AccessKeySecret,
		Clock: clock, UpgradeDuration: 10 * time.Minute, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cloud, err := rdsapi.New(rdsapi.Config{Endpoint: srv.URL,
		Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret)})
	if err != nil {
		t.Fatal(err)
	}
	opts := fastOptions()
	opts.Clock, opts.StepTimeout = clock, time.Hour // deadlines on the ticking clock
	tick(t, clock, time.Second)
	res, err := apply(t, t.Context(), path, cloud, opts)
	if err != nil || !res.Done() {
		t.Fatalf("resume: %v %s", err, summarize(res))
	}
	if n := len(upgradeCalls(sim)["rr-late"]); n != 1 { // the call log holds the earlier run's call
		t.Errorf("rr-late upgrade calls = %d, want 1 (the earlier run's: never sent again)", n)
	}
	if n := len(upgradeCalls(sim)["rm-late"]); n != 1 {
		t.Errorf("rm-late upgrade calls = %d, want 1", n)
	}
}
