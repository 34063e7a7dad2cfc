package policy

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Policies are code from a pull request: they run sandboxed. A policy may
// not reach outside the process (network, files, environment), so the
// built-in functions that could are taken out of the capabilities the
// compiler is given, and a policy that calls one fails to load with the
// file, line and why.
//
// forbidden maps each such built-in to why it is not allowed.
var forbidden = map[string]string{
	"http.send":               "policies run sandboxed, without network",
	"net.lookup_ip_addr":      "policies run sandboxed, without network (no DNS)",
	"opa.runtime":             "policies see no environment or configuration of the process that runs them",
	"json.match_schema":       "a schema's $ref can read local files and the network; policies run sandboxed",
	"json.verify_schema":      "a schema's $ref can read local files and the network; policies run sandboxed",
	"net.cidr_expand":         "it lists every address of a network, which can exhaust memory; use net.cidr_contains",
	"strings.render_template": "its output has no bound and cannot be stopped once started, which can exhaust memory; build messages with sprintf",
}

// forbiddenBuiltins lists the built-in functions that rdsup policies may
// not call, sorted.
func forbiddenBuiltins() []string {
	names := make([]string, 0, len(forbidden))
	for n := range forbidden {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// capabilities are OPA's for this version without the forbidden built-ins
// and with no host allowed for network access (a second lock on the same
// door: http.send and JSON schema $refs check allow_net).
func capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	c.Builtins = slices.DeleteFunc(slices.Clone(c.Builtins), func(b *ast.Builtin) bool {
		_, bad := forbidden[b.Name]
		return bad
	})
	c.AllowNet = []string{}
	return c
}

// newCompiler returns a compiler for rdsup policies: Rego v1, sandboxed.
func newCompiler() *ast.Compiler {
	return ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).WithCapabilities(capabilities())
}

// ErrForbidden marks a policy that calls a built-in function rdsup
// policies may not use.
var ErrForbidden = errors.New("not allowed in rdsup policies")

// checkSandbox reports every use of a forbidden built-in in modules (a
// call, or a `with` that names one), sorted by file and line. The compiler,
// which does not know them, would refuse them too, as "undefined function":
// this says why.
func checkSandbox(modules map[string]*ast.Module) error {
	type use struct {
		file string
		row  int
		name string
	}
	var uses []use
	for file, m := range modules {
		ast.WalkTerms(m, func(t *ast.Term) bool {
			ref, ok := t.Value.(ast.Ref)
			if !ok {
				return false
			}
			name := ref.String()
			if _, bad := forbidden[name]; bad {
				row := 0
				if t.Location != nil {
					row = t.Location.Row
				}
				uses = append(uses, use{file, row, name})
			}
			return false
		})
	}
	if len(uses) == 0 {
		return nil
	}
	slices.SortFunc(uses, func(a, b use) int {
		return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.row, b.row), cmp.Compare(a.name, b.name))
	})
	errs := make([]error, 0, len(uses))
	for _, u := range uses {
		errs = append(errs, fmt.Errorf("%s:%d: %s is %w: %s", u.file, u.row, u.name, ErrForbidden, forbidden[u.name]))
	}
	return fmt.Errorf("load policies: %w", errors.Join(errs...))
}
