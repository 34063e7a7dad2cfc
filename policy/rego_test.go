package policy

import (
	"testing"
)

// TestRegoTests runs every built-in *_test.rego through OPA's tester, one
// subtest per Rego test, so `go test` and `rdsup policy test` agree.
func TestRegoTests(t *testing.T) {
	results, err := RunTests(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 10 {
		t.Fatalf("found only %d Rego tests in the built-in policies", len(results))
	}
	files := map[string]bool{}
	for _, r := range results {
		files[r.File] = true
		t.Run(r.Name, func(t *testing.T) {
			if r.Err != nil {
				t.Fatalf("%s:%d: error: %v", r.File, r.Line, r.Err)
			}
			if !r.Pass {
				t.Fatalf("%s:%d: %s failed\n%s", r.File, r.Line, r.Name, r.Output)
			}
		})
	}
	for _, f := range Builtin(false) {
		want := f.Name[:len(f.Name)-len(".rego")] + "_test.rego"
		if !files[want] {
			t.Errorf("built-in policy %s has no tests in %s", f.Name, want)
		}
	}
}
