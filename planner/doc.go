// Package planner loads and validates a YAML inventory of RDS instances,
// builds the replica→primary dependency graph, and orders the upgrade
// steps of a plan (replicas before their primary, waves for display).
// It knows nothing of OPA or the cloud SDK.
package planner
