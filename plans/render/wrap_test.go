package render

import (
	"slices"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	tests := []struct {
		name, in string
		width    int
		want     string
	}{
		{"fits", "DENY: short", 20, "DENY: short"},
		{"exactly the width", "aaaa bbbb", 9, "aaaa bbbb"},
		{"breaks at spaces", "aaaa bbbb cccc", 9, "aaaa bbbb\ncccc"},
		{"long word on its own line", "a " + strings.Repeat("x", 12) + " b", 5, "a\n" + strings.Repeat("x", 12) + "\nb"},
		{"runs of spaces collapse", "aaaa   bbbb  cccc", 9, "aaaa bbbb\ncccc"},
		{"wide characters count twice", "主机 主机 主机", 9, "主机 主机\n主机"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := wrap(tc.in, tc.width); got != tc.want {
				t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
			}
		})
	}
}

func TestShortID(t *testing.T) {
	tests := map[string]string{
		"":                        "",
		"abc":                     "abc",
		"0123456789abcdef":        "0123456789ab",
		"sha256:0123456789abcdef": "sha256:0123456789ab",
		"sha256:01":               "sha256:01",
	}
	for in, want := range tests {
		if got := shortID(in); got != want {
			t.Errorf("shortID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFitCell(t *testing.T) {
	tests := []struct {
		name, in string
		width    int
		wrap     bool
		want     string
	}{
		{"fits", "rm-pay-db", 9, false, "rm-pay-db"},
		{"cut with an ellipsis", "rm-pay-db-0001", 8, false, "rm-pay-…"},
		{"every line cut", "rr-pay-ro1\nrr-pay-ro2\nx", 6, false, "rr-pa…\nrr-pa…\nx"},
		{"wide characters cut whole", "主机主机主机", 6, false, "主机…"},
		{"width 1 keeps only the ellipsis", "abc", 1, false, "…"},
		{"width 0 is empty", "abc", 0, false, ""},
		{"wrapped at spaces", "DENY: not Running", 10, true, "DENY: not\nRunning"},
		{"a long word is broken, not cut", "DENY: " + strings.Repeat("x", 12), 5, true, "DENY:\nxxxxx\nxxxxx\nxx"},
		{"wide characters broken whole", "主机主机主", 5, true, "主机\n主机\n主"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fitCell(tc.in, tc.width, tc.wrap); got != tc.want {
				t.Errorf("fitCell(%q, %d, %v) = %q, want %q", tc.in, tc.width, tc.wrap, got, tc.want)
			}
		})
	}
}

func TestFitWidths(t *testing.T) {
	cols := []Column{{Header: "#"}, {Header: "A", Min: 4}, {Header: "B", Min: 10}}
	tests := []struct {
		name   string
		width  int
		in     []int
		want   []int
		wantTW int // resulting table width
	}{
		{"no width fits nothing", 0, []int{3, 30, 40}, []int{3, 30, 40}, 83},
		{"already fits", 100, []int{3, 30, 40}, []int{3, 30, 40}, 83},
		{"widest narrowed first", 73, []int{3, 30, 40}, []int{3, 30, 30}, 73},
		{"then both together", 53, []int{3, 30, 40}, []int{3, 20, 20}, 53},
		{"not below Min; unsqueezable columns stay", 10, []int{3, 30, 40}, []int{3, 4, 10}, 27},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := append([]int(nil), tc.in...)
			fitWidths(cols, w, tc.width)
			if !slices.Equal(w, tc.want) || tableWidth(w) != tc.wantTW {
				t.Errorf("fitWidths(%v, %d) = %v (table %d), want %v (table %d)", tc.in, tc.width, w, tableWidth(w), tc.want, tc.wantTW)
			}
		})
	}
}

func TestShownAndMore(t *testing.T) {
	tests := []struct {
		n, limit, shown int
		more            string
	}{
		{0, 50, 0, ""},
		{10, 50, 10, ""},
		{50, 50, 50, ""},
		{51, 50, 50, "… 1 more steps (use --format json)"},
		{100000, 50, 50, "… 99950 more steps (use --format json)"},
		{100000, 0, 100000, ""},
		{7, -1, 7, ""},
	}
	for _, tc := range tests {
		shown := Shown(tc.n, tc.limit)
		if more := More(tc.n-shown, "steps"); shown != tc.shown || more != tc.more {
			t.Errorf("Shown(%d, %d) = %d, More = %q; want %d, %q", tc.n, tc.limit, shown, more, tc.shown, tc.more)
		}
	}
}
