package executor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// poller reads instances for every step that wants a fresh look, in
// batched DescribeDBInstanceAttribute calls: one round serves all waiting
// steps, grouped by region, MaxDescribeBatch ids per call. Polling
// rounds are at least interval apart; steps that have not looked yet
// (their pre-check) are served after a short coalescing delay by a round
// of their own.
type poller struct {
	cloud    Cloud
	lim      *rate.Limiter
	interval time.Duration
	coalesce time.Duration

	mu        sync.Mutex
	waiters   map[string]*waiter // instance id → waiter (one step per instance)
	kick      chan struct{}
	stopped   chan struct{} // closed when run returns
	lastRound time.Time     // last polling round (all waiters)
	lastAny   time.Time     // last round of either kind
	errStreak int
	rounds    int
	calls     int

	queue        *queued               // ready steps not launched yet (nil: no prefetch)
	kept         map[string]prefetched // step id → its instance, read ahead for its pre-check
	prefetchHits int
}

// maxRoundCalls bounds the Describe calls one round has in flight.
const maxRoundCalls = 8

type waiter struct {
	region string
	fresh  bool
	since  time.Time
	ch     chan observation
}

type observation struct {
	inst Instance
	err  error
}

func newPoller(cloud Cloud, lim *rate.Limiter, interval time.Duration) *poller {
	return &poller{
		cloud: cloud, lim: lim, interval: interval,
		coalesce: min(interval/8, 50*time.Millisecond),
		waiters:  map[string]*waiter{}, kept: map[string]prefetched{}, kick: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
}

// observe waits for the next round that reads id.
func (p *poller) observe(ctx context.Context, id, region string, fresh bool) (Instance, error) {
	w := &waiter{region: region, fresh: fresh, since: time.Now(), ch: make(chan observation, 1)}
	p.mu.Lock()
	p.waiters[id] = w
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
	select {
	case o := <-w.ch:
		return o.inst, o.err
	case <-p.stopped:
		return Instance{}, context.Canceled
	case <-ctx.Done():
		p.mu.Lock()
		if p.waiters[id] == w {
			delete(p.waiters, id)
		}
		p.mu.Unlock()
		return Instance{}, ctx.Err()
	}
}

// run serves rounds until ctx is done.
func (p *poller) run(ctx context.Context) {
	defer close(p.stopped)
	for {
		due, ok := p.nextRound()
		if !ok {
			select {
			case <-p.kick:
				continue
			case <-ctx.Done():
				return
			}
		}
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-p.kick:
				t.Stop()
				continue
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		p.round(ctx)
	}
}

// nextRound says when the next round is due, or false when nobody waits.
func (p *poller) nextRound() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.waiters) == 0 {
		return time.Time{}, false
	}
	due := p.lastRound.Add(p.interval)
	for _, w := range p.waiters {
		if w.fresh {
			if t := w.since.Add(p.coalesce); t.Before(due) {
				due = t
			}
		}
	}
	if p.errStreak > 0 {
		if t := p.lastAny.Add(backoff(p.errStreak-1, p.interval, 30*time.Second)); t.After(due) {
			due = t
		}
	}
	return due, true
}

// round reads the waiting instances: all of them when a polling round is
// due, else only those that want a fresh look (their pre-check), so that a
// step starting does not pull every in-flight instance's poll forward.
func (p *poller) round(ctx context.Context) {
	p.mu.Lock()
	batch := p.waiters
	now := time.Now()
	p.lastAny = now
	if now.Before(p.lastRound.Add(p.interval)) {
		batch = map[string]*waiter{}
		for id, w := range p.waiters {
			if w.fresh {
				batch[id] = w
				delete(p.waiters, id)
			}
		}
	} else {
		p.waiters = map[string]*waiter{}
		p.lastRound = now
	}
	p.rounds++
	p.mu.Unlock()

	fresh, polled := map[string][]string{}, map[string][]string{}
	for id, w := range batch {
		if w.fresh {
			fresh[w.region] = append(fresh[w.region], id)
		} else {
			polled[w.region] = append(polled[w.region], id)
		}
	}
	// the chunks of a round go out concurrently: a round costs one call's latency
	var wg sync.WaitGroup
	var failed, answered atomic.Bool
	sem := make(chan struct{}, maxRoundCalls)
	send := func(region string, ids []string, size int, read readFunc, prefetch bool) {
		sort.Strings(ids)
		for start := 0; start < len(ids); start += size {
			chunk := ids[start:min(start+size, len(ids))]
			var forStep map[string]string
			if prefetch && start+size >= len(ids) {
				chunk, forStep = p.addPrefetch(region, chunk, batch)
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if p.read(ctx, region, chunk, batch, read, forStep) {
					failed.Store(true)
				} else {
					answered.Store(true)
				}
			}()
		}
	}
	for _, region := range sortedKeys(fresh) {
		send(region, fresh[region], MaxDescribeBatch, p.cloud.Describe, true)
	}
	list, size := p.cloud.Describe, MaxDescribeBatch
	if l, ok := p.cloud.(StatusLister); ok {
		list, size = l.ListStatus, MaxListBatch
	}
	for _, region := range sortedKeys(polled) {
		send(region, polled[region], size, list, false)
	}
	wg.Wait()
	p.mu.Lock()
	// back off only from rounds the API did not answer at all: with many
	// regions, one throttled chunk per round is the rule under a modest
	// error rate, and counting it would stretch every round to the cap
	if failed.Load() && !answered.Load() {
		p.errStreak++
	} else {
		p.errStreak = 0
	}
	p.mu.Unlock()
}

// readFunc is a batched read: Describe or ListStatus.
type readFunc func(ctx context.Context, region string, ids []string) (map[string]Instance, error)

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// read reads one chunk and answers its waiters (and keeps the answers
// read ahead for queued steps, forStep: instance → step); it reports
// whether the call failed in a way worth backing off for.
func (p *poller) read(ctx context.Context, region string, ids []string, batch map[string]*waiter, read readFunc, forStep map[string]string) bool {
	if err := p.lim.Wait(ctx); err != nil {
		p.answer(ids, batch, nil, err)
		return false
	}
	p.mu.Lock()
	p.calls++
	p.mu.Unlock()
	got, err := read(ctx, region, ids)
	if missing := absent(ids, got); err == nil && len(missing) > 0 {
		// the list left some out: ask for those by id (the reference
		// does not promise a list honours every id)
		more, err2 := p.cloud.Describe(ctx, region, missing)
		if got == nil {
			got = map[string]Instance{}
		}
		for id, in := range more {
			got[id] = in
		}
		if err2 != nil && !errors.Is(err2, ErrNotFound) {
			err = err2
		}
	}
	if errors.Is(err, ErrNotFound) && len(ids) > 1 {
		// find out which: one call per waiting id of this chunk (the
		// queued steps read ahead look for themselves)
		for _, id := range ids {
			if _, waits := batch[id]; waits {
				p.read(ctx, region, []string{id}, batch, p.cloud.Describe, nil)
			}
		}
		return false
	}
	if err == nil {
		p.keep(forStep, got)
	}
	p.answer(ids, batch, got, err)
	return err != nil && retryable(err)
}

func absent(ids []string, got map[string]Instance) []string {
	var out []string
	for _, id := range ids {
		if _, ok := got[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

func (p *poller) answer(ids []string, batch map[string]*waiter, got map[string]Instance, err error) {
	for _, id := range ids {
		if batch[id] == nil {
			continue // read ahead for a queued step
		}
		o := observation{err: err}
		if err == nil {
			inst, ok := got[id]
			if ok {
				o.inst = inst
			} else {
				o.err = &CloudError{Kind: ErrNotFound, Action: "describe",
					Message: fmt.Sprintf("instance %s is not in the answer for region %s", id, batch[id].region)}
			}
		}
		batch[id].ch <- o
	}
}

func (p *poller) stats() (rounds, calls int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rounds, p.calls
}
