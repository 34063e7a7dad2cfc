package rdsup.freeze

frozen if to_number(object.get(data.rdsup.config, "freezeDays", "abc")) > 0

deny contains "frozen" if {
	input.step.role == "primary"
	frozen
}
