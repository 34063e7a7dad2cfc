package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/rdsup/rdsup/plans"
)

// ErrEval marks a policy that failed while evaluating a step (a conflict,
// a rule returning a value of the wrong type); the message names the step
// and the rule.
var ErrEval = errors.New("policy evaluation failed")

// Evaluate judges every step of p at time at, in parallel, and fills each
// step's Policy verdict, p.Inputs.PolicyDigest and PolicyAt, and the
// summary (plans.Summarize). With no policies loaded every verdict is
// empty and the digest and time stay "".
func (e *Engine) Evaluate(ctx context.Context, p *plans.Plan, at time.Time) error {
	verdicts := make([]plans.Verdict, len(p.Steps))
	if len(e.rules) > 0 && len(p.Steps) > 0 {
		ix := newIndex(p)
		t := atTerm(at)
		opts, done, err := e.evalOptions(ctx)
		if err != nil {
			return err
		}
		defer done()
		err = parallel(len(p.Steps), e.workers, func(start, end int) error {
			ts := ix.newTerms()
			for i := start; i < end; i++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				v, err := e.evalStep(ctx, ts, i, nil, t, opts)
				if err != nil {
					return err
				}
				verdicts[i] = v
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range p.Steps {
		p.Steps[i].Policy = verdicts[i]
	}
	p.Inputs.PolicyDigest = e.digest
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
	return e.evalStep(ctx, e.indexFor(p).newTerms(), stepIndex, &live, atTerm(at), []rego.EvalOption{rego.EvalGenerateJSON(keepTerm)})
}

// evalOptions shares one read transaction, one cancellation watcher, no-op
// metrics and one cache of data documents across the evaluations of a
// plan: per evaluation they would cost a goroutine, a lock, maps and a
// conversion of the data each.
func (e *Engine) evalOptions(ctx context.Context) ([]rego.EvalOption, func(), error) {
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate policies: %w", err)
	}
	c := topdown.NewCancel()
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			c.Cancel()
		case <-stop:
		}
	}()
	done := func() {
		close(stop)
		e.store.Abort(ctx, txn)
	}
	return []rego.EvalOption{
		rego.EvalTransaction(txn),
		rego.EvalExternalCancel(c),
		rego.EvalMetrics(metrics.NoOp()),
		rego.EvalBaseCache(&sharedBaseCache{}),
		rego.EvalGenerateJSON(keepTerm),
	}, done, nil
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

func (e *Engine) evalStep(ctx context.Context, ts *terms, i int, live *plans.Instance, at *ast.Term, opts []rego.EvalOption) (plans.Verdict, error) {
	s := &ts.ix.p.Steps[i]
	input, err := ts.input(i, live, at)
	if err != nil {
		return plans.Verdict{}, fmt.Errorf("evaluate policies for step %s: %w", s.ID, err)
	}
	rs, err := e.query.Eval(ctx, append(opts[:len(opts):len(opts)], rego.EvalParsedInput(input))...)
	if err != nil {
		if ctx.Err() != nil {
			return plans.Verdict{}, ctx.Err()
		}
		return plans.Verdict{}, e.explain(ctx, s, input, err)
	}
	if len(rs) != 1 {
		return plans.Verdict{}, fmt.Errorf("%w: step %s (instance %s): the policy query gave %d results, want 1", ErrEval, s.ID, s.InstanceID, len(rs))
	}
	v := plans.Verdict{Deny: []plans.Finding{}, Warn: []plans.Finding{}}
	for _, r := range e.rules {
		got, err := boundValues(rs[0].Bindings[r.bind], r.complete)
		if err != nil {
			return plans.Verdict{}, fmt.Errorf("%w: step %s (instance %s): %w", ErrEval, s.ID, s.InstanceID, err)
		}
		for _, val := range got {
			fs, err := findings(r, val)
			if err != nil {
				return plans.Verdict{}, fmt.Errorf("%w: step %s (instance %s): %w", ErrEval, s.ID, s.InstanceID, err)
			}
			if r.deny {
				v.Deny = append(v.Deny, fs...)
			} else {
				v.Warn = append(v.Warn, fs...)
			}
		}
	}
	sortFindings(v.Deny)
	sortFindings(v.Warn)
	return v, nil
}

// explain re-runs the failed step rule by rule to name the rule at fault.
func (e *Engine) explain(ctx context.Context, s *plans.Step, input ast.Value, cause error) error {
	qs, err := e.perRule(ctx)
	if err == nil {
		for k, q := range qs {
			if _, err := q.Eval(ctx, rego.EvalParsedInput(input)); err != nil {
				return fmt.Errorf("%w: step %s (instance %s): rule %s: %w", ErrEval, s.ID, s.InstanceID, e.rules[k].name, err)
			}
		}
	}
	return fmt.Errorf("%w: step %s (instance %s): %w", ErrEval, s.ID, s.InstanceID, cause)
}

// keepTerm leaves query results as OPA terms: most rule sets are empty,
// and converting each to Go values per step is wasted work.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// boundValues returns the values of a rule set binding: the set itself, or
// for a wrapped complete rule the 0 or 1 values it had.
func boundValues(b any, complete bool) ([]ast.Value, error) {
	t, ok := b.(*ast.Term)
	if !ok {
		return nil, fmt.Errorf("unexpected query result %T", b)
	}
	if !complete {
		return []ast.Value{t.Value}, nil
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		return nil, fmt.Errorf("unexpected query result %v", t)
	}
	out := make([]ast.Value, 0, arr.Len())
	arr.Foreach(func(x *ast.Term) { out = append(out, x.Value) })
	return out, nil
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
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Rule != fs[j].Rule {
			return fs[i].Rule < fs[j].Rule
		}
		return fs[i].Message < fs[j].Message
	})
}
