package executor

import "fmt"

// State is where a step is in its life. It is the one vocabulary of step
// states: the journal records them, a run's Result and its progress
// events carry them, `rdsup status` reports them, and the render layer
// prints them; nothing else spells them.
//
// A run moves each step along the arrows of transitions below:
//
//	not-started ─► checking ─► started ─► upgrading ─► succeeded
//	                  │  ▲        │          │  ▲
//	                  ▼  │        ▼          ▼  │
//	                waiting     pending    scheduled
//	(any unfinished step) ─► failed | blocked | pending (behind a failed or pending step)
//
// Only checking, started and upgrading of an Immediate upgrade hold one of
// the run's concurrency slots; waiting for a window (waiting, scheduled)
// holds none.
type State string

const (
	// NotStarted: nothing recorded for the step yet (or the run stopped
	// before it).
	NotStarted State = "not-started"
	// Checking: the run reads the instance before its upgrade call
	// (drift, window). Run only, never journaled.
	Checking State = "checking"
	// Waiting: the step may not start before its maintenance window opens
	// (Until); it holds no slot. Run only; a run that ends while a step
	// waits reports it pending.
	Waiting State = "waiting"
	// Started: journaled just before the upgrade call; the answer is not
	// recorded. The next apply re-sends it with the same ClientToken.
	Started State = "started"
	// Upgrading: the API accepted the upgrade (TaskID); it is polled until
	// the instance is Running on the target version. Journaled as
	// "submitted" (journal format 1).
	Upgrading State = "upgrading"
	// Scheduled: a MaintainTime upgrade the API accepted, which the cloud
	// starts when the instance's maintenance window opens (Until). It
	// holds no slot; with --no-wait the run leaves it and the next apply
	// polls it (never re-sends it). Journaled as "pending" with a task.
	Scheduled State = "scheduled"
	// Pending: left for later: the window is closed and the run does not
	// wait (--no-wait, or no opening known), or a step it depends on is
	// pending or scheduled.
	Pending State = "pending"
	// Succeeded: the instance runs the target version (now or already).
	Succeeded State = "succeeded"
	// Failed: see the detail (reason). A failed step whose accepted upgrade
	// was not seen ending is polled again by the next apply.
	Failed State = "failed"
	// Blocked: a step it depends on failed. Run only.
	Blocked State = "blocked"
)

// States lists every state in the order summaries count them.
var States = []State{Succeeded, Upgrading, Scheduled, Started, Checking, Waiting, Failed, Blocked, Pending, NotStarted}

// transitions are the moves a run may make; a step's state at the start
// of a run is NotStarted or, from the journal, one of the journaled states.
var transitions = map[State][]State{
	NotStarted: {Checking, Upgrading, Scheduled, Failed, Blocked, Pending},
	Checking:   {Checking, Waiting, Started, Upgrading, Succeeded, Failed, Pending, NotStarted},
	Waiting:    {Checking, Blocked, Pending},
	Started:    {Started, Checking, Waiting, Upgrading, Failed, Pending, NotStarted},
	Upgrading:  {Upgrading, Scheduled, Succeeded, Failed},
	Scheduled:  {Scheduled, Upgrading, Succeeded, Failed},
	Pending:    {},
	Succeeded:  {},
	Failed:     {},
	Blocked:    {},
}

// CanBecome reports whether a run may move a step from s to t. An
// unfinished state may be entered again (a retry, a second look).
func (s State) CanBecome(t State) bool {
	if s == t && !s.Final() {
		return true
	}
	for _, x := range transitions[s] {
		if x == t {
			return true
		}
	}
	return false
}

// Final reports whether a run leaves a step in s for good (until the next
// apply).
func (s State) Final() bool { return len(transitions[s]) == 0 }

// strictTransitions makes an illegal move panic (tests); otherwise it is
// logged as a bug and made anyway.
var strictTransitions = false

// errTransition describes an illegal move.
func errTransition(step string, from, to State) error {
	return fmt.Errorf("bug: step %s moved from %s to %s, which the state machine does not allow", step, from, to)
}

// Journal spellings of the states (format version 1, unchanged since the
// first release so that journals written by earlier releases resume).
const (
	eventJournal   = "journal"   // first record: which plan this journal belongs to
	eventStarted   = "started"   // Started
	eventSubmitted = "submitted" // Upgrading
	eventSucceeded = "succeeded" // Succeeded
	eventFailed    = "failed"    // Failed
	eventPending   = "pending"   // Pending, or Scheduled when the step has a task
)

// journalEvent is how a journaled state is written.
func (s State) journalEvent() string {
	switch s {
	case Upgrading:
		return eventSubmitted
	case Scheduled:
		return eventPending
	}
	return string(s)
}
