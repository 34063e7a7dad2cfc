package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

// Claim asks for step s, in one transaction:
//
//   - the step's row is locked with SKIP LOCKED (a worker claiming it at
//     this moment wins; this one looks again later);
//   - done or failed (since this worker joined) steps are reported as such;
//   - a live lease of another worker, a dependency not succeeded in the
//     store, or the plan's campaign-wide cap reached answer ClaimBusy;
//   - a step of another plan holding the instance (leased, or its upgrade
//     started and not finished) answers ClaimFenced, naming it;
//   - otherwise the step is leased to this worker.
func (w *Worker) Claim(ctx context.Context, s plans.Step) (executor.Claim, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var cl executor.Claim
	err := pgx.BeginFunc(ctx, w.s.pool, func(tx pgx.Tx) error {
		var err error
		cl, err = w.claim(ctx, tx, s)
		return err
	})
	if err != nil {
		return executor.Claim{}, fmt.Errorf("claim step %s in %s: %w", s.ID, w.Path(), err)
	}
	if cl.Result == executor.Claimed {
		w.mu.Lock()
		w.held[s.ID] = cl.Rec
		w.mu.Unlock()
	}
	return cl, nil
}

func (w *Worker) claim(ctx context.Context, tx pgx.Tx, s plans.Step) (executor.Claim, error) {
	// A claim need not wait for its commit to reach disk: a claim lost in
	// a crash of the database only means the lease was never taken, and
	// the worker's first journal record (committed synchronously) checks
	// that it holds the lease before anything is sent to the cloud.
	if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
		return executor.Claim{}, err
	}
	var (
		state   string
		raw     []byte
		owner   *string
		leased  bool
		updated *time.Time
		expires *time.Time
		maxConc int
	)
	err := tx.QueryRow(ctx, `SELECT st.state, st.record, st.lease_owner, coalesce(st.lease_expires > now(), false), st.updated_at, st.lease_expires, p.max_concurrency
		FROM rdsup_steps st JOIN rdsup_plans p ON p.id = st.plan_id
		WHERE st.plan_id = $1 AND st.step_id = $2 FOR UPDATE OF st SKIP LOCKED`, w.planID, s.ID).
		Scan(&state, &raw, &owner, &leased, &updated, &expires, &maxConc)
	if errors.Is(err, pgx.ErrNoRows) {
		return executor.Claim{Result: executor.ClaimBusy, Detail: "another worker is claiming it"}, nil
	}
	if err != nil {
		return executor.Claim{}, err
	}
	var rec executor.StepRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return executor.Claim{}, fmt.Errorf("step %s: %w", s.ID, err)
	}
	switch {
	case executor.State(state) == executor.Succeeded:
		return executor.Claim{Result: executor.ClaimDone, Rec: rec}, nil
	case leased && owner != nil && *owner != w.ID:
		return executor.Claim{Result: executor.ClaimBusy, Rec: rec,
			Detail: fmt.Sprintf("worker %s holds it (lease until %s)", *owner, expires.UTC().Format(time.RFC3339))}, nil
	case executor.State(state) == executor.Failed && updated != nil && !updated.Before(w.joined) && !rec.Unsettled:
		return executor.Claim{Result: executor.ClaimFailed, Rec: rec}, nil
	}
	if len(s.DependsOn) > 0 {
		var waiting *string
		err := tx.QueryRow(ctx, "SELECT min(step_id) FROM rdsup_steps WHERE plan_id = $1 AND step_id = ANY($2) AND state <> 'succeeded'", w.planID, s.DependsOn).Scan(&waiting)
		if err != nil {
			return executor.Claim{}, err
		}
		if waiting != nil {
			return executor.Claim{Result: executor.ClaimBusy, Rec: rec, Detail: "waits for step " + *waiting}, nil
		}
	}
	if maxConc > 0 { // the cap is counted under the plan's row lock
		if _, err := tx.Exec(ctx, "SELECT 1 FROM rdsup_plans WHERE id = $1 FOR NO KEY UPDATE", w.planID); err != nil {
			return executor.Claim{}, err
		}
		var inFlight int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM rdsup_steps WHERE plan_id = $1 AND lease_expires > now() AND step_id <> $2", w.planID, s.ID).Scan(&inFlight); err != nil {
			return executor.Claim{}, err
		}
		if inFlight >= maxConc {
			return executor.Claim{Result: executor.ClaimBusy, Rec: rec, Detail: fmt.Sprintf("the plan's campaign-wide cap of %d steps in flight is reached", maxConc)}, nil
		}
	}
	if fence, err := w.fence(ctx, tx, s); err != nil || fence != "" {
		return executor.Claim{Result: executor.ClaimFenced, Rec: rec, Detail: fence}, err
	}
	_, err = tx.Exec(ctx, "UPDATE rdsup_steps SET lease_owner = $3, lease_expires = now() + $4::interval WHERE plan_id = $1 AND step_id = $2",
		w.planID, s.ID, w.ID, w.s.Lease.String())
	if err != nil {
		return executor.Claim{}, err
	}
	return executor.Claim{Result: executor.Claimed, Rec: rec}, nil
}

// fence says which step of another plan holds s's instance, "" when
// none. Claims of one instance are serialised by an advisory lock on it,
// so two plans can never both pass this check.
func (w *Worker) fence(ctx context.Context, tx pgx.Tx, s plans.Step) (string, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('rdsup instance ' || $1))", s.InstanceID); err != nil {
		return "", err
	}
	var plan, step, state string
	var owner *string
	err := tx.QueryRow(ctx, `SELECT plan_id, step_id, state, lease_owner FROM rdsup_steps
		WHERE instance_id = $1 AND plan_id <> $2
		  AND (lease_expires > now() OR state IN ('started', 'upgrading', 'scheduled')
		       OR (state = 'failed' AND record->>'unsettled' = 'true'))
		ORDER BY plan_id, step_id LIMIT 1`, s.InstanceID, w.planID).Scan(&plan, &step, &state, &owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	by := "its upgrade is " + state + " and not finished"
	if owner != nil {
		by = "worker " + *owner + " holds it"
	}
	return fmt.Sprintf("instance %s is held by plan %s, step %s (%s); this plan may not start a step on it until that step is done: finish that plan first (`rdsup status --state URL --plan-id %s`)",
		s.InstanceID, shortID(plan), step, by, shortID(plan)), nil
}

// Release gives a step back: its lease ends now. (Not waiting for the
// commit to reach disk: a release lost in a crash of the database lets
// the lease run out instead.)
func (w *Worker) Release(stepID string) {
	w.mu.Lock()
	delete(w.held, stepID)
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, _ = w.s.pool.Exec(ctx, "UPDATE rdsup_steps SET lease_owner = NULL, lease_expires = NULL WHERE plan_id = $1 AND step_id = $2 AND lease_owner = $3", w.planID, stepID, w.ID)
}

var (
	_ executor.Store   = (*Store)(nil)
	_ executor.StepLog = (*Worker)(nil)
	_ executor.Claimer = (*Worker)(nil)
)
