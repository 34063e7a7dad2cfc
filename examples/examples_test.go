// Package examples_test keeps the CI and Kubernetes examples under
// examples/ true: it reads every YAML file strictly, checks the structure
// each platform relies on, and runs the examples' own shell (workflow
// steps, GitLab job scripts, the CronJob's command) with the rdsup built
// from this tree, against the RDS API simulator and, for the state, a
// private PostgreSQL.
//
// What the test stands in for, and only that:
//   - the platform: `uses:` steps (checkout, setup-go, artifacts) are done
//     by the test (the work directory holds examples/fleet as fleet/), and
//     the steps that install rdsup (step id `install`, GitLab's
//     before_script) are skipped: rdsup is on PATH;
//   - the cloud: rdsup on PATH is a wrapper that adds `--endpoint SIM
//     --poll-interval 100ms` to `rdsup apply` (the simulator runs ten
//     simulated hours per second);
//   - secrets and CI variables: `${{ secrets.* }}`, `${{ github.* }}` and
//     GitLab's predefined variables get test values (see githubContext and
//     gitlabEnv); an expression the test does not know fails it;
//   - the forges: `gh` is a fake that stores the comment it is given and
//     prints it back for `gh pr view` (ignoring --jq); GitLab's API is an
//     HTTP server in the test that curl talks to.
//
// Every rdsup command line of the examples runs as written, so a flag that
// does not exist (or a changed exit code) fails the test.
package examples_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/internal/pgtest"
	"github.com/rdsup/rdsup/planner"
)

// rdsupBin is rdsup built from this tree by TestMain.
var rdsupBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "rdsup-examples-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		rdsupBin = filepath.Join(dir, "rdsup")
		goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goCmd); err != nil {
			goCmd = "go"
		}
		build := exec.Command(goCmd, "build", "-o", rdsupBin, "github.com/rdsup/rdsup/cmd/rdsup")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build rdsup:", err)
			return 1
		}
		return pgtest.Main(m)
	}())
}

// watchSources stats every Go source file and go.mod/go.sum of the
// module: go test caches a passing result until a file the tests looked at
// changes, and rdsup, built by a subprocess, is otherwise invisible to it
// (a changed flag must fail the examples, not hit the cache). Only what
// tests look at counts (not TestMain), so baseEnv calls it once.
var watchOnce = sync.OnceValue(func() error { return watchSources("..") })

func watchSources(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir():
			return nil
		case strings.HasSuffix(path, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum":
			_, err := os.Stat(path)
			return err
		}
		return nil
	})
}

// scriptLimit bounds one step, job script or CronJob run.
const scriptLimit = 2 * time.Minute

// result is what one piece of an example's shell did.
type result struct {
	stdout, stderr string
	code           int
}

// runShell runs argv (a shell and its arguments) in dir with exactly env,
// in its own process group (killed at the end), within scriptLimit.
func runShell(t *testing.T, dir string, env []string, argv ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), scriptLimit)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s took longer than %s\n%s\n%s", argv, scriptLimit, stdout.String(), stderr.String())
	}
	var exit *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", argv, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// cloud is the simulator an example's rdsup talks to, and a PATH
// directory whose rdsup sends apply there.
type cloud struct {
	sim *rdssim.Sim
	bin string
}

// newCloud serves the inventory of repo/fleet/fleet.yaml on an rdssim at
// ten simulated hours per real second.
func newCloud(t *testing.T, repo string) *cloud {
	t.Helper()
	inv, err := planner.Load(filepath.Join(repo, "fleet", "fleet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sim, endpoint := rdssimtest.StartTestServer(t, inv.Instances, rdssim.Options{
		UpgradeDuration: 2 * time.Second, Clock: rdssim.NewScaledClock(36000)})
	bin := t.TempDir()
	wrapper := "#!/bin/sh\n# rdsup from this tree; apply goes to the test's simulator\n" +
		"if [ \"$1\" = apply ]; then exec " + rdsupBin + " \"$@\" --endpoint " + endpoint + " --poll-interval 100ms; fi\n" +
		"exec " + rdsupBin + " \"$@\"\n"
	writeFile(t, filepath.Join(bin, "rdsup"), wrapper, 0o755)
	return &cloud{sim: sim, bin: bin}
}

// baseEnv is the environment of a fresh runner or pod: PATH with the
// wrapper (and the given fake tools) first, an empty HOME, and no
// credentials of the machine running the test.
func baseEnv(t *testing.T, pathDirs ...string) []string {
	t.Helper()
	if err := watchOnce(); err != nil {
		t.Fatal(err)
	}
	return []string{
		"PATH=" + strings.Join(append(pathDirs, os.Getenv("PATH")), string(os.PathListSeparator)),
		"HOME=" + t.TempDir(),
		"LANG=C.UTF-8",
	}
}

// newRepo is a checkout of a repository holding examples/fleet as fleet/,
// its inventory passed through edit (nil: as it is).
func newRepo(t *testing.T, edit func(string) string) string {
	t.Helper()
	repo := t.TempDir()
	err := filepath.WalkDir("fleet", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(repo, path)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if path == filepath.Join("fleet", "fleet.yaml") && edit != nil {
			b = []byte(edit(string(b)))
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hasStateFlag reports whether rdsup apply has --state (the PostgreSQL
// state backend); the examples that keep their state there need it.
func hasStateFlag(t *testing.T) bool {
	t.Helper()
	out, err := exec.Command(rdsupBin, "apply", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("rdsup apply --help: %v\n%s", err, out)
	}
	return strings.Contains(string(out), "--state ")
}

// upgradeCalls are the simulator's UpgradeDBInstanceEngineVersion calls by
// instance.
func upgradeCalls(sim *rdssim.Sim) map[string][]rdssim.Call {
	calls := map[string][]rdssim.Call{}
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" {
			calls[c.InstanceID] = append(calls[c.InstanceID], c)
		}
	}
	return calls
}

// assertUpgradedOnce checks that every instance of the fleet ended on its
// target, upgraded by exactly one accepted call and never sent again
// (a resumed run polls, it does not re-send).
func assertUpgradedOnce(t *testing.T, sim *rdssim.Sim, repo string) {
	t.Helper()
	inv, err := planner.Load(filepath.Join(repo, "fleet", "fleet.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	calls := upgradeCalls(sim)
	for _, in := range inv.Instances {
		v, _ := sim.Instance(in.ID)
		if v.EngineVersion != in.TargetVersion {
			t.Errorf("%s is on %s, want %s", in.ID, v.EngineVersion, in.TargetVersion)
		}
		var outcomes []string
		for _, c := range calls[in.ID] {
			outcomes = append(outcomes, c.Outcome)
		}
		if len(outcomes) != 1 || outcomes[0] != "applied" {
			t.Errorf("%s: upgrade calls %v, want exactly one, applied", in.ID, outcomes)
		}
	}
}

// stateDB is a fresh database on the package's private PostgreSQL
// (internal/pgtest): the tests that need it skip without the server's
// binaries, unless RDSUP_REQUIRE_PG is set.
func stateDB(t *testing.T) string {
	t.Helper()
	return pgtest.DB(t)
}

// needTools skips a test whose example runs jq or curl when they are
// missing (GitHub's runners have both; the GitLab example installs jq),
// unless RDSUP_REQUIRE_PG is set (CI: everything must run).
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"jq", "curl", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(pgtest.RequireEnv) != "" {
				t.Fatalf("the examples need %s (%s is set)", tool, pgtest.RequireEnv)
			}
			t.Skipf("the examples need %s", tool)
		}
	}
}
