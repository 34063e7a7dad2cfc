package executor

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// throttledCloud refuses every Describe for its rate limit.
type throttledCloud struct{ describes atomic.Int64 }

func (c *throttledCloud) Describe(context.Context, string, []string) (map[string]Instance, error) {
	c.describes.Add(1)
	return nil, &CloudError{Kind: ErrThrottled, Action: "DescribeDBInstanceAttribute", Code: "Throttling.User"}
}

func (c *throttledCloud) UpgradeEngineVersion(context.Context, Upgrade) (Task, error) {
	return Task{}, errors.New("not used")
}

// A step whose pre-check read keeps being throttled asks again at once;
// the poller backs off between its rounds instead of hammering the API.
func TestPollerBacksOffWhenThrottled(t *testing.T) {
	cloud := &throttledCloud{}
	p := newPoller(cloud, rate.NewLimiter(rate.Inf, 1), 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); p.run(ctx) }()
	for ctx.Err() == nil {
		_, err := p.observe(ctx, "rm-a", "cn-hangzhou", true)
		if err != nil && !errors.Is(err, ErrThrottled) && ctx.Err() == nil {
			t.Fatalf("observe: %v", err)
		}
	}
	<-done
	// backoff from 20ms doubling: 10-20, 20-40, 40-80, 80-160 ms → at most ~6 calls in 300ms
	if n := cloud.describes.Load(); n > 8 {
		t.Errorf("%d Describe calls in 300ms of throttling, want a backed-off handful", n)
	}
}

// splitCloud throttles every read of region cn-bad and answers the others.
type splitCloud struct{}

func (splitCloud) Describe(_ context.Context, region string, ids []string) (map[string]Instance, error) {
	if region == "cn-bad" {
		return nil, &CloudError{Kind: ErrThrottled, Action: "DescribeDBInstanceAttribute", Code: "Throttling.User"}
	}
	out := map[string]Instance{}
	for _, id := range ids {
		out[id] = Instance{ID: id, Region: region, Status: StatusRunning}
	}
	return out, nil
}

func (splitCloud) UpgradeEngineVersion(context.Context, Upgrade) (Task, error) {
	return Task{}, errors.New("not used")
}

// A round in which one chunk is throttled but another is answered is no
// reason to back off: with instances in several regions and a modest
// error rate nearly every round has a failed chunk, and counting those
// stretched the rounds to 30 s until steps gave up polling.
func TestPollerBacksOffOnlyFromUnansweredRounds(t *testing.T) {
	p := newPoller(splitCloud{}, rate.NewLimiter(rate.Inf, 1), 20*time.Millisecond)
	wait := func(region string) *waiter {
		return &waiter{region: region, fresh: true, since: time.Now(), ch: make(chan observation, 1)}
	}
	for range 5 {
		p.waiters = map[string]*waiter{"rm-a": wait("cn-good"), "rm-b": wait("cn-bad")}
		p.round(t.Context())
	}
	if p.errStreak != 0 {
		t.Errorf("error streak %d after 5 rounds each answered in one region, want 0", p.errStreak)
	}
	for range 3 {
		p.waiters = map[string]*waiter{"rm-b": wait("cn-bad")}
		p.round(t.Context())
	}
	if p.errStreak != 3 {
		t.Errorf("error streak %d after 3 rounds the API did not answer, want 3", p.errStreak)
	}
}
