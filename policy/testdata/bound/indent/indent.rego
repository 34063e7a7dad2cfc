package rdsup.indent

wide := concat("", [" " | some _ in numbers.range(1, 100000)])

warn contains msg if {
	msg := json.marshal_with_options(numbers.range(1, 100000), {"pretty": true, "indent": wide})
}
