package rdsup.window_test

import data.rdsup.window

doc(effective, tags, maintain, at) := {
	"step": {"instanceId": "rm-a", "effectiveTime": effective},
	"instance": {"id": "rm-a", "tags": tags, "maintainTime": maintain},
	"plan": {"at": at},
}

prod := {"env": "prod"}

test_inside_window_is_allowed if {
	every at in ["2026-01-01T18:00:00Z", "2026-01-01T20:30:00Z", "2026-01-01T21:59:59Z"] {
		count(window.deny) == 0 with input as doc("Immediate", prod, "18:00Z-22:00Z", at)
	}
}

test_outside_window_is_denied_until_it_opens if {
	cases := {
		"2026-01-01T17:59:00Z": "2026-01-01T18:00:00Z",
		"2026-01-01T22:00:00Z": "2026-01-02T18:00:00Z",
		"2026-01-01T03:00:00Z": "2026-01-01T18:00:00Z",
	}
	every at, opens in cases {
		denials := window.deny with input as doc("Immediate", prod, "18:00Z-22:00Z", at)
		count(denials) == 1
		some d in denials
		d.opensAt == opens
		contains(d.msg, sprintf("at %s is outside its maintenance window 18:00Z-22:00Z, which opens %s", [at, opens]))
	}
}

test_window_across_midnight if {
	every at in ["2026-01-01T22:00:00Z", "2026-01-01T23:59:00Z", "2026-01-02T00:00:00Z", "2026-01-02T01:59:00Z"] {
		count(window.deny) == 0 with input as doc("Immediate", prod, "22:00Z-02:00Z", at)
	}
	every at in ["2026-01-02T02:00:00Z", "2026-01-02T12:00:00Z", "2026-01-02T21:59:00Z"] {
		denials := window.deny with input as doc("Immediate", prod, "22:00Z-02:00Z", at)
		[d.opensAt | some d in denials] == ["2026-01-02T22:00:00Z"]
	}
}

test_at_with_offset_is_judged_in_utc if {
	# 03:00+08:00 is 19:00Z, inside 18:00Z-22:00Z; 23:00+08:00 is 15:00Z.
	count(window.deny) == 0 with input as doc("Immediate", prod, "18:00Z-22:00Z", "2026-01-02T03:00:00+08:00")
	denials := window.deny with input as doc("Immediate", prod, "18:00Z-22:00Z", "2026-01-02T23:00:00+08:00")
	[d.opensAt | some d in denials] == ["2026-01-02T18:00:00Z"]
}

test_maintain_time_is_not_checked if {
	count(window.deny) == 0 with input as doc("MaintainTime", prod, "18:00Z-22:00Z", "2026-01-01T03:00:00Z")
}

test_non_production_is_not_checked if {
	count(window.deny) == 0 with input as doc("Immediate", {"env": "test"}, "18:00Z-22:00Z", "2026-01-01T03:00:00Z")
	count(window.deny) == 0 with input as doc("Immediate", {}, "18:00Z-22:00Z", "2026-01-01T03:00:00Z")
}

test_missing_window_warns if {
	every mt in ["", "18:00-22:00", "25:00Z-26:00Z", "18:00Z", "garbage", "00:00Z-00:00Z", 1800] {
		msgs := window.warn with input as doc("MaintainTime", {}, mt, "2026-01-01T03:00:00Z")
		count(msgs) == 1
		some msg in msgs
		contains(msg, "has no valid maintenance window")
	}
}

test_valid_window_does_not_warn if {
	count(window.warn) == 0 with input as doc("Immediate", {}, "18:00Z-22:00Z", "2026-01-01T03:00:00Z")
}

test_missing_window_on_production_immediate_is_denied_for_good if {
	every mt in ["", "18:00-22:00", "00:00Z-00:00Z"] {
		msgs := window.deny with input as doc("Immediate", prod, mt, "2026-01-01T03:00:00Z")
		count(msgs) == 1
		some msg in msgs
		is_string(msg) # no opensAt: waiting does not help
		contains(msg, "needs a maintenance window")
	}
}

test_production_tag_is_configurable if {
	cfg := {"tagKey": "tier", "tagValue": "critical"}
	denials := window.deny with input as doc("Immediate", {"tier": "critical"}, "18:00Z-22:00Z", "2026-01-01T03:00:00Z")
		with data.rdsup.config.production as cfg
	count(denials) == 1
	some d in denials
	contains(d.msg, "(tier: critical)")
	d.opensAt == "2026-01-01T18:00:00Z"
	count(window.deny) == 0 with input as doc("Immediate", prod, "18:00Z-22:00Z", "2026-01-01T03:00:00Z")
		with data.rdsup.config.production as cfg
}

test_requirement_can_be_switched_off if {
	cfg := {"requireForImmediateOnProduction": false, "warnIfMissing": false}
	count(window.deny) == 0 with input as doc("Immediate", prod, "", "2026-01-01T03:00:00Z")
		with data.rdsup.config.maintenanceWindow as cfg
	count(window.warn) == 0 with input as doc("Immediate", prod, "", "2026-01-01T03:00:00Z")
		with data.rdsup.config.maintenanceWindow as cfg
}

test_a_production_instance_without_maintain_time_is_denied if {
	msgs := window.deny with input as {"step": {"effectiveTime": "Immediate"}, "instance": {"id": "rm-a", "tags": prod}, "plan": {"at": "2026-01-01T03:00:00Z"}}
	count(msgs) == 1
}
