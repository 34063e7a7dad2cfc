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

# This policy runs for every step: the checks every step passes are inline
# and come first (the effectiveTime test is served by OPA's rule index);
# helper rules only run for Immediate steps on production instances.

warn contains msg if {
	not regex.match(`^([01][0-9]|2[0-3]):[0-5][0-9]Z-([01][0-9]|2[0-3]):[0-5][0-9]Z$`, input.instance.maintainTime)
	data.rdsup.config.maintenanceWindow.warnIfMissing == true
	msg := sprintf("instance %s has no valid maintenance window (maintainTime %q, expected HH:MMZ-HH:MMZ in UTC); set one so upgrades can be scheduled", [input.instance.id, object.get(input.instance, "maintainTime", "")])
}

deny contains msg if {
	input.step.effectiveTime == "Immediate"
	input.instance.tags[data.rdsup.config.production.tagKey] == data.rdsup.config.production.tagValue
	data.rdsup.config.maintenanceWindow.requireForImmediateOnProduction == true
	not inside
	msg := sprintf("Immediate upgrade of production instance %s (%s: %s) %s; use effectiveTime: MaintainTime, or plan (--at) and apply inside the window", [input.instance.id, data.rdsup.config.production.tagKey, data.rdsup.config.production.tagValue, reason])
}

valid_window if regex.match(`^([01][0-9]|2[0-3]):[0-5][0-9]Z-([01][0-9]|2[0-3]):[0-5][0-9]Z$`, input.instance.maintainTime)

reason := sprintf("at %sZ is outside its maintenance window %s", [at_hhmm, input.instance.maintainTime]) if valid_window

else := sprintf("needs a maintenance window, and maintainTime %q is not one (HH:MMZ-HH:MMZ)", [object.get(input.instance, "maintainTime", "")])

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
