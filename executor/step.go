package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// work carries one step from its pre-check to Running on the target
// version. ctx is the run's context (cancel: stop waiting, resume later);
// hard outlives it so an upgrade call already on the wire gets its answer
// journaled.
func (r *runner) work(ctx, hard context.Context, n *node) outcome {
	s, rec := n.step, n.rec
	if rec.Submitted && (rec.Phase != EventFailed || rec.Unsettled) {
		r.event(n, "resumed", "polling the upgrade submitted earlier")
		return r.await(ctx, n, rec.SubmittedAt, rec.TaskID)
	}
	r.event(n, "checking", "")
	live, err := r.observe(ctx, n, true)
	if err != nil {
		return r.errOutcome(n, "read instance", err)
	}
	var busySince time.Time // when the instance was first found refusing the upgrade for its state
	probed := false
	refusal := "" // the API's last refusal for the instance's state
	for {
		switch {
		case live.EngineVersion == s.ToVersion && live.Status == StatusRunning:
			return r.succeed(n, rec.TaskID, "already on "+s.ToVersion)
		case live.EngineVersion == s.ToVersion:
			// on its way to the target (an earlier run's upgrade, or someone's): wait for Running
			return r.await(ctx, n, time.Now(), rec.TaskID)
		case live.EngineVersion != s.FromVersion:
			return r.fail(n, fmt.Sprintf("drift: instance %s runs %s %s, the plan expected %s; make a new plan with `rdsup plan`",
				s.InstanceID, s.Engine, live.EngineVersion, s.FromVersion))
		case live.Status != StatusRunning && rec.Submitted:
			// our upgrade was accepted in an earlier run: never send its token
			// again (it may be spent); see where it ends
			return r.await(ctx, n, rec.SubmittedAt, rec.TaskID)
		case live.Status != StatusRunning && !rec.Started:
			return r.fail(n, fmt.Sprintf("drift: instance %s is %s, not Running as planned; run apply again once it is Running, or make a new plan",
				s.InstanceID, live.Status))
		case live.Status == StatusRunning && rec.Submitted:
			return r.fail(n, spentReason(s, rec))
		}
		send := true
		switch {
		case live.Status == StatusRunning:
			if o, stop := r.checkWindow(n, live); stop {
				return o
			}
		case !probed:
			// An earlier attempt may have been accepted (its answer lost, or
			// the process died before journaling it). The API answers a
			// ClientToken it accepted with the same task whatever the
			// instance's state, so re-send it once: a refusal for the state
			// means our upgrade was never accepted and the instance is busy
			// with something else.
			probed = true
		default:
			send = false // busy, not with our upgrade: wait for Running, then check the window
		}
		if send {
			if ctx.Err() != nil {
				return outcome{n: n, state: StateNotStarted, detail: "interrupted before the upgrade call"}
			}
			if !rec.Started {
				if err := r.j.Append(Record{Event: EventStarted, Step: s.ID, Instance: s.InstanceID}); err != nil {
					return outcome{n: n, fatal: err}
				}
				rec.Started = true
				n.rec.Started = true // a step sent back to wait for its window starts no second record
			}
			r.event(n, "started", fmt.Sprintf("upgrading %s → %s", s.FromVersion, s.ToVersion))
			task, o, ok := r.submit(ctx, hard, n)
			if ok {
				n.askedAt = r.o.Now()
				if err := r.j.AppendLazy(Record{Event: EventSubmitted, Step: s.ID, Instance: s.InstanceID, TaskID: task.TaskID, RequestID: task.RequestID}); err != nil {
					return outcome{n: n, fatal: err}
				}
				r.event(n, "submitted", "task "+orUnknown(task.TaskID))
				return r.await(ctx, n, time.Now(), task.TaskID)
			}
			if o.n != nil {
				return o
			}
			refusal = o.detail
		}
		// refused for the instance's state: wait a bounded time and look again
		if busySince.IsZero() {
			busySince = time.Now()
		}
		if time.Since(busySince) > r.o.WrongStateWait {
			return r.fail(n, fmt.Sprintf("instance %s (%s) refused the upgrade for its state for %s (%s); the upgrade was never accepted (its ClientToken is not spent): run apply again once the instance can be upgraded",
				s.InstanceID, live.Status, r.o.WrongStateWait, refusal))
		}
		r.event(n, "waiting", fmt.Sprintf("instance %s is %s and refuses the upgrade: waiting", s.InstanceID, live.Status))
		if live, err = r.observe(ctx, n, false); err != nil {
			return r.errOutcome(n, "read instance", err)
		}
	}
}

// spentReason says why a step whose accepted upgrade ended on the old
// version stays failed; the reason of an earlier run is not nested again.
func spentReason(s plans.Step, rec StepRecord) string {
	if strings.Contains(rec.Reason, spentHint) {
		return rec.Reason
	}
	return fmt.Sprintf("the upgrade submitted earlier (task %s) ended with %s still on %s (%s); %s",
		orUnknown(rec.TaskID), s.InstanceID, s.FromVersion, rec.Reason, spentHint)
}

const spentHint = "its ClientToken is spent: make a new plan to retry"

// checkWindow re-checks the step's window with the live facts; stop says
// the step may not start now (outcome: pending or waiting for the window).
func (r *runner) checkWindow(n *node, live Instance) (outcome, bool) {
	s := n.step
	inst := r.instance(s.InstanceID) // live facts over the plan's snapshot
	inst.Status, inst.EngineVersion = live.Status, live.EngineVersion
	if live.MaintainTime != "" {
		inst.MaintainTime = live.MaintainTime
	}
	open, opens, why := r.o.Window(s, inst, r.o.Now())
	if open {
		return outcome{}, false
	}
	if opens.IsZero() || r.o.NoWait {
		if err := r.j.Append(Record{Event: EventPending, Step: s.ID, Instance: s.InstanceID, Reason: why}); err != nil {
			return outcome{n: n, fatal: err}, true
		}
		r.event(n, StatePending, why)
		return outcome{n: n, state: StatePending, detail: why}, true
	}
	return outcome{n: n, state: stateWindow, detail: why, opensAt: opens}, true
}

// submit calls UpgradeDBInstanceEngineVersion with the step's ClientToken
// until the API accepts it, retrying throttling and transient errors with
// backoff (the token makes a repeat harmless). A refusal for the
// instance's state returns ok false and an outcome without a node whose
// detail is the refusal: the caller waits for the instance and tries again.
func (r *runner) submit(ctx, hard context.Context, n *node) (Task, outcome, bool) {
	req := upgradeOf(n.step)
	start := time.Now()
	for attempt := 0; ; attempt++ {
		if attempt > 0 && ctx.Err() != nil {
			return Task{}, outcome{n: n, state: StateNotStarted, detail: "interrupted while retrying the upgrade call; the next apply re-sends it with the same ClientToken"}, false
		}
		task, err := r.cloud.UpgradeEngineVersion(hard, req)
		if err == nil {
			return task, outcome{}, true
		}
		if hard.Err() != nil {
			return Task{}, outcome{n: n, state: StateNotStarted, detail: "aborted"}, false
		}
		switch {
		case errors.Is(err, ErrThrottled), errors.Is(err, ErrTransient):
			if time.Since(start) > r.o.RetryFor {
				return Task{}, r.fail(n, fmt.Sprintf("upgrade call kept failing for %s: %v; run apply again to retry with the same ClientToken", r.o.RetryFor, err)), false
			}
		case errors.Is(err, ErrWrongState):
			r.event(n, "retry", err.Error())
			return Task{}, outcome{detail: err.Error()}, false
		case errors.Is(err, ErrNotEligible), errors.Is(err, ErrInstanceLocked):
			return Task{}, r.fail(n, refusedReason(n.step, err)), false
		default:
			return Task{}, r.fail(n, fmt.Sprintf("upgrade refused: %v", err)), false
		}
		r.event(n, "retry", err.Error())
		if sleep(ctx, backoff(attempt, r.retryBase(), 30*time.Second)) != nil {
			return Task{}, outcome{n: n, state: StateNotStarted, detail: "interrupted while retrying the upgrade call; the next apply re-sends it with the same ClientToken"}, false
		}
	}
}

// refusedReason says why an instance that is not eligible (or is locked)
// refused its upgrade, what to fix, and that the step can simply be
// applied again: waiting does not clear these refusals.
func refusedReason(s plans.Step, err error) string {
	why, hint := err.Error(), "fix the instance"
	var e *CloudError
	if errors.As(err, &e) {
		why = e.Code + ": " + e.Message
		if e.RequestID != "" {
			why += "; request " + e.RequestID
		}
		if e.Hint != "" {
			hint = e.Hint
		}
	}
	what := "not eligible"
	if errors.Is(err, ErrInstanceLocked) {
		what = "not eligible: the instance is locked"
	}
	return fmt.Sprintf("%s: instance %s refused the upgrade to %s %s (%s); to fix: %s; then run apply again (the upgrade was never accepted: its ClientToken is not spent)",
		what, s.InstanceID, s.Engine, s.ToVersion, why, hint)
}

// upgradeOf is the upgrade request of step s: always the plan's ClientToken.
func upgradeOf(s plans.Step) Upgrade {
	return Upgrade{Region: s.Region, InstanceID: s.InstanceID, EngineVersion: s.ToVersion,
		EffectiveTime: s.EffectiveTime, ClientToken: s.ClientToken}
}

// await waits until the instance is Running on the target version, for
// at most StepTimeout: from the upgrade call for Immediate upgrades; for
// MaintainTime upgrades from the moment the cloud starts the upgrade, and
// at the latest from the opening of the instance's maintenance window, so
// an upgrade that never starts (or ran and rolled back unseen) is not
// waited on forever.
func (r *runner) await(ctx context.Context, n *node, submitted time.Time, taskID string) outcome {
	s := n.step
	immediate := s.EffectiveTime != plans.EffectiveMaintenance
	deadline := submitted.Add(r.o.StepTimeout)
	if submitted.Before(n.began) {
		deadline = time.Now().Add(r.o.StepTimeout) // resumed: a fresh budget for this run
	}
	// MaintainTime: the window opens at opensAt on the window clock (Now);
	// opened is the real time we first saw it open.
	var opensAt, opened time.Time
	waitFrom := n.askedAt // when the upgrade was asked for, on the window clock
	if waitFrom.IsZero() {
		waitFrom = r.o.Now() // resumed, or an upgrade found under way
	}
	saw := false
	for {
		live, err := r.observe(ctx, n, false)
		if err != nil {
			if ctx.Err() != nil {
				return outcome{n: n, state: StateInFlight, detail: "interrupted while polling; the next apply resumes polling", taskID: taskID}
			}
			if errors.Is(err, ErrNotFound) {
				return r.errOutcome(n, "poll instance", err)
			}
			return r.unsettled(n, fmt.Sprintf("poll instance %s: %v; its upgrade (task %s) was accepted: run apply again to keep polling",
				s.InstanceID, err, orUnknown(taskID)))
		}
		now := time.Now()
		if !immediate && opensAt.IsZero() {
			window := live.MaintainTime
			if window == "" {
				window = r.instance(s.InstanceID).MaintainTime
			}
			opensAt = plans.WindowStart(window, waitFrom)
		}
		switch {
		case live.EngineVersion == s.ToVersion && live.Status == StatusRunning:
			return r.succeed(n, taskID, "upgraded to "+s.ToVersion)
		case live.Status != StatusRunning:
			if !saw && !immediate {
				deadline = now.Add(r.o.StepTimeout) // MaintainTime: the clock starts when the cloud starts
			}
			saw = true
		case live.EngineVersion == s.FromVersion && (saw || immediate && now.Sub(submitted) > r.o.StartGrace):
			return r.fail(n, fmt.Sprintf("upgrade task %s ended with %s Running on %s, not %s; see the task in the console; %s",
				orUnknown(taskID), s.InstanceID, s.FromVersion, s.ToVersion, spentHint))
		case live.EngineVersion != s.FromVersion && live.EngineVersion != s.ToVersion:
			return r.fail(n, fmt.Sprintf("drift: instance %s runs %s, expected %s or %s", s.InstanceID, live.EngineVersion, s.FromVersion, s.ToVersion))
		}
		if !immediate && !saw && r.o.NoWait && r.o.Now().Before(opensAt) {
			// accepted, but the cloud starts it only when the window opens:
			// --no-wait never waits for a window
			window := live.MaintainTime
			if window == "" {
				window = r.instance(s.InstanceID).MaintainTime
			}
			if was := n.rec.OpensAt; n.rec.Phase == EventPending && !was.IsZero() && !was.After(r.o.Now()) {
				// the window it was scheduled for has come and gone and it
				// was never seen starting: say so rather than reschedule it
				return r.unsettled(n, fmt.Sprintf("the MaintainTime upgrade (task %s) of %s was scheduled for maintenance window %s opening %s, which has passed, and it was never seen starting: it is still %s on %s; it may still be scheduled, or may have run and rolled back: see the task in the console; run apply again to keep polling",
					orUnknown(taskID), s.InstanceID, window, was.Format(time.RFC3339), live.Status, live.EngineVersion))
			}
			return r.scheduled(n, taskID, window, opensAt)
		}
		if !immediate && !saw && opened.IsZero() && !r.o.Now().Before(opensAt) {
			opened = now
			deadline = now.Add(r.o.StepTimeout)
		}
		switch {
		case !now.After(deadline):
		case immediate || saw:
			return r.unsettled(n, fmt.Sprintf("timed out after %s waiting for %s to be Running on %s (now %s on %s); run apply again to keep polling",
				r.o.StepTimeout, s.InstanceID, s.ToVersion, live.Status, live.EngineVersion))
		case !opened.IsZero():
			return r.unsettled(n, fmt.Sprintf("the MaintainTime upgrade (task %s) of %s was never seen starting: %s after its maintenance window %s opened (%s) it is still %s on %s; it may still be scheduled, or may have run and rolled back: see the task in the console; run apply again to keep waiting",
				orUnknown(taskID), s.InstanceID, r.o.StepTimeout, live.MaintainTime, opensAt.Format(time.RFC3339), live.Status, live.EngineVersion))
		}
	}
}

// scheduled leaves a step whose MaintainTime upgrade the cloud accepted
// but starts only when the instance's maintenance window opens (opensAt,
// on the window clock): journaled as pending with its task, so the next
// apply polls it and never sends its ClientToken again. A resumed step
// still waiting for the same opening adds no record.
func (r *runner) scheduled(n *node, taskID, window string, opensAt time.Time) outcome {
	s := n.step
	reason := fmt.Sprintf("upgrade accepted (task %s); the cloud starts it when maintenance window %s opens at %s; the next apply polls it",
		orUnknown(taskID), window, opensAt.UTC().Format(time.RFC3339))
	if rec := n.rec; rec.Phase != EventPending || !rec.OpensAt.Equal(opensAt) || rec.TaskID != taskID {
		if err := r.j.Append(Record{Event: EventPending, Step: s.ID, Instance: s.InstanceID, TaskID: taskID, OpensAt: opensAt.UTC(), Reason: reason}); err != nil {
			return outcome{n: n, fatal: err}
		}
	}
	r.event(n, StateScheduled, reason)
	return outcome{n: n, state: StateScheduled, detail: reason, taskID: taskID, opensAt: opensAt}
}

// unsettled fails a step whose accepted upgrade was not seen ending (step
// timeout, the instance could not be read); the journal marks it so the
// next apply polls it again instead of calling the ClientToken spent.
func (r *runner) unsettled(n *node, reason string) outcome {
	if err := r.j.Append(Record{Event: EventFailed, Step: n.step.ID, Instance: n.step.InstanceID, Reason: reason, Unsettled: true}); err != nil {
		return outcome{n: n, fatal: err}
	}
	r.event(n, StateFailed, reason)
	r.o.Logger.Error("step failed", "step", n.step.ID, "instance", n.step.InstanceID, "reason", reason)
	return outcome{n: n, state: StateFailed, detail: reason}
}

// observe reads the instance through the batched poller, riding out
// throttling and transient errors for up to RetryFor.
func (r *runner) observe(ctx context.Context, n *node, fresh bool) (Instance, error) {
	var first time.Time
	for {
		live, err := r.poll.observe(ctx, n.step.InstanceID, n.step.Region, fresh)
		if err == nil || ctx.Err() != nil {
			return live, err
		}
		if !errors.Is(err, ErrThrottled) && !errors.Is(err, ErrTransient) {
			return live, err
		}
		if first.IsZero() {
			first = time.Now()
		} else if time.Since(first) > r.o.RetryFor {
			return live, fmt.Errorf("gave up after %s: %w", r.o.RetryFor, err)
		}
		r.event(n, "retry", err.Error())
	}
}

func (r *runner) errOutcome(n *node, what string, err error) outcome {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return outcome{n: n, state: StateNotStarted, detail: "interrupted"}
	}
	if errors.Is(err, ErrNotFound) {
		return r.fail(n, fmt.Sprintf("%s: instance %s not found in region %s (%v); check the inventory and make a new plan", what, n.step.InstanceID, n.step.Region, err))
	}
	return r.fail(n, fmt.Sprintf("%s %s: %v", what, n.step.InstanceID, err))
}

func (r *runner) succeed(n *node, taskID, detail string) outcome {
	if err := r.j.AppendLazy(Record{Event: EventSucceeded, Step: n.step.ID, Instance: n.step.InstanceID, TaskID: taskID, Reason: detail}); err != nil {
		return outcome{n: n, fatal: err}
	}
	r.event(n, StateSucceeded, detail)
	return outcome{n: n, state: StateSucceeded, detail: detail, taskID: taskID}
}

func (r *runner) fail(n *node, reason string) outcome {
	if err := r.j.Append(Record{Event: EventFailed, Step: n.step.ID, Instance: n.step.InstanceID, Reason: reason}); err != nil {
		return outcome{n: n, fatal: err}
	}
	r.event(n, StateFailed, reason)
	r.o.Logger.Error("step failed", "step", n.step.ID, "instance", n.step.InstanceID, "reason", reason)
	return outcome{n: n, state: StateFailed, detail: reason}
}

func (r *runner) instance(id string) plans.Instance {
	if in := r.p.Instance(id); in != nil {
		return *in
	}
	return plans.Instance{ID: id}
}

func (r *runner) retryBase() time.Duration {
	return min(max(r.o.PollInterval/2, 20*time.Millisecond), time.Second)
}

func orUnknown(s string) string {
	if s == "" {
		return "(id unknown)"
	}
	return s
}
