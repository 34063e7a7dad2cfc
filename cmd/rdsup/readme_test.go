package main

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/planner"
)

// readmeLimit bounds each README block: the README promises seconds.
const readmeLimit = 60 * time.Second

// readmeBlocks returns the ```sh blocks of the README that follow a
// `<!-- readme-test: NAME -->` line, by NAME.
func readmeBlocks(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blocks := map[string]string{}
	var name string
	var in bool
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case in && line == "```":
			blocks[name], in, name = b.String(), false, ""
			b.Reset()
		case in:
			b.WriteString(line + "\n")
		case strings.HasPrefix(line, "<!-- readme-test: "):
			name = strings.TrimSuffix(strings.TrimPrefix(line, "<!-- readme-test: "), " -->")
		case name != "" && line == "```sh":
			in = true
		case name != "" && line != "":
			t.Fatalf("%s: readme-test %s is not followed by a ```sh block", path, name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestReadme runs the README's command blocks that need no cloud account,
// as written, in a fresh directory holding the repository's testdata/, with
// rdsup (this test binary, see TestMain) on PATH, each under readmeLimit.
// What the test changes, and only that:
//   - quickstart: `go run ./cmd/rdsup` is rdsup built from this tree;
//   - sim: the port 8790 is a free one (the block itself starts and stops
//     the simulator);
//   - everyday: "your account" is an rdssim served by the test, as fast as
//     the sim section's; rdsup apply is pointed at it (--endpoint) and,
//     having no terminal to confirm on, given --yes.
func TestReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's examples")
	}
	blocks := readmeBlocks(t, "../../README.md")
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "rdsup")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		needs  []string // other programs the block runs
		stdout []string
		setup  func(t *testing.T, script string, env []string) (string, []string)
	}{
		{name: "quickstart", stdout: []string{"7 steps: 7 succeeded"},
			setup: func(t *testing.T, script string, env []string) (string, []string) {
				return strings.ReplaceAll(script, "go run ./cmd/rdsup", "rdsup"), env
			}},
		{name: "everyday", stdout: []string{"## ", "7 steps: 7 succeeded", "journal  upgrade.json.journal"},
			setup: func(t *testing.T, script string, env []string) (string, []string) {
				return script, readmeCloud(t, filepath.Join(testdata, "fleet.yaml"), filepath.Join(bin, "rdsup"), env)
			}},
		{name: "rollout", stdout: []string{"maxConcurrentClusters: 1", "│ canary ", "stage canary soaks until", "exit 3"},
			setup: func(t *testing.T, script string, env []string) (string, []string) { return script, env }},
		{name: "discover", stdout: []string{"7 steps"},
			setup: func(t *testing.T, script string, env []string) (string, []string) {
				return strings.ReplaceAll(script, "127.0.0.1:8790", "127.0.0.1:"+strconv.Itoa(freePort(t))), env
			}},
		{name: "sim", needs: []string{"curl", "jq"}, stdout: []string{"7 steps: 7 succeeded", `"action": "UpgradeDBInstanceEngineVersion"`, `"engineVersion": "5.6"`},
			setup: func(t *testing.T, script string, env []string) (string, []string) {
				return strings.ReplaceAll(script, "127.0.0.1:8790", "127.0.0.1:"+strconv.Itoa(freePort(t))), env
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script, ok := blocks[tt.name]
			if !ok {
				t.Fatalf("README.md has no block marked <!-- readme-test: %s -->", tt.name)
			}
			for _, prog := range tt.needs {
				if _, err := exec.LookPath(prog); err != nil {
					t.Skipf("the block needs %s", prog)
				}
			}
			work := t.TempDir()
			if err := os.Symlink(testdata, filepath.Join(work, "testdata")); err != nil {
				t.Fatal(err)
			}
			env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + work, "LANG=C.UTF-8"}
			script, env = tt.setup(t, script, env)
			out, err := runBlock(t, work, script, env)
			if err != nil {
				t.Fatalf("README block %q: %v\n--- block:\n%s--- output:\n%s", tt.name, err, script, out)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("README block %q: output lacks %q:\n%s", tt.name, want, out)
				}
			}
		})
	}
}

// runBlock runs script with bash -e -o pipefail in dir, in its own process
// group (killed at the end, background jobs too), within readmeLimit.
func runBlock(t *testing.T, dir, script string, env []string) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), readmeLimit)
	defer cancel()
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // a background job the block left
	}
	if ctx.Err() != nil {
		err = errors.Join(err, errors.New("took longer than "+readmeLimit.String()))
	}
	b, _ := os.ReadFile(out.Name())
	return string(b), err
}

// readmeCloud serves the fleet on an rdssim (ten simulated hours per
// second) and puts first on PATH an rdsup that sends apply there with
// --yes; it returns env with that PATH and the simulator's key pair.
func readmeCloud(t *testing.T, fleet, rdsup string, env []string) []string {
	t.Helper()
	inv, err := planner.Load(fleet)
	if err != nil {
		t.Fatal(err)
	}
	_, endpoint := rdssimtest.StartTestServer(t, inv.Instances, rdssim.Options{
		UpgradeDuration: 2 * time.Second, Clock: rdssim.NewScaledClock(36000)})
	wrap := t.TempDir()
	sh := "#!/bin/sh\nif [ \"$1\" = apply ]; then exec " + rdsup + " \"$@\" --endpoint " + endpoint + " --yes --poll-interval 200ms; fi\nexec " + rdsup + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "rdsup"), []byte(sh), 0o755); err != nil {
		t.Fatal(err)
	}
	env[0] = "PATH=" + wrap + string(os.PathListSeparator) + strings.TrimPrefix(env[0], "PATH=")
	return append(env, "ALIBABA_CLOUD_ACCESS_KEY_ID="+rdssimtest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+rdssimtest.AccessKeySecret)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
