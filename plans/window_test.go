package plans

import (
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	tests := []struct {
		name, window string
		hour, min    int
		in, bad      bool
	}{
		{"inside", "02:00Z-06:00Z", 3, 0, true, false},
		{"at start", "02:00Z-06:00Z", 2, 0, true, false},
		{"at end is outside", "02:00Z-06:00Z", 6, 0, false, false},
		{"crosses midnight, late", "22:00Z-02:00Z", 23, 30, true, false},
		{"crosses midnight, early", "22:00Z-02:00Z", 1, 59, true, false},
		{"crosses midnight, outside", "22:00Z-02:00Z", 12, 0, false, false},
		{"no Z", "02:00-06:00", 0, 0, false, true},
		{"hour 24", "24:00Z-02:00Z", 0, 0, false, true},
		{"empty window", "02:00Z-02:00Z", 0, 0, false, true},
		{"trailing text", "02:00Z-06:00Zx", 0, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e, err := ParseWindow(tt.window)
			if (err != nil) != tt.bad {
				t.Fatalf("ParseWindow(%q) error = %v, want error %v", tt.window, err, tt.bad)
			}
			if tt.bad {
				return
			}
			at := time.Date(2026, 11, 26, tt.hour, tt.min, 0, 0, time.UTC)
			if got := InWindow(at, s, e); got != tt.in {
				t.Errorf("InWindow(%s, %q) = %v, want %v", at.Format("15:04"), tt.window, got, tt.in)
			}
		})
	}
}

func TestNextWindowStart(t *testing.T) {
	now := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)
	if got := NextWindowStart(now, 9*time.Hour); !got.Equal(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("later today: got %v", got)
	}
	if got := NextWindowStart(now, 2*time.Hour); !got.Equal(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("tomorrow: got %v", got)
	}
}

func TestWindowStart(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, window, now, want string
	}{
		{"inside", "18:00Z-22:00Z", "2026-01-05T19:00:00Z", "2026-01-05T19:00:00Z"},
		{"before, same day", "18:00Z-22:00Z", "2026-01-05T10:00:00Z", "2026-01-05T18:00:00Z"},
		{"after, next day", "18:00Z-22:00Z", "2026-01-05T23:00:00Z", "2026-01-06T18:00:00Z"},
		{"at the end is outside", "18:00Z-22:00Z", "2026-01-05T22:00:00Z", "2026-01-06T18:00:00Z"},
		{"crossing midnight, late part", "22:00Z-02:00Z", "2026-01-05T23:30:00Z", "2026-01-05T23:30:00Z"},
		{"crossing midnight, early part", "22:00Z-02:00Z", "2026-01-06T01:00:00Z", "2026-01-06T01:00:00Z"},
		{"crossing midnight, outside", "22:00Z-02:00Z", "2026-01-06T03:00:00Z", "2026-01-06T22:00:00Z"},
		{"malformed means now", "soon", "2026-01-05T10:00:00Z", "2026-01-05T10:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := WindowStart(tc.window, at(tc.now)); !got.Equal(at(tc.want)) {
				t.Fatalf("WindowStart(%q, %s) = %s, want %s", tc.window, tc.now, got, tc.want)
			}
		})
	}
}
