package executor

import (
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim"
)

func TestApplyExampleFleet(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{})
	path := writePlan(t, p)
	res, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Done() {
		t.Fatalf("not done: %s", summarize(res))
	}
	checkAllUpgraded(t, p, env.sim)
	checkInvariants(t, p, env.sim, durationOf)
	if n := appliedCount(env.sim); n != len(p.Steps) {
		t.Errorf("applied upgrade calls = %d, want %d", n, len(p.Steps))
	}
	// the primary of the shop cluster is upgraded after both its replicas
	calls := upgradeCalls(env.sim)
	if len(calls["rm-shop-db"]) == 0 || calls["rm-shop-db"][0].Time.Before(calls["rr-shop-ro1"][0].Time) {
		t.Errorf("primary rm-shop-db upgraded before its replica: %+v", calls)
	}
	t.Logf("api calls %d for %d steps, %d poll rounds", res.APICalls, len(p.Steps), res.PollRounds)

	// a second apply of the same plan does nothing and sends no upgrade
	res2, err := apply(t, t.Context(), path, env.cloud, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Done() || appliedCount(env.sim) != len(p.Steps) {
		t.Fatalf("re-apply: %s, applied %d", summarize(res2), appliedCount(env.sim))
	}
	for id, cs := range upgradeCalls(env.sim) {
		if len(cs) != 1 {
			t.Errorf("instance %s got %d upgrade calls, want 1", id, len(cs))
		}
	}
	if !strings.Contains(summarize(res2), "earlier run") {
		t.Errorf("re-apply should report steps done in an earlier run: %s", summarize(res2))
	}
}
