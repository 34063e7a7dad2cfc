package logcollapse

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

// clock is a manual clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newLogger(norm func(string) string) (*slog.Logger, *Handler, *bytes.Buffer, *clock) {
	var buf bytes.Buffer
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	text := slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	h := New(text, Options{Window: time.Minute, Now: c.now, Normalize: norm})
	return slog.New(h), h, &buf, c
}

func lines(buf *bytes.Buffer) []string {
	s := strings.TrimSpace(buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestCollapse(t *testing.T) {
	requestID := regexp.MustCompile(`\(request [0-9A-F-]+\)`)
	tests := []struct {
		name string
		log  func(l *slog.Logger, c *clock)
		want []string
	}{
		{"41 identical warnings: one line, then the count at flush", func(l *slog.Logger, c *clock) {
			for range 41 {
				l.Warn("step retry", "step", "a", "detail", "refused")
				c.t = c.t.Add(time.Second)
			}
		}, []string{
			`level=WARN msg="step retry" step=a detail=refused`,
			`level=WARN msg="step retry" step=a detail=refused more="… 40 more like this"`,
		}},
		{"different attributes are different warnings", func(l *slog.Logger, c *clock) {
			l.Warn("step retry", "step", "a")
			l.Warn("step retry", "step", "b")
			l.Warn("step retry", "step", "a")
		}, []string{
			`level=WARN msg="step retry" step=a`,
			`level=WARN msg="step retry" step=b`,
			`level=WARN msg="step retry" step=a more="… 1 more like this"`,
		}},
		{"after the window the warning shows again with its count", func(l *slog.Logger, c *clock) {
			for range 3 {
				l.Warn("throttled")
				c.t = c.t.Add(25 * time.Second)
			}
			l.Warn("throttled")
		}, []string{
			`level=WARN msg=throttled`,
			`level=WARN msg=throttled more="… 2 more like this"`,
		}},
		{"info and errors pass through", func(l *slog.Logger, c *clock) {
			for range 3 {
				l.Info("step started", "step", "a")
				l.Error("step failed", "step", "a")
			}
		}, []string{
			`level=INFO msg="step started" step=a`, `level=ERROR msg="step failed" step=a`,
			`level=INFO msg="step started" step=a`, `level=ERROR msg="step failed" step=a`,
			`level=INFO msg="step started" step=a`, `level=ERROR msg="step failed" step=a`,
		}},
		{"normalized values compare equal", func(l *slog.Logger, c *clock) {
			l.Warn("step retry", "detail", "5xx (request 0A-1B)")
			l.Warn("step retry", "detail", "5xx (request 0C-2D)")
		}, []string{
			`level=WARN msg="step retry" detail="5xx (request 0A-1B)"`,
			`level=WARN msg="step retry" detail="5xx (request 0C-2D)" more="… 1 more like this"`,
		}},
		{"WithAttrs scopes are told apart", func(l *slog.Logger, c *clock) {
			l.With("plan", "p1").Warn("slow")
			l.With("plan", "p2").Warn("slow")
			l.With("plan", "p1").Warn("slow")
		}, []string{
			`level=WARN msg=slow plan=p1`,
			`level=WARN msg=slow plan=p2`,
			`level=WARN msg=slow plan=p1 more="… 1 more like this"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, h, buf, c := newLogger(func(s string) string { return requestID.ReplaceAllString(s, "") })
			tt.log(l, c)
			if err := h.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			got := lines(buf)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestMemoryIsBounded(t *testing.T) {
	l, h, _, c := newLogger(nil)
	for i := range 5 * maxSeen {
		l.Warn("unique", "i", i)
		c.t = c.t.Add(time.Second)
	}
	if n := len(h.s.seen); n > maxSeen+60 {
		t.Errorf("remembers %d warnings, want about %d at most", n, maxSeen)
	}
}
