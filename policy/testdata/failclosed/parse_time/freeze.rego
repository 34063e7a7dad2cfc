package rdsup.freeze

# a change freeze whose end date is mistyped
deny contains "change freeze until 2026-12-31" if {
	input.step.role == "primary"
	time.parse_rfc3339_ns(input.plan.at) < time.parse_rfc3339_ns("2026-13-31T00:00:00Z")
}
