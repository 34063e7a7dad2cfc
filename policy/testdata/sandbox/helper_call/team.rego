package rdsup.team

frozen if {
	net.lookup_ip_addr("freeze.example.com")
}

deny contains "frozen" if frozen
