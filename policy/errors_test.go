package policy

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadErrors: policies and data that cannot be used are errors that
// name the file (and line) and say what to do, never an empty pass.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // policy dir content
		data    string            // data file content, when set
		noDir   bool              // give a directory that does not exist
		wantIs  error
		wantMsg []string
	}{
		{
			name:    "missing policy directory",
			noDir:   true,
			wantIs:  ErrNoPolicyDir,
			wantMsg: []string{"policy directory not found", "nope"},
		},
		{
			name:    "directory without policies",
			files:   map[string]string{"README.md": "# nothing"},
			wantMsg: []string{"holds no .rego files"},
		},
		{
			name:    "parse error names file and line",
			files:   map[string]string{"team.rego": "package rdsup.team\n\ndeny contains msg if {\n\tmsg := \n}\n"},
			wantMsg: []string{"team.rego:5", "rego_parse_error"},
		},
		{
			name:    "compile error names file and line",
			files:   map[string]string{"sub/team.rego": "package rdsup.team\n\ndeny contains msg if {\n\tmsg := unknown_function(input.step.id)\n}\n"},
			wantMsg: []string{filepath.Join("sub", "team.rego") + ":4", "unknown_function"},
		},
		{
			name:    "Rego v0 syntax is refused",
			files:   map[string]string{"old.rego": "package rdsup.old\n\ndeny[msg] {\n\tmsg := \"x\"\n}\n"},
			wantMsg: []string{"old.rego:3"},
		},
		{
			name:    "deny outside package rdsup",
			files:   map[string]string{"other.rego": "package team\n\ndeny contains \"x\" if input.step.id == \"a\"\n"},
			wantMsg: []string{"other.rego:3", "package team is never evaluated", "rdsup"},
		},
		{
			name:    "data key that is a number",
			files:   map[string]string{"ok.rego": "package rdsup.ok\n"},
			data:    "rdsup:\n  config:\n    versionPaths:\n      MySQL:\n        5.5: [\"5.6\"]\n",
			wantMsg: []string{"data.yaml", "key 5.5", "quote it"},
		},
		{
			name:    "data that is not YAML",
			files:   map[string]string{"ok.rego": "package rdsup.ok\n"},
			data:    "rdsup: [unclosed\n",
			wantMsg: []string{"data.yaml", "yaml"},
		},
		{
			name:    "data that is not an object",
			files:   map[string]string{"ok.rego": "package rdsup.ok\n"},
			data:    "[1, 2]\n",
			wantMsg: []string{"data.yaml", "must be an object"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				writeFile(t, dir, name, content)
			}
			opts := Options{Dirs: []string{dir}}
			if tc.noDir {
				opts.Dirs = []string{filepath.Join(dir, "nope")}
			}
			if tc.data != "" {
				opts.DataFiles = []string{writeFile(t, t.TempDir(), "data.yaml", tc.data)}
			}
			_, err := New(t.Context(), opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not mention %q:\n%v", m, err)
				}
			}
		})
	}
}

// TestEvalErrors: a rule of the wrong shape or that fails while running
// names the step and the rule.
func TestEvalErrors(t *testing.T) {
	tests := []struct {
		name    string
		policy  string
		wantMsg []string
	}{
		{
			name:    "number in deny",
			policy:  "package rdsup.team\n\ndeny contains 42 if input.step.id == \"s-rm-p\"\n",
			wantMsg: []string{"step s-rm-p (instance rm-p)", "rule rdsup.team.deny returned a number (42)"},
		},
		{
			name:    "object without msg",
			policy:  "package rdsup.team\n\nwarn contains {\"text\": \"x\"} if input.step.id == \"s-rr-1\"\n",
			wantMsg: []string{"step s-rr-1", "rule rdsup.team.warn returned an object without a \"msg\" string"},
		},
		{
			name:    "deny that is a string",
			policy:  "package rdsup.team\n\ndeny := \"no\" if input.step.id == \"s-rm-dr\"\n",
			wantMsg: []string{"step s-rm-dr", "rule rdsup.team.deny is a string (\"no\"), not a set"},
		},
		{
			name:    "conflict names step and rule",
			policy:  "package rdsup.team\n\nlevel := 1 if input.step.role == \"primary\"\n\nlevel := 2 if input.step.wave == 1\n\ndeny contains \"high\" if level > 1\n",
			wantMsg: []string{"step s-rm-p (instance rm-p)", "rule rdsup.team.deny", "conflict", "team.rego:"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "team.rego", tc.policy)
			e, err := New(t.Context(), Options{Dirs: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			err = e.Evaluate(t.Context(), cluster(), at("19:00"))
			if !errors.Is(err, ErrEval) {
				t.Fatalf("error %v is not ErrEval", err)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not mention %q:\n%v", m, err)
				}
			}
		})
	}
}

func TestFindingMetadata(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "team.rego", `package rdsup.team

warn contains {"msg": sprintf("%s is big", [input.step.instanceId]), "ticket": "DBA-1", "size": 3} if input.step.role == "primary"

deny contains "plain" if input.step.id == "nope"
`)
	writeFile(t, dir, "team_test.rego", "package rdsup.team_test\n\ntest_nothing if true\n")
	e, err := New(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Rules(), " "); got != "rdsup.team.deny rdsup.team.warn" {
		t.Errorf("rules = %s", got)
	}
	p := cluster()
	if err := e.Evaluate(t.Context(), p, at("19:00")); err != nil {
		t.Fatal(err)
	}
	w := p.Step("s-rm-p").Policy.Warn
	if len(w) != 1 || w[0].Rule != "rdsup.team.warn" || w[0].Message != "rm-p is big" ||
		w[0].Metadata["ticket"] != "DBA-1" || len(w[0].Metadata) != 2 {
		t.Errorf("warn = %+v", w)
	}
	if len(p.Step("s-rr-1").Policy.Warn) != 0 {
		t.Errorf("replica warned: %+v", p.Step("s-rr-1").Policy.Warn)
	}
}

// TestDataTypes: numbers, booleans and nested objects of a data file reach
// the policies as JSON values; a function named deny is a helper, not a
// rule set.
func TestDataTypes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "team.rego", `package rdsup.team

deny(x) := x

warn contains deny(sprintf("limit %d, strict %v, zone %s", [data.team.limit, data.team.strict, data.team.zones[1]])) if {
	data.team.limit > 2
	input.step.id == "s-rm-p"
}
`)
	data := writeFile(t, t.TempDir(), "team.yaml", "team:\n  limit: 3\n  strict: true\n  zones: [a, b]\n")
	e, err := New(t.Context(), Options{Dirs: []string{dir}, DataFiles: []string{data}, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Rules(), " "); got != "rdsup.team.warn" {
		t.Errorf("rules = %s", got)
	}
	p := cluster()
	if err := e.Evaluate(t.Context(), p, at("19:00")); err != nil {
		t.Fatal(err)
	}
	if w := p.Step("s-rm-p").Policy.Warn; len(w) != 1 || w[0].Message != "limit 3, strict true, zone b" {
		t.Errorf("warn = %+v", w)
	}
}

func TestDigest(t *testing.T) {
	policyA := "package rdsup.team\n\ndeny contains \"x\" if input.step.id == \"nope\"\n"
	digestOf := func(t *testing.T, policy, data string) string {
		t.Helper()
		dir := t.TempDir()
		opts := Options{}
		if policy != "" {
			writeFile(t, dir, "p/team.rego", policy)
			opts.Dirs = []string{filepath.Join(dir, "p")}
		}
		if data != "" {
			opts.DataFiles = []string{writeFile(t, dir, "d.yaml", data)}
		}
		e, err := New(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return e.Digest()
	}
	base := digestOf(t, "", "")
	if base != digestOf(t, "", "") {
		t.Error("digest of the built-in set is not deterministic")
	}
	withA := digestOf(t, policyA, "")
	if withA == base {
		t.Error("adding a policy did not change the digest")
	}
	if withA != digestOf(t, policyA, "") {
		t.Error("the digest depends on where the policy directory is")
	}
	if digestOf(t, policyA+"\n# changed\n", "") == withA {
		t.Error("editing a policy did not change the digest")
	}
	if digestOf(t, "", "rdsup: {config: {production: {tagValue: live}}}") == base {
		t.Error("a data file did not change the digest")
	}
	if digestOf(t, "", "{}") != base {
		t.Error("an empty data file changed the digest")
	}
}
