package policy

import (
	"context"
	"errors"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// TestTimeout: a policy that loops fails once the timeout has passed,
// naming the step and the rule it was evaluating, in Evaluate (plan,
// check) and in EvalStep (apply's re-check).
func TestTimeout(t *testing.T) {
	dir := filepath.Join("testdata", "bound", "loop")
	e, err := New(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := cluster()
	wantMsg := []string{
		"policy evaluation timed out after 200ms",
		"step s-rm-p (instance rm-p) was being evaluated",
		"in rule rdsup.loop.deny at " + filepath.Join(dir, "loop.rego") + ":",
	}
	for _, run := range []struct {
		name string
		eval func() error
	}{
		{"Evaluate", func() error { return e.Evaluate(t.Context(), p, at("19:00")) }},
		{"EvalStep", func() error { _, err := e.EvalStep(t.Context(), p, 2, p.Instances[1], at("19:00")); return err }},
	} {
		t.Run(run.name, func(t *testing.T) {
			start := time.Now()
			err := run.eval()
			took := time.Since(start)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("error %v is not ErrTimeout", err)
			}
			for _, m := range wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not mention %q:\n%v", m, err)
				}
			}
			if took > 2*time.Second {
				t.Errorf("took %s to stop after a 200ms timeout", took)
			}
		})
	}
	// Without a timeout the same policy would run for hours; a caller's
	// cancellation still stops it, as itself (not as a timeout).
	e2, err := New(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := e2.Evaluate(ctx, p, at("19:00")); errors.Is(err, ErrTimeout) || err == nil {
		t.Errorf("cancelled evaluation: error %v, want the context's", err)
	}
}

// TestMemoryBound: a policy that builds huge values fails with an error
// naming the step and the rule, and the heap stays far from gigabytes.
func TestMemoryBound(t *testing.T) {
	const limit = 64 << 20
	tests := []struct {
		dir     string
		wantIs  error
		wantMsg []string
	}{
		{"grow", ErrMemory, []string{"policy evaluation used too much memory (over 64 MiB)", "step s-rm-dr (instance rm-dr) was being evaluated",
			"in rule rdsup.grow.warn, in rdsup.grow.labels at " + filepath.Join("testdata", "bound", "grow", "grow.rego") + ":4"}},
		{"huge_concat", ErrEval, []string{"step s-rm-dr (instance rm-dr)", "rule rdsup.huge.deny, in rdsup.huge.gb at " + filepath.Join("testdata", "bound", "huge_concat", "huge.rego") + ":8",
			"concat: the result would be 976 MiB, over the limit of 16 MiB"}},
		{"wide_sprintf", ErrEval, []string{"step s-rm-dr", "rule rdsup.wide.warn at", "sprintf: a field width or precision is over the limit of 16777216"}},
		{"indent", ErrEval, []string{"step s-rm-dr", "rule rdsup.indent.warn at", "json.marshal_with_options: indent is 100000 bytes, over the limit of 1024"}},
		{"dag_sprintf", ErrEval, []string{"step s-rm-dr", "rule rdsup.dag.warn at", "sprintf: the value written out would be over the limit of 16 MiB"}},
		{"dag_marshal", ErrEval, []string{"step s-rm-dr", "rule rdsup.dag.warn at", "json.marshal: the value written out would be over the limit of 16 MiB"}},
		{"dag_finding", ErrEval, []string{"step s-rm-p", "rule rdsup.dag.deny returned a finding over 16 MiB"}},
		{"shift", ErrEval, []string{"step s-rm-dr", "rule rdsup.shift.warn at", "bits.lsh: the result would have more than 65536 bits"}},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			e, err := New(t.Context(), Options{Dirs: []string{filepath.Join("testdata", "bound", tc.dir)}, NoDefaults: true, MemoryLimit: limit, Timeout: time.Minute, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			peak := watchHeap(t)
			err = e.Evaluate(t.Context(), cluster(), at("19:00"))
			grew := peak()
			if !errors.Is(err, tc.wantIs) {
				t.Fatalf("error %v is not %v", err, tc.wantIs)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error does not mention %q:\n%v", m, err)
				}
			}
			if grew > 4*limit {
				t.Errorf("heap grew by %d MiB during evaluation, want under %d MiB", grew>>20, 4*limit>>20)
			}
			t.Logf("heap grew by at most %d MiB", grew>>20)
		})
	}
}

// watchHeap samples the heap every millisecond until the returned function
// is called, which returns how far it grew over where it started.
func watchHeap(t *testing.T) func() uint64 {
	t.Helper()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var max atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if h := read(); h > max.Load() {
				max.Store(h)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		if m := max.Load(); m > base {
			return m - base
		}
		return 0
	}
}

// stuckBuiltin, when set, makes uuid.rfc4122 block until it is closed:
// a stand-in for a built-in call that never checks for cancellation. It is
// registered in init, before any evaluation, because OPA's table of
// built-ins is not safe to change while one runs.
var stuckBuiltin atomic.Pointer[chan struct{}]

func init() {
	orig := topdown.GetBuiltin(ast.UUIDRFC4122.Name)
	topdown.RegisterBuiltinFunc(ast.UUIDRFC4122.Name, func(bctx topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		if c := stuckBuiltin.Load(); c != nil {
			<-*c
			return errors.New("released")
		}
		return orig(bctx, ops, iter)
	})
}

// TestStuckBuiltin: an evaluation stuck inside a built-in call that never
// checks for cancellation does not hang the command: past the timeout and
// a grace period, Evaluate and EvalStep fail naming the step.
func TestStuckBuiltin(t *testing.T) {
	release := make(chan struct{})
	stuckBuiltin.Store(&release)
	t.Cleanup(func() {
		stuckBuiltin.Store(nil)
		close(release)
	})
	e, err := New(t.Context(), Options{Dirs: []string{filepath.Join("testdata", "bound", "stuck")}, NoDefaults: true, Timeout: 100 * time.Millisecond, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := cluster()
	for _, run := range []struct {
		name, step string
		eval       func() error
	}{
		{"Evaluate", "step s-rm-dr (instance rm-dr)", func() error { return e.Evaluate(t.Context(), p, at("19:00")) }},
		{"EvalStep", "step s-rm-p (instance rm-p)", func() error { _, err := e.EvalStep(t.Context(), p, 2, p.Instances[1], at("19:00")); return err }},
	} {
		t.Run(run.name, func(t *testing.T) {
			start := time.Now()
			err := run.eval()
			took := time.Since(start)
			want := "policy evaluation timed out after 100ms: " + run.step + " was being evaluated and did not stop"
			if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want %q", err, want)
			}
			if took > 100*time.Millisecond+stuckGrace+2*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}
