package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/plans"
)

// upgradeTime gives each instance a short, varied upgrade time, the same
// in the simulator and in the invariants.
func upgradeTime(id string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(id))
	return time.Duration(60+h.Sum32()%140) * time.Millisecond
}

// workerOptions are a worker's run options in the crash test.
func workerOptions() executor.Options {
	return executor.Options{
		Concurrency: 4, QPS: 2000, PollInterval: 10 * time.Millisecond,
		StepTimeout: 30 * time.Second, RetryFor: 20 * time.Second, WrongStateWait: 10 * time.Second,
		Window: func(plans.Step, plans.Instance, time.Time) (bool, time.Time, string) { return true, time.Time{}, "" },
	}
}

// childWorker is the test binary acting as one `rdsup apply --state …
// --plan-id …` worker (TestMain starts it for RDSUP_TEST_WORKER=1).
func childWorker() int {
	ctx := context.Background()
	cloud, err := rdsapi.New(rdsapi.Config{
		Endpoint:    os.Getenv("RDSUP_TEST_ENDPOINT"),
		Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret),
		Timeout:     2 * time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := postgres.Connect(ctx, os.Getenv("RDSUP_TEST_STATE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	lease, _ := time.ParseDuration(os.Getenv("RDSUP_TEST_LEASE"))
	s.Lease = lease
	p, err := s.LoadPlan(ctx, os.Getenv("RDSUP_TEST_PLAN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w, err := s.OpenWorker(ctx, p)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer w.Close()
	res, err := executor.RunShared(ctx, p, cloud, w, workerOptions(), 50*time.Millisecond)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		return 1
	}
	if n := res.Count(executor.Failed) + res.Count(executor.Blocked); n > 0 {
		for _, st := range res.Steps {
			if st.State == executor.Failed {
				fmt.Fprintf(os.Stderr, "step %s failed: %s\n", st.Step, st.Detail)
			}
		}
		return 1
	}
	return 0
}

type proc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
	exited bool // done was received
}

func startWorker(t *testing.T, env []string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &stderr, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	return p
}

// TestKill9Workers: three worker processes apply one plan from the store
// against the simulator with throttling, 5xx and lost responses; random
// workers are killed with SIGKILL at random moments and started again.
// From the simulator's call log: every instance upgraded exactly once,
// no primary before its replicas were done, and the plan complete.
func TestKill9Workers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	faults := []struct {
		name   string
		faults rdssim.Faults
		kills  int
	}{
		{"throttling+5xx", rdssim.Faults{ThrottleRate: 0.1, ServerErrorRate: 0.1}, 18},
		{"lost responses", rdssim.Faults{DropResponseRate: 0.2, DropActions: []string{"UpgradeDBInstanceEngineVersion"}}, 18},
		{"everything", rdssim.Faults{ThrottleRate: 0.1, ServerErrorRate: 0.1, DropResponseRate: 0.1, Latency: time.Millisecond}, 18},
	}
	total := 0
	for i, fc := range faults {
		t.Run(fc.name, func(t *testing.T) {
			total += kill9Campaign(t, int64(i+1), fc.faults, fc.kills)
		})
	}
	if total < 50 && !t.Failed() {
		t.Errorf("%d kill -9 points in all, want at least 50", total)
	}
	t.Logf("%d workers killed with kill -9 in all", total)
}

func kill9Campaign(t *testing.T, seed int64, faults rdssim.Faults, wantKills int) int {
	rng := rand.New(rand.NewPCG(uint64(seed), 12))
	p := fleetPlan(t, 36, seed)
	sim, endpoint := rdssimtest.StartTestServer(t, p.Instances, rdssim.Options{Seed: seed, Faults: faults, DurationFor: upgradeTime})
	s, url := newStore(t)
	save(t, s, p, 0)
	env := []string{"RDSUP_TEST_WORKER=1", "RDSUP_TEST_ENDPOINT=" + endpoint, "RDSUP_TEST_STATE=" + url,
		"RDSUP_TEST_PLAN=" + p.ID, "RDSUP_TEST_LEASE=" + (600 * time.Millisecond).String()}
	workers := make([]*proc, 3)
	for i := range workers {
		workers[i] = startWorker(t, env)
	}
	defer func() {
		for _, w := range workers {
			if w != nil && !w.exited {
				_ = w.cmd.Process.Kill()
				<-w.done
			}
		}
	}()
	kills := 0
	for kills < wantKills && !complete(t, s, p) {
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		i := rng.IntN(len(workers))
		w := workers[i]
		select {
		case err := <-w.done:
			w.exited = true
			if err != nil {
				t.Fatalf("worker failed: %v\n%s", err, w.stderr)
			}
		default:
			_ = w.cmd.Process.Kill() // SIGKILL: no release, no deferred writes
			<-w.done
			w.exited = true
			kills++
		}
		workers[i] = startWorker(t, env)
	}
	for i, w := range workers {
		select {
		case err := <-w.done:
			w.exited = true
			if err != nil {
				t.Fatalf("worker failed: %v\n%s", err, w.stderr)
			}
		case <-time.After(90 * time.Second):
			t.Fatalf("worker %d still running after 90s\n%s", i, w.stderr)
		}
	}
	if !complete(t, s, p) {
		recs, _ := s.ReadSteps(t.Context(), p)
		t.Fatalf("plan not complete after %d kills and every worker ended: %v", kills, recs)
	}
	checkUpgradedOnce(t, p, sim)
	if n := distinctWorkers(t, url, p.ID); n < 3 {
		t.Errorf("journal written by %d workers, want the work shared by at least 3", n)
	}
	t.Logf("%d steps, %d kill -9", len(p.Steps), kills)
	return kills
}

// complete reports whether the store says every step succeeded.
func complete(t *testing.T, s *postgres.Store, p *plans.Plan) bool {
	t.Helper()
	recs, err := s.ReadSteps(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Steps {
		if recs[st.ID].State != executor.Succeeded {
			return false
		}
	}
	return true
}

// checkUpgradedOnce reads the simulator's call log: each instance's
// upgrade applied exactly once, never before the upgrades of the steps
// it depends on had finished, and every instance on its target.
func checkUpgradedOnce(t *testing.T, p *plans.Plan, sim *rdssim.Sim) {
	t.Helper()
	applied := map[string][]time.Time{}
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" && c.Outcome == "applied" {
			applied[c.InstanceID] = append(applied[c.InstanceID], c.Time)
		}
	}
	for _, st := range p.Steps {
		at := applied[st.InstanceID]
		if len(at) != 1 {
			t.Errorf("instance %s upgraded %d times, want exactly once", st.InstanceID, len(at))
			continue
		}
		for _, d := range st.DependsOn {
			dep := p.Step(d)
			if len(applied[dep.InstanceID]) == 0 {
				continue
			}
			if done := applied[dep.InstanceID][0].Add(upgradeTime(dep.InstanceID)); at[0].Before(done) {
				t.Errorf("%s upgraded at %s, before its replica %s was done at %s", st.InstanceID, at[0].Format(time.StampMilli), dep.InstanceID, done.Format(time.StampMilli))
			}
		}
	}
	views := map[string]rdssim.InstanceView{}
	for _, v := range sim.Instances() {
		views[v.ID] = v
	}
	for _, st := range p.Steps {
		if v := views[st.InstanceID]; v.EngineVersion != st.ToVersion || v.Status != "Running" {
			t.Errorf("instance %s is %s on %s, want Running on %s", st.InstanceID, v.Status, v.EngineVersion, st.ToVersion)
		}
	}
}

func distinctWorkers(t *testing.T, url, planID string) int {
	t.Helper()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	var n int
	if err := c.QueryRow(t.Context(), "SELECT count(DISTINCT worker) FROM rdsup_journal WHERE plan_id = $1", planID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
