package policy

import (
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/rdsup/rdsup/plans"
)

// TestRuleCacheAcrossWith: a helper rule evaluated before, inside and
// after a `with` statement keeps its own value in each, and results do not
// leak from one step into the next (the rule cache is reused per worker).
func TestRuleCacheAcrossWith(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "team.rego", `package rdsup.team

status := input.instance.status

undefined_for_replicas := "primary" if input.step.role == "primary"

deny contains sprintf("%s before: %s", [input.step.id, status]) if status

deny contains sprintf("%s with: %s", [input.step.id, s]) if {
	s := status with input.instance.status as "Stopped"
}

deny contains sprintf("%s after: %s", [input.step.id, status]) if status

warn contains sprintf("%s is %s", [input.step.id, undefined_for_replicas]) if undefined_for_replicas

warn contains sprintf("%s not primary", [input.step.id]) if not undefined_for_replicas
`)
	e, err := New(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := cluster()
	p.Instances[1].Status = "Creating" // rm-p
	// The primary's step first: its cached rules must not reach the next step.
	p.Steps[0], p.Steps[2] = p.Steps[2], p.Steps[0]
	if err := e.Evaluate(t.Context(), p, at("19:00")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		step, status, warn string
	}{
		{"s-rm-dr", "Running", "s-rm-dr not primary"},
		{"s-rr-1", "Running", "s-rr-1 not primary"},
		{"s-rm-p", "Creating", "s-rm-p is primary"},
	} {
		v := p.Step(tc.step).Policy
		want := []string{tc.step + " after: " + tc.status, tc.step + " before: " + tc.status, tc.step + " with: Stopped"}
		if got := messages(v.Deny); !slices.Equal(got, want) {
			t.Errorf("%s: deny = %q, want %q", tc.step, got, want)
		}
		if got := messages(v.Warn); !slices.Equal(got, []string{tc.warn}) {
			t.Errorf("%s: warn = %q, want %q", tc.step, got, tc.warn)
		}
	}
}

func messages(fs []plans.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Message
	}
	return out
}

// TestFlatCache: frames, undefined results and reset.
func TestFlatCache(t *testing.T) {
	ref := func(s string) ast.Ref { return ast.MustParseRef(s) }
	var c flatCache
	c.Put(ref("data.a.b"), ast.StringTerm("x"))
	c.Put(ref("data.a.c"), nil)
	if v, undef := c.Get(ref("data.a.b")); v == nil || undef || v.Value.Compare(ast.String("x")) != 0 {
		t.Errorf("get a.b = %v, %v", v, undef)
	}
	if v, undef := c.Get(ref("data.a.c")); v != nil || !undef {
		t.Errorf("get a.c = %v, %v; want undefined", v, undef)
	}
	if v, undef := c.Get(ref("data.a")); v != nil || undef {
		t.Errorf("get a = %v, %v; want not cached", v, undef)
	}
	c.Push()
	if v, _ := c.Get(ref("data.a.b")); v != nil {
		t.Errorf("new frame sees %v", v)
	}
	c.Put(ref("data.a.b"), ast.StringTerm("y"))
	if got := c.Keys(); len(got) != 1 || !got[0].Equal(ref("data.a.b")) {
		t.Errorf("keys = %v", got)
	}
	c.Pop()
	if v, _ := c.Get(ref("data.a.b")); v == nil || v.Value.Compare(ast.String("x")) != 0 {
		t.Errorf("after pop a.b = %v, want x", v)
	}
	r := ref("data.a.d")
	c.Put(r, ast.StringTerm("z"))
	r[2] = ast.StringTerm("e") // the caller reuses its ref
	if v, _ := c.Get(ref("data.a.d")); v == nil {
		t.Error("a.d lost after the caller changed its ref")
	}
	c.reset()
	if v, undef := c.Get(ref("data.a.b")); v != nil || undef || len(c.Keys()) != 0 {
		t.Errorf("after reset: %v, %v, keys %v", v, undef, c.Keys())
	}
}
