package rdsup.wide

warn contains msg if {
	msg := sprintf("%2000000000d", [1])
}
