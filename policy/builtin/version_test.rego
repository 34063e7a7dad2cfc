package rdsup.version_test

import data.rdsup.version

step(engine, from, to) := {"step": {"instanceId": "rm-a", "engine": engine, "fromVersion": from, "toVersion": to}}

defaults := {"MySQL": {"5.5": ["5.6"]}}

test_default_path_is_allowed if {
	count(version.deny) == 0 with input as step("MySQL", "5.5", "5.6")
		with data.rdsup.config.versionPaths as defaults
}

test_other_paths_are_denied if {
	every c in [
		["MySQL", "5.6", "5.5"], # downgrade
		["MySQL", "5.5", "5.7"], # skips 5.6
		["MySQL", "5.1", "5.5"], # unknown version
		["PostgreSQL", "5.5", "5.6"], # other engine
		["mysql", "5.5", "5.6"], # engine names are exact
	] {
		msgs := version.deny with input as step(c[0], c[1], c[2])
			with data.rdsup.config.versionPaths as defaults
		count(msgs) == 1
		some msg in msgs
		contains(msg, sprintf("%s %s → %s (instance rm-a) is not an allowed upgrade path", c))
		contains(msg, "allowed: MySQL 5.5 → 5.6")
		contains(msg, "--data")
	}
}

test_data_adds_paths if {
	paths := {"MySQL": {"5.5": ["5.6"], "5.6": ["5.7", "8.0"]}}
	count(version.deny) == 0 with input as step("MySQL", "5.6", "8.0")
		with data.rdsup.config.versionPaths as paths
}

test_no_paths_at_all if {
	msgs := version.deny with input as step("MySQL", "5.5", "5.6")
		with data.rdsup.config.versionPaths as {}
	some msg in msgs
	contains(msg, "allowed: none")
}

real_paths := {"MySQL": {"5.5": ["5.6"], "5.6": ["5.7"], "5.7": ["8.0"]}}

majors := {"MySQL": ["5.5", "5.6", "5.7", "8.0", "8.4"]}

test_missing_hop_names_what_exists_and_the_data_to_add if {
	msgs := version.deny with input as step("MySQL", "5.5", "8.4")
		with data.rdsup.config.versionPaths as real_paths
		with data.rdsup.config.majorVersions as majors
	some msg in msgs
	contains(msg, "allowed: MySQL 5.5 → 5.6, MySQL 5.6 → 5.7, MySQL 5.7 → 8.0 (from 5.5 the hops reach 5.6, 5.7, 8.0)")
	contains(msg, `{"rdsup":{"config":{"versionPaths":{"MySQL":{"8.0":["8.4"]}}}}}`)
}

test_gap_in_the_middle_is_named if {
	msgs := version.deny with input as step("MySQL", "5.5", "8.0")
		with data.rdsup.config.versionPaths as {"MySQL": {"5.5": ["5.6"], "5.7": ["8.0"]}}
		with data.rdsup.config.majorVersions as majors
	some msg in msgs
	contains(msg, `{"MySQL":{"5.6":["5.7"]}}`)
}

test_hops_of_the_real_paths_are_allowed if {
	every c in [["5.5", "5.6"], ["5.6", "5.7"], ["5.7", "8.0"]] {
		count(version.deny) == 0 with input as step("MySQL", c[0], c[1])
			with data.rdsup.config.versionPaths as real_paths
	}
}
