package rdsup.team

deny contains "unresolvable" if {
	count(net.lookup_ip_addr(input.instance.id)) == 0
}
