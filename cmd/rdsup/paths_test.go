package main

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/policy"
)

// The version paths are one fact told three times: the built-in policy
// data (what the policy allows and the planner splits upgrades along), the
// planner's defaults, and the upgrades the simulator accepts.
func TestDefaultVersionPathsAgree(t *testing.T) {
	data, err := policy.VersionPaths(policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sim := planner.Paths{}
	for _, p := range rdssim.DefaultUpgradePaths {
		if sim[p.Engine] == nil {
			sim[p.Engine] = map[string][]string{}
		}
		sim[p.Engine][p.From] = append(sim[p.Engine][p.From], p.To)
	}
	want := planner.DefaultPaths()
	for name, got := range map[string]planner.Paths{"built-in policy data": planner.Paths(data), "simulator": sim} {
		if !maps.EqualFunc(got, want, func(a, b map[string][]string) bool { return maps.EqualFunc(a, b, slices.Equal) }) {
			t.Errorf("%s paths %v, planner's defaults %v", name, got, want)
		}
	}
	if !slices.Equal(want.Hops("MySQL", "5.5", "8.0"), []string{"5.6", "5.7", "8.0"}) {
		t.Errorf("default hops 5.5 → 8.0 = %v, want 5.6 5.7 8.0", want.Hops("MySQL", "5.5", "8.0"))
	}
}

const to84Inventory = `defaults:
  region: cn-hangzhou
  engine: MySQL
  engineVersion: "8.0"
  targetVersion: "8.4"
  effectiveTime: Immediate
  status: Running
  maintainTime: "00:00Z-23:59Z"
instances:
  - {id: rm-a, role: primary}
  - {id: rr-a1, role: readonly, primary: rm-a}
  - {id: rm-b, role: primary, engineVersion: "5.7"}
`

// 8.0 → 8.4 is not a default path: the plan is denied with the data to
// add; planning again with it gives one step per hop, which a simulator
// configured with the 8.0 → 8.4 upgrade (rdsup sim --upgrade-path)
// applies and the default simulator refuses.
func TestUpgradeTo84WithData(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(inv, []byte(to84Inventory), 0o644); err != nil {
		t.Fatal(err)
	}
	denied := filepath.Join(dir, "denied.json")
	if _, stderr, code := runCLI(t, "plan", "-i", inv, "-o", denied, "--at", checkAt); code != exitDenied {
		t.Fatalf("plan to 8.4: exit %d, want %d: %s", code, exitDenied, stderr)
	}
	var msg string
	for _, s := range loadPlan(t, denied).Steps {
		if s.InstanceID == "rm-a" && len(s.Policy.Deny) > 0 {
			msg = s.Policy.Deny[0].Message
		}
	}
	_, advice, ok := strings.Cut(msg, "--data containing ")
	advice, _, _ = strings.Cut(advice, " (rdsup then plans")
	if !ok || !strings.Contains(advice, `"8.0":["8.4"]`) {
		t.Fatalf("deny of rm-a %q gives no data adding 8.0 → 8.4", msg)
	}
	fix := filepath.Join(dir, "fix.json")
	if err := os.WriteFile(fix, []byte(advice), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "plan.json")
	if _, stderr, code := runCLI(t, "plan", "-i", inv, "--data", fix, "-o", path, "--at", checkAt); code != exitOK {
		t.Fatalf("plan following the advice: exit %d: %s", code, stderr)
	}
	p := loadPlan(t, path)
	var hops []string
	for _, s := range p.Steps {
		hops = append(hops, s.ID+":"+s.FromVersion+"→"+s.ToVersion)
	}
	if got, want := strings.Join(hops, " "), "rr-a1:8.0→8.4 rm-a:8.0→8.4 rm-b@8.0:5.7→8.0 rm-b@8.4:8.0→8.4"; got != want {
		t.Fatalf("steps %s\nwant  %s", got, want)
	}

	t.Setenv(envAccessKeyID, rdssimtest.AccessKeyID)
	t.Setenv(envAccessKeySecret, rdssimtest.AccessKeySecret)
	for _, tt := range []struct {
		name  string
		paths []string // rdsup sim --upgrade-path
		code  int
	}{
		{"default simulator refuses 8.0 → 8.4", nil, exitError},
		{"simulator with --upgrade-path MySQL:8.0:8.4", []string{"MySQL:5.5:5.6", "MySQL:5.6:5.7", "MySQL:5.7:8.0", "MySQL:8.0:8.4"}, exitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts, _, err := simSetup(&simOptions{timeScale: 1, paths: tt.paths}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			opts.UpgradeDuration = 30 * time.Millisecond
			sim, endpoint := rdssimtest.StartTestServer(t, p.Instances, opts)
			run := filepath.Join(t.TempDir(), "plan.json")
			data, _ := os.ReadFile(path)
			if err := os.WriteFile(run, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, stderr, code := runCLI(t, "apply", run, "--endpoint", endpoint, "--yes", "--poll-interval", "5ms", "--data", fix)
			if code != tt.code {
				t.Fatalf("apply: exit %d, want %d\n%s\n%s", code, tt.code, out, stderr)
			}
			for _, v := range sim.Instances() {
				switch {
				case tt.code == exitOK && v.EngineVersion != "8.4":
					t.Errorf("%s on %s, want 8.4", v.ID, v.EngineVersion)
				case tt.code != exitOK && v.EngineVersion == "8.4":
					t.Errorf("%s on 8.4 although the simulator does not offer it", v.ID)
				}
			}
			if tt.code != exitOK && !strings.Contains(out+stderr, "IncorrectEngineVersion") {
				t.Errorf("the refusal is not named:\n%s\n%s", out, stderr)
			}
		})
	}
	// apply --simulate takes the same --upgrade-path for its in-process simulator
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"--simulate refuses 8.0 → 8.4 by default", nil, exitError, "IncorrectEngineVersion"},
		{"--simulate --upgrade-path MySQL:8.0:8.4", []string{"--upgrade-path", "MySQL:5.5:5.6,MySQL:5.6:5.7,MySQL:5.7:8.0", "--upgrade-path", "MySQL:8.0:8.4"}, exitOK, "4 succeeded"},
		{"bad --upgrade-path", []string{"--upgrade-path", "MySQL:8.0"}, exitError, `--upgrade-path "MySQL:8.0": want ENGINE:FROM:TO`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"apply", "--simulate", "-i", inv, "--data", fix, "--yes", "--at", checkAt}, tt.args...)
			out, stderr, code := runCLI(t, args...)
			if code != tt.code || !strings.Contains(out+stderr, tt.want) {
				t.Fatalf("exit %d, want %d and %q in the output:\n%s\n%s", code, tt.code, tt.want, out, stderr)
			}
		})
	}
	if _, stderr, code := runCLI(t, "apply", path, "--endpoint", "http://127.0.0.1:1", "--yes", "--upgrade-path", "MySQL:8.0:8.4"); code != exitError || !strings.Contains(stderr, "--upgrade-path says what the --simulate simulator offers") {
		t.Errorf("--upgrade-path without --simulate: exit %d, %s", code, stderr)
	}
}
