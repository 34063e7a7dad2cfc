package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/rdsup/rdsup/plans"
)

// ErrTimeout marks an evaluation that ran past Options.Timeout; the
// message names the step and the rule being evaluated.
var ErrTimeout = errors.New("policy evaluation timed out")

// bound returns ctx with the engine's timeout, if it has one.
func (e *Engine) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, e.timeout, ErrTimeout)
}

// stopped explains why the evaluation of step s stopped early: the
// timeout, the memory watchdog, or the caller. err is what the evaluation
// returned, nil when the step had not started.
func (e *Engine) stopped(ctx context.Context, env *evalEnv, s *plans.Step, err error) error {
	at := fmt.Sprintf("step %s (instance %s)", s.ID, s.InstanceID)
	if err == nil {
		at = "before " + at + " was evaluated; the policies are too slow for this plan as a whole"
	} else if w := e.where(err); w != "" {
		at += " was being evaluated, in " + w
	} else {
		at += " was being evaluated"
	}
	switch {
	case env.stopped():
		return fmt.Errorf("%w (over %d MiB): %s", ErrMemory, env.heap.limit>>20, at)
	case errors.Is(context.Cause(ctx), ErrTimeout):
		return fmt.Errorf("%w after %s: %s", ErrTimeout, e.timeout, at)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return err
}

// where names the rule an evaluation error came from and the policy line
// it was at: "rule rdsup.team.deny at team.rego:5", or, when a rule that
// deny depends on failed, "rule rdsup.team.deny, in rdsup.team.frozen at
// team.rego:9". It is "" when the error has no location in a policy.
func (e *Engine) where(err error) string {
	var te *topdown.Error
	if !errors.As(err, &te) {
		return ""
	}
	locs := make([]*ast.Location, 0, 1+len(te.StackTrace))
	locs = append(locs, te.Location)
	for _, f := range te.StackTrace { // innermost first
		locs = append(locs, f.Location)
	}
	var inner, outer string
	var at *ast.Location
	for _, loc := range locs {
		r := e.ruleAt(loc)
		if r == "" {
			continue
		}
		if inner == "" {
			inner, at = r, loc
		}
		outer = r
	}
	if inner == "" {
		return ""
	}
	pos := fmt.Sprintf("%s:%d", at.File, at.Row)
	if outer != inner {
		return fmt.Sprintf("rule %s, in %s at %s", outer, inner, pos)
	}
	return fmt.Sprintf("rule %s at %s", inner, pos)
}

// ruleAt names the rule of the policies whose source holds loc, e.g.
// "rdsup.team.deny"; "" when none does.
func (e *Engine) ruleAt(loc *ast.Location) string {
	if loc == nil {
		return ""
	}
	m := e.compiler.Modules[loc.File]
	if m == nil {
		return ""
	}
	for _, r := range m.Rules {
		for ; r != nil; r = r.Else {
			if r.Location == nil || loc.Row < r.Location.Row || loc.Row > r.Location.Row+bytes.Count(r.Location.Text, []byte("\n")) {
				continue
			}
			return strings.TrimPrefix(m.Package.Path.String(), "data.") + "." + r.Head.Ref().String()
		}
	}
	return ""
}

// message is the text of an evaluation error without its location (where
// names it).
func message(err error) string {
	var te *topdown.Error
	if errors.As(err, &te) {
		return te.Message
	}
	return err.Error()
}
