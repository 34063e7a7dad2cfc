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
// version (or to where this run leaves it). ctx is the run's context
// (cancel: stop waiting, resume later); hard outlives it so an upgrade
// call already on the wire gets its answer journaled.
func (r *runner) work(ctx, hard context.Context, n *node) outcome {
	if rec := n.rec; rec.Submitted && (rec.State != Failed || rec.Unsettled) {
		r.move(n, Upgrading, "polling the upgrade submitted earlier", time.Time{})
		return r.await(ctx, n, rec.SubmittedAt, rec.TaskID, "")
	}
	r.move(n, Checking, "", time.Time{})
	live, err := r.observe(ctx, n, true)
	if err != nil {
		return r.errOutcome(n, "read instance", err)
	}
	a := &attempt{}
	for {
		if o, done := r.judge(ctx, n, live); done {
			return o
		}
		if o, done := r.tryUpgrade(ctx, hard, n, live, a); done {
			return o
		}
		if o, done := r.waitBusy(n, live, a); done {
			return o
		}
		if live, err = r.observe(ctx, n, false); err != nil {
			return r.errOutcome(n, "read instance", err)
		}
	}
}

// pastHop reports whether version is reached by a later hop of step s's
// instance in this plan: following the instance's hops from s.ToVersion.
func (r *runner) pastHop(s plans.Step, version string) bool {
	next := r.hops[s.InstanceID]
	for v, seen := s.ToVersion, 0; seen < len(next); seen++ {
		to, ok := next[v]
		if !ok {
			return false
		}
		if to == version {
			return true
		}
		v = to
	}
	return false
}

// attempt is what one run learned while trying to start a step.
type attempt struct {
	probed    bool      // the ClientToken was re-sent once to a busy instance
	busySince time.Time // when the instance was first found refusing the upgrade for its state
	refusal   string    // the API's last refusal for the instance's state
}

// judge decides from the instance as found whether the step is already
// done, under way, or drifted; done false means: try the upgrade.
func (r *runner) judge(ctx context.Context, n *node, live Instance) (outcome, bool) {
	s, rec := n.step, n.rec
	switch {
	case live.EngineVersion == s.ToVersion && live.Status == StatusRunning:
		return r.succeed(n, rec.TaskID, "already on "+s.ToVersion), true
	case live.EngineVersion == s.ToVersion:
		// on its way to the target (an earlier run's upgrade, or someone's): wait for Running
		r.move(n, Upgrading, "on its way to "+s.ToVersion, time.Time{})
		return r.await(ctx, n, r.now(), rec.TaskID, live.MaintainTime), true
	case r.pastHop(s, live.EngineVersion):
		// a later hop of this plan's chain for the instance is already
		// reached (e.g. a run whose journal was lost): this hop is done
		return r.succeed(n, rec.TaskID, fmt.Sprintf("already past %s: on %s, a later hop of this plan", s.ToVersion, live.EngineVersion)), true
	case live.EngineVersion != s.FromVersion:
		return r.fail(n, fmt.Sprintf("drift: instance %s runs %s %s, the plan expected %s; make a new plan with `rdsup plan`",
			s.InstanceID, s.Engine, live.EngineVersion, s.FromVersion)), true
	case live.Status != StatusRunning && rec.Submitted:
		// our upgrade was accepted in an earlier run: never send its token
		// again (it may be spent); see where it ends
		r.move(n, Upgrading, "polling the upgrade submitted earlier", time.Time{})
		return r.await(ctx, n, rec.SubmittedAt, rec.TaskID, live.MaintainTime), true
	case live.Status != StatusRunning && !rec.Started:
		return r.fail(n, fmt.Sprintf("drift: instance %s is %s, not Running as planned; run apply again once it is Running, or make a new plan",
			s.InstanceID, live.Status)), true
	case live.Status == StatusRunning && rec.Submitted:
		return r.fail(n, spentReason(s, rec)), true
	}
	return outcome{}, false
}

// tryUpgrade sends the upgrade when it may go now; done false means the
// API refused it for the instance's state (or the instance is busy with
// something else): wait and look again.
func (r *runner) tryUpgrade(ctx, hard context.Context, n *node, live Instance, a *attempt) (outcome, bool) {
	switch {
	case live.Status == StatusRunning:
		if o, stop := r.checkWindow(n, live); stop {
			return o, true
		}
	case !a.probed:
		// An earlier attempt may have been accepted (its answer lost, or
		// the process died before journaling it). The API answers a
		// ClientToken it accepted with the same task whatever the
		// instance's state, so re-send it once: a refusal for the state
		// means our upgrade was never accepted and the instance is busy
		// with something else.
		a.probed = true
	default:
		return outcome{}, false // busy, not with our upgrade: wait for Running, then check the window
	}
	if ctx.Err() != nil {
		r.move(n, NotStarted, "interrupted before the upgrade call", time.Time{})
		return outcome{n: n}, true
	}
	if o, ok := r.journalStarted(n); !ok {
		return o, true
	}
	task, refusal, o, ok := r.submit(ctx, hard, n)
	if !ok {
		a.refusal = refusal
		return o, o.n != nil
	}
	n.askedAt = r.now()
	if err := r.record(n, Upgrading, task.TaskID, task.RequestID, "", time.Time{}, true); err != nil {
		return outcome{n: n, fatal: err}, true
	}
	r.move(n, Upgrading, "task "+orUnknown(task.TaskID), time.Time{})
	return r.await(ctx, n, r.now(), task.TaskID, live.MaintainTime), true
}

// journalStarted records, once per step, that its upgrade call is about
// to be sent.
func (r *runner) journalStarted(n *node) (outcome, bool) {
	s := n.step
	if !n.rec.Started {
		if err := r.record(n, Started, "", "", "", time.Time{}, false); err != nil {
			return outcome{n: n, fatal: err}, false
		}
		n.rec.Started = true // a step sent back to wait for its window starts no second record
	}
	r.move(n, Started, fmt.Sprintf("upgrading %s → %s", s.FromVersion, s.ToVersion), time.Time{})
	return outcome{}, true
}

// waitBusy bounds how long an instance may refuse the upgrade for its
// state.
func (r *runner) waitBusy(n *node, live Instance, a *attempt) (outcome, bool) {
	s := n.step
	if a.busySince.IsZero() {
		a.busySince = r.now()
	}
	if r.now().Sub(a.busySince) > r.o.WrongStateWait {
		return r.fail(n, fmt.Sprintf("instance %s (%s) refused the upgrade for its state for %s (%s); the upgrade was never accepted (its ClientToken is not spent): run apply again once the instance can be upgraded",
			s.InstanceID, live.Status, r.o.WrongStateWait, a.refusal)), true
	}
	r.note(n, fmt.Sprintf("instance %s is %s and refuses the upgrade: waiting", s.InstanceID, live.Status))
	return outcome{}, false
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
// the step may not start now: it waits for the window (Waiting) or is left
// pending.
func (r *runner) checkWindow(n *node, live Instance) (outcome, bool) {
	s := n.step
	inst := r.instance(s.InstanceID) // live facts over the plan's snapshot
	inst.Status, inst.EngineVersion = live.Status, live.EngineVersion
	if live.MaintainTime != "" {
		inst.MaintainTime = live.MaintainTime
	}
	open, opens, why := r.o.Window(s, inst, r.now())
	if open {
		return outcome{}, false
	}
	if opens.IsZero() || r.o.NoWait {
		if err := r.record(n, Pending, "", "", why, time.Time{}, false); err != nil {
			return outcome{n: n, fatal: err}, true
		}
		r.move(n, Pending, why, time.Time{})
		return outcome{n: n}, true
	}
	r.move(n, Waiting, why, opens)
	return outcome{n: n}, true
}

// submit calls UpgradeDBInstanceEngineVersion with the step's ClientToken
// until the API accepts it, retrying throttling and transient errors with
// backoff (the token makes a repeat harmless). A refusal for the
// instance's state returns ok false, the refusal, and an outcome without
// a node: the caller waits for the instance and tries again.
func (r *runner) submit(ctx, hard context.Context, n *node) (task Task, refusal string, o outcome, ok bool) {
	const again = "interrupted while retrying the upgrade call; the next apply re-sends it with the same ClientToken"
	req := upgradeOf(n.step)
	start := r.now()
	for attempt := 0; ; attempt++ {
		if attempt > 0 && ctx.Err() != nil {
			r.move(n, NotStarted, again, time.Time{})
			return Task{}, "", outcome{n: n}, false
		}
		task, err := r.cloud.UpgradeEngineVersion(hard, req)
		switch {
		case err == nil:
			return task, "", outcome{}, true
		case hard.Err() != nil:
			r.move(n, NotStarted, "aborted", time.Time{})
			return Task{}, "", outcome{n: n}, false
		case retryable(err):
			if r.now().Sub(start) > r.o.RetryFor {
				return Task{}, "", r.fail(n, fmt.Sprintf("upgrade call kept failing for %s: %v; run apply again to retry with the same ClientToken", r.o.RetryFor, err)), false
			}
		case errors.Is(err, ErrWrongState):
			r.note(n, err.Error())
			return Task{}, err.Error(), outcome{}, false
		case errors.Is(err, ErrNotEligible), errors.Is(err, ErrInstanceLocked):
			return Task{}, "", r.fail(n, refusedReason(n.step, err)), false
		default:
			return Task{}, "", r.fail(n, fmt.Sprintf("upgrade refused: %v", err)), false
		}
		r.note(n, err.Error())
		if sleep(ctx, backoff(attempt, r.retryBase(), 30*time.Second)) != nil {
			r.move(n, NotStarted, again, time.Time{})
			return Task{}, "", outcome{n: n}, false
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

// observe reads the instance through the batched poller, riding out
// throttling and transient errors for up to RetryFor.
func (r *runner) observe(ctx context.Context, n *node, fresh bool) (Instance, error) {
	if fresh {
		if live, ok := r.poll.takePrefetched(n.step.ID); ok {
			return live, nil
		}
	}
	var first time.Time
	for {
		live, err := r.poll.observe(ctx, n.step.InstanceID, n.step.Region, fresh)
		if err == nil || ctx.Err() != nil || !retryable(err) {
			return live, err
		}
		if first.IsZero() {
			first = r.now()
		} else if r.now().Sub(first) > r.o.RetryFor {
			return live, fmt.Errorf("gave up after %s: %w", r.o.RetryFor, err)
		}
		r.note(n, err.Error())
	}
}

func (r *runner) errOutcome(n *node, what string, err error) outcome {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		r.move(n, NotStarted, "interrupted", time.Time{})
		return outcome{n: n}
	}
	if errors.Is(err, ErrNotFound) {
		return r.fail(n, fmt.Sprintf("%s: instance %s not found in region %s (%v); check the inventory and make a new plan", what, n.step.InstanceID, n.step.Region, err))
	}
	return r.fail(n, fmt.Sprintf("%s %s: %v", what, n.step.InstanceID, err))
}

// record journals that n entered state; lazy records are fsynced in the
// background (see Journal.AppendLazy).
func (r *runner) record(n *node, state State, taskID, requestID, reason string, opensAt time.Time, lazy bool) error {
	rec := Record{Time: r.now().UTC(), Event: state, Step: n.step.ID, Instance: n.step.InstanceID,
		TaskID: taskID, RequestID: requestID, Reason: reason, OpensAt: opensAt}
	if lazy {
		return r.j.AppendLazy(rec)
	}
	return r.j.Append(rec)
}

func (r *runner) succeed(n *node, taskID, detail string) outcome {
	if err := r.record(n, Succeeded, taskID, "", detail, time.Time{}, true); err != nil {
		return outcome{n: n, fatal: err}
	}
	n.taskID = taskID
	r.move(n, Succeeded, detail, time.Time{})
	return outcome{n: n}
}

// fail fails the step. The reason is journaled and carried by the step's
// event and result; it is printed once, by whoever shows the result.
func (r *runner) fail(n *node, reason string) outcome {
	if err := r.j.Append(Record{Time: r.now().UTC(), Event: Failed, Step: n.step.ID, Instance: n.step.InstanceID, Reason: reason}); err != nil {
		return outcome{n: n, fatal: err}
	}
	r.move(n, Failed, reason, time.Time{})
	return outcome{n: n}
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
