package rdsup.freeze

budget := {"cn-hangzhou": 0}

# at most one upgrade per unit of the region budget
deny contains "over the region budget" if {
	input.step.wave / budget[input.step.region] > 1
}
