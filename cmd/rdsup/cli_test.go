package main

import (
	"bytes"
	"testing"
)

// runCLI runs rdsup with args in-process and returns stdout, stderr and the
// exit code main would use.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	err := cmd.ExecuteContext(t.Context())
	code = exitCode(&errb, err)
	return out.String(), errb.String(), code
}
