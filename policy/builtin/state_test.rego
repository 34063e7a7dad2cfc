package rdsup.state_test

import data.rdsup.state

instance(status) := {"id": "rm-a", "status": status}

test_running_is_allowed if {
	count(state.deny) == 0 with input as {"instance": instance("Running")}
}

test_other_states_are_denied if {
	every s in ["EngineVersionUpgrading", "Stopped", "TRANSING", "Creating", "running"] {
		msgs := state.deny with input as {"instance": instance(s)}
		count(msgs) == 1
		some msg in msgs
		contains(msg, sprintf("is %s, not Running", [s]))
	}
}

test_missing_status_is_denied if {
	msgs := state.deny with input as {"instance": {"id": "rm-a"}}
	count(msgs) == 1
	some msg in msgs
	contains(msg, "has no status")
}

test_empty_status_is_denied if {
	msgs := state.deny with input as {"instance": instance("")}
	count(msgs) == 1
	some msg in msgs
	contains(msg, "is in no known state (status is empty), not Running")
}
