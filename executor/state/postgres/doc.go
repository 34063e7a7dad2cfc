// Package postgres keeps rdsup's state in PostgreSQL so that a team, a CI
// runner or a CronJob pod that is new every run share it: the plans
// (stored by id), every step's journal (one row per transition, written in
// a transaction before the run goes on), and the leases that let several
// workers apply one plan together and that fence an instance against
// steps of other plans. It implements executor.Store, executor.StepLog
// and executor.Claimer; the schema is created and migrated by Init
// (`rdsup state init`) from the versioned migrations embedded here.
//
// Claiming is a plain row lock with SKIP LOCKED, not a queue library: the
// scheduler already decides which step is ready and in what order (it
// owns the graph and the journal), so what is needed from the database is
// only "may I work this step now", a lease with a heartbeat, and fencing;
// a job queue (river) would duplicate the scheduler and keep a second
// copy of the step state.
package postgres
