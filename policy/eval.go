package policy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/rdsup/rdsup/plans"
)

// ErrEval marks a policy that failed while evaluating a step (a built-in
// function that failed, such as time.parse_rfc3339_ns("x"), a division by
// zero or to_number("abc"); a conflict; a rule returning a value of the
// wrong type); the message names the step, the rule and the policy file and
// line. Evaluation fails closed: an error inside a deny rule never lets the
// step pass.
var ErrEval = errors.New("policy evaluation failed")

// Evaluate judges every step of p at time at, in parallel, and fills each
// step's Policy verdict, p.Inputs.PolicyDigest, PolicySet and PolicyAt, and the
// summary (plans.Summarize). With no policies loaded every verdict is
// empty and the digest and time stay "".
func (e *Engine) Evaluate(ctx context.Context, p *plans.Plan, at time.Time) error {
	verdicts := make([]plans.Verdict, len(p.Steps))
	if len(e.rules) > 0 && len(p.Steps) > 0 {
		ctx, cancel := e.bound(ctx)
		defer cancel()
		ix := newIndex(p)
		t := atTerm(at)
		env, err := e.newEnv(ctx)
		if err != nil {
			return err
		}
		busy := make(inflight, len(p.Steps)/chunkSize+1)
		err, stuck := e.backstop(ctx, env, func() string { return busy.steps(p) }, func() error {
			return parallel(len(p.Steps), e.workers, func(start, end int) error {
				ts := ix.newTerms()
				vc := &flatCache{}
				cur := &busy[start/chunkSize]
				defer cur.Store(0)
				for i := start; i < end; i++ {
					if ctx.Err() != nil {
						return &stopErr{step: &p.Steps[i]}
					}
					cur.Store(int64(i) + 1)
					v, err := e.evalStep(ctx, env, vc, ts, i, nil, t)
					if err != nil {
						return err
					}
					verdicts[i] = v
				}
				return nil
			})
		})
		if !stuck { // a stuck evaluation may still read the store
			env.close(ctx)
		}
		if err != nil {
			return e.stopped(ctx, env, err)
		}
	}
	for i := range p.Steps {
		p.Steps[i].Policy = verdicts[i]
	}
	p.Inputs.PolicyDigest = e.digest
	p.Inputs.PolicySet = e.Set()
	p.Inputs.PolicyAt = ""
	if e.digest != "" {
		p.Inputs.PolicyAt = FormatAt(at)
	}
	plans.Summarize(p)
	return nil
}

// EvalStep judges the single step p.Steps[stepIndex] with live facts about
// its instance at time at, the way apply re-checks a step just before it
// starts it. Non-empty fields of live replace the plan's snapshot of the
// instance (fields left empty, e.g. tags the API did not return, keep the
// snapshot's); primary and replicas come from the plan's snapshot. It does
// not modify p. The plan's lookup index is cached per plan, so calling it
// for every step of one plan costs O(1) per call after the first.
func (e *Engine) EvalStep(ctx context.Context, p *plans.Plan, stepIndex int, live plans.Instance, at time.Time) (plans.Verdict, error) {
	if stepIndex < 0 || stepIndex >= len(p.Steps) {
		return plans.Verdict{}, fmt.Errorf("evaluate policies: step index %d out of range (plan has %d steps)", stepIndex, len(p.Steps))
	}
	if len(e.rules) == 0 {
		return plans.Verdict{Deny: []plans.Finding{}, Warn: []plans.Finding{}}, nil
	}
	ctx, cancel := e.bound(ctx)
	defer cancel()
	env, err := e.newEnv(ctx)
	if err != nil {
		return plans.Verdict{}, err
	}
	s := &p.Steps[stepIndex]
	var v plans.Verdict
	err, stuck := e.backstop(ctx, env, func() string { return stepName(s) }, func() error {
		var err error
		v, err = e.evalStep(ctx, env, &flatCache{}, e.indexFor(p).newTerms(), stepIndex, &live, atTerm(at))
		return err
	})
	if !stuck {
		env.close(ctx)
	}
	if err != nil {
		return plans.Verdict{}, e.stopped(ctx, env, err)
	}
	return v, nil
}

// evalEnv is shared by the evaluations of one Evaluate call: one read
// transaction, one cancellation watcher, no-op metrics and one cache of
// data documents. Per evaluation they would cost a goroutine, a lock, maps
// and a conversion of the data each.
type evalEnv struct {
	store   storage.Store
	txn     storage.Transaction
	cancel  topdown.Cancel
	metrics metrics.Metrics
	base    *sharedBaseCache
	heap    *heapWatch
	tripped chan struct{} // closed when the heap watchdog cancels
	stop    chan struct{}
}

func (e *Engine) newEnv(ctx context.Context) (*evalEnv, error) {
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	env := &evalEnv{store: e.store, txn: txn, cancel: topdown.NewCancel(), metrics: metrics.NoOp(), base: &sharedBaseCache{},
		heap: newHeapWatch(e.memLimit), tripped: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		tick := time.NewTicker(heapWatchEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				env.cancel.Cancel()
				return
			case <-tick.C:
				if env.heap.check() {
					env.cancel.Cancel()
					close(env.tripped)
					return
				}
			case <-env.stop:
				return
			}
		}
	}()
	return env, nil
}

// stopped reports whether the memory watchdog stopped the evaluation.
func (env *evalEnv) stopped() bool { return env.heap.over.Load() }

func (env *evalEnv) close(ctx context.Context) {
	close(env.stop)
	env.store.Abort(ctx, env.txn)
}

// eval runs the compiled query of e over input and returns its only
// result: the bindings r<i> of every rule set.
// With traces, an error carries the stack of expressions being evaluated
// (where names the rule from it); that costs an allocation per evaluation,
// and OPA measures the values bound in every frame, which for a value that
// holds one array many times can take long: only a re-run asks for it.
func (e *Engine) eval(ctx context.Context, env *evalEnv, vc *flatCache, input ast.Value, traces bool) (topdown.QueryResult, error) {
	vc.reset()
	q := topdown.NewQuery(e.query).
		WithVirtualCache(vc).
		WithQueryCompiler(e.qc).
		WithCompiler(e.compiler).
		WithStore(env.store).
		WithTransaction(env.txn).
		WithMetrics(env.metrics).
		WithBaseCache(env.base).
		WithCancel(env.cancel).
		WithStrictBuiltinErrors(true).
		WithStackTraces(traces).
		WithInput(ast.NewTerm(input))
	var (
		out topdown.QueryResult
		n   int
	)
	err := q.Iter(ctx, func(qr topdown.QueryResult) error {
		out = qr
		n++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, fmt.Errorf("the policy query gave %d results, want 1", n)
	}
	return out, nil
}

// indexFor returns the index of p, building it once per plan (and again
// if the plan's step or instance count changed).
func (e *Engine) indexFor(p *plans.Plan) *index {
	c := &e.cache
	c.Lock()
	defer c.Unlock()
	if c.p != p || c.n != len(p.Steps)+len(p.Instances) || c.ix == nil {
		c.p, c.n, c.ix = p, len(p.Steps)+len(p.Instances), newIndex(p)
	}
	return c.ix
}

func (e *Engine) evalStep(ctx context.Context, env *evalEnv, vc *flatCache, ts *terms, i int, live *plans.Instance, at *ast.Term) (plans.Verdict, error) {
	s := &ts.ix.p.Steps[i]
	input, err := ts.input(i, live, at)
	if err != nil {
		return plans.Verdict{}, fmt.Errorf("evaluate policies for step %s: %w", s.ID, err)
	}
	qr, err := e.eval(ctx, env, vc, input, false)
	if err != nil {
		if ctx.Err() != nil || env.stopped() {
			return plans.Verdict{}, &stopErr{step: s, input: input, err: err}
		}
		return plans.Verdict{}, e.explain(ctx, s, input, err)
	}
	v := plans.Verdict{Deny: []plans.Finding{}, Warn: []plans.Finding{}}
	for _, r := range e.rules {
		err := boundValues(qr[ast.Var(r.bind)], r.complete, func(val ast.Value) error {
			fs, err := findings(r, val)
			if r.deny {
				v.Deny = append(v.Deny, fs...)
			} else {
				v.Warn = append(v.Warn, fs...)
			}
			return err
		})
		if err != nil {
			return plans.Verdict{}, fmt.Errorf("%w: step %s (instance %s): %w", ErrEval, s.ID, s.InstanceID, err)
		}
	}
	sortFindings(v.Deny)
	sortFindings(v.Warn)
	return v, nil
}

// explain names the rule behind an evaluation error of step s: the rule
// set (deny or warn) whose query fails when the step is re-run rule by
// rule, and the rule and policy line the error came from.
func (e *Engine) explain(ctx context.Context, s *plans.Step, input ast.Value, cause error) error {
	inner, outer := e.where(cause), ""
	if qs, err := e.perRule(ctx); err == nil {
		for k, q := range qs {
			if _, err := q.Eval(ctx, rego.EvalParsedInput(input)); err != nil {
				outer = e.rules[k].name
				if inner.rule == "" {
					cause = err
				}
				break
			}
		}
	}
	switch {
	case inner.rule != "" && outer != "" && inner.rule != outer:
		return fmt.Errorf("%w: %s: rule %s, in %s at %s: %s", ErrEval, stepName(s), outer, inner.rule, inner.at, message(cause))
	case inner.rule != "":
		return fmt.Errorf("%w: %s: rule %s at %s: %s", ErrEval, stepName(s), inner.rule, inner.at, message(cause))
	case outer != "":
		return fmt.Errorf("%w: %s: rule %s: %w", ErrEval, stepName(s), outer, cause)
	}
	return fmt.Errorf("%w: %s: %w", ErrEval, stepName(s), cause)
}

// boundValues calls fn with the values of a rule set binding: the set
// itself, or for a wrapped complete rule the 0 or 1 values it had.
func boundValues(t *ast.Term, complete bool, fn func(ast.Value) error) error {
	if t == nil {
		return fmt.Errorf("the policy query left a rule set unbound")
	}
	if !complete {
		return fn(t.Value)
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		return fmt.Errorf("unexpected query result %v", t)
	}
	for i := range arr.Len() {
		if err := fn(arr.Elem(i).Value); err != nil {
			return err
		}
	}
	return nil
}

// findings converts the value of one rule set: a set (or array) of strings
// or of objects with a "msg" string.
func findings(r ruleRef, val ast.Value) ([]plans.Finding, error) {
	var items []*ast.Term
	switch x := val.(type) {
	case ast.Set:
		if x.Len() == 0 {
			return nil, nil
		}
		items = x.Slice()
	case *ast.Array:
		x.Foreach(func(t *ast.Term) { items = append(items, t) })
	default:
		return nil, fmt.Errorf("rule %s is %s, not a set; write `%s contains msg if { ... }`", r.name, describeValue(val), r.ref[len(r.ref)-1].Value.(ast.String))
	}
	out := make([]plans.Finding, 0, len(items))
	for _, it := range items {
		if over(it, maxValueBytes) {
			return nil, fmt.Errorf("rule %s returned a finding over %d MiB; keep findings short", r.name, maxValueBytes>>20)
		}
		switch x := it.Value.(type) {
		case ast.String:
			out = append(out, plans.Finding{Rule: r.name, Message: string(x)})
		case ast.Object:
			js, err := ast.JSON(x)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.name, err)
			}
			m, _ := js.(map[string]any)
			msg, ok := m["msg"].(string)
			if !ok {
				return nil, fmt.Errorf("rule %s returned an object without a \"msg\" string: %s; give each finding a msg", r.name, describe(m))
			}
			var meta map[string]any
			for k, mv := range m {
				if k == "msg" {
					continue
				}
				if meta == nil {
					meta = map[string]any{}
				}
				meta[k] = mv
			}
			out = append(out, plans.Finding{Rule: r.name, Message: msg, Metadata: meta})
		default:
			return nil, fmt.Errorf("rule %s returned %s; deny and warn must hold strings or objects with a \"msg\" string", r.name, describeValue(it.Value))
		}
	}
	return out, nil
}

func describeValue(v ast.Value) string {
	js, err := ast.JSON(v)
	if err != nil {
		return v.String()
	}
	return describe(js)
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	kind := "a value"
	switch v.(type) {
	case json.Number, float64, int:
		kind = "a number"
	case bool:
		kind = "a boolean"
	case nil:
		kind = "null"
	case string:
		kind = "a string"
	case []any:
		kind = "an array"
	case map[string]any:
		kind = "an object"
	}
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return kind + " (" + s + ")"
}

func sortFindings(fs []plans.Finding) {
	if len(fs) < 2 {
		return
	}
	slices.SortStableFunc(fs, func(a, b plans.Finding) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), strings.Compare(a.Message, b.Message))
	})
}
