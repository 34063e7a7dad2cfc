package policy

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSandboxForbidden: a policy that calls a built-in reaching outside
// the process fails to load, naming the file, the line and why; one case
// per forbidden built-in (testdata/sandbox/<case>/team.rego).
func TestSandboxForbidden(t *testing.T) {
	tests := []struct {
		dir     string
		builtin string
		line    int
		why     string
	}{
		{"http_send", "http.send", 5, "without network"},
		{"lookup_ip", "net.lookup_ip_addr", 4, "without network"},
		{"opa_runtime", "opa.runtime", 4, "no environment"},
		{"match_schema", "json.match_schema", 4, "local files and the network"},
		{"verify_schema", "json.verify_schema", 4, "local files and the network"},
		{"cidr_expand", "net.cidr_expand", 4, "exhaust memory"},
		{"render_template", "strings.render_template", 4, "exhaust memory"},
		{"helper_call", "net.lookup_ip_addr", 4, "without network"}, // in a helper rule, not deny itself
		{"rule_value", "http.send", 3, "without network"},           // in a rule's value
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		covered[tc.builtin] = true
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "sandbox", tc.dir)
			_, err := New(t.Context(), Options{Dirs: []string{dir}})
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("error %v is not ErrForbidden", err)
			}
			want := filepath.Join(dir, "team.rego") + ":" + strconv.Itoa(tc.line) + ": " + tc.builtin + " is not allowed in rdsup policies: "
			for _, m := range []string{want, tc.why} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not mention %q:\n%v", m, err)
				}
			}
		})
	}
	for _, b := range forbiddenBuiltins() {
		if !covered[b] {
			t.Errorf("forbidden built-in %s has no test case", b)
		}
	}
}

// TestSandboxTests: `rdsup policy test` refuses a test file that calls a
// forbidden built-in, as evaluation refuses a policy.
func TestSandboxTests(t *testing.T) {
	dir := filepath.Join("testdata", "sandbox", "in_test")
	_, err := RunTests(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true})
	want := filepath.Join(dir, "team_test.rego") + ":7: http.send is not allowed in rdsup policies"
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want %q", err, want)
	}
	// The policy alone (test files are left out of evaluation) loads.
	if _, err := New(t.Context(), Options{Dirs: []string{dir}}); err != nil {
		t.Fatalf("policy without its tests: %v", err)
	}
}

// TestSandboxCapabilities: the compiler does not know the forbidden
// built-ins either, so one that slipped past checkSandbox would still be
// refused ("undefined function"), and no host is allowed for the network.
func TestSandboxCapabilities(t *testing.T) {
	c := capabilities()
	for _, b := range forbiddenBuiltins() {
		if c.ContainsBuiltin(b) {
			t.Errorf("capabilities still hold %s", b)
		}
	}
	if c.AllowNet == nil || len(c.AllowNet) != 0 {
		t.Errorf("allow_net = %#v, want empty (no host)", c.AllowNet)
	}
	if !c.ContainsBuiltin("time.now_ns") || !c.ContainsBuiltin("net.cidr_contains") {
		t.Error("capabilities lost built-ins policies may use")
	}
}
