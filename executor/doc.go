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
package executor
