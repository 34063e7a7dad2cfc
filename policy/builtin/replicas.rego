# METADATA
# title: Replicas first
# description: >-
#   A primary's step must depend on the step of every one of its read-only
#   and disaster-recovery replicas that the plan upgrades, and a replica the
#   plan does not upgrade must already be on the primary's target version
#   (the cloud refuses to upgrade a primary ahead of its replicas).
#   input.plan.steps holds the plan's steps of this instance, its primary
#   and its replicas, keyed by instance id.
package rdsup.replicas

deny contains msg if {
	some r in input.replicas
	rs := input.plan.steps[r.id]
	not rs.id in input.step.dependsOn
	msg := sprintf("step %s upgrades primary %s but does not depend on step %s of its replica %s; replicas must be upgraded first, make the plan again with `rdsup plan`", [input.step.id, input.instance.id, rs.id, r.id])
}

deny contains msg if {
	some r in input.replicas
	not input.plan.steps[r.id]
	r.engineVersion != input.step.toVersion
	msg := sprintf("replica %s of primary %s stays on %s while the primary goes to %s; upgrade the replica in the same plan", [r.id, input.instance.id, r.engineVersion, input.step.toVersion])
}
