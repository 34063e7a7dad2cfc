package executor

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// A step's pre-check reads its instance with DescribeDBInstanceAttribute
// (the list call carries no MaintainTime). When one step asks, the same
// call also reads the instances of steps queued behind it in that region,
// up to prefetchBatch ids, and keeps their answers for at most one poll
// interval: a step launched within that time takes its instance from the
// prefetched answer instead of a call of its own. A prefetched answer is
// as fresh as the poll that decides an upgrade ended, and only the step
// it was read for may use it (the next hop of the same instance reads
// again).

// prefetchBatch bounds a pre-check call: the API reference discourages
// many ids in one attribute call, so fewer than MaxDescribeBatch.
const prefetchBatch = 10

// queued is the set of ready steps the scheduler has not launched yet,
// safe for the poller to read while the scheduler changes it.
type queued struct {
	mu sync.Mutex
	by map[string]map[string]*node // region → step id → step
}

func newQueued() *queued { return &queued{by: map[string]map[string]*node{}} }

func (q *queued) add(n *node) {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := n.step
	if q.by[s.Region] == nil {
		q.by[s.Region] = map[string]*node{}
	}
	q.by[s.Region][s.ID] = n
}

func (q *queued) remove(n *node) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.by[n.step.Region], n.step.ID)
}

// next returns up to max queued steps of region, in the order the
// scheduler launches them, whose instances skip does not rule out: step
// id → instance id. It reads only what never changes in a node (its step,
// plan order and place in the graph), as the scheduler's ready queue does,
// and keeps only the first max while it scans (a region may hold
// thousands of queued steps; a pre-check wants a few).
func (q *queued) next(region string, skip func(step, instance string) bool, max int) map[string]string {
	q.mu.Lock()
	defer q.mu.Unlock()
	first := make(readyQueue, 0, max+1) // in launch order
	for id, n := range q.by[region] {
		if skip(id, n.step.InstanceID) {
			continue
		}
		at := sort.Search(len(first), func(i int) bool { return readyQueue{n, first[i]}.Less(0, 1) })
		if at == max {
			continue
		}
		first = slices.Insert(first, at, n)
		if len(first) > max {
			first = first[:max]
		}
	}
	out := make(map[string]string, len(first))
	for _, n := range first {
		out[n.step.ID] = n.step.InstanceID // one step per instance: hops are never ready together
	}
	return out
}

// prefetched is an answer kept for a queued step.
type prefetched struct {
	inst Instance
	at   time.Time
}

// takePrefetched hands step its prefetched instance if one younger than
// the poll interval is kept; either way the entry is gone afterwards.
func (p *poller) takePrefetched(step string) (Instance, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	got, ok := p.kept[step]
	delete(p.kept, step)
	if !ok || time.Since(got.at) >= p.interval {
		return Instance{}, false
	}
	p.prefetchHits++
	return got.inst, true
}

// addPrefetch widens a pre-check chunk of region with queued steps'
// instances; it returns the instance ids to read and, for the added ones,
// the step each is kept for.
func (p *poller) addPrefetch(region string, ids []string, batch map[string]*waiter) ([]string, map[string]string) {
	if p.queue == nil || len(ids) >= prefetchBatch {
		return ids, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock() // skip reads the poller's maps: lock order p.mu, then the queue's
	now := time.Now()
	skip := func(step, instance string) bool {
		if _, waits := batch[instance]; waits {
			return true
		}
		if _, waits := p.waiters[instance]; waits {
			return true
		}
		k, ok := p.kept[step]
		return ok && now.Sub(k.at) < p.interval/2 // still fresh enough to be worth keeping
	}
	extra := p.queue.next(region, skip, prefetchBatch-len(ids))
	forStep := map[string]string{} // instance → step
	for step, inst := range extra {
		ids = append(ids, inst)
		forStep[inst] = step
	}
	return ids, forStep
}

// keep stores the prefetched answers of a chunk.
func (p *poller) keep(forStep map[string]string, got map[string]Instance) {
	if len(forStep) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for inst, step := range forStep {
		if in, ok := got[inst]; ok {
			p.kept[step] = prefetched{inst: in, at: now}
		}
	}
}
