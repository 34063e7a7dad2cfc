package policy

import (
	"errors"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/types"
	"github.com/rdsup/rdsup/plans"
)

// The maintenance window is judged by the policies (builtin/window.rego,
// or a team's own), with the one window arithmetic of the plans package
// (plans.NextOpen) offered to Rego as built-in functions. They are part
// of the sandbox's capabilities: any rdsup policy may call them, and
// `rdsup policy test` runs them too.
//
//	rdsup.window.valid(maintain_time)       true when it is a window "HH:MMZ-HH:MMZ"
//	rdsup.window.open(maintain_time, at)    true when the window is open at at (RFC 3339)
//	rdsup.window.next_open(maintain_time, at)
//	                                        the first instant at or after at when it is
//	                                        open (RFC 3339, UTC); undefined for a
//	                                        maintain_time that is not a window
//
// A maintain_time that is not a string is not a window; an at that is not
// an RFC 3339 time is an evaluation error (the step fails closed).
var (
	windowValid = &ast.Builtin{
		Name:        "rdsup.window.valid",
		Description: `Reports whether a maintainTime is a daily UTC maintenance window "HH:MMZ-HH:MMZ" (it may cross midnight; start and end differ).`,
		Decl: types.NewFunction(
			types.Args(types.Named("maintain_time", types.A).Description("the instance's maintainTime")),
			types.Named("result", types.B).Description("true when it is a window"),
		),
		Categories: []string{"rdsup"},
	}
	windowOpen = &ast.Builtin{
		Name:        "rdsup.window.open",
		Description: "Reports whether the maintenance window is open at a time: start <= time < end, in UTC. False for a maintainTime that is not a window.",
		Decl: types.NewFunction(
			types.Args(
				types.Named("maintain_time", types.A).Description("the instance's maintainTime"),
				types.Named("at", types.S).Description("an RFC 3339 time, e.g. input.plan.at"),
			),
			types.Named("result", types.B).Description("true when the window is open at at"),
		),
		Categories: []string{"rdsup"},
	}
	windowNextOpen = &ast.Builtin{
		Name:        "rdsup.window.next_open",
		Description: "The first instant at or after a time at which the maintenance window is open: the time itself (in UTC) when it is open, else the window's next start. Undefined for a maintainTime that is not a window.",
		Decl: types.NewFunction(
			types.Args(
				types.Named("maintain_time", types.A).Description("the instance's maintainTime"),
				types.Named("at", types.S).Description("an RFC 3339 time, e.g. input.plan.at"),
			),
			types.Named("opens_at", types.S).Description("RFC 3339, UTC"),
		),
		Categories: []string{"rdsup"},
	}
)

func init() {
	for _, b := range []*ast.Builtin{windowValid, windowOpen, windowNextOpen} {
		ast.RegisterBuiltin(b)
	}
	topdown.RegisterBuiltinFunc(windowValid.Name, func(_ topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		s, ok := ops[0].Value.(ast.String)
		if !ok {
			return iter(ast.InternedTerm(false))
		}
		_, _, err := plans.ParseWindow(string(s))
		return iter(ast.InternedTerm(err == nil))
	})
	topdown.RegisterBuiltinFunc(windowOpen.Name, func(_ topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		at, opens, err := nextOpen(ops)
		if err != nil {
			if errors.Is(err, plans.ErrWindow) {
				return iter(ast.InternedTerm(false))
			}
			return err
		}
		return iter(ast.InternedTerm(opens.Equal(at)))
	})
	topdown.RegisterBuiltinFunc(windowNextOpen.Name, func(_ topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		_, opens, err := nextOpen(ops)
		if err != nil {
			if errors.Is(err, plans.ErrWindow) {
				return nil // undefined
			}
			return err
		}
		return iter(ast.StringTerm(opens.Format(time.RFC3339Nano)))
	})
}

// nextOpen reads the operands (maintain_time, at) and asks plans.NextOpen.
// An error wrapping plans.ErrWindow means maintain_time is not a window.
func nextOpen(ops []*ast.Term) (at, opens time.Time, err error) {
	a, ok := ops[1].Value.(ast.String)
	if !ok {
		return at, opens, fmt.Errorf("operand 2 must be an RFC 3339 time string, not %s", ast.ValueName(ops[1].Value))
	}
	at, err = time.Parse(time.RFC3339Nano, string(a))
	if err != nil {
		return at, opens, fmt.Errorf("operand 2: %q is not an RFC 3339 time", string(a))
	}
	s, ok := ops[0].Value.(ast.String)
	if !ok {
		return at, opens, plans.ErrWindow
	}
	opens, err = plans.NextOpen(string(s), at)
	return at, opens, err
}
