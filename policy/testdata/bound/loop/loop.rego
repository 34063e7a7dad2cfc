package rdsup.loop

# loops for hours: 10^10 additions per step
deny contains "never" if {
	input.step.role == "primary"
	every i in numbers.range(1, 100000) {
		every j in numbers.range(1, 100000) {
			i + j > 0
		}
	}
	false
}
