package executor

import (
	"container/heap"
	"fmt"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// stageRun is the scheduler's side of a staged rollout: the StageGate,
// fed from the journal and the run's outcomes, and the ready steps it
// holds back. The scheduler consults it through the hooks below; a plan
// without stages has a gate that always says yes.
type stageRun struct {
	gate   *StageGate
	held   []*node      // ready steps whose stage does not let them start yet
	soakAt map[int]bool // stages whose wait for a soak was logged
}

// stagesLoad builds the gate from the plan and the journal: steps that
// succeeded in earlier runs, at the time their record gives (so a soak
// begun by an earlier run goes on), and clusters an earlier run started.
func (r *runner) stagesLoad() {
	r.stages = &stageRun{gate: NewStageGate(r.p), soakAt: map[int]bool{}}
	g := r.stages.gate
	if !g.Staged() {
		return
	}
	for _, n := range r.nodes {
		if n.rec.State != "" {
			g.NoteStarted(n.step.ID)
		}
		if n.state == Succeeded {
			g.NoteDone(n.step.ID, n.rec.Updated)
		}
	}
}

// stageRequeue puts the held steps back in the ready queue, to be judged
// again by stageAdmit when popped.
func (r *runner) stageRequeue(l *loop) {
	if r.stages == nil {
		return
	}
	for _, n := range r.stages.held {
		heap.Push(&l.ready, n)
	}
	r.stages.held = r.stages.held[:0]
}

// stageAdmit says whether the popped ready step n may start now. When not,
// it keeps the step: held (an earlier stage is unfinished, the stage's
// cluster limit is reached, or --no-wait and a soak is on), or, waiting
// for a soak, with the steps that wait for a window, so the run sleeps on
// its clock until the soak ends.
func (r *runner) stageAdmit(l *loop, n *node) bool {
	g := r.stages.gate
	if !g.Staged() {
		return true
	}
	v, until := g.Ready(n.step.ID, r.now())
	if v == GateOpen {
		g.NoteStarted(n.step.ID)
		return true
	}
	k := g.StageOf(n.step.ID)
	switch v {
	case GateSoaking:
		prev := g.Stage(k - 1).Name
		for j := k - 1; j > 0 && g.stages[j].steps == 0; j-- {
			prev = g.Stage(j - 1).Name // the soak is an earlier stage's, across empty ones
		}
		n.detail = fmt.Sprintf("stage %s starts when stage %s's soak ends at %s", g.Stage(k).Name, prev, until.UTC().Format(time.RFC3339))
		if !r.stages.soakAt[k] {
			r.stages.soakAt[k] = true
			verb := "waiting until then"
			if r.o.NoWait {
				verb = "leaving it to a later run (--no-wait)"
			}
			r.o.Logger.Info(n.detail+": "+verb, "stage", g.Stage(k).Name)
		}
		if !r.o.NoWait {
			n.until = until
			l.windowed = append(l.windowed, n)
			return false
		}
	case GateBlocked:
		n.detail = fmt.Sprintf("stage %s waits for stage %s to succeed", g.Stage(k).Name, g.Stage(g.unfinished(k)).Name)
	case GateClusterLimit:
		n.detail = fmt.Sprintf("stage %s has %d clusters in flight (maxConcurrentClusters)", g.Stage(k).Name, g.Stage(k).MaxConcurrentClusters)
	case GateStopped:
		n.detail = fmt.Sprintf("not started: stage %s exceeded its maxFailures", g.Stage(g.stopped).Name)
	}
	r.stages.held = append(r.stages.held, n)
	return false
}

// stageSettled tells the gate how a step ended; a failure past its
// stage's maxFailures stops the campaign.
func (r *runner) stageSettled(l *loop, n *node) {
	g := r.stages.gate
	if !g.Staged() {
		return
	}
	switch n.state {
	case Succeeded:
		g.NoteDone(n.step.ID, r.now())
	case Failed:
		if g.NoteFailed(n.step.ID) {
			st := g.Stage(g.StageOf(n.step.ID))
			l.stopping = true
			for _, h := range r.stages.held {
				h.detail = fmt.Sprintf("not started: stage %s exceeded its maxFailures", st.Name)
			}
			r.o.Logger.Error(fmt.Sprintf("stage %s: %d step(s) failed, more than its maxFailures %d: stopping the campaign (no new steps; those in flight finish)",
				st.Name, g.stages[g.StageOf(n.step.ID)].failures, *st.MaxFailures), "step", n.step.ID, "stage", st.Name)
		}
	}
}

// stageTolerates: n's stage sets maxFailures, which decides instead of
// --keep-going whether a failure stops the run.
func (r *runner) stageTolerates(n *node) bool { return r.stages.gate.Tolerates(n.step.ID) }

// stageStatus is the stages as the run leaves them.
func (r *runner) stageStatus() []StageStatus {
	if r.stages == nil {
		return nil
	}
	return r.stages.gate.Status(r.now())
}

// journalStages judges a staged plan's stages from its journal alone
// (rdsup status): succeeded steps at their record's time, failed ones
// counted against maxFailures.
func journalStages(p *plans.Plan, recs map[string]StepRecord, now time.Time) []StageStatus {
	if len(p.Stages) == 0 {
		return nil
	}
	g := NewStageGate(p)
	for _, s := range p.Steps {
		switch rec := recs[s.ID]; rec.State {
		case Succeeded:
			g.NoteDone(s.ID, rec.Updated)
		case Failed:
			g.NoteFailed(s.ID)
		}
	}
	return g.Status(now)
}
