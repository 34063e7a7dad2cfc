package policy

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// A policy must not eat gigabytes. Two guards see to that:
//
//   - the built-ins that can make a value much larger than their operands
//     in one call (concat with a long separator, sprintf with a wide
//     field, bits.lsh, json.marshal and sprintf of a value that holds one
//     array many times) refuse a result over maxValueBytes before they
//     allocate it (registered over OPA's own, in init), and so does a
//     finding;
//   - while steps are evaluated, a watchdog samples the heap and cancels
//     the evaluation once the policies hold more than the memory limit
//     (Options.MemoryLimit): that stops growth spread over many small
//     steps (a comprehension over numbers.range(1, 1e12), a string doubled
//     rule after rule). OPA checks the cancellation between expressions
//     and inside the built-ins that loop (numbers.range, replace, ...).

// DefaultMemoryLimit is how much the heap may grow while the policies judge
// a plan (Options.MemoryLimit 0). The built-in policies hold a few MB on a
// 100,000-instance plan.
const DefaultMemoryLimit = 256 << 20

// maxValueBytes bounds the size of one string a guarded built-in returns.
const maxValueBytes = 16 << 20

// maxIndent bounds the indent and prefix of json.marshal_with_options.
const maxIndent = 1 << 10

// maxShiftBits bounds the size of a bits.lsh result, in bits.
const maxShiftBits = 1 << 16

// ErrMemory marks an evaluation stopped because the policies held more
// memory than allowed.
var ErrMemory = errors.New("policy evaluation used too much memory")

func init() {
	guard(ast.Concat.Name, func(ops []*ast.Term) error {
		sep, err := builtins.StringOperand(ops[0].Value, 1)
		if err != nil {
			return nil // the built-in reports it
		}
		n := 0
		add := func(t *ast.Term) {
			if s, ok := t.Value.(ast.String); ok {
				n += len(s) + len(sep)
			}
		}
		switch c := ops[1].Value.(type) {
		case *ast.Array:
			c.Foreach(add)
		case ast.Set:
			c.Foreach(add)
		}
		return tooBig(n)
	})
	guard(ast.Sprintf.Name, func(ops []*ast.Term) error {
		f, err := builtins.StringOperand(ops[0].Value, 1)
		if err != nil {
			return nil
		}
		if w := widestField(string(f)); w > maxValueBytes {
			return fmt.Errorf("a field width or precision is over the limit of %d", maxValueBytes)
		}
		return overErr(ops[1])
	})
	for _, b := range []*ast.Builtin{ast.JSONMarshal, ast.YAMLMarshal} {
		guard(b.Name, func(ops []*ast.Term) error { return overErr(ops[0]) })
	}
	guard(ast.JSONMarshalWithOptions.Name, func(ops []*ast.Term) error {
		if err := overErr(ops[0]); err != nil {
			return err
		}
		o, ok := ops[1].Value.(ast.Object)
		if !ok {
			return nil
		}
		for _, k := range []string{"indent", "prefix"} {
			v := o.Get(ast.InternedTerm(k))
			if v == nil {
				continue
			}
			if s, ok := v.Value.(ast.String); ok && len(s) > maxIndent {
				return fmt.Errorf("%s is %d bytes, over the limit of %d (it is repeated on every line)", k, len(s), maxIndent)
			}
		}
		return nil
	})
	guard(ast.BitsShiftLeft.Name, func(ops []*ast.Term) error {
		x, err1 := builtins.BigIntOperand(ops[0].Value, 1)
		s, err2 := builtins.BigIntOperand(ops[1].Value, 2)
		if err1 != nil || err2 != nil {
			return nil
		}
		if !s.IsInt64() || s.Int64() > maxShiftBits || int64(x.BitLen())+s.Int64() > maxShiftBits {
			return fmt.Errorf("the result would have more than %d bits", maxShiftBits)
		}
		return nil
	})
}

// guard registers over OPA's built-in name one that runs check on the
// operands first. A built-in's result string is also checked against
// maxValueBytes (sprintf doubling a string rule after rule).
func guard(name string, check func(ops []*ast.Term) error) {
	orig := topdown.GetBuiltin(name)
	if orig == nil {
		panic("policy: no OPA built-in " + name)
	}
	topdown.RegisterBuiltinFunc(name, func(bctx topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		if err := check(ops); err != nil {
			return err
		}
		return orig(bctx, ops, func(t *ast.Term) error {
			if s, ok := t.Value.(ast.String); ok {
				if err := tooBig(len(s)); err != nil {
					return err
				}
			}
			return iter(t)
		})
	})
}

// over reports whether t, written out, would take more than budget bytes
// (roughly: the bytes of its strings and numbers and one per value). A value
// can hold one array many times, nested, in little memory, and be huge once
// written out, so size is counted as written, and the count stops at the
// budget: it costs at most budget steps.
func over(t *ast.Term, budget int) bool {
	left := budget
	var walk func(v ast.Value) bool
	walk = func(v ast.Value) bool {
		left--
		switch x := v.(type) {
		case ast.String:
			left -= len(x)
		case ast.Number:
			left -= len(x)
		case *ast.Array:
			for i := 0; i < x.Len() && left >= 0; i++ {
				walk(x.Elem(i).Value)
			}
		case ast.Set:
			_ = x.Iter(func(e *ast.Term) error {
				if walk(e.Value) {
					return errStop
				}
				return nil
			})
		case ast.Object:
			_ = x.Iter(func(k, e *ast.Term) error {
				if walk(k.Value) || walk(e.Value) {
					return errStop
				}
				return nil
			})
		}
		return left < 0
	}
	return walk(t.Value)
}

var errStop = errors.New("stop")

// overErr is over for a built-in's operand, as an error.
func overErr(t *ast.Term) error {
	if over(t, maxValueBytes) {
		return fmt.Errorf("the value written out would be over the limit of %d MiB for one value in rdsup policies", maxValueBytes>>20)
	}
	return nil
}

func tooBig(n int) error {
	if n > maxValueBytes {
		return fmt.Errorf("the result would be %d MiB, over the limit of %d MiB for one value in rdsup policies", n>>20, maxValueBytes>>20)
	}
	return nil
}

// widestField returns the largest width or precision written in a format
// (a `*` counts as unbounded).
func widestField(f string) int {
	widest := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
	field:
		for i++; i < len(f); i++ {
			c := f[i]
			switch {
			case c == '*':
				return maxValueBytes + 1
			case c >= '0' && c <= '9':
				n := 0
				for ; i < len(f) && f[i] >= '0' && f[i] <= '9'; i++ {
					if n < maxValueBytes*10 {
						n = n*10 + int(f[i]-'0')
					}
				}
				i--
				widest = max(widest, n)
			case c == '+' || c == '-' || c == '#' || c == ' ' || c == '.' || c == '[' || c == ']':
			default:
				break field
			}
		}
	}
	return widest
}

// heapWatch cancels an evaluation whose heap grows past a limit.
type heapWatch struct {
	limit   uint64 // bytes the heap may grow by
	base    uint64 // heap objects (live and garbage) when the evaluation started
	trigger uint64 // heap objects at which to collect and measure again
	over    atomic.Bool
	sample  []metrics.Sample // heap objects, live heap as of the last GC
}

const heapWatchEvery = 5 * time.Millisecond

func newHeapWatch(limit int64) *heapWatch {
	if limit <= 0 {
		limit = DefaultMemoryLimit
	}
	w := &heapWatch{limit: uint64(limit), sample: []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"},
	}}
	w.base, _ = w.heap()
	w.trigger = w.base + w.limit
	return w
}

// heap returns the bytes of heap objects (live and garbage) and of the
// live heap as the last collection measured it.
func (w *heapWatch) heap() (objects, live uint64) {
	metrics.Read(w.sample)
	if w.sample[0].Value.Kind() == metrics.KindUint64 {
		objects = w.sample[0].Value.Uint64()
	}
	if w.sample[1].Value.Kind() == metrics.KindUint64 {
		live = w.sample[1].Value.Uint64()
	}
	return objects, live
}

// check reports whether the policies hold more than the limit: whether
// the live heap, as the last collection measured it, is over the heap at
// the start plus the limit. When the heap (live data and garbage) passes
// the trigger, it collects first, so that growth is seen even when the
// collector would not run yet; the next trigger is what is live plus the
// limit, so a plan that makes much garbage pays one collection per limit's
// worth of it.
func (w *heapWatch) check() bool {
	objects, live := w.heap()
	if objects > w.trigger {
		runtime.GC()
		_, live = w.heap()
		w.trigger = live + w.limit
	}
	if live > w.base+w.limit {
		w.over.Store(true)
		return true
	}
	return false
}
