package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultUnreachableFor is how long the endpoint of a region may go on
// failing to be reached at all (DNS failure, refused connection: see
// ErrUnreachable) before the run ends. Until then such failures are
// transient and retried like any other.
const DefaultUnreachableFor = 2 * time.Minute

// reachGuard watches every call for ErrUnreachable. When a region's
// calls have found no endpoint for longer than limit, with no answer in
// between, it cancels the run with an error that says so: the steps stop
// as if interrupted (nothing is marked failed) and the next apply resumes.
type reachGuard struct {
	Cloud
	limit time.Duration
	abort context.CancelCauseFunc

	mu    sync.Mutex
	since map[string]time.Time // region → first unreachable call since its last answer
}

func newReachGuard(c Cloud, limit time.Duration, abort context.CancelCauseFunc) *reachGuard {
	return &reachGuard{Cloud: c, limit: limit, abort: abort, since: map[string]time.Time{}}
}

func (g *reachGuard) Describe(ctx context.Context, region string, ids []string) (map[string]Instance, error) {
	got, err := g.Cloud.Describe(ctx, region, ids)
	g.note(region, err)
	return got, err
}

// ListStatus reads with the inner Cloud's list call, or with Describe
// when it has none.
func (g *reachGuard) ListStatus(ctx context.Context, region string, ids []string) (map[string]Instance, error) {
	read := g.Cloud.Describe
	if l, ok := g.Cloud.(StatusLister); ok {
		read = l.ListStatus
	}
	got, err := read(ctx, region, ids)
	g.note(region, err)
	return got, err
}

func (g *reachGuard) UpgradeEngineVersion(ctx context.Context, u Upgrade) (Task, error) {
	t, err := g.Cloud.UpgradeEngineVersion(ctx, u)
	g.note(u.Region, err)
	return t, err
}

func (g *reachGuard) note(region string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ae *CloudError
	switch {
	case err == nil || !errors.Is(err, ErrUnreachable) && errors.As(err, &ae) && ae.Code != "":
		delete(g.since, region) // the endpoint answered
	case errors.Is(err, ErrUnreachable):
		first, ok := g.since[region]
		if !ok {
			g.since[region] = time.Now()
			return
		}
		if d := time.Since(first); d >= g.limit {
			g.abort(fmt.Errorf("%w: region %s: no answer for %s: %v; check the network and DNS, then run apply again to resume",
				ErrUnreachable, region, d.Round(time.Second), err))
		}
	}
}
