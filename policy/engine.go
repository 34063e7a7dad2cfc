package policy

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/rdsup/rdsup/plans"
)

// Options choose the policies and data an Engine evaluates.
type Options struct {
	// Dirs are directories of .rego files (searched recursively; *_test.rego
	// files are left out of evaluation) added to the built-in policies.
	Dirs []string
	// DataFiles are YAML or JSON documents merged, in order, over the
	// built-in default data under data.
	DataFiles []string
	// NoDefaults leaves out the built-in policies (their default data stays,
	// so replacement policies can read data.rdsup.config).
	NoDefaults bool
	// Workers is the number of parallel evaluations; 0 means GOMAXPROCS.
	Workers int
	// Timeout bounds one Evaluate call (every step of a plan) and one
	// EvalStep call; past it they fail with ErrTimeout naming the step and
	// the rule being evaluated. 0 means no bound.
	Timeout time.Duration
	// MemoryLimit bounds how much the heap may grow while steps are
	// evaluated; past it evaluation fails with ErrMemory naming the step and
	// the rule. 0 means DefaultMemoryLimit.
	MemoryLimit int64
}

// Engine evaluates plan steps against one prepared set of policies. It is
// safe for concurrent use.
type Engine struct {
	modules  []File
	data     map[string]any
	digest   string
	set      plans.PolicySet // see Set
	rules    []ruleRef
	workers  int
	timeout  time.Duration
	memLimit int64
	compiler *ast.Compiler
	store    storage.Store
	query    ast.Body // every rule set bound to r<i>, compiled; set when rules is non-empty
	qc       ast.QueryCompiler

	ruleOnce    sync.Once
	ruleQueries []rego.PreparedEvalQuery // one per rule, for naming eval errors
	ruleErr     error

	cache struct { // EvalStep's index of the last plan it saw
		sync.Mutex
		p  *plans.Plan
		n  int
		ix *index
	}
}

// ruleRef is one deny or warn rule set: data.<pkg>.<kind>.
type ruleRef struct {
	ref  ast.Ref // data.rdsup.state.deny
	name string  // rdsup.state.deny
	deny bool
	// complete is set when some rule of the set is not a `contains` rule:
	// it may be undefined, so the query wraps it in a comprehension.
	complete bool
	bind     string // the query variable holding it: r0, r1, ...
}

// New loads, parses and compiles the policies and prepares the query once.
// Compile errors name the file and line.
func New(ctx context.Context, opts Options) (*Engine, error) {
	files, data, dataFiles, err := loadSet(opts, false)
	if err != nil {
		return nil, err
	}
	dg, err := digest(files, data)
	if err != nil {
		return nil, err
	}
	e := &Engine{modules: files, data: data, digest: dg, set: describeSet(!opts.NoDefaults, files, dataFiles), workers: opts.Workers, timeout: opts.Timeout, memLimit: opts.MemoryLimit}
	if e.workers <= 0 {
		e.workers = runtime.GOMAXPROCS(0)
	}
	modules, err := parseModules(files)
	if err != nil {
		return nil, err
	}
	if err := checkSandbox(modules); err != nil {
		return nil, err
	}
	if e.rules, err = findRules(modules); err != nil {
		return nil, err
	}
	e.compiler = newCompiler()
	if e.compiler.Compile(modules); e.compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", e.compiler.Errors)
	}
	e.store = inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	if len(e.rules) > 0 {
		if e.query, e.qc, err = e.compileQuery(e.rules); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Digest is "sha256:<hex>" over the policy modules and the merged data, ""
// when no policy is loaded.
func (e *Engine) Digest() string { return e.digest }

// Rules lists the deny and warn rule sets found, e.g. "rdsup.state.deny".
func (e *Engine) Rules() []string {
	out := make([]string, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.name
	}
	return out
}

func parseModules(files []File) (map[string]*ast.Module, error) {
	modules := make(map[string]*ast.Module, len(files))
	var errs []error
	for _, f := range files {
		m, err := ast.ParseModuleWithOpts(f.Name, string(f.Data), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := modules[f.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: loaded twice; give each policy directory once", f.Name))
			continue
		}
		modules[f.Name] = m
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("parse policies: %w", errors.Join(errs...))
	}
	return modules, nil
}

// findRules returns the deny/warn rule sets of packages under rdsup, in a
// stable order. A deny or warn rule outside rdsup would never run: that is
// an error, not a silent pass.
func findRules(modules map[string]*ast.Module) ([]ruleRef, error) {
	seen := map[string]int{}
	var rules []ruleRef
	var errs []error
	for name, m := range modules {
		path := m.Package.Path
		under := len(path) >= 2 && path[1].Value.Compare(ast.String("rdsup")) == 0
		for _, r := range m.Rules {
			ref := r.Head.Ref()
			if len(ref) != 1 || len(r.Head.Args) > 0 { // ref heads and functions are helpers
				continue
			}
			kind := ref[0].Value.String()
			if kind != "deny" && kind != "warn" {
				continue
			}
			if !under {
				errs = append(errs, fmt.Errorf("%s:%d: rule %s in package %s is never evaluated: rdsup evaluates deny and warn in package rdsup and packages under it (package rdsup.yourname)", name, r.Location.Row, kind, strings.TrimPrefix(path.String(), "data.")))
				break
			}
			full := path.Append(ast.StringTerm(kind))
			key := full.String()
			complete := r.Head.RuleKind() != ast.MultiValue
			if i, ok := seen[key]; ok {
				rules[i].complete = rules[i].complete || complete
				continue
			}
			seen[key] = len(rules)
			rules = append(rules, ruleRef{ref: full, name: strings.TrimPrefix(key, "data."), deny: kind == "deny", complete: complete})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sortRules(rules)
	for i := range rules {
		rules[i].bind = fmt.Sprintf("r%d", i)
	}
	return rules, nil
}

func sortRules(rules []ruleRef) {
	for i := 1; i < len(rules); i++ {
		for j := i; j > 0 && rules[j].name < rules[j-1].name; j-- {
			rules[j], rules[j-1] = rules[j-1], rules[j]
		}
	}
}

// queryText is one query that collects every rule set in r<i>. A set of
// `contains` rules is always defined (maybe empty) and is bound directly;
// other rules are wrapped: r<i> is [] when undefined, [value] otherwise.
// The bindings use `=`, so the compiled query keeps the names r<i>.
func queryText(rules []ruleRef) string {
	var q strings.Builder
	for i, r := range rules {
		if i > 0 {
			q.WriteString("; ")
		}
		if r.complete {
			fmt.Fprintf(&q, "%s = [x | x := %s]", r.bind, r.ref)
		} else {
			fmt.Fprintf(&q, "%s = %s", r.bind, r.ref)
		}
	}
	return q.String()
}

// compileQuery compiles the query of rules once, for evaluation straight
// with OPA's topdown evaluator: per step, the rego package's wrapping
// (evaluation context, metrics, result conversion) cost more than the
// policies of a typical step.
func (e *Engine) compileQuery(rules []ruleRef) (ast.Body, ast.QueryCompiler, error) {
	body, err := ast.ParseBodyWithOpts(queryText(rules), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, nil, fmt.Errorf("prepare policy query: %w", err)
	}
	qc := e.compiler.QueryCompiler()
	compiled, err := qc.Compile(body)
	if err != nil {
		return nil, nil, fmt.Errorf("prepare policy query: %w", err)
	}
	return compiled, qc, nil
}

// prepare prepares the query of rules with the rego package (used to name
// the rule behind an evaluation error).
func (e *Engine) prepare(ctx context.Context, rules []ruleRef) (rego.PreparedEvalQuery, error) {
	body, err := ast.ParseBodyWithOpts(queryText(rules), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("prepare policy query: %w", err)
	}
	pq, err := rego.New(
		rego.ParsedQuery(body),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("prepare policy query: %w", err)
	}
	return pq, nil
}

// perRule prepares one query per rule, lazily: they only serve to name the
// rule behind an evaluation error.
func (e *Engine) perRule(ctx context.Context) ([]rego.PreparedEvalQuery, error) {
	e.ruleOnce.Do(func() {
		for i := range e.rules {
			pq, err := e.prepare(ctx, e.rules[i:i+1])
			if err != nil {
				e.ruleErr = err
				return
			}
			e.ruleQueries = append(e.ruleQueries, pq)
		}
	})
	return e.ruleQueries, e.ruleErr
}

// chunkSize is how many steps a worker of parallel takes at a time.
const chunkSize = 64

// parallel runs fn over [0, n) in chunks on workers goroutines and returns
// the error of the lowest chunk that failed (the others stop early).
func parallel(n, workers int, fn func(start, end int) error) error {
	const chunk = chunkSize
	if workers > (n+chunk-1)/chunk {
		workers = (n + chunk - 1) / chunk
	}
	if workers <= 1 {
		return fn(0, n)
	}
	var (
		mu     sync.Mutex
		next   int
		errIdx = -1
		first  error
		wg     sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for {
				mu.Lock()
				start, failed := next, errIdx >= 0
				next += chunk
				mu.Unlock()
				if failed || start >= n {
					return
				}
				if err := fn(start, min(start+chunk, n)); err != nil {
					mu.Lock()
					if errIdx < 0 || start < errIdx {
						errIdx, first = start, err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
