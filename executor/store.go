package executor

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/rdsup/rdsup/plans"
)

// StepLog is where a run records each step's transitions and reads them
// back: the plan's local journal file (*Journal, the default) or a shared
// state store (executor/state/postgres). Every Append is durable before it
// returns; AppendLazy may be made durable later (see Journal.AppendLazy).
type StepLog interface {
	PlanID() string
	// Path says where the records live, for messages.
	Path() string
	Append(Record) error
	AppendLazy(Record) error
	// Steps is the folded state of every step with records.
	Steps() map[string]StepRecord
}

// Store keeps plans, their journals and the locks that keep runs apart:
// LocalStore (files next to the plan) or a shared database. Open locks the
// plan for this process (local) or registers it as one of the plan's
// workers (shared); the returned StepLog is closed with close.
type Store interface {
	// LoadPlan returns the verified plan ref names (a file, or a stored id).
	LoadPlan(ctx context.Context, ref string) (*plans.Plan, error)
	// Open readies p's journal for a run.
	Open(ctx context.Context, p *plans.Plan) (log StepLog, close func() error, err error)
	// ReadSteps reads p's journal without changing anything.
	ReadSteps(ctx context.Context, p *plans.Plan) (map[string]StepRecord, error)
}

// Claimer is a StepLog shared by several workers of one plan: a step is
// worked only by the worker that claimed it, until it releases it (or its
// lease expires and another worker claims it).
type Claimer interface {
	// Claim asks for step s. Only a Claimed answer lets the run work it.
	Claim(ctx context.Context, s plans.Step) (Claim, error)
	// Release gives the step back once the run left it.
	Release(stepID string)
}

// ClaimResult is how a claim was answered.
type ClaimResult int

const (
	// Claimed: the step is this worker's; Claim.Rec is its journal state.
	Claimed ClaimResult = iota
	// ClaimDone: another worker finished the step (Claim.Rec).
	ClaimDone
	// ClaimFailed: the step failed since this worker joined (Claim.Rec).
	ClaimFailed
	// ClaimBusy: another worker of the plan holds the step, or the
	// plan's campaign-wide cap is reached: look again later.
	ClaimBusy
	// ClaimFenced: another plan holds the step's instance (Claim.Detail
	// names the plan and its step).
	ClaimFenced
)

// Claim is the answer to a claim.
type Claim struct {
	Result ClaimResult
	Rec    StepRecord
	Detail string
}

// ErrLeaseLost: a worker's lease on a step ran out and the step may be
// another worker's now; the worker stops (nothing is lost: the journal
// holds everything up to the lease's end).
var ErrLeaseLost = errors.New("lease lost")

// PlanID returns the id of the plan the journal belongs to.
func (j *Journal) PlanID() string { return j.planID }

// LocalStore is the default store: the plan file, PLAN.journal and
// PLAN.lock next to it (or in StateDir). LoadPlan names the plan file that
// Open and ReadSteps then use.
type LocalStore struct {
	StateDir string
	planPath string
}

// LoadPlan loads and verifies the plan file at ref.
func (s *LocalStore) LoadPlan(_ context.Context, ref string) (*plans.Plan, error) {
	p, err := plans.Load(ref)
	if err == nil {
		s.planPath = ref
	}
	return p, err
}

// Open takes the plan's lock and opens its journal (see Open).
func (s *LocalStore) Open(_ context.Context, p *plans.Plan) (StepLog, func() error, error) {
	sess, err := Open(s.planPath, s.StateDir)
	if err != nil {
		return nil, nil, err
	}
	if sess.Plan.ID != p.ID {
		sess.Close()
		return nil, nil, ErrJournalMismatch
	}
	return sess.Journal, sess.Close, nil
}

// ReadSteps reads the plan's journal (a missing one reads as empty).
func (s *LocalStore) ReadSteps(_ context.Context, p *plans.Plan) (map[string]StepRecord, error) {
	base := s.planPath
	if s.StateDir != "" {
		base = filepath.Join(s.StateDir, filepath.Base(s.planPath))
	}
	return ReadJournal(JournalPath(base), p.ID)
}
