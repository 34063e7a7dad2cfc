package executor

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/rdsup/rdsup/plans"
)

// Session is a plan opened for applying: verified, locked, journaled.
type Session struct {
	Plan     *plans.Plan
	PlanPath string
	Journal  *Journal
	lock     *Lock
}

// Open loads and verifies the plan at planPath (an edited plan is
// refused), refuses plans with denials, takes the plan's lock and opens
// its journal. stateDir is where the lock and journal live; "" means next
// to the plan (PLAN.lock, PLAN.journal). Nothing is sent to the cloud.
func Open(planPath, stateDir string) (*Session, error) {
	p, err := plans.Load(planPath)
	if err != nil {
		return nil, err
	}
	if err := CheckApplicable(p); err != nil {
		return nil, fmt.Errorf("refusing to apply %s: %w", planPath, err)
	}
	base := planPath
	if stateDir != "" {
		base = filepath.Join(stateDir, filepath.Base(planPath))
	}
	lock, err := AcquireLock(LockPath(base))
	if err != nil {
		return nil, fmt.Errorf("refusing to apply %s: %w", planPath, err)
	}
	j, err := OpenJournal(JournalPath(base), p.ID)
	if err != nil {
		lock.Release()
		return nil, fmt.Errorf("refusing to apply %s: %w", planPath, err)
	}
	return &Session{Plan: p, PlanPath: planPath, Journal: j, lock: lock}, nil
}

// Close closes the journal and releases the lock.
func (s *Session) Close() error {
	return errors.Join(s.Journal.Close(), s.lock.Release())
}
