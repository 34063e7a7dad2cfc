package executor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// watch is what await knows about an accepted upgrade.
type watch struct {
	taskID    string
	immediate bool
	submitted time.Time // when the upgrade was accepted (run clock)
	deadline  time.Time // StepTimeout from the upgrade call or, MaintainTime, from when it starts
	window    string    // the instance's maintenance window (MaintainTime)
	opensAt   time.Time // MaintainTime: when the window opens, the cloud starts the upgrade
	opened    time.Time // MaintainTime: when this run first found the window open
	saw       bool      // the instance was seen busy (the upgrade under way)
	polled    bool      // at least one poll answered
	released  bool      // the step gave back its slot (Scheduled)
	fresh     bool      // accepted in this run (else resumed: look before sleeping)
}

// await waits until the instance is Running on the target version, for
// at most StepTimeout: from the upgrade call for Immediate upgrades; for
// MaintainTime upgrades from the moment the cloud starts the upgrade, and
// at the latest from the opening of the instance's maintenance window, so
// an upgrade that never starts (or ran and rolled back unseen) is not
// waited on forever. Until that window opens the step is Scheduled: it
// gives back its slot and sends no call; with --no-wait the run leaves it
// there. window is the instance's live maintenance window when known.
func (r *runner) await(ctx context.Context, n *node, submitted time.Time, taskID, window string) outcome {
	w := r.newWatch(n, submitted, taskID, window)
	for {
		if o, done := r.awaitWindow(ctx, n, w); done {
			return o
		}
		if err := r.sleepUntil(ctx, r.upgrades.firstLook(w, n.estimate(), r.now())); err != nil {
			return r.pollFailed(ctx, n, w, err)
		}
		live, err := r.observe(ctx, n, false)
		if err != nil {
			return r.pollFailed(ctx, n, w, err)
		}
		w.polled = true
		if o, done := r.judgePoll(n, w, live); done {
			return o
		}
	}
}

func (r *runner) newWatch(n *node, submitted time.Time, taskID, window string) *watch {
	s, now := n.step, r.now()
	w := &watch{taskID: taskID, immediate: s.EffectiveTime != plans.EffectiveMaintenance, submitted: submitted}
	w.fresh = !n.askedAt.IsZero()
	w.deadline = submitted.Add(r.o.StepTimeout)
	if submitted.Before(n.began) {
		w.deadline = now.Add(r.o.StepTimeout) // resumed: a fresh budget for this run
	}
	if w.immediate {
		return w
	}
	w.window = window
	if w.window == "" {
		w.window = r.instance(s.InstanceID).MaintainTime
	}
	from := n.askedAt // when the upgrade was asked for
	if from.IsZero() {
		from = now // resumed, or an upgrade found under way
	}
	w.opensAt = plans.WindowStart(w.window, from)
	return w
}

// awaitWindow: a MaintainTime upgrade not seen starting whose window is
// not open yet is Scheduled. With --no-wait the run leaves it; otherwise
// the step gives back its slot and sleeps, without calls, until the window
// opens. done true ends the step's work in this run.
func (r *runner) awaitWindow(ctx context.Context, n *node, w *watch) (outcome, bool) {
	if w.immediate || w.saw || !w.fresh && !w.polled || !r.now().Before(w.opensAt) {
		return outcome{}, false
	}
	s := n.step
	if was := n.rec.OpensAt; r.o.NoWait && n.rec.State == Scheduled && !was.IsZero() && !was.After(r.now()) {
		// the window it was scheduled for has come and gone and it was
		// never seen starting: say so rather than reschedule it
		return r.unsettled(n, fmt.Sprintf("the MaintainTime upgrade (task %s) of %s was scheduled for maintenance window %s opening %s, which has passed, and it was never seen starting; it may still be scheduled, or may have run and rolled back: see the task in the console; run apply again to keep polling",
			orUnknown(w.taskID), s.InstanceID, w.window, was.Format(time.RFC3339))), true
	}
	if n.state != Scheduled {
		if o, ok := r.scheduled(n, w); !ok || r.o.NoWait {
			return o, true
		}
	}
	if !w.released {
		select {
		case r.release <- n:
			w.released = true
		case <-ctx.Done():
			return outcome{n: n}, true
		}
	}
	if r.sleepUntil(ctx, r.wakeScheduled(w)) != nil {
		return outcome{n: n}, true // stays Scheduled: the next apply polls it
	}
	if !r.now().Before(w.opensAt) {
		// the cloud starts the upgrade when the window opens: the first
		// look that can tell anything is one poll interval later
		if sleep(ctx, r.o.PollInterval) != nil {
			return outcome{n: n}, true
		}
	}
	return outcome{}, false
}

// wakeScheduled is when a Scheduled step looks at its instance: when the
// window opens. On the wall clock it also looks every windowRecheck before
// that, because the cloud's clock may run ahead of ours (a simulator
// served with --time-scale); under --simulate the run shares the
// simulator's clock and sends nothing before the window.
func (r *runner) wakeScheduled(w *watch) time.Time {
	if _, wall := r.o.Clock.(wallClock); wall {
		if early := r.now().Add(r.windowRecheck()); early.Before(w.opensAt) {
			return early
		}
	}
	return w.opensAt
}

// windowRecheck bounds a wait on the wall clock for a window.
func (r *runner) windowRecheck() time.Duration {
	return max(20*r.o.PollInterval, time.Second)
}

// scheduled marks a step whose MaintainTime upgrade the cloud accepted but
// starts only when the instance's maintenance window opens: journaled as
// scheduled (pending with its task) so that status says when, and the
// next apply polls it and never sends its ClientToken again. A resumed
// step still waiting for the same opening adds no record.
func (r *runner) scheduled(n *node, w *watch) (outcome, bool) {
	reason := fmt.Sprintf("upgrade accepted (task %s); the cloud starts it when maintenance window %s opens at %s",
		orUnknown(w.taskID), w.window, w.opensAt.UTC().Format(time.RFC3339))
	if rec := n.rec; rec.State != Scheduled || !rec.OpensAt.Equal(w.opensAt) || rec.TaskID != w.taskID {
		if err := r.record(n, Scheduled, w.taskID, "", reason, w.opensAt.UTC(), false); err != nil {
			return outcome{n: n, fatal: err}, false
		}
	}
	n.taskID = w.taskID
	r.move(n, Scheduled, reason, w.opensAt)
	return outcome{n: n}, true
}

// judgePoll decides from one poll whether the upgrade ended (done true).
func (r *runner) judgePoll(n *node, w *watch, live Instance) (outcome, bool) {
	s, now := n.step, r.now()
	switch {
	case live.EngineVersion == s.ToVersion && live.Status == StatusRunning:
		r.upgrades.ended(w, n.estimate(), now)
		return r.succeed(n, w.taskID, "upgraded to "+s.ToVersion), true
	case live.Status != StatusRunning:
		r.started(n, w, now)
	case live.EngineVersion == s.FromVersion && (w.saw || w.immediate && now.Sub(w.submitted) > r.o.StartGrace):
		return r.fail(n, fmt.Sprintf("upgrade task %s ended with %s Running on %s, not %s; see the task in the console; %s",
			orUnknown(w.taskID), s.InstanceID, s.FromVersion, s.ToVersion, spentHint)), true
	case live.EngineVersion != s.FromVersion && live.EngineVersion != s.ToVersion:
		return r.fail(n, fmt.Sprintf("drift: instance %s runs %s, expected %s or %s", s.InstanceID, live.EngineVersion, s.FromVersion, s.ToVersion)), true
	}
	if !w.immediate && !w.saw && w.opened.IsZero() && !now.Before(w.opensAt) {
		w.opened, w.deadline = now, now.Add(r.o.StepTimeout) // the window is open: the cloud starts it now
	}
	if !now.After(w.deadline) {
		return outcome{}, false
	}
	if w.immediate || w.saw {
		return r.unsettled(n, fmt.Sprintf("timed out after %s waiting for %s to be Running on %s (now %s on %s); run apply again to keep polling",
			r.o.StepTimeout, s.InstanceID, s.ToVersion, live.Status, live.EngineVersion)), true
	}
	if w.opened.IsZero() {
		return outcome{}, false // the window has not opened: the step timeout has not begun
	}
	return r.unsettled(n, fmt.Sprintf("the MaintainTime upgrade (task %s) of %s was never seen starting: %s after its maintenance window %s opened (%s) it is still %s on %s; it may still be scheduled, or may have run and rolled back: see the task in the console; run apply again to keep waiting",
		orUnknown(w.taskID), s.InstanceID, r.o.StepTimeout, w.window, w.opensAt.Format(time.RFC3339), live.Status, live.EngineVersion)), true
}

// started notes the first poll that finds the upgrade under way; a
// MaintainTime upgrade's StepTimeout runs from then, and a step that was
// Scheduled is Upgrading again (journaled, so status says so).
func (r *runner) started(n *node, w *watch, now time.Time) {
	if w.saw {
		return
	}
	w.saw = true
	if w.immediate {
		return
	}
	w.deadline = now.Add(r.o.StepTimeout)
	if n.state == Scheduled {
		_ = r.record(n, Upgrading, w.taskID, "", "", time.Time{}, true) // a lost record costs nothing: the next apply polls a scheduled step too
		r.move(n, Upgrading, "the maintenance window opened: upgrading", time.Time{})
	}
}

// pollFailed ends a step whose instance could not be read.
func (r *runner) pollFailed(ctx context.Context, n *node, w *watch, err error) outcome {
	if ctx.Err() != nil {
		// interrupted while polling: the step stays Upgrading (or
		// Scheduled) and the next apply resumes polling it
		n.taskID = w.taskID
		return outcome{n: n}
	}
	if errors.Is(err, ErrNotFound) {
		return r.errOutcome(n, "poll instance", err)
	}
	return r.unsettled(n, fmt.Sprintf("poll instance %s: %v; its upgrade (task %s) was accepted: run apply again to keep polling",
		n.step.InstanceID, err, orUnknown(w.taskID)))
}

// unsettled fails a step whose accepted upgrade was not seen ending (step
// timeout, the instance could not be read); the journal marks it so the
// next apply polls it again instead of calling the ClientToken spent.
func (r *runner) unsettled(n *node, reason string) outcome {
	if err := r.j.Append(Record{Time: r.now().UTC(), Event: Failed, Step: n.step.ID, Instance: n.step.InstanceID, Reason: reason, Unsettled: true}); err != nil {
		return outcome{n: n, fatal: err}
	}
	r.move(n, Failed, reason, time.Time{})
	return outcome{n: n}
}
