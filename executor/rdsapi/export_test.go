package rdsapi

// RedactForTest exposes redact to the external tests.
var RedactForTest = func(s string) string { return redact(s) }
