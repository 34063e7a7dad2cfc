# METADATA
# title: Maintenance window
# description: >-
#   An instance without a valid maintainTime (HH:MMZ-HH:MMZ, UTC; may
#   cross midnight) gets a warning. A step with effectiveTime Immediate on a
#   production instance (tag data.rdsup.config.production.tagKey =
#   tagValue, default env: prod) is denied unless the judged time
#   (input.plan.at: the plan's time, or now when apply re-checks the step)
#   is inside the instance's window. The denial carries opensAt, the
#   window's next opening: apply waits until then and judges the step
#   again. With MaintainTime the cloud schedules the upgrade inside the
#   window itself. The window arithmetic is rdsup's own (rdsup.window.*
#   built-ins), shared with the planner and the executor.
package rdsup.window

# This policy runs for every step: the checks every step passes are inline
# and come first (the effectiveTime test is served by OPA's rule index).

warn contains msg if {
	data.rdsup.config.maintenanceWindow.warnIfMissing == true
	not rdsup.window.valid(maintain_time)
	msg := sprintf("instance %s has no valid maintenance window (maintainTime %q, expected HH:MMZ-HH:MMZ in UTC); set one so upgrades can be scheduled", [input.instance.id, maintain_time])
}

# Outside a valid window: denied until it opens.
deny contains {"msg": msg, "opensAt": opens} if {
	input.step.effectiveTime == "Immediate"
	production_window_required
	opens := rdsup.window.next_open(input.instance.maintainTime, input.plan.at)
	not rdsup.window.open(input.instance.maintainTime, input.plan.at)
	msg := sprintf("Immediate upgrade of production instance %s (%s) at %s is outside its maintenance window %s, which opens %s; use effectiveTime: MaintainTime, or plan (--at) and apply inside the window", [input.instance.id, production_tag, input.plan.at, input.instance.maintainTime, opens])
}

# No valid window: denied, and waiting does not help.
deny contains msg if {
	input.step.effectiveTime == "Immediate"
	production_window_required
	not rdsup.window.valid(maintain_time)
	msg := sprintf("Immediate upgrade of production instance %s (%s) needs a maintenance window, and maintainTime %q is not one (HH:MMZ-HH:MMZ); set one, or use effectiveTime: MaintainTime", [input.instance.id, production_tag, maintain_time])
}

# A missing maintainTime is no window ("" is not one).
maintain_time := object.get(input.instance, "maintainTime", "")

production_window_required if {
	input.instance.tags[data.rdsup.config.production.tagKey] == data.rdsup.config.production.tagValue
	data.rdsup.config.maintenanceWindow.requireForImmediateOnProduction == true
}

production_tag := sprintf("%s: %s", [data.rdsup.config.production.tagKey, data.rdsup.config.production.tagValue])
