// Package executor applies a verified plan to the fleet: a scheduler over
// the steps' dependency graph (a step starts as soon as every step it
// depends on succeeded; no wave barriers), bounded concurrency and API
// rate, batched polling, retries with backoff, an append-only fsynced
// journal that makes a killed apply resumable, and a file lock so one plan
// is applied by one process at a time (lock and journal never opened
// through a symbolic link), a preflight read per region before any step,
// and a bound on how long an unreachable endpoint is retried. It talks to
// the cloud through the small Cloud interface it defines (cloud.go: the
// instance facts, the upgrade request and its accepted task, the error
// kinds); executor/rdsapi implements it over the real SDK and imports the
// executor, never the reverse, so the SDK is not among the executor's
// imports. It knows nothing of how a plan was made.
//
// Where state lives is behind store.go's interfaces: a run records into a
// StepLog (the local *Journal, or executor/state/postgres for a team's
// shared store); a StepLog that is also a Claimer is shared by several
// workers, and the scheduler claims each ready step before working it
// (shared.go; RunShared repeats passes while other workers hold steps).
//
// A newcomer reads it in this order: state.go (the states a step goes
// through and the moves allowed between them), scheduler.go (the loop that
// hands ready steps to workers while a concurrency slot is free, and parks
// steps that wait for a window without a slot), step.go (one step: look at
// the instance, judge drift, send the upgrade with its ClientToken), await.go
// (an accepted upgrade: scheduled until its window opens, then polled to
// its end), poller.go (every read, batched per region and round), journal.go
// (what survives a crash). Options.Clock is the run's one clock: windows,
// deadlines, events and step records are judged and stamped by it; only
// the pacing of calls (poll interval, QPS, backoff), the unreachable bound
// (a matter of the network) and the lock's note use the wall clock.
package executor
