package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

const exampleFleet = "../../executor/testdata/example-fleet.yaml"

// planFile plans inventory into a temporary plan file.
func planFile(t *testing.T, inventory string, extra ...string) (string, *plans.Plan) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	_, stderr, code := runCLI(t, append([]string{"plan", "-i", inventory, "-o", path}, extra...)...)
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	p, err := plans.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, p
}

// simFor serves a simulator of the plan's fleet and points the SDK's
// environment credentials at it.
func simFor(t *testing.T, p *plans.Plan, faults rdssim.Faults) (*rdssim.Sim, string) {
	t.Helper()
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", rdssimtest.AccessKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", rdssimtest.AccessKeySecret)
	return rdssimtest.StartTestServer(t, p.Instances, rdssim.Options{UpgradeDuration: 30 * time.Millisecond, Faults: faults})
}

func TestApplySimulateQuickStart(t *testing.T) {
	inv := abs(t, exampleFleet)
	t.Chdir(t.TempDir())
	out, stderr, code := runCLI(t, "apply", "--simulate", "-i", inv, "--yes")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"rm-shop-db", "4 steps: 4 succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("--simulate left files in the working directory: %v", entries)
	}
}

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestApplyAgainstSimulatorThenStatus(t *testing.T) {
	path, p := planFile(t, exampleFleet)
	sim, endpoint := simFor(t, p, rdssim.Faults{})
	out, stderr, code := runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	applied := 0
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" && c.Outcome == "applied" {
			applied++
		}
	}
	if applied != 4 {
		t.Errorf("applied upgrade calls = %d, want 4", applied)
	}
	if strings.Contains(stderr+out, rdssimtest.AccessKeySecret) {
		t.Error("output contains the access key secret")
	}
	journal, _ := os.ReadFile(path + ".journal")
	if bytes.Contains(journal, []byte(rdssimtest.AccessKeySecret)) || bytes.Contains(journal, []byte(rdssimtest.AccessKeyID)) {
		t.Error("journal contains credentials")
	}

	out, _, code = runCLI(t, "status", path)
	if code != exitOK || !strings.Contains(out, "4 steps: 4 succeeded") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "status", path, "--format", "json")
	var st struct {
		Plan   string         `json:"plan"`
		Counts map[string]int `json:"counts"`
		Steps  []struct {
			Step, State, TaskID string
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != exitOK {
		t.Fatalf("status json: exit %d, %v\n%s", code, err, out)
	}
	if st.Plan != p.ID || st.Counts["succeeded"] != 4 || len(st.Steps) != 4 || st.Steps[0].TaskID == "" {
		t.Errorf("status json = %+v", st)
	}

	// applying again sends nothing, and needs no credentials
	before := len(sim.Calls())
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	out, stderr, code = runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms")
	if code != exitOK || !strings.Contains(out, "is done: all 4 steps succeeded") {
		t.Fatalf("re-apply: exit %d\n%s\n%s", code, out, stderr)
	}
	if n := len(sim.Calls()) - before; n != 0 {
		t.Errorf("re-apply of a finished plan sent %d calls", n)
	}
}

func TestApplyRefusals(t *testing.T) {
	path, p := planFile(t, exampleFleet)
	sim, endpoint := simFor(t, p, rdssim.Faults{})
	edited := writeEdited(t, path, "edited.json", `"toVersion": "5.6"`, `"toVersion": "5.7"`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no terminal and no --yes", []string{"apply", path, "--endpoint", endpoint}, exitError, "stdin is not a terminal"},
		{"edited plan", []string{"apply", edited, "--endpoint", endpoint, "--yes"}, exitError, "modified"},
		{"plan file and inventory", []string{"apply", path, "-i", exampleFleet}, exitError, "either a PLANFILE or -i"},
		{"neither", []string{"apply"}, exitError, "either a PLANFILE or -i"},
		{"simulate and endpoint", []string{"apply", path, "--simulate", "--endpoint", endpoint}, exitError, "exclude each other"},
		{"status format", []string{"status", path, "--format", "xml"}, exitError, `unknown format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
	if n := len(sim.Calls()); n != 0 {
		t.Errorf("%d API calls sent by refused applies", n)
	}
}

func TestApplyExitCodes(t *testing.T) {
	t.Run("failed step exits 1", func(t *testing.T) {
		path, p := planFile(t, exampleFleet)
		_, endpoint := simFor(t, p, rdssim.Faults{FailUpgrade: []string{"rr-shop-ro1"}})
		out, stderr, code := runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms", "--keep-going")
		if code != exitError || !strings.Contains(stderr, "1 step(s) failed, 1 blocked") || !strings.Contains(out, "blocked") {
			t.Errorf("exit %d\n%s\n%s", code, out, stderr)
		}
	})
	t.Run("closed window with --no-wait exits 3", func(t *testing.T) {
		now := time.Now().UTC()
		open := now.Add(3 * time.Hour)
		window := open.Format("15:04") + "Z-" + open.Add(time.Hour).Format("15:04") + "Z"
		inv := filepath.Join(t.TempDir(), "prod.yaml")
		os.WriteFile(inv, []byte(`defaults: {region: cn-hangzhou, engine: MySQL, targetVersion: "5.6", effectiveTime: Immediate}
instances:
  - {id: rm-prod, engineVersion: "5.5", role: primary, status: Running, maintainTime: "`+window+`", tags: {env: prod}}
  - {id: rm-dev, engineVersion: "5.5", role: primary, status: Running, maintainTime: "`+window+`", tags: {env: dev}}
`), 0o644)
		path, p := planFile(t, inv, "--at", open.Add(10*time.Minute).Format(time.RFC3339))
		sim, endpoint := simFor(t, p, rdssim.Faults{})
		out, stderr, code := runCLI(t, "apply", path, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms", "--no-wait")
		if code != exitPending {
			t.Fatalf("exit %d, want 3\n%s\n%s", code, out, stderr)
		}
		for _, c := range sim.Calls() {
			if c.Action == "UpgradeDBInstanceEngineVersion" && c.InstanceID == "rm-prod" {
				t.Errorf("rm-prod upgraded outside its window: %+v", c)
			}
		}
		out, _, _ = runCLI(t, "status", path)
		if !strings.Contains(out, "pending") || !strings.Contains(out, "1 succeeded") {
			t.Errorf("status:\n%s", out)
		}
	})
}

func TestApplyConfirmOnTerminal(t *testing.T) {
	tests := []struct {
		answer   string
		wantErr  string
		wantRuns bool
	}{
		{"yes\n", "", true},
		{"no\n", "apply cancelled", false},
		{"", "apply cancelled", false},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.answer)+"_", func(t *testing.T) {
			path, p := planFile(t, exampleFleet)
			sim, endpoint := simFor(t, p, rdssim.Faults{})
			var out, errb bytes.Buffer
			o := &applyOptions{planPath: path, endpoint: endpoint, stdin: strings.NewReader(tt.answer),
				stdinTerminal: func() bool { return true }, stderrTerminal: func() bool { return false }}
			o.exec.PollInterval = 5 * time.Millisecond
			err := runApply(t.Context(), &out, &errb, o)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(errb.String(), "Apply 4 upgrade step(s) to "+endpoint) {
				t.Errorf("no prompt on stderr: %q", errb.String())
			}
			if ran := len(sim.Calls()) > 0; ran != tt.wantRuns {
				t.Errorf("API called = %v, want %v", ran, tt.wantRuns)
			}
		})
	}
}

func TestApplySimulatePlanFileLeavesNoJournal(t *testing.T) {
	path, _ := planFile(t, exampleFleet)
	out, stderr, code := runCLI(t, "apply", path, "--simulate", "--yes")
	if code != exitOK || !strings.Contains(out, "4 steps: 4 succeeded") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, p := range []string{path + ".journal", path + ".lock"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a simulated run left %s next to the real plan", p)
		}
	}
}
