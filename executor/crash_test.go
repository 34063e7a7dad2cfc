package executor_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

func alwaysOpen(plans.Step, plans.Instance, time.Time) (bool, time.Time, string) {
	return true, time.Time{}, ""
}

// runOnce opens the plan and runs it, optionally "crashing" the journal
// after crashAfter records or cancelling after cancelAfter.
func runOnce(t *testing.T, path string, cloud Cloud, opts Options, crashAfter int, cancelAfter time.Duration) (*Result, error) {
	t.Helper()
	s, err := Open(path, "")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	s.Journal.SetFailAfter(crashAfter)
	ctx := t.Context()
	if cancelAfter > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cancelAfter)
		defer cancel()
	}
	return Run(ctx, s.Plan, cloud, s.Journal, opts)
}

func TestCrashResume(t *testing.T) {
	faults := []struct {
		name   string
		faults rdssim.Faults
	}{
		{"clean", rdssim.Faults{}},
		{"throttling", rdssim.Faults{ThrottleRate: 0.2}},
		{"5xx", rdssim.Faults{ServerErrorRate: 0.2}},
		{"lost responses", rdssim.Faults{DropResponseRate: 0.15}},
		{"lost upgrade responses", rdssim.Faults{DropResponseRate: 0.3, DropActions: []string{"UpgradeDBInstanceEngineVersion"}}},
		{"latency", rdssim.Faults{Latency: 3 * time.Millisecond}},
		{"everything", rdssim.Faults{ThrottleRate: 0.1, ServerErrorRate: 0.1, DropResponseRate: 0.1, Latency: time.Millisecond}},
	}
	for fi, fc := range faults {
		for round := range 3 {
			seed := int64(fi*10 + round + 1)
			t.Run(fmt.Sprintf("%s/seed%d", fc.name, seed), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(uint64(seed), 7))
				p := FleetPlan(t, 24, seed)
				env := startSim(t, p, rdssim.Options{Seed: seed, Faults: fc.faults})
				path := writePlan(t, p)
				opts := fastOptions()
				opts.Window = alwaysOpen
				opts.Concurrency = 4
				crashes := 0
				for attempt := 0; attempt < 8; attempt++ {
					var res *Result
					var err error
					if rng.IntN(2) == 0 {
						res, err = runOnce(t, path, env.cloud, opts, 1+rng.IntN(3*len(p.Steps)), 0)
					} else {
						res, err = runOnce(t, path, env.cloud, opts, 0, time.Duration(5+rng.IntN(120))*time.Millisecond)
					}
					if err == nil && res.Done() {
						break
					}
					crashes++
				}
				res, err := runOnce(t, path, env.cloud, opts, 0, 0)
				if err != nil {
					t.Fatalf("final run: %v", err)
				}
				if !res.Done() {
					t.Fatalf("plan not completed after %d crashes: %s", crashes, summarize(res))
				}
				checkAllUpgraded(t, p, env.sim)
				checkInvariants(t, p, env.sim, durationOf)
				if n := appliedCount(env.sim); n != len(p.Steps) {
					t.Errorf("applied upgrades = %d, want %d (one per step)", n, len(p.Steps))
				}
				dedup := 0
				for _, cs := range upgradeCalls(env.sim) {
					for _, c := range cs {
						if c.Outcome == "deduplicated" {
							dedup++
						}
					}
				}
				if len(fc.faults.DropActions) > 0 && dedup == 0 {
					t.Errorf("responses were dropped but no upgrade was re-sent with its ClientToken")
				}
				t.Logf("%d steps, %d interrupted runs, %d upgrade calls answered by ClientToken deduplication", len(p.Steps), crashes, dedup)
			})
		}
	}
}

// TestMain lets the test binary act as an apply process that the kill -9
// test starts and kills.
func TestMain(m *testing.M) {
	switch os.Getenv("RDSUP_TEST_CHILD") {
	case "1":
		os.Exit(childApply())
	case "campaign":
		os.Exit(campaignChild())
	}
	os.Exit(m.Run())
}

func childApply() int {
	cloud, err := childClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := fastOptions()
	opts.Window = alwaysOpen
	opts.Concurrency = 4
	return childRun(cloud, opts)
}

// childClient is a child apply's SDK client of the simulator at
// RDSUP_TEST_ENDPOINT.
func childClient() (*rdsapi.Client, error) {
	return rdsapi.New(rdsapi.Config{
		Endpoint:    os.Getenv("RDSUP_TEST_ENDPOINT"),
		Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret),
		Timeout:     2 * time.Second,
	})
}

// childRun applies RDSUP_TEST_PLAN through cloud: the exit status of a
// child apply (0 when every step succeeded).
func childRun(cloud Cloud, opts Options) int {
	s, err := Open(os.Getenv("RDSUP_TEST_PLAN"), "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	res, err := Run(context.Background(), s.Plan, cloud, s.Journal, opts)
	if err != nil || !res.Done() {
		fmt.Fprintln(os.Stderr, err, summarize(res))
		return 1
	}
	return 0
}

func TestKill9Resume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, fc := range []struct {
		name   string
		faults rdssim.Faults
	}{
		{"clean", rdssim.Faults{}},
		{"faults", rdssim.Faults{ThrottleRate: 0.1, ServerErrorRate: 0.1, DropResponseRate: 0.1, Latency: time.Millisecond}},
	} {
		t.Run(fc.name, func(t *testing.T) {
			seed := int64(len(fc.name))
			rng := rand.New(rand.NewPCG(uint64(seed), 9))
			p := FleetPlan(t, 20, seed)
			env := startSim(t, p, rdssim.Options{Seed: seed, Faults: fc.faults})
			path := writePlan(t, p)
			kills := 0
			for attempt := 0; attempt < 6; attempt++ {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "RDSUP_TEST_CHILD=1", "RDSUP_TEST_ENDPOINT="+env.endpoint, "RDSUP_TEST_PLAN="+path)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case err := <-done:
					if err == nil {
						attempt = 99 // finished before the kill
						continue
					}
					t.Fatalf("child failed: %v\n%s", err, stderr.String())
				case <-time.After(time.Duration(15+rng.IntN(120)) * time.Millisecond):
					_ = cmd.Process.Kill() // SIGKILL: no cleanup, no deferred writes
					<-done
					kills++
				}
			}
			res, err := runOnce(t, path, env.cloud, func() Options { o := fastOptions(); o.Window = alwaysOpen; return o }(), 0, 0)
			if err != nil || !res.Done() {
				t.Fatalf("final run after %d kills: %v %s", kills, err, summarize(res))
			}
			checkAllUpgraded(t, p, env.sim)
			checkInvariants(t, p, env.sim, durationOf)
			if n := appliedCount(env.sim); n != len(p.Steps) {
				t.Errorf("applied upgrades = %d, want %d", n, len(p.Steps))
			}
			if kills == 0 {
				t.Errorf("no child was killed mid-run; the test proves nothing")
			}
			t.Logf("%d steps, %d kill -9", len(p.Steps), kills)
		})
	}
}
