package render_test

import (
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/plans/render"
)

// Options.MaxBytes caps the Markdown at any size from MarkdownMinBytes up,
// saying what it cut; below the minimum the minimum applies.
func TestMarkdownMaxBytes(t *testing.T) {
	p := plantest.Large(3000)
	for _, tc := range []struct{ max, cap int }{
		{render.MarkdownMinBytes, render.MarkdownMinBytes},
		{10_000, 10_000},
		{100, render.MarkdownMinBytes},
		{200_000, 200_000},
	} {
		out := renderString(t, render.Markdown, p, render.Options{Limit: 0, MaxBytes: tc.max})
		if len(out) > tc.cap {
			t.Errorf("MaxBytes %d: %d bytes, want at most %d", tc.max, len(out), tc.cap)
		}
		if len(out) < tc.cap/2 {
			t.Errorf("MaxBytes %d: only %d bytes: the cap is not used", tc.max, len(out))
		}
		if !strings.Contains(out, "**Truncated** to fit --max-bytes") || !strings.Contains(out, "steps not shown") {
			t.Errorf("MaxBytes %d: no truncation note naming --max-bytes:\n%s", tc.max, out[max(0, len(out)-300):])
		}
	}
}
