package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// failingReader fails the test if a command reads stdin: no command may
// wait for input that a CI job or cron will never give.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("the command read stdin")
	return 0, os.ErrClosed
}

// runCLI runs rdsup with args in-process and returns stdout, stderr and the
// exit code main would use. Reading stdin fails the test.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetIn(failingReader{t})
	err := cmd.ExecuteContext(t.Context())
	code = exitCodeAs(runLogFormat(cmd, args), &errb, err)
	return out.String(), errb.String(), code
}

// cliCase is one command-line run and what it must print and return.
type cliCase struct {
	name   string
	args   []string
	code   int
	stdout []string // substrings stdout must contain
	stderr []string // substrings stderr must contain
}

// check runs the case and reports every difference; it returns the output
// for further checks.
func (c cliCase) check(t *testing.T) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := runCLI(t, c.args...)
	if code != c.code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
	}
	for _, s := range c.stdout {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	for _, s := range c.stderr {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	return stdout, stderr
}
