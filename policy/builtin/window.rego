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
# and come first (the effectiveTime test is served by OPA's rule index, and
# the warning asks the window before the data, as most windows are valid).

warn contains msg if {
	not rdsup.window.valid(input.instance.maintainTime)
	data.rdsup.config.maintenanceWindow.warnIfMissing == true
	msg := sprintf("instance %s has no valid maintenance window (maintainTime %q, expected HH:MMZ-HH:MMZ in UTC); set one so upgrades can be scheduled", [input.instance.id, input.instance.maintainTime])
}

# Outside a valid window: denied until it opens.
deny contains {"msg": msg, "opensAt": opens} if {
	input.step.effectiveTime == "Immediate"
	input.instance.tags[data.rdsup.config.production.tagKey] == data.rdsup.config.production.tagValue
	data.rdsup.config.maintenanceWindow.requireForImmediateOnProduction == true
	not rdsup.window.open(input.instance.maintainTime, input.plan.at)
	opens := rdsup.window.next_open(input.instance.maintainTime, input.plan.at)
	msg := sprintf("Immediate upgrade of production instance %s (%s) at %s is outside its maintenance window %s, which opens %s; use effectiveTime: MaintainTime, or plan (--at) and apply inside the window", [input.instance.id, production_tag, input.plan.at, input.instance.maintainTime, opens])
}

# No valid window: denied, and waiting does not help. (A missing
# maintainTime is no window: rdsup's input always has one, "" for none, but
# a hand-written input may not; the warning above needs the key.)
deny contains msg if {
	input.step.effectiveTime == "Immediate"
	input.instance.tags[data.rdsup.config.production.tagKey] == data.rdsup.config.production.tagValue
	data.rdsup.config.maintenanceWindow.requireForImmediateOnProduction == true
	not rdsup.window.valid(maintain_time)
	msg := sprintf("Immediate upgrade of production instance %s (%s) needs a maintenance window, and maintainTime %q is not one (HH:MMZ-HH:MMZ); set one, or use effectiveTime: MaintainTime", [input.instance.id, production_tag, maintain_time])
}

maintain_time := object.get(input.instance, "maintainTime", "")

production_tag := sprintf("%s: %s", [data.rdsup.config.production.tagKey, data.rdsup.config.production.tagValue])
