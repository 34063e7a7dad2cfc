package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/internal/pgtest"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

func TestMain(m *testing.M) {
	if os.Getenv("RDSUP_TEST_WORKER") == "1" {
		os.Exit(childWorker())
	}
	os.Exit(pgtest.Main(m))
}

// fleetPlan plans a synthetic fleet of n instances with Immediate upgrades.
func fleetPlan(t testing.TB, n int, seed int64) *plans.Plan {
	t.Helper()
	y := bytes.ReplaceAll(fleetgen.YAML(n, seed), []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: Immediate"))
	return planYAML(t, fmt.Sprintf("fleet-%d-%d.yaml", n, seed), y)
}

func planYAML(t testing.TB, name string, y []byte) *plans.Plan {
	return plantest.FromYAML(t, name, y)
}

// newStore connects to a fresh database and initialises it.
func newStore(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	url := pgtest.DB(t)
	s := connect(t, url)
	if _, err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, url
}

func connect(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func save(t testing.TB, s *postgres.Store, p *plans.Plan, maxConc int) {
	t.Helper()
	if _, err := s.SavePlan(t.Context(), p, maxConc); err != nil {
		t.Fatal(err)
	}
}

func worker(t testing.TB, s *postgres.Store, p *plans.Plan) *postgres.Worker {
	t.Helper()
	w, err := s.OpenWorker(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func claim(t testing.TB, w *postgres.Worker, s plans.Step) executor.Claim {
	t.Helper()
	c, err := w.Claim(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantErr(t testing.TB, err error, target error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", words)
	}
	if target != nil && !errors.Is(err, target) {
		t.Errorf("error %v is not %v", err, target)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// rootStep returns a step of p with no dependencies and one depending on it.
func chain(t testing.TB, p *plans.Plan) (replica, primary plans.Step) {
	t.Helper()
	for _, s := range p.Steps {
		if len(s.DependsOn) > 0 {
			return *p.Step(s.DependsOn[0]), s
		}
	}
	t.Fatal("plan has no dependent step")
	return
}

func stepFor(t testing.TB, p *plans.Plan, instance string) plans.Step {
	t.Helper()
	for _, s := range p.Steps {
		if s.InstanceID == instance {
			return s
		}
	}
	t.Fatalf("no step for %s", instance)
	return plans.Step{}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
