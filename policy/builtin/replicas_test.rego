package rdsup.replicas_test

import data.rdsup.replicas

primary_step(depends) := {"id": "s-p", "instanceId": "rm-p", "toVersion": "5.6", "dependsOn": depends}

doc(depends, replicas, steps) := {
	"step": primary_step(depends),
	"instance": {"id": "rm-p"},
	"replicas": replicas,
	"plan": {"steps": steps},
}

ro := {"id": "rr-1", "engineVersion": "5.5"}

dr := {"id": "rm-dr", "engineVersion": "5.5"}

steps := {"rm-p": primary_step(["s-1", "s-2"]), "rr-1": {"id": "s-1"}, "rm-dr": {"id": "s-2"}}

test_depends_on_all_replicas if {
	count(replicas.deny) == 0 with input as doc(["s-1", "s-2"], [ro, dr], steps)
}

test_missing_dependency_is_denied if {
	msgs := replicas.deny with input as doc(["s-1"], [ro, dr], steps)
	count(msgs) == 1
	some msg in msgs
	contains(msg, "does not depend on step s-2 of its replica rm-dr")
}

test_no_dependencies_denied_per_replica if {
	count(replicas.deny) == 2 with input as doc([], [ro, dr], steps)
}

test_unplanned_replica_on_old_version_is_denied if {
	msgs := replicas.deny with input as doc(["s-1"], [ro, dr], {"rr-1": {"id": "s-1"}})
	count(msgs) == 1
	some msg in msgs
	contains(msg, "replica rm-dr of primary rm-p stays on 5.5")
}

test_unplanned_replica_already_on_target_is_fine if {
	done := {"id": "rm-dr", "engineVersion": "5.6"}
	count(replicas.deny) == 0 with input as doc(["s-1"], [ro, done], {"rr-1": {"id": "s-1"}})
}

test_instance_without_replicas if {
	count(replicas.deny) == 0 with input as doc([], [], {})
}
