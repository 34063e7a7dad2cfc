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

// node is one step in the scheduler's graph. While a worker carries the
// step (between launch and its outcome) only that worker changes it.
type node struct {
	step       plans.Step
	idx        int // plan order
	deps       []*node
	dependents []*node
	waitingOn  int // deps not yet succeeded

	rec     StepRecord // what the journal said when the run began
	state   State
	detail  string
	taskID  string
	until   time.Time // Waiting, Scheduled: when the maintenance window opens
	began   time.Time // when this run took the step up
	askedAt time.Time // when this run's upgrade call was accepted
	dur     time.Duration
	slot    bool          // holds one of the run's concurrency slots (scheduler only)
	rank    time.Duration // priority among ready steps (priority.go)
	fenced  bool          // not started: another plan of the shared store holds the instance
}

// outcome is what a worker reports when it lets go of its step; the step's
// state says how it ended.
type outcome struct {
	n     *node
	fatal error // the executor itself failed (journal): abort the run
}

type runner struct {
	p        *plans.Plan
	cloud    Cloud
	j        StepLog
	o        Options
	poll     *poller
	nodes    []*node
	calls    atomic.Int64
	evMu     sync.Mutex
	release  chan *node // a worker gives back its slot and keeps its step (Scheduled)
	queued   *queued    // ready steps not launched: their pre-checks are read ahead
	upgrades durations  // how long this run's upgrades took: no poll before the shortest could end
	// hops: per instance, each hop's fromVersion → toVersion (multi-hop plans)
	hops map[string]map[string]string
	busy atomic.Int64 // claims another worker of the plan held (shared stores)
}

func newRunner(p *plans.Plan, cloud Cloud, j StepLog, o Options) *runner {
	lim := rate.NewLimiter(rate.Limit(o.QPS), max(1, int(o.QPS)))
	r := &runner{p: p, j: j, o: o, release: make(chan *node)}
	r.cloud = rateLimited{Cloud: cloud, lim: lim, calls: func() { r.calls.Add(1) }}
	r.poll = newPoller(cloud, lim, o.PollInterval)
	r.queued = newQueued()
	r.poll.queue = r.queued
	byID := map[string]*node{}
	r.hops = map[string]map[string]string{}
	for i, s := range p.Steps {
		if r.hops[s.InstanceID] == nil {
			r.hops[s.InstanceID] = map[string]string{}
		}
		r.hops[s.InstanceID][s.FromVersion] = s.ToVersion
		n := &node{step: s, idx: i, state: NotStarted}
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
	rank(p, r.nodes)
	return r
}

// loop is the scheduler's bookkeeping for one run.
type loop struct {
	ready    readyQueue
	windowed []*node // Waiting: back to ready when the window opens
	running  int     // workers carrying a step
	slots    int     // of them, those holding a concurrency slot
	stopping bool
	fatal    error
	stages   *stageRun // rollout gates (stages.go)
	results  chan outcome
	workers  sync.WaitGroup
}

// run is the scheduler: it starts ready steps, in priority order, while
// a concurrency slot is free, and reacts to what the workers report.
func (r *runner) run(ctx context.Context) (*Result, error) {
	res := &Result{Started: r.now()}
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hardCancel()
	soft, softCancel := context.WithCancel(ctx) // workers wait on this; cancelled with ctx or on abort
	defer softCancel()
	var pollWG sync.WaitGroup
	pollWG.Add(1)
	go func() { defer pollWG.Done(); r.poll.run(hard) }()

	l := &loop{results: make(chan outcome)}
	r.load(l)
	r.stagesLoad(l)
	done := ctx.Done()
	for {
		r.launch(l, soft, hard)
		if l.running == 0 && (l.stopping || l.ready.Len() == 0 && len(l.windowed) == 0) {
			break
		}
		wake, stop := r.wakeForWindows(l)
		select {
		case o := <-l.results:
			r.settle(l, o, softCancel, hardCancel)
		case n := <-r.release:
			r.freeSlot(l, n)
		case <-done:
			done = nil
			r.interrupted(ctx, l, res)
		case <-wake:
			r.windowsOpened(l)
		}
		stop()
	}
	l.workers.Wait()
	hardCancel()
	pollWG.Wait()
	res.Stages = r.stageStatus(l)
	return r.finish(res), l.fatal
}

// load takes the journal's word for each step and queues the ready ones.
func (r *runner) load(l *loop) {
	recs := r.j.Steps()
	for _, n := range r.nodes {
		n.rec = recs[n.step.ID]
		if n.rec.State == Succeeded {
			n.state, n.detail, n.taskID = Succeeded, "done in an earlier run", n.rec.TaskID
		}
	}
	for _, n := range r.nodes {
		for _, d := range n.deps {
			if d.state != Succeeded {
				n.waitingOn++
			}
		}
		if n.state == NotStarted && n.waitingOn == 0 {
			r.enqueue(l, n)
		}
	}
}

// enqueue makes n ready to launch.
func (r *runner) enqueue(l *loop, n *node) {
	heap.Push(&l.ready, n)
	r.queued.add(n)
}

// launch starts ready steps while slots are free.
func (r *runner) launch(l *loop, soft, hard context.Context) {
	r.stageRequeue(l)
	for !l.stopping && l.slots < r.o.Concurrency && l.ready.Len() > 0 {
		n := heap.Pop(&l.ready).(*node)
		r.queued.remove(n)
		if !r.stageAdmit(l, n) {
			continue
		}
		n.slot, n.began = true, r.now()
		l.running++
		l.slots++
		l.workers.Add(1)
		go func() {
			defer l.workers.Done()
			l.results <- r.claimAndWork(soft, hard, n)
		}()
	}
}

// freeSlot: the worker's step waits for its window without a slot.
func (r *runner) freeSlot(l *loop, n *node) {
	if n.slot {
		n.slot = false
		l.slots--
	}
}

// settle takes back a step from its worker and moves the graph on.
func (r *runner) settle(l *loop, o outcome, softCancel, hardCancel context.CancelFunc) {
	n := o.n
	l.running--
	r.freeSlot(l, n)
	n.dur = r.now().Sub(n.began)
	if o.fatal != nil {
		if l.fatal == nil {
			l.fatal = o.fatal
		}
		l.stopping = true
		softCancel()
		hardCancel()
		return
	}
	r.stageSettled(l, n)
	switch n.state {
	case Succeeded:
		for _, d := range n.dependents {
			if d.waitingOn--; d.waitingOn == 0 && d.state == NotStarted {
				r.enqueue(l, d)
			}
		}
	case Failed:
		r.markDependents(n, Blocked, fmt.Sprintf("step %s (%s) failed", n.step.ID, n.step.InstanceID))
		if !r.o.KeepGoing && !l.stopping && !r.stageTolerates(l, n) {
			l.stopping = true
			r.o.Logger.Warn("a step failed: not starting new steps, finishing those in flight (use --keep-going to continue other clusters)", "step", n.step.ID)
		}
	case Pending:
		r.markDependents(n, Pending, fmt.Sprintf("waits for pending step %s (%s)", n.step.ID, n.step.InstanceID))
	case Scheduled:
		r.markDependents(n, Pending, fmt.Sprintf("waits for step %s (%s), whose upgrade is scheduled for its maintenance window", n.step.ID, n.step.InstanceID))
	case Waiting:
		l.windowed = append(l.windowed, n)
	}
}

// interrupted: the run's context ended (signal, unreachable endpoint).
func (r *runner) interrupted(ctx context.Context, l *loop, res *Result) {
	l.stopping, res.Interrupted = true, true
	if cause := context.Cause(ctx); errors.Is(cause, ErrUnreachable) {
		r.o.Logger.Error("stopping: the endpoint stays unreachable; steps are left to resume", "err", cause)
		return
	}
	r.o.Logger.Warn("interrupted: not starting new steps; in-flight upgrades continue in the cloud and the next apply resumes them")
}

// wakeForWindows returns a channel that fires when the earliest window of
// a Waiting step opens (nil when none waits), and a stop function.
func (r *runner) wakeForWindows(l *loop) (<-chan time.Time, func()) {
	if len(l.windowed) == 0 || l.stopping {
		return nil, func() {}
	}
	next := l.windowed[0].until
	for _, n := range l.windowed {
		if n.until.Before(next) {
			next = n.until
		}
	}
	t := time.NewTimer(r.realDelay(next.Sub(r.now())))
	return t.C, func() { t.Stop() }
}

// windowsOpened queues the Waiting steps whose window is open now.
func (r *runner) windowsOpened(l *loop) {
	now := r.now()
	keep := l.windowed[:0]
	for _, n := range l.windowed {
		if n.until.After(now) {
			keep = append(keep, n)
			continue
		}
		r.enqueue(l, n)
	}
	l.windowed = keep
}

func (r *runner) markDependents(n *node, state State, why string) {
	for _, d := range n.dependents {
		if d.state == NotStarted {
			r.move(d, state, why, time.Time{})
			r.markDependents(d, state, why)
		}
	}
}

// finish reports every step, in plan order.
func (r *runner) finish(res *Result) *Result {
	res.Finished = r.now()
	rounds, calls := r.poll.stats()
	res.PollRounds, res.APICalls = rounds, int(r.calls.Load())+calls
	for _, n := range r.nodes {
		res.Steps = append(res.Steps, r.result(n))
	}
	return res
}

func (r *runner) result(n *node) StepResult {
	sr := StepResult{Step: n.step.ID, Instance: n.step.InstanceID, Cluster: n.step.Cluster,
		State: n.state, Detail: n.detail, TaskID: n.taskID, Until: n.until, Duration: n.dur, Fenced: n.fenced}
	switch n.state {
	case NotStarted, Checking, Started:
		sr.State = NotStarted
		switch {
		case n.rec.State == Scheduled:
			sr.State, sr.TaskID, sr.Until = Scheduled, n.rec.TaskID, n.rec.OpensAt
			sr.Detail = "upgrade accepted earlier, scheduled for its maintenance window; the next apply polls it"
		case n.rec.Submitted && (n.rec.State != Failed || n.rec.Unsettled):
			sr.State, sr.TaskID = Upgrading, n.rec.TaskID
			sr.Detail = "upgrade submitted earlier; the next apply polls it"
		}
	case Waiting:
		sr.State = Pending
	}
	return sr
}

// move changes a step's state (its owner calls it) and reports the move.
func (r *runner) move(n *node, to State, detail string, until time.Time) {
	if !n.state.CanBecome(to) {
		err := errTransition(n.step.ID, n.state, to)
		if strictTransitions {
			panic(err)
		}
		r.o.Logger.Error(err.Error())
	}
	n.state, n.detail, n.until = to, detail, until
	r.event(n, Event{State: to, Detail: detail, Until: until})
}

// note reports something about a step that does not change its state
// (a retry, a wait).
func (r *runner) note(n *node, detail string) {
	r.event(n, Event{State: n.state, Detail: detail, Until: n.until, Retry: true})
}

// event reports a step's event to the logger and OnEvent, serialised.
func (r *runner) event(n *node, ev Event) {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	ev.Time, ev.Step, ev.Instance = r.now(), n.step.ID, n.step.InstanceID
	if r.o.OnEvent != nil {
		r.o.OnEvent(ev)
	}
	r.o.Logger.Debug("step "+string(ev.State), "step", ev.Step, "instance", ev.Instance, "detail", ev.Detail)
}

// now is the run's one clock (Options.Clock).
func (r *runner) now() time.Time { return r.o.Clock.Now() }

// realDelay converts a span of the run's clock into a real wait: exact
// for the wall clock and for clocks that report their pace (Factor, as the
// simulator's scaled clock does); for other clocks (a test's manual clock)
// a short wait after which the caller looks again.
func (r *runner) realDelay(d time.Duration) time.Duration {
	d = max(d, 0)
	switch c := r.o.Clock.(type) {
	case wallClock:
		return d
	case interface{ Factor() float64 }:
		if f := c.Factor(); f > 0 {
			return time.Duration(float64(d) / f)
		}
	}
	return min(d, max(r.o.PollInterval, time.Millisecond))
}

// sleepUntil waits until t on the run's clock, or until ctx is done.
func (r *runner) sleepUntil(ctx context.Context, t time.Time) error {
	for {
		d := t.Sub(r.now())
		if d <= 0 {
			return ctx.Err()
		}
		if err := sleep(ctx, max(r.realDelay(d), time.Millisecond)); err != nil {
			return err
		}
	}
}

// readyQueue orders ready steps as plans.StartsFirst says.
type readyQueue []*node

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	return plans.StartsFirst(q[i].rank, q[i].idx, q[j].rank, q[j].idx)
}

func (q readyQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)   { *q = append(*q, x.(*node)) }
func (q *readyQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}
