package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
)

// jsonLines fails the test unless every line of stderr is one JSON object
// with a level and a message, and returns the records.
func jsonLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		if line == "" && stderr == "" {
			break
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line %d is not one JSON object: %v\n%s", i+1, err, line)
			continue
		}
		if rec["level"] == nil || rec["msg"] == nil || rec["time"] == nil {
			t.Errorf("stderr line %d lacks time, level or msg: %s", i+1, line)
		}
		recs = append(recs, rec)
	}
	return recs
}

func TestLogFormatJSON(t *testing.T) {
	dir := t.TempDir()
	fleet := "../../testdata/fleet.yaml"
	tests := []struct {
		cliCase
		level string // a record at this level must carry wantMsg
		msg   string
	}{
		{cliCase: cliCase{name: "simulated apply", code: exitOK,
			args:   []string{"apply", "--simulate", "-i", fleet, "--yes", "--log-format", "json"},
			stdout: []string{"7 steps: 7 succeeded"}, stderr: []string{`"msg":"step succeeded"`}},
			level: "INFO", msg: "written to"},
		{cliCase: cliCase{name: "an error printed by main", code: exitError,
			args: []string{"apply", "--simulate", "-i", filepath.Join(dir, "nope.yaml"), "--yes", "--log-format", "json"}},
			level: "ERROR", msg: "nope.yaml"},
		{cliCase: cliCase{name: "a flag out of range", code: exitError,
			args: []string{"apply", "--log-format=json", "--concurrency", "0"}},
			level: "ERROR", msg: "--concurrency 0: must be from 1 to 1000"},
		{cliCase: cliCase{name: "an unknown flag before --log-format", code: exitError,
			args: []string{"apply", "--no-such-flag", "--log-format", "json"}},
			level: "ERROR", msg: "unknown flag: --no-such-flag"},
		{cliCase: cliCase{name: "a deprecated flag warns", code: exitOK,
			args:   []string{"apply", "--simulate", "-i", fleet, "--yes", "--sim-speed", "7200", "--log-format", "json"},
			stdout: []string{"7 succeeded"}},
			level: "WARN", msg: "--sim-speed is deprecated: use --time-scale"},
		{cliCase: cliCase{name: "a denied plan", code: exitDenied,
			args: []string{"plan", "-i", fleet, "-o", filepath.Join(dir, "p.json"), "--log-format", "json",
				"-p", writePolicyDir(t, "freeze.rego", "package rdsup.team\ndeny contains \"freeze\" if true\n")}},
			level: "WARN", msg: "policy denies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr := tt.check(t)
			found := false
			for _, rec := range jsonLines(t, stderr) {
				if rec["level"] == tt.level && strings.Contains(rec["msg"].(string), tt.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s record with %q on stderr:\n%s", tt.level, tt.msg, stderr)
			}
			if strings.Contains(stdout, `"level"`) {
				t.Errorf("log records on stdout:\n%s", stdout)
			}
		})
	}
}

func TestLogFormatText(t *testing.T) {
	// the default: plain lines, errors as "rdsup: error: …"
	_, stderr, code := runCLI(t, "apply", "--concurrency", "0")
	if code != exitError || !strings.HasPrefix(stderr, "rdsup: error: --concurrency 0") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	_, stderr, code = runCLI(t, "version", "--log-format", "xml")
	if code != exitError || !strings.Contains(stderr, `--log-format "xml": use one of text, json`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestLogFormatJSONOnATerminal: with json, a terminal gets records too:
// the confirmation prompt is one, and progress is never a redrawn line.
func TestLogFormatJSONOnATerminal(t *testing.T) {
	path, p := planFile(t, exampleFleet)
	_, endpoint := simFor(t, p, rdssim.Faults{})
	var out, errb bytes.Buffer
	o := &applyOptions{planPath: path, endpoint: endpoint, stdin: strings.NewReader("yes\n"),
		stdinTerminal: func() bool { return true }, stderrTerminal: func() bool { return true }}
	o.exec.PollInterval = 5 * time.Millisecond
	if err := runApply(withLogFormat(t.Context(), logJSON), &out, &errb, o); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errb.String(), "\r") {
		t.Errorf("a progress line was drawn:\n%q", errb.String())
	}
	prompt := false
	for _, rec := range jsonLines(t, errb.String()) {
		prompt = prompt || strings.HasPrefix(rec["msg"].(string), "Apply 4 upgrade step(s)")
	}
	if !prompt {
		t.Errorf("no prompt record:\n%s", errb.String())
	}
	if !strings.Contains(out.String(), "4 steps: 4 succeeded") {
		t.Errorf("stdout:\n%s", out.String())
	}
}

// TestLogFormatJSONFailedStep: a step the service refuses fails the run;
// its failure, the collapsed warnings and the final error are records.
func TestLogFormatJSONFailedStep(t *testing.T) {
	path, p := planFile(t, exampleFleet)
	sim, endpoint := simFor(t, p, rdssim.Faults{ThrottleRate: 0.3})
	if err := sim.SetRefusals(map[string]string{"rr-shop-ro1": "InvalidSSLstatus"}); err != nil {
		t.Fatal(err)
	}
	stdout, stderr := cliCase{name: "refused", args: []string{"apply", path, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms",
		"--log-format", "json"}, code: exitError, stdout: []string{"failed"}}.check(t)
	var failed, final bool
	for _, rec := range jsonLines(t, stderr) {
		msg := rec["msg"].(string)
		failed = failed || rec["level"] == "ERROR" && rec["step"] == "rr-shop-ro1"
		final = final || rec["level"] == "ERROR" && rec["exit"] == float64(exitError) && strings.Contains(msg, "step(s) failed")
	}
	if !failed || !final {
		t.Errorf("step failure record %v, final error record %v:\n%s", failed, final, stderr)
	}
	if strings.Contains(stdout, `"level"`) {
		t.Errorf("log records on stdout:\n%s", stdout)
	}
}
