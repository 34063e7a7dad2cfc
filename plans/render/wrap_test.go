package render

import (
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
