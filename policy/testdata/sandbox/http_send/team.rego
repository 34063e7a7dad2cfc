package rdsup.team

# a policy that asks an outside service
deny contains msg if {
	resp := http.send({"method": "GET", "url": "http://127.0.0.1:1/freeze"})
	resp.body.frozen
	msg := "frozen"
}
