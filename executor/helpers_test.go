package executor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

func examplePlan(t testing.TB) *plans.Plan {
	t.Helper()
	data, err := os.ReadFile("testdata/example-fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return PlanFromYAML(t, "example-fleet.yaml", data)
}

// writePlan writes p into a fresh directory and returns the plan path.
func writePlan(t testing.TB, p *plans.Plan) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := plans.Write(path, p); err != nil {
		t.Fatal(err)
	}
	return path
}

// simEnv is a simulator on loopback HTTP and a real SDK client for it.
type simEnv struct {
	plan     *plans.Plan // the plan the simulator was seeded from
	sim      *rdssim.Sim
	endpoint string
	cloud    *rdsapi.Client
}

// durationOf gives each instance a short, varied upgrade time.
func durationOf(id string) time.Duration {
	h := 0
	for _, c := range id {
		h = h*31 + int(c)
	}
	if h < 0 {
		h = -h
	}
	return time.Duration(20+h%40) * time.Millisecond
}

func startSim(t testing.TB, p *plans.Plan, opts rdssim.Options) *simEnv {
	t.Helper()
	if opts.UpgradeDuration == 0 && opts.DurationFor == nil {
		opts.DurationFor = durationOf
	}
	return startSimClock(t, p, opts)
}

// startSimClock starts a simulator with opts as given: the default upgrade
// spread (10–30 minutes) unless opts say otherwise.
func startSimClock(t testing.TB, p *plans.Plan, opts rdssim.Options) *simEnv {
	t.Helper()
	sim, endpoint := rdssimtest.StartTestServer(t, p.Instances, opts)
	cloud, err := rdsapi.New(rdsapi.Config{
		Endpoint:    endpoint,
		Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret),
		Timeout:     2 * time.Second,
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return &simEnv{plan: p, sim: sim, endpoint: endpoint, cloud: cloud}
}

// fastOptions are run options for tests: millisecond polling, short retries.
func fastOptions() Options {
	return Options{
		Concurrency: 8, QPS: 2000, PollInterval: 5 * time.Millisecond,
		StepTimeout: 20 * time.Second, RetryFor: 10 * time.Second, WrongStateWait: 5 * time.Second,
	}
}

// apply opens the plan file (verify, lock, journal) and runs it once.
func apply(t testing.TB, ctx context.Context, planPath string, cloud Cloud, opts Options) (*Result, error) {
	t.Helper()
	s, err := Open(planPath, "")
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return Run(ctx, s.Plan, cloud, s.Journal, opts)
}

// upgradeCalls returns the sim's UpgradeDBInstanceEngineVersion calls by instance.
func upgradeCalls(sim *rdssim.Sim) map[string][]rdssim.Call {
	out := map[string][]rdssim.Call{}
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" {
			out[c.InstanceID] = append(out[c.InstanceID], c)
		}
	}
	return out
}

// checkInvariants asserts what must hold after any sequence of runs:
// no instance upgraded twice, and no primary's upgrade applied before
// every step it depends on had reached the target.
func checkInvariants(t testing.TB, p *plans.Plan, sim *rdssim.Sim, dur func(string) time.Duration) {
	t.Helper()
	calls := upgradeCalls(sim)
	applied := map[string]time.Time{}
	for id, cs := range calls {
		n := 0
		for _, c := range cs {
			if c.Outcome == "applied" {
				n++
				applied[id] = c.Time
			}
		}
		if n > 1 {
			t.Errorf("instance %s upgraded %d times (applied calls), want at most 1", id, n)
		}
	}
	for _, s := range p.Steps {
		at, ok := applied[s.InstanceID]
		if !ok {
			continue
		}
		for _, d := range s.DependsOn {
			dep := p.Step(d)
			dat, ok := applied[dep.InstanceID]
			if !ok {
				t.Errorf("%s upgraded but its dependency %s never was", s.InstanceID, dep.InstanceID)
				continue
			}
			if done := dat.Add(dur(dep.InstanceID)); at.Before(done) {
				t.Errorf("%s upgrade applied at %s, before its replica %s reached the target at %s", s.InstanceID, at.Format(time.StampMilli), dep.InstanceID, done.Format(time.StampMilli))
			}
		}
	}
}

// checkAllUpgraded asserts every instance of the plan runs its target.
func checkAllUpgraded(t testing.TB, p *plans.Plan, sim *rdssim.Sim) {
	t.Helper()
	byID := map[string]rdssim.InstanceView{}
	for _, v := range sim.Instances() {
		byID[v.ID] = v
	}
	for _, s := range p.Steps {
		v := byID[s.InstanceID]
		if v.EngineVersion != s.ToVersion || v.Status != "Running" {
			t.Errorf("instance %s is %s on %s, want Running on %s", s.InstanceID, v.Status, v.EngineVersion, s.ToVersion)
		}
	}
}

func appliedCount(sim *rdssim.Sim) int {
	n := 0
	for _, cs := range upgradeCalls(sim) {
		for _, c := range cs {
			if c.Outcome == "applied" {
				n++
			}
		}
	}
	return n
}

func summarize(res *Result) string {
	var b strings.Builder
	for _, s := range res.Steps {
		b.WriteString(s.Instance + "=" + string(s.State))
		if s.Detail != "" {
			b.WriteString("(" + s.Detail + ")")
		}
		b.WriteString(" ")
	}
	return b.String()
}
