package rdsup.team_test

import data.rdsup.team

test_freeze if {
	count(team.deny) == 0 with input as {"step": {"id": "a"}}
	http.send({"method": "GET", "url": "http://127.0.0.1:1/"})
}
