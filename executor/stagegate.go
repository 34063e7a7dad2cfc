package executor

import (
	"time"

	"github.com/rdsup/rdsup/plans"
)

// StageState is where a rollout stage stands.
type StageState string

const (
	// StageWaiting: an earlier stage has not succeeded, or still soaks.
	StageWaiting StageState = "waiting"
	// StageRunning: the stage's steps may start; not all succeeded yet.
	StageRunning StageState = "running"
	// StageSoaking: every step succeeded; the soak has not passed yet.
	StageSoaking StageState = "soaking"
	// StageDone: every step succeeded and the soak passed.
	StageDone StageState = "done"
	// StageStopped: more steps failed than maxFailures allows; the
	// campaign stopped.
	StageStopped StageState = "stopped"
)

// StageStatus is one stage of a staged plan as a run or the journal sees
// it; its JSON is part of `rdsup status --format json` and of apply's
// results.
type StageStatus struct {
	Name                  string     `json:"name"`
	Select                string     `json:"select"`
	State                 StageState `json:"state"`
	Steps                 int        `json:"steps"`
	Succeeded             int        `json:"succeeded"`
	Failures              int        `json:"failures"`
	MaxFailures           *int       `json:"maxFailures,omitempty"`
	MaxConcurrentClusters int        `json:"maxConcurrentClusters,omitempty"`
	Soak                  string     `json:"soak,omitempty"`
	// DoneAt is when the stage's last step succeeded (its soak starts
	// then); zero until every step succeeded.
	DoneAt time.Time `json:"doneAt,omitzero"`
	// SoakEndsAt is when the next stage may start: DoneAt plus the soak.
	SoakEndsAt time.Time `json:"soakEndsAt,omitzero"`
}

// GateVerdict says whether a step's stage lets it start now.
type GateVerdict int

const (
	GateOpen         GateVerdict = iota // the step may start
	GateBlocked                         // an earlier stage has not succeeded (maybe never will in this run)
	GateSoaking                         // an earlier stage soaks: wait until the returned time
	GateClusterLimit                    // the stage has maxConcurrentClusters clusters in flight
	GateStopped                         // a stage exceeded maxFailures: the campaign stopped
)

// StageGate holds the rollout gates of a staged plan: a stage's steps
// start only when every step of the stages before it succeeded and each
// of their soaks passed (measured from the stage's last success, on the
// caller's clock); maxConcurrentClusters bounds the clusters in flight in
// a stage; more failures than maxFailures in a stage stop the campaign.
//
// It is plain bookkeeping without goroutines or clocks, so that both the
// executor's scheduler and a virtual-clock preview can drive it: call
// NoteDone for steps that succeeded (earlier runs included, with the time
// their journal gives), NoteStarted when a step is launched, NoteFailed
// when one fails, and ask Ready before launching a step. A plan without
// stages gives a gate that always answers GateOpen. Not safe for
// concurrent use.
type StageGate struct {
	stages   []gateStage
	step     map[string]*gateStep
	stopped  int // index of the stage that stopped the campaign, -1: none
	clusters map[string]*gateCluster
}

type gateStage struct {
	plans.Stage
	soak      time.Duration
	steps     int
	succeeded int
	failures  int
	lastDone  time.Time
	active    int // clusters in flight: started, with steps not finished
}

type gateStep struct {
	stage      int
	cluster    *gateCluster
	dependents []string
	finished   bool // succeeded, failed, or blocked behind a failure
}

type gateCluster struct {
	stage   int
	open    int // steps not finished
	started bool
}

// NewStageGate builds the gate of p's stages. p must be valid
// (plans.Validate): every step in a known stage, clusters within one.
func NewStageGate(p *plans.Plan) *StageGate {
	g := &StageGate{stopped: -1, step: make(map[string]*gateStep, len(p.Steps)), clusters: map[string]*gateCluster{}}
	if len(p.Stages) == 0 {
		return g
	}
	for _, st := range p.Stages {
		g.stages = append(g.stages, gateStage{Stage: st, soak: st.SoakDuration()})
	}
	index := make(map[string]int, len(p.Stages))
	for i, st := range p.Stages {
		index[st.Name] = i
	}
	for _, s := range p.Steps {
		k := index[s.Stage]
		c := g.clusters[s.Cluster]
		if c == nil {
			c = &gateCluster{stage: k}
			g.clusters[s.Cluster] = c
		}
		c.open++
		g.stages[k].steps++
		g.step[s.ID] = &gateStep{stage: k, cluster: c}
	}
	for _, s := range p.Steps {
		for _, d := range s.DependsOn {
			if gs := g.step[d]; gs != nil {
				gs.dependents = append(gs.dependents, s.ID)
			}
		}
	}
	return g
}

// Staged reports whether the plan has stages at all.
func (g *StageGate) Staged() bool { return len(g.stages) > 0 }

// StageOf returns the index of the step's stage, -1 without stages.
func (g *StageGate) StageOf(step string) int {
	if s := g.step[step]; s != nil {
		return s.stage
	}
	return -1
}

// Stage returns the i-th stage.
func (g *StageGate) Stage(i int) plans.Stage { return g.stages[i].Stage }

// Ready says whether step may start at now: GateOpen, or why not; with
// GateSoaking, until is when the soak ends.
func (g *StageGate) Ready(step string, now time.Time) (v GateVerdict, until time.Time) {
	s := g.step[step]
	if s == nil {
		return GateOpen, time.Time{}
	}
	if g.stopped >= 0 {
		return GateStopped, time.Time{}
	}
	opens, ok := g.opensAt(s.stage)
	switch {
	case !ok:
		return GateBlocked, time.Time{}
	case opens.After(now):
		return GateSoaking, opens
	}
	st := &g.stages[s.stage]
	if st.MaxConcurrentClusters > 0 && !g.inFlight(s.cluster) && st.active >= st.MaxConcurrentClusters {
		return GateClusterLimit, time.Time{}
	}
	return GateOpen, time.Time{}
}

// opensAt is when stage k may start: ok is false while a stage before it
// has a step that did not succeed. The first stage opens at the zero time.
func (g *StageGate) opensAt(k int) (time.Time, bool) {
	var at time.Time
	for j := range k {
		st := &g.stages[j]
		if st.succeeded < st.steps {
			return time.Time{}, false
		}
		if st.steps > 0 && st.lastDone.After(at) {
			at = st.lastDone
		}
		if !at.IsZero() || st.steps > 0 {
			at = at.Add(st.soak)
		}
	}
	return at, true
}

// unfinished returns the first stage before k with a step that did not
// succeed (k itself when there is none).
func (g *StageGate) unfinished(k int) int {
	for j := range k {
		if g.stages[j].succeeded < g.stages[j].steps {
			return j
		}
	}
	return k
}

func (g *StageGate) inFlight(c *gateCluster) bool { return c.started && c.open > 0 }

// NoteStarted records that step was launched: its cluster is in flight
// until every step of it finished.
func (g *StageGate) NoteStarted(step string) {
	s := g.step[step]
	if s == nil || s.cluster.started {
		return
	}
	s.cluster.started = true
	if s.cluster.open > 0 {
		g.stages[s.stage].active++
	}
}

// NoteDone records that step succeeded at at (the run's clock, or the
// journal's record for earlier runs).
func (g *StageGate) NoteDone(step string, at time.Time) {
	s := g.step[step]
	if s == nil || s.finished {
		return
	}
	st := &g.stages[s.stage]
	st.succeeded++
	if at.After(st.lastDone) {
		st.lastDone = at
	}
	g.finish(s)
}

// NoteFailed records that step failed; its dependents will not run. It
// returns true when this failure takes its stage past maxFailures: the
// campaign stops (Ready answers GateStopped from now on).
func (g *StageGate) NoteFailed(step string) (stop bool) {
	s := g.step[step]
	if s == nil || s.finished {
		return false
	}
	st := &g.stages[s.stage]
	st.failures++
	g.block(s)
	if st.MaxFailures != nil && st.failures > *st.MaxFailures && g.stopped < 0 {
		g.stopped = s.stage
		return true
	}
	return false
}

// Tolerates reports whether step's stage sets maxFailures (and so decides
// by itself whether a failure stops the campaign).
func (g *StageGate) Tolerates(step string) bool {
	s := g.step[step]
	return s != nil && g.stages[s.stage].MaxFailures != nil
}

// block finishes s and, transitively, the steps that depend on it.
func (g *StageGate) block(s *gateStep) {
	if s.finished {
		return
	}
	g.finish(s)
	for _, d := range s.dependents {
		g.block(g.step[d])
	}
}

func (g *StageGate) finish(s *gateStep) {
	s.finished = true
	c := s.cluster
	c.open--
	if c.open == 0 && c.started {
		g.stages[s.stage].active--
	}
}

// Status returns every stage as it stands at now, in plan order.
func (g *StageGate) Status(now time.Time) []StageStatus {
	if len(g.stages) == 0 {
		return nil
	}
	out := make([]StageStatus, len(g.stages))
	for k := range g.stages {
		st := &g.stages[k]
		ss := StageStatus{Name: st.Name, Select: st.Select, Steps: st.steps, Succeeded: st.succeeded, Failures: st.failures,
			MaxFailures: st.MaxFailures, MaxConcurrentClusters: st.MaxConcurrentClusters, Soak: st.Stage.Soak}
		opens, open := g.opensAt(k)
		complete := st.succeeded == st.steps
		if complete && open {
			ss.DoneAt = st.lastDone
			if st.steps == 0 || st.lastDone.Before(opens) {
				ss.DoneAt = opens
			}
			if !ss.DoneAt.IsZero() {
				ss.SoakEndsAt = ss.DoneAt.Add(st.soak)
			}
		}
		switch {
		case g.stopped == k:
			ss.State = StageStopped
		case !open || opens.After(now):
			ss.State = StageWaiting
		case !complete:
			ss.State = StageRunning
		case ss.SoakEndsAt.After(now):
			ss.State = StageSoaking
		default:
			ss.State = StageDone
		}
		out[k] = ss
	}
	return out
}
