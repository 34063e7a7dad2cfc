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
