package rdsup.team

freeze := http.send({"method": "GET", "url": "http://127.0.0.1:1/"}).body
