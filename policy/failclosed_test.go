package policy

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailClosed: an error inside a rule body is an error naming the policy
// file and line, the rule and the step, never a deny silently skipped (OPA
// makes such an expression undefined unless built-in errors are strict).
func TestFailClosed(t *testing.T) {
	tests := []struct {
		dir     string
		wantMsg []string
	}{
		{"parse_time", []string{
			"step s-rm-p (instance rm-p)",
			"rule rdsup.freeze.deny at " + filepath.Join("testdata", "failclosed", "parse_time", "freeze.rego") + ":6",
			"time.parse_rfc3339_ns", "month out of range",
		}},
		{"divide_by_zero", []string{
			"step s-rm-dr (instance rm-dr)", // the first step fails: every step divides by zero
			"rule rdsup.freeze.deny at " + filepath.Join("testdata", "failclosed", "divide_by_zero", "freeze.rego") + ":7",
			"divide by zero",
		}},
		{"to_number", []string{
			"step s-rm-p (instance rm-p)",
			"rule rdsup.freeze.deny, in rdsup.freeze.frozen at " + filepath.Join("testdata", "failclosed", "to_number", "freeze.rego") + ":3",
			"to_number", "invalid syntax",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			e, err := New(t.Context(), Options{Dirs: []string{filepath.Join("testdata", "failclosed", tc.dir)}})
			if err != nil {
				t.Fatal(err)
			}
			p := cluster()
			err = e.Evaluate(t.Context(), p, at("19:00"))
			if !errors.Is(err, ErrEval) {
				t.Fatalf("error %v is not ErrEval (a failing deny rule must not pass)", err)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not mention %q:\n%v", m, err)
				}
			}
			// The re-check apply makes before a step fails the same way.
			_, err = e.EvalStep(t.Context(), p, 2, p.Instances[1], at("19:00"))
			if !errors.Is(err, ErrEval) || !strings.Contains(err.Error(), "step s-rm-p") {
				t.Errorf("EvalStep: error %v, want ErrEval naming step s-rm-p", err)
			}
		})
	}
}
