package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Exit codes, decided here and nowhere else; documented in README.md.
const (
	exitOK      = 0 // success: plan applicable, check clean, apply done
	exitError   = 1 // the tool failed: bad input, I/O, API failure, failed steps
	exitDenied  = 2 // a plan was written or checked but policy denies a step
	exitPending = 3 // apply stopped with work left pending (windows closed, --no-wait, interrupted)
	exitDiffer  = 4 // diff --exit-code: the plans differ
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
func differ() error            { return &exitStatus{code: exitDiffer} }

// exitCode prints err (if any) as text and maps it to the process exit code.
func exitCode(stderr io.Writer, err error) int {
	return exitCodeAs(logText, stderr, err)
}

// exitCodeAs prints err (if any) in the given --log-format and maps it to
// the process exit code. With json the message is one record with the
// exit code, at level ERROR for errors of the tool, WARN otherwise.
func exitCodeAs(format string, stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	code, msg, level := exitError, "error: "+err.Error(), slog.LevelError
	var st *exitStatus
	if errors.As(err, &st) {
		code, msg, level = st.code, st.msg, slog.LevelWarn
	}
	if msg == "" {
		return code
	}
	if format == logJSON {
		ctx := withLogFormat(context.Background(), logJSON)
		if level == slog.LevelError {
			msg = err.Error()
		}
		newLogger(ctx, stderr, slog.LevelDebug).Log(ctx, level, msg, "exit", code)
		return code
	}
	fmt.Fprintln(stderr, "rdsup:", msg)
	return code
}
