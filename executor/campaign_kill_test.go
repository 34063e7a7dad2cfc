package executor_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
)

// Kill points of a hop, where a campaign child kills itself with SIGKILL
// (RDSUP_TEST_KILL=POINT:N, at the N-th time this run reaches POINT):
const (
	// killBeforeCall: the step's start is journaled, its upgrade not sent.
	killBeforeCall = "before-call"
	// killAfterCall: the API accepted the upgrade; the answer is not
	// journaled (between the upgrade call and its journal record).
	killAfterCall = "after-call"
	// killInFlight: the accepted upgrade is journaled and the hop is
	// under way on the instance.
	killInFlight = "in-flight"
	// killAnytime: the parent kills the child at a random instant.
	killAnytime = "anytime"
)

// killSelf ends this process as kill -9 does: no deferred function runs,
// nothing is flushed or closed.
func killSelf() {
	p, err := os.FindProcess(os.Getpid())
	if err == nil {
		_ = p.Kill()
	}
	select {}
}

// killCloud is the real SDK client that kills the process at a kill point
// around the upgrade call.
type killCloud struct {
	*rdsapi.Client
	point string
	at    int32
	n     atomic.Int32
}

func (k *killCloud) UpgradeEngineVersion(ctx context.Context, u Upgrade) (Task, error) {
	if k.point == killBeforeCall && k.n.Add(1) == k.at {
		killSelf()
	}
	task, err := k.Client.UpgradeEngineVersion(ctx, u)
	if k.point == killAfterCall && err == nil && k.n.Add(1) == k.at {
		killSelf()
	}
	return task, err
}

// campaignChild applies RDSUP_TEST_PLAN against RDSUP_TEST_ENDPOINT and
// kills itself at RDSUP_TEST_KILL (none when empty).
func campaignChild() int {
	client, err := childClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cloud := &killCloud{Client: client}
	opts := campaignOptions()
	if spec := os.Getenv("RDSUP_TEST_KILL"); spec != "" {
		point, n, _ := strings.Cut(spec, ":")
		at, err := strconv.Atoi(n)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad RDSUP_TEST_KILL", spec)
			return 1
		}
		cloud.point, cloud.at = point, int32(at)
		if point == killInFlight {
			seen := 0
			opts.OnEvent = func(ev Event) {
				if ev.State == Upgrading && !ev.Retry {
					if seen++; seen == at {
						killSelf()
					}
				}
			}
		}
	}
	return childRun(cloud, opts)
}

// TestCampaignKill9MidHop runs a 5.5 → 8.0 campaign in child processes,
// each killed with SIGKILL in the middle of a hop (at each kill point in
// turn, clean and under throttling and 5xx), then resumed by a child left
// to finish; the call log must show the same campaign as an uninterrupted
// run: every instance on 8.0, each hop applied once, the order rules kept.
func TestCampaignKill9MidHop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	points := []string{killBeforeCall, killAfterCall, killInFlight, killAnytime}
	for pi, point := range points {
		for fi, fc := range campaignFaults[:2] {
			t.Run(point+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				seed := []int64{40, 41, 42, 44, 45, 46, 49, 51}[2*pi+fi] // fleets that start from 5.5 and from 5.6
				rng := rand.New(rand.NewPCG(uint64(seed), 11))
				p := campaignPlan(t, 24, seed)
				env := startSim(t, p, rdssim.Options{Seed: seed, Faults: fc.faults, DurationFor: campaignDuration})
				path := writePlan(t, p)
				kills, finished := 0, false
				for run := 0; run < 6 && !finished; run++ {
					kill := fmt.Sprintf("%s:%d", point, 1+rng.IntN(6))
					after := time.Duration(0)
					if point == killAnytime {
						kill, after = "", time.Duration(20+rng.IntN(200))*time.Millisecond
					}
					killed, err := runCampaignChild(t, env.endpoint, path, kill, after)
					switch {
					case err != nil:
						t.Fatalf("run %d (%s): %v", run, kill, err)
					case killed:
						kills++
					default:
						finished = true // the run ended before its kill point
					}
				}
				if _, err := runCampaignChild(t, env.endpoint, path, "", 0); err != nil {
					t.Fatalf("resume after %d kills: %v", kills, err)
				}
				if kills == 0 {
					t.Fatalf("no run was killed at %s: the case proves nothing", point)
				}
				log := checkCampaignLog(t, p, env.sim.Calls())
				checkCampaignDone(t, p, env.sim, log)
				t.Logf("%d hops, %d runs killed at %s, %d upgrade calls retried, %d answered by ClientToken", len(p.Steps), kills, point, log.retried, log.dedup)
			})
		}
	}
}

// runCampaignChild runs one campaign child: killed reports that it died by
// SIGKILL (at its kill point, or after `after` when > 0); err that it
// failed otherwise.
func runCampaignChild(t *testing.T, endpoint, plan, kill string, after time.Duration) (killed bool, err error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RDSUP_TEST_CHILD=campaign", "RDSUP_TEST_ENDPOINT="+endpoint,
		"RDSUP_TEST_PLAN="+plan, "RDSUP_TEST_KILL="+kill)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timer <-chan time.Time
	if after > 0 {
		timer = time.After(after)
	}
	select {
	case err = <-done:
	case <-timer:
		_ = cmd.Process.Kill() // SIGKILL
		err = <-done
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		return false, fmt.Errorf("child still running after 2 minutes\n%s", stderr.String())
	}
	if err == nil {
		return false, nil
	}
	if cmd.ProcessState != nil && strings.Contains(cmd.ProcessState.String(), "killed") {
		return true, nil
	}
	return false, fmt.Errorf("%v\n%s", err, stderr.String())
}
