package rdsup.team

warn contains msg if {
	msg := strings.render_template("{{range .xs}}{{range $.xs}}x{{end}}{{end}}", {"xs": numbers.range(1, 100000)})
}
