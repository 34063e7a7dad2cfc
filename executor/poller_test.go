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
