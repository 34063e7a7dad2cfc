package postgres

import "context"

// StopHeartbeat stops the worker's heartbeat without releasing anything,
// as if its process stalled or died (tests).
func (w *Worker) StopHeartbeat() {
	w.closeOnce.Do(func() { close(w.stop) })
	<-w.done
}

// Reset drops every lease of a plan (benchmarks).
func (s *Store) Reset(ctx context.Context, planID string) (int64, error) {
	tag, err := s.pool.Exec(ctx, "UPDATE rdsup_steps SET lease_owner = NULL, lease_expires = NULL WHERE plan_id = $1", planID)
	return tag.RowsAffected(), err
}
