package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Values of the global --log-format flag. With json every line rdsup
// writes to stderr is one JSON object (slog's JSON handler): logs,
// warnings, notices and the final error; results stay on stdout.
const (
	logText = "text"
	logJSON = "json"
)

var logFormats = []string{logText, logJSON}

type logFormatKey struct{}

// withLogFormat records the --log-format of this run in ctx.
func withLogFormat(ctx context.Context, format string) context.Context {
	return context.WithValue(ctx, logFormatKey{}, format)
}

// logFormatOf is the --log-format recorded in ctx (text when none).
func logFormatOf(ctx context.Context) string {
	if f, ok := ctx.Value(logFormatKey{}).(string); ok {
		return f
	}
	return logText
}

func checkLogFormat(f string) error {
	if !slices.Contains(logFormats, f) {
		return fmt.Errorf("--log-format %q: use one of %s", f, strings.Join(logFormats, ", "))
	}
	return nil
}

// newLogHandler is the handler every logger of a run is built on.
func newLogHandler(ctx context.Context, w io.Writer, level slog.Leveler) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if logFormatOf(ctx) == logJSON {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

func newLogger(ctx context.Context, w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(newLogHandler(ctx, w, level))
}

// notef writes a line meant for a person to stderr: as it is with
// --log-format text, as one JSON record at level with json.
func notef(ctx context.Context, w io.Writer, level slog.Level, format string, args ...any) {
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	if logFormatOf(ctx) == logJSON {
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "rdsup: "), "warning: ")
		newLogger(ctx, w, slog.LevelDebug).Log(ctx, level, msg)
		return
	}
	fmt.Fprintln(w, msg)
}

// runLogFormat is the --log-format a finished run used: the parsed flag,
// else (when parsing stopped before it, e.g. at an unknown flag) a plain
// scan of the arguments, else text.
func runLogFormat(root *cobra.Command, args []string) string {
	if fl := root.PersistentFlags().Lookup("log-format"); fl != nil && fl.Changed {
		if checkLogFormat(fl.Value.String()) == nil {
			return fl.Value.String()
		}
		return logText
	}
	for i, a := range args {
		if a == "--" {
			break
		}
		v, ok := strings.CutPrefix(a, "--log-format=")
		if !ok && a == "--log-format" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok && checkLogFormat(v) == nil {
			return v
		}
	}
	return logText
}
