# METADATA
# title: Version path
# description: >-
#   A step's fromVersion → toVersion must be an allowed upgrade path for the
#   step's engine, per data.rdsup.config.versionPaths (default: MySQL 5.5 →
#   5.6 → 5.7 → 8.0, one hop per step: the planner splits a longer upgrade
#   into hops). Downgrades, versions no path reaches, other engines and
#   unknown versions are denied; the message names the hops that exist and
#   the data to add.
package rdsup.version

# The path test is inline (no helper rule): it runs for every step.
deny contains msg if {
	not input.step.toVersion in object.get(data.rdsup.config.versionPaths, [input.step.engine, input.step.fromVersion], [])
	s := input.step
	msg := sprintf("%s %s → %s (instance %s) is not an allowed upgrade path; allowed: %s%s; %s", [s.engine, s.fromVersion, s.toVersion, s.instanceId, allowed_list, reach_text(s), advice(s)])
}

allowed_text := concat(", ", sort([sprintf("%s %s → %s", [e, f, t]) |
	some e, froms in data.rdsup.config.versionPaths
	some f, tos in froms
	some t in tos
]))

allowed_list := allowed_text if allowed_text != ""

else := "none"

# reach_text says which versions the allowed hops reach from the step's
# version.
reach_text(s) := sprintf(" (from %s the hops reach %s)", [s.fromVersion, concat(", ", sort(reachable(s)))]) if {
	count(reachable(s)) > 0
} else := ""

# reachable are the versions the allowed hops reach from the step's
# fromVersion (not counting it).
reachable(s) := {v |
	paths := object.get(data.rdsup.config.versionPaths, s.engine, {})
	g := {v: object.get(paths, v, []) | some v in {v | some v, _ in paths} | {v | some _, tos in paths; some v in tos}}
	some v in graph.reachable(g, {s.fromVersion})
	v != s.fromVersion
}

# missing are the consecutive hops of majorVersions between the step's
# versions that versionPaths lacks; empty when the versions are not both
# listed in that order.
missing(s) := [[majors[i], majors[i + 1]] |
	majors := object.get(data.rdsup.config, ["majorVersions", s.engine], [])
	some a, b
	majors[a] == s.fromVersion
	majors[b] == s.toVersion
	a < b
	some i in numbers.range(a, b - 1)
	not majors[i + 1] in object.get(data.rdsup.config.versionPaths, [s.engine, majors[i]], [])
]

advice(s) := "the allowed hops reach it: make the plan again with `rdsup plan`, which plans one step per hop" if {
	s.toVersion in reachable(s)
} else := sprintf("to allow it, pass a data file with --data containing %s (rdsup then plans one step per hop)", [json.marshal({"rdsup": {"config": {"versionPaths": {s.engine: {h[0]: [h[1]] | some h in missing(s)}}}}})]) if {
	count(missing(s)) > 0
} else := sprintf("to allow it, pass a data file with --data containing {\"rdsup\": {\"config\": {\"versionPaths\": {%q: {%q: [%q]}}}}}", [s.engine, s.fromVersion, s.toVersion])
