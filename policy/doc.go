// Package policy checks plan steps against Rego policies with the embedded
// OPA engine. It owns the built-in policies and their default data (embedded
// with go:embed from builtin/), loading policy directories and data files,
// building the input document of each step, evaluating every step in
// parallel with one query compiled once, and running the policies'
// *_test.rego tests.
//
// Evaluation is the hot path of `rdsup plan` (one evaluation per step):
// the query runs on OPA's topdown evaluator directly, instance and step
// terms are built once per chunk of steps and shared by the documents that
// name them, and each worker reuses one flat rule cache (see eval.go,
// input.go, vcache.go). It knows nothing of the cloud SDK and reads no files beyond the
// policy directories and data files it is given.
//
// The contract for policy authors:
//
//   - A policy is a Rego v1 module in package rdsup or any package under it.
//     Rules named deny and warn are sets of strings, or of objects with a
//     "msg" string (other keys are kept as the finding's metadata).
//   - The input for one step is {"step", "instance", "primary", "replicas",
//     "plan"}; see Input.
//   - Data files are merged over the built-in defaults (DefaultData) under
//     data; the built-in policies read data.rdsup.config.
//   - Policies run sandboxed (sandbox.go): the built-ins that reach the
//     network, files or environment are not available and a policy calling
//     one fails to load. Evaluation fails closed: a built-in error inside a
//     rule is ErrEval naming the step, rule and file:line (failure.go). It
//     is bounded in time (Options.Timeout, ErrTimeout) and memory
//     (memguard.go, ErrMemory).
//
// The policies own the maintenance-window rule: at apply time Decide
// answers "may this step start now, and if not, when?" from the step's
// verdict (a denial's opensAt, see OpensAtKey), and the executor acts on
// it. The window arithmetic is plans.NextOpen, offered to Rego as the
// rdsup.window.* built-ins (window.go), part of the sandbox's capabilities.
//
// Importing the package registers, process-wide (OPA looks built-ins up in
// one global table), the rdsup.window.* built-ins and guarded versions of a
// few OPA built-ins over OPA's own (concat, sprintf, json.marshal,
// json.marshal_with_options, yaml.marshal, bits.lsh).
package policy
