package rdsup.team

deny contains "bad" if {
	[ok, _] := json.match_schema(input.instance, {"$ref": "file:///etc/passwd"})
	not ok
}
