package main

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes, decided here and nowhere else; documented in README.md.
const (
	exitOK      = 0 // success: plan applicable, check clean, apply done
	exitError   = 1 // the tool failed: bad input, I/O, API failure, failed steps
	exitDenied  = 2 // a plan was written or checked but policy denies a step
	exitPending = 3 // apply stopped with work left pending (windows closed, --no-wait, interrupted)
)

// exitStatus is returned by commands whose outcome is not an error of the
// tool itself but still needs a non-zero exit code (denied, pending).
type exitStatus struct {
	code int
	msg  string // printed to stderr when non-empty
}

func (e *exitStatus) Error() string { return e.msg }

func denied(msg string) error  { return &exitStatus{code: exitDenied, msg: msg} }
func pending(msg string) error { return &exitStatus{code: exitPending, msg: msg} }

// exitCode prints err (if any) and maps it to the process exit code.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var st *exitStatus
	if errors.As(err, &st) {
		if st.msg != "" {
			fmt.Fprintln(stderr, "rdsup:", st.msg)
		}
		return st.code
	}
	fmt.Fprintln(stderr, "rdsup: error:", err)
	return exitError
}
