package executor_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

func clientFor(t *testing.T, endpoint, secret string) *rdsapi.Client {
	t.Helper()
	c, err := rdsapi.New(rdsapi.Config{Endpoint: endpoint, Timeout: 2 * time.Second,
		Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, secret)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// notFoundCloud answers every Describe with "not found" and is no Pinger.
type notFoundCloud struct{}

func (*notFoundCloud) UpgradeEngineVersion(context.Context, Upgrade) (Task, error) {
	return Task{}, errors.New("not used")
}

func (*notFoundCloud) Describe(context.Context, string, []string) (map[string]rdsapi.Instance, error) {
	return nil, &rdsapi.Error{Kind: rdsapi.ErrNotFound, Code: "InvalidDBInstanceId.NotFound"}
}

func TestPreflight(t *testing.T) {
	p := examplePlan(t)
	tests := []struct {
		name    string
		cloud   func(t *testing.T) Cloud
		want    []error // empty: success
		message []string
	}{
		{"simulator", func(t *testing.T) Cloud { return startSim(t, p, rdssim.Options{}).cloud }, nil, nil},
		{"flaky simulator is retried", func(t *testing.T) Cloud {
			return startSim(t, p, rdssim.Options{Seed: 3, Faults: rdssim.Faults{ServerErrorRate: 0.5, ThrottleRate: 0.2}}).cloud
		}, nil, nil},
		{"wrong secret", func(t *testing.T) Cloud {
			return clientFor(t, startSim(t, p, rdssim.Options{}).endpoint, "not-the-secret")
		}, []error{ErrPreflight, rdsapi.ErrCredentials}, []string{"region cn-hangzhou", "SignatureDoesNotMatch", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"}},
		{"unknown key", func(t *testing.T) Cloud {
			env := startSim(t, p, rdssim.Options{AccessKeyID: "LTAIanotherkey0001"})
			return clientFor(t, env.endpoint, rdssimtest.AccessKeySecret)
		}, []error{ErrPreflight, rdsapi.ErrCredentials}, []string{"InvalidAccessKeyId.NotFound"}},
		{"closed port", func(t *testing.T) Cloud {
			return clientFor(t, rdssimtest.ClosedEndpoint(t), rdssimtest.AccessKeySecret)
		},
			[]error{ErrPreflight, rdsapi.ErrUnreachable}, []string{"region cn-hangzhou", "endpoint unreachable", "connection refused"}},
		{"unknown host", func(t *testing.T) Cloud {
			return clientFor(t, "http://rdsup-no-such-host.invalid", rdssimtest.AccessKeySecret)
		},
			[]error{ErrPreflight, rdsapi.ErrUnreachable}, []string{"rdsup-no-such-host.invalid", "check the region id"}},
		{"not a pinger: not found is fine", func(*testing.T) Cloud { return &notFoundCloud{} }, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := Preflight(t.Context(), p, nil, tt.cloud(t))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("preflight: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("preflight passed")
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want %v", err, w)
				}
			}
			for _, m := range tt.message {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("err = %v, want it to say %q", err, m)
				}
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %s: a fatal preflight error must end it at once", time.Since(start))
			}
		})
	}
}

func TestPreflightReadsEachRegionOnce(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{})
	if err := Preflight(t.Context(), p, nil, env.cloud); err != nil {
		t.Fatal(err)
	}
	regions := map[string]bool{}
	for _, s := range p.Steps {
		regions[s.Region] = true
	}
	calls := env.sim.Calls()
	if len(calls) != len(regions) {
		t.Fatalf("calls = %+v, want one per region (%d)", calls, len(regions))
	}
	for _, c := range calls {
		if c.Action != "DescribeDBInstances" || c.Outcome != "ok" {
			t.Errorf("call %+v, want an answered DescribeDBInstances", c)
		}
	}
}

func TestUnreachableEndpointEndsTheRun(t *testing.T) {
	p := examplePlan(t)
	path := writePlan(t, p)
	o := fastOptions()
	o.UnreachableFor = 300 * time.Millisecond
	start := time.Now()
	res, err := apply(t, t.Context(), path, clientFor(t, rdssimtest.ClosedEndpoint(t), rdssimtest.AccessKeySecret), o)
	if !errors.Is(err, rdsapi.ErrUnreachable) || !strings.Contains(err.Error(), "endpoint unreachable") || !strings.Contains(err.Error(), "resume") {
		t.Fatalf("err = %v, want endpoint unreachable", err)
	}
	if d := time.Since(start); d > o.RetryFor/2 {
		t.Errorf("ended after %s: the unreachable bound (%s) did not end the run", d, o.UnreachableFor)
	}
	if n := res.Count(Failed); n != 0 {
		t.Errorf("%d step(s) failed; an unreachable endpoint fails no step: %s", n, summarize(res))
	}
	recs, rerr := ReadJournal(JournalPath(path), p.ID)
	if rerr != nil {
		t.Fatal(rerr)
	}
	for id, r := range recs {
		if r.State == Failed {
			t.Errorf("journal marks %s failed: %+v", id, r)
		}
	}
}

// blinkingCloud cannot reach its endpoint until up, then passes calls on.
type blinkingCloud struct {
	Cloud
	up       time.Time
	refusals atomic.Int64
}

func (c *blinkingCloud) down() error {
	if time.Now().After(c.up) {
		return nil
	}
	c.refusals.Add(1)
	return &rdsapi.UnreachableError{Host: "127.0.0.1:1", Err: &rdsapi.Error{Kind: rdsapi.ErrTransient, Action: "X", Message: "connection refused"}}
}

func (c *blinkingCloud) Describe(ctx context.Context, region string, ids []string) (map[string]rdsapi.Instance, error) {
	if err := c.down(); err != nil {
		return nil, err
	}
	return c.Cloud.Describe(ctx, region, ids)
}

func (c *blinkingCloud) UpgradeEngineVersion(ctx context.Context, u rdsapi.Upgrade) (rdsapi.Task, error) {
	if err := c.down(); err != nil {
		return rdsapi.Task{}, err
	}
	return c.Cloud.UpgradeEngineVersion(ctx, u)
}

func TestUnreachableForAWhileIsRetried(t *testing.T) {
	p := examplePlan(t)
	env := startSim(t, p, rdssim.Options{})
	cloud := &blinkingCloud{Cloud: env.cloud, up: time.Now().Add(300 * time.Millisecond)}
	o := fastOptions()
	o.UnreachableFor = 5 * time.Second
	res, err := apply(t, t.Context(), writePlan(t, p), cloud, o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Done() || cloud.refusals.Load() == 0 {
		t.Fatalf("after %d refusals: %s", cloud.refusals.Load(), summarize(res))
	}
	checkAllUpgraded(t, p, env.sim)
}
