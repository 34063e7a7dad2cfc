package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/planner"
)

func TestFormatVersion(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name      string
		bi        *debug.BuildInfo
		ldVersion string
		ldDate    string
		want      string
	}{
		{name: "built in a clone", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "48473b0c84047346689a3bbca124dfacc9b82925", "vcs.time", "2026-11-30T23:59:00Z", "vcs.modified", "false")},
			want: "rdsup (devel) (commit 48473b0c8404 of 2026-11-30T23:59:00Z, go1.26.8, plan format 3)"},
		{name: "a dirty tree", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "48473b0c84047346689a3bbca124dfacc9b82925", "vcs.modified", "true")},
			want: "rdsup (devel) (commit 48473b0c8404 (modified), go1.26.8, plan format 3)"},
		{name: "go install module@version", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"}},
			want: "rdsup v0.3.0 (go1.26.8, plan format 3)"},
		{name: "ldflags", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "abc")}, ldVersion: "v1.2.3", ldDate: "2026-12-01T00:00:00Z",
			want: "rdsup v1.2.3 (commit abc, built 2026-12-01T00:00:00Z, go1.26.8, plan format 3)"},
		{name: "nothing recorded says why", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "rdsup (devel) (no version or commit recorded: built without VCS information (go run, or -buildvcs=false), go1.26.8, plan format 3)"},
		{name: "no build info", want: "rdsup (devel) (no version or commit recorded: built without VCS information (go run, or -buildvcs=false), plan format 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatVersion(tt.bi, tt.ldVersion, tt.ldDate); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestVersionCommands(t *testing.T) {
	want := versionLine() + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		stdout, stderr, code := runCLI(t, args...)
		if code != exitOK || stdout != want || stderr != "" {
			t.Errorf("rdsup %s: exit %d\nstdout %q, want %q\nstderr %q", args[0], code, stdout, want, stderr)
		}
	}
	stdout, _, _ := runCLI(t, "--help")
	if !strings.Contains(stdout, versionLine()) || !strings.Contains(stdout, "--version") {
		t.Errorf("--help does not show the version:\n%s", stdout)
	}
}

// TestDeprecatedAliases: the old spellings work, say they are deprecated,
// keep their range, and are not offered in --help.
func TestDeprecatedAliases(t *testing.T) {
	plan := makePlanFile(t, testFleet, exitOK)
	tests := []cliCase{
		{name: "check --output", args: []string{"check", plan, "--output", "json"}, code: exitOK,
			stdout: []string{`"planFile"`}, stderr: []string{"rdsup: warning: --output is deprecated: use --format"}},
		{name: "check --format", args: []string{"check", plan, "--format", "json"}, code: exitOK, stdout: []string{`"planFile"`}},
		{name: "both spellings", args: []string{"check", plan, "--format", "json", "--output", "json"}, code: exitError,
			stderr: []string{"--output and --format are the same flag: give only --format"}},
		{name: "apply --sim-speed", args: []string{"apply", plan, "--simulate", "--yes", "--sim-speed", "36000"}, code: exitOK,
			stdout: []string{"7 succeeded"}, stderr: []string{"--sim-speed is deprecated: use --time-scale"}},
		{name: "apply --time-scale", args: []string{"apply", plan, "--simulate", "--yes", "--time-scale", "36000"}, code: exitOK,
			stdout: []string{"7 succeeded"}},
		{name: "apply --sim-speed keeps the range", args: []string{"apply", plan, "--simulate", "--yes", "--sim-speed", "0"}, code: exitError,
			stderr: []string{"--sim-speed 0: must be more than 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr := tt.check(t)
			if !strings.Contains(tt.name, "--output") && !strings.Contains(tt.name, "--sim-speed") && strings.Contains(stderr, "deprecated") {
				t.Errorf("deprecation notice without a deprecated flag:\n%s", stderr)
			}
		})
	}
	for _, c := range [][]string{{"check", "--help"}, {"apply", "--help"}} {
		stdout, _, _ := runCLI(t, c...)
		if strings.Contains(stdout, "--output") || strings.Contains(stdout, "--sim-speed") {
			t.Errorf("rdsup %s shows a deprecated flag:\n%s", c[0], stdout)
		}
	}
}

// allOnTarget is an inventory with nothing to upgrade.
const allOnTarget = `defaults: {region: cn-hangzhou, engine: MySQL, targetVersion: "5.6", status: Running, maintainTime: "00:00Z-23:59Z"}
instances:
  - {id: rm-a, role: primary, engineVersion: "5.6"}
  - {id: rr-a, role: readonly, primary: rm-a, engineVersion: "5.6"}
`

func TestNothingToDo(t *testing.T) {
	inv := filepath.Join(writeFiles(t, map[string]string{"done.yaml": allOnTarget}), "done.yaml")
	plan := filepath.Join(t.TempDir(), "plan.json")
	want := "nothing to do: every instance is already on its target (2 instances, plan "
	tests := []cliCase{
		{name: "plan", args: []string{"plan", "-i", inv, "-o", plan}, stdout: []string{want}},
		{name: "show", args: []string{"show", plan}, stdout: []string{want}},
		{name: "show markdown", args: []string{"show", plan, "--format", "markdown"}, stdout: []string{want}},
		{name: "apply", args: []string{"apply", plan, "--simulate"}, stdout: []string{want}},
		{name: "apply -i", args: []string{"apply", "--simulate", "-i", inv}, stdout: []string{want}},
		{name: "show json is still the plan", args: []string{"show", plan, "--format", "json"}, stdout: []string{`"steps": []`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _ := tt.check(t)
			for _, bad := range []string{"┌", "0 steps", "in 0s"} {
				if strings.Contains(stdout, bad) {
					t.Errorf("stdout has %q:\n%s", bad, stdout)
				}
			}
		})
	}
}

// TestStatusAfterSimulate: apply --simulate -o keeps the plan but not its
// journal; status says there is none instead of naming a missing file.
func TestStatusAfterSimulate(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "sim.json")
	cliCase{name: "apply", args: []string{"apply", "--simulate", "-i", testFleet, "-o", plan, "--yes"},
		stderr: []string{"its journal is temporary"}}.check(t)
	if _, err := os.Stat(plan + ".journal"); err == nil {
		t.Fatal("a simulated run left a journal next to the plan")
	}
	cliCase{name: "status", args: []string{"status", plan},
		stdout: []string{"journal  none: " + plan + ".journal does not exist", "apply --simulate keeps its journal in a temporary directory", "7 not-started"}}.check(t)
}

// TestCompletion: flag values are completed from their fixed sets.
func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"plan", "--format", ""}, []string{"table", "markdown", "json"}},
		{[]string{"show", "x.json", "--format", ""}, []string{"table", "markdown", "json"}},
		{[]string{"status", "x.json", "--format", ""}, []string{"table", "json"}},
		{[]string{"check", "x.json", "--format", ""}, []string{"table", "json", "junit", "github"}},
		{[]string{"check", "x.json", "--output", ""}, []string{"table", "json", "junit", "github"}},
		{[]string{"apply", "--log-format", ""}, []string{"text", "json"}},
		{[]string{"--log-format", ""}, []string{"text", "json"}},
		{[]string{"sim", "--refuse", "rm-1="}, []string{"rm-1=InvalidSSLstatus", "rm-1=IncorrectDBInstanceLockMode"}},
		{[]string{"sim", "-i", testFleet, "--refuse", ""}, []string{"rm-pay-primary=", "rr-shop-ro1="}},
		{[]string{"inventory", "discover", "--region", ""}, []string{"cn-hangzhou", "ap-southeast-1"}},
		{[]string{"inventory", "discover", "--effective-time", ""}, []string{"Immediate", "MaintainTime"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, code := runCLI(t, append([]string{"__complete"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := strings.Split(stdout, "\n")
			if !strings.HasPrefix(got[len(got)-2], ":") || got[len(got)-2] == ":0" {
				t.Errorf("completion offers files too: %q", stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w+"\n") && !strings.Contains(stdout, w+"\t") {
					t.Errorf("completion lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
	got, _ := completeRegions(nil, nil, "")
	if len(got) != len(planner.Regions()) || !strings.Contains(strings.Join(got, " "), "cn-hangzhou") {
		t.Errorf("regions: %v", got)
	}
	got, _ = completeRoles(nil, nil, "")
	if strings.Join(got, " ") != "primary readonly disaster-recovery" {
		t.Errorf("roles: %v", got)
	}
}
