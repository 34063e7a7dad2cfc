// Package logcollapse is an slog.Handler that keeps repeated warnings from
// flooding a log: a warning identical to one passed on less than a window
// ago is held back and counted, and the next one passed on (or Flush)
// says how many: more="… 40 more like this".
package logcollapse

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Options tune a Handler.
type Options struct {
	// Window: a warning identical to one passed on less than Window ago is
	// held back. 0 means one minute.
	Window time.Duration
	// Normalize, when set, maps string values before records are compared
	// (e.g. to drop request ids that differ in otherwise equal warnings).
	Normalize func(string) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handler collapses repeated warnings (slog.LevelWarn) and passes every
// other record through unchanged. Handlers made by WithAttrs and
// WithGroup share one memory of what was seen.
type Handler struct {
	inner slog.Handler
	scope string // the attributes and groups added by WithAttrs/WithGroup, as text
	s     *state
}

type state struct {
	opts Options
	mu   sync.Mutex
	seen map[string]*entry
	keys []string // in first-seen order, for Flush
}

type entry struct {
	last time.Time   // when one was last passed on
	held int         // identical records held back since
	rec  slog.Record // the last one held back
	h    slog.Handler
}

// maxSeen bounds the memory: past it, entries with nothing held back and
// older than the window are forgotten.
const maxSeen = 1024

// New wraps inner.
func New(inner slog.Handler, opts Options) *Handler {
	if opts.Window <= 0 {
		opts.Window = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Handler{inner: inner, s: &state{opts: opts, seen: map[string]*entry{}}}
}

// Enabled reports what the inner handler reports.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// WithAttrs returns a Handler whose records carry as; it shares h's memory.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.scope)
	for _, a := range as {
		h.s.writeAttr(&b, a)
	}
	return &Handler{inner: h.inner.WithAttrs(as), scope: b.String(), s: h.s}
}

// WithGroup returns a Handler that opens group name; it shares h's memory.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), scope: h.scope + name + "{", s: h.s}
}

// Handle passes r on, unless it is a warning identical to one passed on
// less than the window ago.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level != slog.LevelWarn {
		return h.inner.Handle(ctx, r)
	}
	key := h.key(r)
	s := h.s
	s.mu.Lock()
	now := s.opts.Now()
	e := s.seen[key]
	if e != nil && now.Sub(e.last) < s.opts.Window {
		e.held++
		e.rec, e.h = r.Clone(), h.inner
		s.mu.Unlock()
		return nil
	}
	held := 0
	if e == nil {
		s.prune(now)
		e = &entry{}
		s.seen[key] = e
		s.keys = append(s.keys, key)
	} else {
		held = e.held
	}
	e.last, e.held, e.rec, e.h = now, 0, slog.Record{}, nil
	s.mu.Unlock()
	if held > 0 {
		r = r.Clone()
		r.AddAttrs(more(held))
	}
	return h.inner.Handle(ctx, r)
}

// Flush passes on, for every warning with repeats held back, the last of
// them saying how many there were. Call it when the run ends.
func (h *Handler) Flush(ctx context.Context) error {
	s := h.s
	type out struct {
		h    slog.Handler
		r    slog.Record
		held int
	}
	var outs []out
	s.mu.Lock()
	for _, k := range s.keys {
		if e := s.seen[k]; e.held > 0 {
			outs = append(outs, out{e.h, e.rec, e.held})
			e.held, e.rec, e.h = 0, slog.Record{}, nil
		}
	}
	s.mu.Unlock()
	var first error
	for _, o := range outs {
		o.r.AddAttrs(more(o.held))
		if err := o.h.Handle(ctx, o.r); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func more(n int) slog.Attr {
	return slog.String("more", fmt.Sprintf("… %d more like this", n))
}

// key identifies a record: scope, level, message and attributes, time aside.
func (h *Handler) key(r slog.Record) string {
	var b strings.Builder
	b.WriteString(h.scope)
	b.WriteString("\x00")
	b.WriteString(r.Level.String())
	b.WriteString("\x00")
	b.WriteString(h.s.norm(r.Message))
	r.Attrs(func(a slog.Attr) bool {
		h.s.writeAttr(&b, a)
		return true
	})
	return b.String()
}

func (s *state) norm(v string) string {
	if s.opts.Normalize == nil {
		return v
	}
	return s.opts.Normalize(v)
}

func (s *state) writeAttr(b *strings.Builder, a slog.Attr) {
	v := a.Value.Resolve()
	b.WriteString("\x00")
	b.WriteString(a.Key)
	b.WriteString("=")
	if v.Kind() == slog.KindGroup {
		b.WriteString("{")
		for _, g := range v.Group() {
			s.writeAttr(b, g)
		}
		b.WriteString("}")
		return
	}
	b.WriteString(s.norm(v.String()))
}

// prune forgets old entries once there are many; called with mu held.
func (s *state) prune(now time.Time) {
	if len(s.seen) < maxSeen {
		return
	}
	keep := s.keys[:0]
	for _, k := range s.keys {
		if e := s.seen[k]; e.held == 0 && now.Sub(e.last) >= s.opts.Window {
			delete(s.seen, k)
			continue
		}
		keep = append(keep, k)
	}
	s.keys = keep
}
