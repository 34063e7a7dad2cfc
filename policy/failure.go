package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

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

// stopErr is an evaluation of step that stopped early: cancelled (by the
// timeout, the caller or the memory watchdog) while input was evaluated,
// or before it started (input nil).
type stopErr struct {
	step  *plans.Step
	input ast.Value
	err   error
}

func (e *stopErr) Error() string { return stepName(e.step) + ": evaluation stopped" }

// stopped turns a stopErr into the error to report: why evaluation
// stopped, which step and which rule it was evaluating. Other errors pass
// through. When the error does not say where evaluation was, the step is
// re-run once, briefly, with stack traces, to name the rule.
func (e *Engine) stopped(ctx context.Context, env *evalEnv, err error) error {
	se, ok := err.(*stopErr)
	if !ok {
		return err
	}
	var why error
	switch {
	case env.stopped():
		why = fmt.Errorf("%w (over %d MiB)", ErrMemory, env.heap.limit>>20)
	case errors.Is(context.Cause(ctx), ErrTimeout):
		why = fmt.Errorf("%w after %s", ErrTimeout, e.timeout)
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("%w: %s: %w", ErrEval, stepName(se.step), se.err)
	}
	if se.input == nil {
		return fmt.Errorf("%w: before %s was evaluated; the policies are too slow for this plan as a whole", why, stepName(se.step))
	}
	w := e.where(se.err)
	if w.rule == "" {
		w = e.retrace(se.input)
	}
	if w.rule == "" {
		return fmt.Errorf("%w: %s was being evaluated", why, stepName(se.step))
	}
	return fmt.Errorf("%w: %s was being evaluated, in %s", why, stepName(se.step), w)
}

// retraceBudget bounds the re-run that names the rule a stopped evaluation
// was in.
const retraceBudget = time.Second

// retrace re-runs the evaluation of input with stack traces, for at most
// retraceBudget (or the engine's timeout, if shorter) and the memory
// limit, and returns where it was when it stopped or failed.
func (e *Engine) retrace(input ast.Value) place {
	budget := retraceBudget
	if e.timeout > 0 {
		budget = min(budget, e.timeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	env, err := e.newEnv(ctx)
	if err != nil {
		return place{}
	}
	var w place
	_, stuck := e.backstop(ctx, env, func() string { return "" }, func() error {
		_, err := e.eval(ctx, env, &flatCache{}, input, true)
		w = e.where(err)
		return err
	})
	if stuck {
		return place{}
	}
	env.close(ctx)
	return w
}

// place is where in the policies an evaluation error came from.
type place struct {
	outer string // the outermost rule being evaluated, e.g. rdsup.team.deny
	rule  string // the rule the error came from, e.g. rdsup.team.frozen
	at    string // its policy file and line
}

// String is "rule rdsup.team.deny at team.rego:5", or, when a rule that
// deny depends on failed, "rule rdsup.team.deny, in rdsup.team.frozen at
// team.rego:9".
func (p place) String() string {
	if p.outer != "" && p.outer != p.rule {
		return fmt.Sprintf("rule %s, in %s at %s", p.outer, p.rule, p.at)
	}
	return fmt.Sprintf("rule %s at %s", p.rule, p.at)
}

// where finds the rules an evaluation error came from, from its location
// and its stack trace (when evaluated with traces); zero when it has no
// location in a policy.
func (e *Engine) where(err error) place {
	var te *topdown.Error
	if !errors.As(err, &te) {
		return place{}
	}
	locs := make([]*ast.Location, 0, 1+len(te.StackTrace))
	locs = append(locs, te.Location)
	for _, f := range te.StackTrace { // innermost first
		locs = append(locs, f.Location)
	}
	var w place
	for _, loc := range locs {
		r := e.ruleAt(loc)
		if r == "" {
			continue
		}
		if w.rule == "" {
			w.rule, w.at = r, fmt.Sprintf("%s:%d", loc.File, loc.Row)
		}
		w.outer = r
	}
	return w
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

func stepName(s *plans.Step) string { return fmt.Sprintf("step %s (instance %s)", s.ID, s.InstanceID) }

// stuckGrace is how long an evaluation may take to stop once its timeout
// has passed or the memory watchdog has cancelled it. OPA checks for
// cancellation between expressions and in the built-ins that loop, so it
// stops within milliseconds, unless it is inside a built-in call that
// never checks.
const stuckGrace = 2 * time.Second

// backstop runs fn, an evaluation under ctx and env, and returns its
// error. Should fn not return within stuckGrace of being cancelled (by the
// timeout, the caller or the memory watchdog), backstop returns an error
// naming the steps being evaluated (from steps) and leaves fn running,
// stuck; stuck tells the caller not to release what fn still uses. The
// command then fails instead of hanging.
func (e *Engine) backstop(ctx context.Context, env *evalEnv, steps func() string, fn func() error) (err error, stuck bool) {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err, false
	case <-ctx.Done():
	case <-env.tripped:
	}
	grace := time.NewTimer(stuckGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		return err, false
	case <-grace.C:
	}
	const why = "was being evaluated and did not stop: a built-in function that cannot be interrupted is running"
	switch {
	case env.stopped():
		return fmt.Errorf("%w (over %d MiB): %s %s", ErrMemory, env.heap.limit>>20, steps(), why), true
	case errors.Is(context.Cause(ctx), ErrTimeout):
		return fmt.Errorf("%w after %s: %s %s", ErrTimeout, e.timeout, steps(), why), true
	}
	return ctx.Err(), true
}

// inflight holds, per chunk of steps (chunkSize), the index+1 of the step
// a worker is evaluating, 0 when none.
type inflight []atomic.Int64

// steps names the steps being evaluated.
func (f inflight) steps(p *plans.Plan) string {
	var names []string
	for i := range f {
		if n := f[i].Load(); n > 0 {
			names = append(names, stepName(&p.Steps[n-1]))
		}
	}
	if len(names) == 0 {
		return "a step"
	}
	return strings.Join(names, ", ")
}
