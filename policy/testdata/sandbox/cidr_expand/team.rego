package rdsup.team

deny contains "big" if {
	count(net.cidr_expand("10.0.0.0/8")) > 1
}
