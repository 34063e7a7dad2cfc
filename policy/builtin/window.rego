# METADATA
# title: Maintenance window
# description: >-
#   An instance without a parseable maintainTime (HH:MMZ-HH:MMZ, UTC; may
#   cross midnight) gets a warning. A step with effectiveTime Immediate on a
#   production instance (tag data.rdsup.config.production.tagKey =
#   tagValue, default env: prod) is denied unless the plan's time
#   (input.plan.at) is inside the instance's window. With MaintainTime the
#   cloud schedules the upgrade inside the window itself.
package rdsup.window

default tag_key := "env"

tag_key := data.rdsup.config.production.tagKey

default tag_value := "prod"

tag_value := data.rdsup.config.production.tagValue

default require_window := true

require_window := data.rdsup.config.maintenanceWindow.requireForImmediateOnProduction

default warn_if_missing := true

warn_if_missing := data.rdsup.config.maintenanceWindow.warnIfMissing

pattern := `^([01][0-9]|2[0-3]):[0-5][0-9]Z-([01][0-9]|2[0-3]):[0-5][0-9]Z$`

valid_window if regex.match(pattern, input.instance.maintainTime)

# Window bounds and plan time as "HH:MM" (UTC): such strings order like the
# times they name, so no parsing into numbers is needed.
start := substring(input.instance.maintainTime, 0, 5) if valid_window

end := substring(input.instance.maintainTime, 7, 5) if valid_window

at_hhmm := substring(input.plan.at, 11, 5) if endswith(input.plan.at, "Z")

else := sprintf("%02d:%02d", [c[0], c[1]]) if {
	c := time.clock(time.parse_rfc3339_ns(input.plan.at))
}

# inside holds when plan.at is in [start, end); windows may cross midnight.
inside if {
	start < end
	start <= at_hhmm
	at_hhmm < end
}

inside if {
	start > end
	at_hhmm >= start
}

inside if {
	start > end
	at_hhmm < end
}

production if input.instance.tags[tag_key] == tag_value

warn contains msg if {
	not valid_window
	warn_if_missing
	msg := sprintf("instance %s has no valid maintenance window (maintainTime %q, expected HH:MMZ-HH:MMZ in UTC); set one so upgrades can be scheduled", [input.instance.id, object.get(input.instance, "maintainTime", "")])
}

deny contains msg if {
	input.step.effectiveTime == "Immediate"
	production
	require_window
	valid_window
	not inside
	msg := sprintf("Immediate upgrade of production instance %s (%s: %s) at %sZ is outside its maintenance window %s; use effectiveTime: MaintainTime, or plan (--at) and apply inside the window", [input.instance.id, tag_key, tag_value, at_hhmm, input.instance.maintainTime])
}

deny contains msg if {
	input.step.effectiveTime == "Immediate"
	production
	require_window
	not valid_window
	msg := sprintf("Immediate upgrade of production instance %s (%s: %s) needs a maintenance window, and maintainTime %q is not one; set maintainTime (HH:MMZ-HH:MMZ) or use effectiveTime: MaintainTime", [input.instance.id, tag_key, tag_value, object.get(input.instance, "maintainTime", "")])
}
