package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

// Worker is one process applying a stored plan, possibly among others:
// the plan's executor.StepLog and executor.Claimer. Steps it claims are
// leased to it (ID) until it releases them; a heartbeat renews its leases
// while it lives.
type Worker struct {
	s      *Store
	planID string
	ID     string    // host/pid/random, recorded with every journal row
	joined time.Time // database clock

	mu   sync.Mutex
	held map[string]executor.StepRecord // claimed steps: their folded records

	stop      chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

// opTimeout bounds one journal write or claim, so that a database that
// stops answering ends the run instead of hanging it.
const opTimeout = 30 * time.Second

// Open registers a worker for plan p (stored by SavePlan) and starts its
// heartbeat. Close stops it and releases what it still holds.
func (s *Store) Open(ctx context.Context, p *plans.Plan) (executor.StepLog, func() error, error) {
	w, err := s.OpenWorker(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	return w, w.Close, nil
}

// OpenWorker is Open with the concrete type.
func (s *Store) OpenWorker(ctx context.Context, p *plans.Plan) (*Worker, error) {
	if err := s.checkSchema(ctx); err != nil {
		return nil, err
	}
	if s.Lease <= 0 {
		s.Lease = DefaultLease
	}
	w := &Worker{s: s, planID: p.ID, ID: workerID(), held: map[string]executor.StepRecord{},
		stop: make(chan struct{}), done: make(chan struct{})}
	var n int
	err := s.pool.QueryRow(ctx, "SELECT now(), (SELECT count(*) FROM rdsup_plans WHERE id = $1)", p.ID).Scan(&w.joined, &n)
	if err != nil {
		return nil, fmt.Errorf("state store %s: %w", s.name, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: plan %s is not in %s; store it with `rdsup apply PLANFILE --state URL`", ErrNoPlan, shortID(p.ID), s.name)
	}
	go w.heartbeat()
	return w, nil
}

func workerID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/pid %d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

func (w *Worker) heartbeat() {
	defer close(w.done)
	t := time.NewTicker(w.s.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), w.s.Lease/3)
			_, _ = w.s.pool.Exec(ctx, "UPDATE rdsup_steps SET lease_expires = now() + $3::interval WHERE plan_id = $1 AND lease_owner = $2",
				w.planID, w.ID, w.s.Lease.String())
			cancel()
		}
	}
}

// PlanID is the plan the worker applies.
func (w *Worker) PlanID() string { return w.planID }

// Path names the store and the plan, for messages.
func (w *Worker) Path() string { return w.s.JournalName(w.planID) }

// Steps reads the journal state of every step of the plan.
func (w *Worker) Steps() map[string]executor.StepRecord {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	recs, err := readSteps(ctx, w.s.pool, w.planID)
	if err != nil {
		return map[string]executor.StepRecord{} // the claims read each step again before it is worked
	}
	return recs
}

// AppendLazy is Append: a transaction is durable when it commits.
func (w *Worker) AppendLazy(r executor.Record) error { return w.Append(r) }

// Append journals one transition of a step the worker holds, in one
// transaction: the journal row and the step's folded state. It fails
// with executor.ErrLeaseLost when the lease has passed to another worker.
func (w *Worker) Append(r executor.Record) error {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	w.mu.Lock()
	prev, ok := w.held[r.Step]
	w.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: step %s of plan %s is not held by worker %s", executor.ErrLeaseLost, r.Step, shortID(w.planID), w.ID)
	}
	folded := executor.FoldRecord(prev, r)
	recJSON, err := json.Marshal(r)
	if err != nil {
		return err
	}
	foldJSON, err := json.Marshal(folded)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err = pgx.BeginFunc(ctx, w.s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE rdsup_steps SET state = $4, record = $5, updated_at = now(), lease_expires = now() + $6::interval
			WHERE plan_id = $1 AND step_id = $2 AND lease_owner = $3`,
			w.planID, r.Step, w.ID, string(folded.State), foldJSON, w.s.Lease.String())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: worker %s's lease on step %s of plan %s ran out and another worker may carry it now; this worker stops (run apply again to join)", executor.ErrLeaseLost, w.ID, r.Step, shortID(w.planID))
		}
		_, err = tx.Exec(ctx, "INSERT INTO rdsup_journal (plan_id, step_id, worker, record) VALUES ($1, $2, $3, $4)", w.planID, r.Step, w.ID, recJSON)
		return err
	})
	if err != nil {
		return fmt.Errorf("journal step %s in %s: %w", r.Step, w.Path(), err)
	}
	w.mu.Lock()
	if _, still := w.held[r.Step]; still {
		w.held[r.Step] = folded
	}
	w.mu.Unlock()
	return nil
}

// Close stops the heartbeat and releases every lease the worker holds.
func (w *Worker) Close() error {
	w.closeOnce.Do(func() { close(w.stop) })
	<-w.done
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := w.s.pool.Exec(ctx, "UPDATE rdsup_steps SET lease_owner = NULL, lease_expires = NULL WHERE plan_id = $1 AND lease_owner = $2", w.planID, w.ID)
	return err
}
