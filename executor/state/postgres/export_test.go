package postgres

// StopHeartbeat stops the worker's heartbeat without releasing anything,
// as if its process stalled or died (tests).
func (w *Worker) StopHeartbeat() {
	w.closeOnce.Do(func() { close(w.stop) })
	<-w.done
}
