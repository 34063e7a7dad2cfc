package rdsup.team

test_frozen_instance_denied if {
	count(deny) == 1 with input as {"instance": {"id": "rm-a", "tags": {"freeze": "true"}}}
}

test_other_instances_allowed if {
	count(deny) == 0 with input as {"instance": {"id": "rm-a", "tags": {"env": "prod"}}}
}
