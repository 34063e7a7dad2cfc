# METADATA
# title: Version path
# description: >-
#   A step's fromVersion → toVersion must be an allowed upgrade path for the
#   step's engine, per data.rdsup.config.versionPaths (default: MySQL 5.5 →
#   5.6). Downgrades, skipped versions, other engines and unknown versions
#   are denied.
package rdsup.version

# The path test is inline (no helper rule): it runs for every step.
deny contains msg if {
	not input.step.toVersion in object.get(data.rdsup.config.versionPaths, [input.step.engine, input.step.fromVersion], [])
	s := input.step
	msg := sprintf("%s %s → %s (instance %s) is not an allowed upgrade path; allowed: %s; to allow it, pass a data file with --data containing {\"rdsup\": {\"config\": {\"versionPaths\": {%q: {%q: [%q]}}}}}", [s.engine, s.fromVersion, s.toVersion, s.instanceId, allowed_list, s.engine, s.fromVersion, s.toVersion])
}

allowed_text := concat(", ", sort([sprintf("%s %s → %s", [e, f, t]) |
	some e, froms in data.rdsup.config.versionPaths
	some f, tos in froms
	some t in tos
]))

allowed_list := allowed_text if allowed_text != ""

else := "none"
