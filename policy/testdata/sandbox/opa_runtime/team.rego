package rdsup.team

warn contains msg if {
	msg := sprintf("env %v", [opa.runtime().env])
}
