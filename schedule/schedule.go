package schedule

import (
	"container/heap"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// WindowFunc is the window rule's answer for a step about to start at
// now: open, or when it opens (zero: waiting will not help) and why not.
// It has the signature of executor.WindowFunc, so `rdsup schedule` asks
// the policies exactly as `rdsup apply` does.
type WindowFunc func(s plans.Step, inst plans.Instance, now time.Time) (open bool, opensAt time.Time, reason string)

// Gate holds ready steps back, e.g. the stages of a staged rollout (a
// stage starts when the previous one succeeded and soaked; at most so
// many clusters at once). Admit is asked when a ready step would start at
// now, before the window rule, as apply asks its stage gate: false holds
// it until retry (zero: until another step ends), when it is asked again.
// Started follows an admission (the step may still wait for its window);
// Ended tells when a step's upgrade ended.
type Gate interface {
	Admit(s *plans.Step, now time.Time) (ok bool, retry time.Time)
	Started(s *plans.Step, now time.Time)
	Ended(s *plans.Step, now time.Time)
}

// Options configure a preview.
type Options struct {
	From        time.Time // when the run starts
	Concurrency int       // slots, as apply's --concurrency (≥ 1)
	// Window is the window rule; nil: every step may start at once
	// (MaintainTime upgrades still run in their instance's window).
	Window WindowFunc
	// Duration is how long step i takes; nil: the plan's estimate.
	Duration func(i int) time.Duration
	Gate     Gate // nil: no gate
}

// Step is when one step would run.
type Step struct {
	ID       string
	Instance string
	Cluster  string
	Role     string
	// Ready is when its dependencies were done (From for none).
	Ready time.Time
	// Start and End of its upgrade; zero when it never starts (Reason).
	Start, End time.Time
	// Slot: the step held a concurrency slot while it ran (a MaintainTime
	// upgrade scheduled into a closed window runs without one).
	Slot bool
	// WindowWait: the step's start waited for a maintenance window.
	WindowWait bool
	Reason     string // why it never starts
}

// Schedule is a preview of a run.
type Schedule struct {
	From        time.Time
	Finish      time.Time // when the last step ends (From when none runs)
	Concurrency int
	Steps       []Step // in plan order
	Clusters    []Cluster
	Stages      []Stage // the plan's rollout stages, in order; nil without
	ExtraNights []ExtraNight
}

// Stage is when one rollout stage's steps run.
type Stage struct {
	Name       string
	Steps      int
	Start, End time.Time // zero when none of its steps starts
}

// Cluster is when one cluster's steps run.
type Cluster struct {
	ID         string // its primary's id
	Steps      int
	Start, End time.Time
}

// ErrOptions marks options that cannot preview a run.
var ErrOptions = errors.New("invalid schedule options")

// Run previews the plan's run. Steps with denials are run too (the
// preview shows what applying would take once they are allowed); steps
// whose window rule never lifts, and the steps after them, never start.
func Run(p *plans.Plan, o Options) (*Schedule, error) {
	if o.Concurrency < 1 {
		return nil, fmt.Errorf("%w: concurrency %d, want at least 1", ErrOptions, o.Concurrency)
	}
	if o.From.IsZero() {
		return nil, fmt.Errorf("%w: no start time", ErrOptions)
	}
	r := newRun(p, o)
	r.loop()
	return r.result(), nil
}

type node struct {
	i          int
	rank       time.Duration
	deps       int // not yet ended
	dependents []*node
	st         *Step
}

type run struct {
	p     *plans.Plan
	inst  map[string]*plans.Instance
	o     Options
	nodes []*node
	out   []Step
	now   time.Time
	ready readyQueue
	// waiting: back to ready at their time (window, gate retry);
	// held: back to ready when a step ends (gate)
	waiting waitQueue
	held    []*node
	running endQueue
	slots   int
}

type timed struct {
	at time.Time
	n  *node
}

func newRun(p *plans.Plan, o Options) *run {
	r := &run{p: p, o: o, now: o.From.UTC(), out: make([]Step, len(p.Steps)), inst: make(map[string]*plans.Instance, len(p.Instances))}
	for i := range p.Instances {
		r.inst[p.Instances[i].ID] = &p.Instances[i]
	}
	rem := plans.RemainingPath(p)
	byID := make(map[string]*node, len(p.Steps))
	for i, s := range p.Steps {
		r.out[i] = Step{ID: s.ID, Instance: s.InstanceID, Cluster: s.Cluster, Role: s.Role}
		n := &node{i: i, rank: rem[i], st: &r.out[i]}
		r.nodes = append(r.nodes, n)
		byID[s.ID] = n
	}
	for _, n := range r.nodes {
		for _, d := range p.Steps[n.i].DependsOn {
			if dep := byID[d]; dep != nil {
				n.deps++
				dep.dependents = append(dep.dependents, n)
			}
		}
		if n.deps == 0 {
			n.st.Ready = r.now
			heap.Push(&r.ready, n)
		}
	}
	return r
}

func (r *run) duration(i int) time.Duration {
	if r.o.Duration != nil {
		return r.o.Duration(i)
	}
	if s := r.p.Steps[i]; s.EstimateSeconds > 0 {
		return time.Duration(s.EstimateSeconds) * time.Second
	}
	gb := 0
	if in := r.inst[r.p.Steps[i].InstanceID]; in != nil {
		gb = in.StorageGB
	}
	return plans.EstimateUpgrade(r.p.Steps[i].Role, gb)
}

// loop plays events in time order until nothing is left to happen.
func (r *run) loop() {
	for {
		r.launch()
		next, ok := r.next()
		if !ok {
			return
		}
		if next.Sub(r.o.From) > Horizon {
			r.giveUp()
			return
		}
		r.now = next
		r.advance()
	}
}

// launch starts ready steps, in priority order, while a slot is free.
func (r *run) launch() {
	for r.slots < r.o.Concurrency && r.ready.Len() > 0 {
		n := heap.Pop(&r.ready).(*node)
		s := &r.p.Steps[n.i]
		if r.o.Gate != nil {
			ok, retry := r.o.Gate.Admit(s, r.now)
			if !ok {
				if retry.After(r.now) {
					heap.Push(&r.waiting, timed{retry, n})
				} else {
					r.held = append(r.held, n)
				}
				continue
			}
			r.o.Gate.Started(s, r.now) // as apply: its cluster is in flight, window or not
		}
		inst := plans.Instance{ID: s.InstanceID}
		if in := r.inst[s.InstanceID]; in != nil {
			inst = *in
		}
		if r.o.Window != nil {
			open, opens, why := r.o.Window(*s, inst, r.now)
			if !open {
				if !opens.After(r.now) {
					n.st.Reason = why
					r.never(n, fmt.Sprintf("waits for step %s, which never starts", s.ID))
					continue
				}
				n.st.WindowWait = true
				heap.Push(&r.waiting, timed{opens, n})
				continue
			}
		}
		start, slot := r.now, true
		if s.EffectiveTime == plans.EffectiveMaintenance {
			if at := plans.WindowStart(inst.MaintainTime, r.now); at.After(r.now) {
				start, slot, n.st.WindowWait = at, false, true
			}
		}
		n.st.Start, n.st.End, n.st.Slot = start, start.Add(r.duration(n.i)), slot
		if slot {
			r.slots++
		}
		heap.Push(&r.running, n)
	}
}

// Horizon is how far a preview looks: what has not started a year after
// From (a window rule that keeps deferring) never starts.
const Horizon = 366 * 24 * time.Hour

// giveUp marks what still waits as never starting.
func (r *run) giveUp() {
	why := "does not start within a year of the preview's start"
	for _, w := range r.waiting {
		w.n.st.Reason = why
		r.never(w.n, fmt.Sprintf("waits for step %s, which never starts", w.n.st.ID))
	}
	r.waiting = nil
	for _, n := range r.ready {
		n.st.Reason = why
	}
	r.ready = nil
	for _, n := range r.running { // started past the horizon: not shown as running
		n.st.Start, n.st.End, n.st.Reason = time.Time{}, time.Time{}, why
		r.never(n, fmt.Sprintf("waits for step %s, which never starts", n.st.ID))
	}
	r.running = nil
}

// never marks the dependents of n (recursively) as never starting.
func (r *run) never(n *node, why string) {
	for _, d := range n.dependents {
		if d.st.Reason == "" {
			d.st.Reason = why
			r.never(d, why)
		}
	}
}

// next is the time of the next event: a step ends, a wait is over.
func (r *run) next() (time.Time, bool) {
	var t time.Time
	if r.running.Len() > 0 {
		t = r.running[0].st.End
	}
	if r.waiting.Len() > 0 && (t.IsZero() || r.waiting[0].at.Before(t)) {
		t = r.waiting[0].at
	}
	return t, !t.IsZero()
}

// advance settles everything that happens at r.now.
func (r *run) advance() {
	ended := false
	for r.running.Len() > 0 && !r.running[0].st.End.After(r.now) {
		n := heap.Pop(&r.running).(*node)
		ended = true
		if n.st.Slot {
			r.slots--
		}
		if r.o.Gate != nil {
			r.o.Gate.Ended(&r.p.Steps[n.i], n.st.End)
		}
		for _, d := range n.dependents {
			if d.deps--; d.deps == 0 && d.st.Reason == "" {
				d.st.Ready = r.now
				heap.Push(&r.ready, d)
			}
		}
	}
	for r.waiting.Len() > 0 && !r.waiting[0].at.After(r.now) {
		heap.Push(&r.ready, heap.Pop(&r.waiting).(timed).n)
	}
	if ended {
		for _, n := range r.held {
			heap.Push(&r.ready, n)
		}
		r.held = r.held[:0]
	}
}

// result collects the steps, the clusters and the extra nights.
func (r *run) result() *Schedule {
	s := &Schedule{From: r.o.From.UTC(), Finish: r.o.From.UTC(), Concurrency: r.o.Concurrency, Steps: r.out}
	for _, n := range r.held { // a gate that never admitted them
		if n.st.Reason == "" {
			n.st.Reason = "held by the rollout gate"
			r.never(n, fmt.Sprintf("waits for step %s, which never starts", n.st.ID))
		}
	}
	byCluster := map[string]*Cluster{}
	var order []string
	for _, st := range s.Steps {
		if st.End.After(s.Finish) {
			s.Finish = st.End
		}
		c := byCluster[st.Cluster]
		if c == nil {
			c = &Cluster{ID: st.Cluster}
			byCluster[st.Cluster] = c
			order = append(order, st.Cluster)
		}
		c.Steps++
		widen(&c.Start, &c.End, st.Start, st.End)
	}
	sort.Strings(order)
	for _, id := range order {
		s.Clusters = append(s.Clusters, *byCluster[id])
	}
	s.Stages = stages(r.p, s)
	s.ExtraNights = extraNights(r.p, s, r.inst)
	return s
}

// stages collects when each of the plan's rollout stages runs.
func stages(p *plans.Plan, s *Schedule) []Stage {
	if len(p.Stages) == 0 {
		return nil
	}
	out := make([]Stage, len(p.Stages))
	idx := map[string]int{}
	for i, st := range p.Stages {
		out[i].Name = st.Name
		idx[st.Name] = i
	}
	for i, st := range s.Steps {
		k, ok := idx[p.Steps[i].Stage]
		if !ok {
			continue
		}
		g := &out[k]
		g.Steps++
		widen(&g.Start, &g.End, st.Start, st.End)
	}
	return out
}

// widen stretches [start, end] over a step that ran from from to to (a
// zero from: the step never started, and counts for nothing).
func widen(start, end *time.Time, from, to time.Time) {
	if from.IsZero() {
		return
	}
	if start.IsZero() || from.Before(*start) {
		*start = from
	}
	if to.After(*end) {
		*end = to
	}
}

// readyQueue orders ready steps as the executor does: longest remaining
// path first, then plan order.
type readyQueue []*node

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	return plans.StartsFirst(q[i].rank, q[i].i, q[j].rank, q[j].i)
}
func (q readyQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *readyQueue) Push(x any)   { *q = append(*q, x.(*node)) }
func (q *readyQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}

// endQueue orders running steps by end, then plan order.
type endQueue []*node

func (q endQueue) Len() int { return len(q) }
func (q endQueue) Less(i, j int) bool {
	if !q[i].st.End.Equal(q[j].st.End) {
		return q[i].st.End.Before(q[j].st.End)
	}
	return q[i].i < q[j].i
}
func (q endQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *endQueue) Push(x any)   { *q = append(*q, x.(*node)) }
func (q *endQueue) Pop() any {
	old := *q
	n := old[len(old)-1]
	*q = old[:len(old)-1]
	return n
}

// waitQueue orders waiting steps by the time they may be asked again,
// then plan order.
type waitQueue []timed

func (q waitQueue) Len() int { return len(q) }
func (q waitQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].n.i < q[j].n.i
}
func (q waitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *waitQueue) Push(x any)   { *q = append(*q, x.(timed)) }
func (q *waitQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	*q = old[:len(old)-1]
	return w
}
