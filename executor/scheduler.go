package executor

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/rdsup/rdsup/plans"
)

// node is one step in the scheduler's graph.
type node struct {
	step       plans.Step
	idx        int // plan order
	deps       []*node
	dependents []*node
	waitingOn  int // deps not yet succeeded

	rec     StepRecord // what the journal said when the run began
	state   string     // "", running, window, or a State* value
	detail  string
	taskID  string
	opensAt time.Time
	began   time.Time
	askedAt time.Time // when this run's upgrade call was accepted, on the window clock (Options.Now)
	dur     time.Duration
}

// outcome is what a worker reports for its step.
type outcome struct {
	n       *node
	state   string // a State* value, or stateWindow
	detail  string
	taskID  string
	opensAt time.Time
	fatal   error // the executor itself failed (journal): abort the run
}

const stateWindow = "window" // waiting for the maintenance window to open

type runner struct {
	p     *plans.Plan
	cloud Cloud
	j     *Journal
	o     Options
	poll  *poller
	nodes []*node
	calls atomic.Int64
	evMu  sync.Mutex
}

func newRunner(p *plans.Plan, cloud Cloud, j *Journal, o Options) *runner {
	lim := rate.NewLimiter(rate.Limit(o.QPS), max(1, int(o.QPS)))
	r := &runner{p: p, j: j, o: o}
	r.cloud = rateLimited{Cloud: cloud, lim: lim, calls: func() { r.calls.Add(1) }}
	r.poll = newPoller(cloud, lim, o.PollInterval)
	byID := map[string]*node{}
	for i, s := range p.Steps {
		n := &node{step: s, idx: i}
		r.nodes = append(r.nodes, n)
		byID[s.ID] = n
	}
	for _, n := range r.nodes {
		for _, d := range n.step.DependsOn {
			dep := byID[d]
			n.deps = append(n.deps, dep)
			dep.dependents = append(dep.dependents, n)
		}
	}
	return r
}

// run is the scheduler loop: it starts ready steps up to the concurrency
// limit, in priority order, and reacts to their outcomes.
func (r *runner) run(ctx context.Context) (*Result, error) {
	res := &Result{Started: time.Now()}
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hardCancel()
	soft, softCancel := context.WithCancel(ctx) // workers wait on this; cancelled with ctx or on abort
	defer softCancel()
	var pollWG sync.WaitGroup
	pollWG.Add(1)
	go func() { defer pollWG.Done(); r.poll.run(hard) }()

	recs := r.j.Steps()
	for _, n := range r.nodes {
		n.rec = recs[n.step.ID]
		if n.rec.Phase == EventSucceeded {
			n.state, n.detail, n.taskID = StateSucceeded, "done in an earlier run", n.rec.TaskID
		}
	}
	ready := &readyQueue{}
	for _, n := range r.nodes {
		for _, d := range n.deps {
			if d.state != StateSucceeded {
				n.waitingOn++
			}
		}
		if n.state == "" && n.waitingOn == 0 {
			heap.Push(ready, n)
		}
	}

	results := make(chan outcome)
	var workers sync.WaitGroup
	var windowed []*node
	inflight, stopping := 0, false
	var fatal error
	done := ctx.Done()
	for {
		for !stopping && inflight < r.o.Concurrency && ready.Len() > 0 {
			n := heap.Pop(ready).(*node)
			n.state, n.began = "running", time.Now()
			inflight++
			workers.Add(1)
			go func() {
				defer workers.Done()
				results <- r.work(soft, hard, n)
			}()
		}
		if inflight == 0 && (stopping || ready.Len() == 0 && len(windowed) == 0) {
			break
		}
		var timer <-chan time.Time
		var t *time.Timer
		if len(windowed) > 0 && !stopping {
			next := windowed[0].opensAt
			for _, n := range windowed {
				if n.opensAt.Before(next) {
					next = n.opensAt
				}
			}
			// re-check at least every windowRecheck: Now may be a
			// simulated clock running faster than timers
			t = time.NewTimer(min(max(0, next.Sub(r.o.Now())), r.windowRecheck()))
			timer = t.C
		}
		select {
		case o := <-results:
			inflight--
			if o.fatal != nil {
				if fatal == nil {
					fatal = o.fatal
				}
				stopping = true
				softCancel()
				hardCancel()
				o.state = StateNotStarted
			}
			if r.settle(o, ready, &windowed) && !r.o.KeepGoing && !stopping {
				stopping = true
				r.o.Logger.Warn("a step failed: not starting new steps, finishing those in flight (use --keep-going to continue other clusters)", "step", o.n.step.ID)
			}
		case <-done:
			done = nil
			stopping, res.Interrupted = true, true
			if cause := context.Cause(ctx); errors.Is(cause, ErrUnreachable) {
				r.o.Logger.Error("stopping: the endpoint stays unreachable; steps are left to resume", "err", cause)
				break
			}
			r.o.Logger.Warn("interrupted: not starting new steps; in-flight upgrades continue in the cloud and the next apply resumes them")
		case <-timer:
			now := r.o.Now()
			keep := windowed[:0]
			for _, n := range windowed {
				if !n.opensAt.After(now) {
					n.state = ""
					heap.Push(ready, n)
				} else {
					keep = append(keep, n)
				}
			}
			windowed = keep
		}
		if t != nil {
			t.Stop()
		}
	}
	workers.Wait()
	hardCancel()
	pollWG.Wait()

	res.Finished = time.Now()
	res.APICalls = int(r.calls.Load())
	rounds, calls := r.poll.stats()
	res.PollRounds, res.APICalls = rounds, res.APICalls+calls
	for _, n := range r.nodes {
		res.Steps = append(res.Steps, r.result(n))
	}
	return res, fatal
}

func (r *runner) windowRecheck() time.Duration {
	return max(20*r.o.PollInterval, time.Second)
}

// settle records a worker's outcome; it reports whether the step failed.
func (r *runner) settle(o outcome, ready *readyQueue, windowed *[]*node) bool {
	n := o.n
	n.state, n.detail, n.taskID, n.opensAt = o.state, o.detail, o.taskID, o.opensAt
	n.dur = time.Since(n.began)
	switch o.state {
	case StateSucceeded:
		for _, d := range n.dependents {
			d.waitingOn--
			if d.waitingOn == 0 && d.state == "" {
				heap.Push(ready, d)
			}
		}
	case StateFailed:
		r.markDependents(n, StateBlocked, fmt.Sprintf("step %s (%s) failed", n.step.ID, n.step.InstanceID))
		return true
	case StatePending:
		r.markDependents(n, StatePending, fmt.Sprintf("waits for pending step %s (%s)", n.step.ID, n.step.InstanceID))
	case StateScheduled:
		r.markDependents(n, StatePending, fmt.Sprintf("waits for step %s (%s), whose upgrade is scheduled for its maintenance window", n.step.ID, n.step.InstanceID))
	case stateWindow:
		*windowed = append(*windowed, n)
		r.event(n, "waiting", o.detail)
	}
	return false
}

func (r *runner) markDependents(n *node, state, why string) {
	for _, d := range n.dependents {
		if d.state == "" {
			d.state, d.detail = state, why
			r.event(d, state, why)
			r.markDependents(d, state, why)
		}
	}
}

func (r *runner) result(n *node) StepResult {
	sr := StepResult{Step: n.step.ID, Instance: n.step.InstanceID, Cluster: n.step.Cluster,
		State: n.state, Detail: n.detail, TaskID: n.taskID, Duration: n.dur}
	switch n.state {
	case "", "running":
		sr.State = StateNotStarted
		if n.rec.Submitted && (n.rec.Phase != EventFailed || n.rec.Unsettled) {
			sr.State, sr.Detail = StateInFlight, "upgrade submitted earlier; the next apply polls it"
		}
	case stateWindow:
		sr.State = StatePending
	}
	return sr
}

// event reports a step transition to the logger and OnEvent.
func (r *runner) event(n *node, kind, detail string) {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	ev := Event{Time: time.Now(), Step: n.step.ID, Instance: n.step.InstanceID, Kind: kind, Detail: detail}
	if r.o.OnEvent != nil {
		r.o.OnEvent(ev)
	}
	r.o.Logger.Debug("step "+kind, "step", ev.Step, "instance", ev.Instance, "detail", detail)
}

// readyQueue orders ready steps by priority, then plan order.
type readyQueue []*node

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	if pi, pj := priority(q[i]), priority(q[j]); pi != pj {
		return pi > pj
	}
	return q[i].idx < q[j].idx
}

// priority ranks ready steps. A primary whose replicas are done goes
// first: it is the last, and longest, step of its cluster and every moment
// it waits stretches the tail of the run. Replicas come next (each one
// brings its primary closer), then lone primaries, which fill the slots
// that are left. Measured on 1,000-instance fleets this beats plain
// longest-chain-first by a few percent of makespan (BenchmarkMakespan1000).
func priority(n *node) int {
	switch {
	case len(n.deps) > 0:
		return 3
	case len(n.dependents) > 0:
		return 2
	}
	return 1
}
func (q readyQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)   { *q = append(*q, x.(*node)) }
func (q *readyQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}
