// Package planner loads and validates a YAML inventory of RDS instances,
// builds the replica→primary dependency graph, and orders the upgrade
// steps of a plan: one step per hop along the allowed version paths
// (paths.go), for every hop replicas before their primary and no replica
// more than one hop ahead of it (build.go), restricted to the instances
// that --only/--exclude select (select.go). It knows nothing of OPA or the
// cloud SDK.
package planner
