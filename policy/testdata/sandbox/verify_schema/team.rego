package rdsup.team

warn contains "schema" if {
	[ok, _] := json.verify_schema({"$ref": "http://127.0.0.1:1/schema.json"})
	ok
}
