package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rdsup/rdsup/internal/pgtest"
)

// TestMain lets the test binary run as the rdsup command inside the
// end-to-end scripts (testscript installs it on the scripts' PATH).
func TestMain(m *testing.M) {
	testscript.Main(withPostgres{m}, map[string]func(){"rdsup": main})
}

// withPostgres runs the tests with the package's shared PostgreSQL server
// (internal/pgtest), started only if a test asks for a database.
type withPostgres struct{ m *testing.M }

func (w withPostgres) Run() int { return pgtest.Main(w.m) }

// TestScripts runs the end-to-end scenarios in testdata/script/*.txtar:
// each is a shell-like script of rdsup commands with expected output,
// exit status and files, run in a fresh directory.
func TestScripts(t *testing.T) {
	fleet, err := filepath.Abs("../../testdata/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("FLEET", fleet)
			// Keep real credentials out of the scripts' commands.
			for _, k := range []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"} {
				env.Setenv(k, "")
			}
			env.Setenv("HOME", env.WorkDir)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"edit": editFile,
		},
	})
}

// editFile is the script command `edit FILE OLD NEW`: it replaces the first
// OLD in FILE with NEW, as a person editing a plan by hand would.
func editFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: edit FILE OLD NEW")
	}
	data := ts.ReadFile(args[0])
	if !strings.Contains(data, args[1]) {
		ts.Fatalf("%s does not contain %q", args[0], args[1])
	}
	path := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(path, []byte(strings.Replace(data, args[1], args[2], 1)), 0o644))
}
