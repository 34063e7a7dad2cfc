package rdssim

import (
	"testing"
	"time"
)

func TestMaintainWindowStart(t *testing.T) {
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
			if got := maintainWindowStart(tc.window, at(tc.now)); !got.Equal(at(tc.want)) {
				t.Fatalf("maintainWindowStart(%q, %s) = %s, want %s", tc.window, tc.now, got, tc.want)
			}
		})
	}
}

func TestClocks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewManualClock(t0)
	m.Advance(90 * time.Second)
	if got := m.Now(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("manual clock at %s", got)
	}
	s := NewScaledClockAt(t0, 1000)
	time.Sleep(5 * time.Millisecond)
	if el := s.Now().Sub(t0); el < 5*time.Second || el > 10*time.Minute {
		t.Fatalf("scaled clock advanced %s after 5ms at ×1000", el)
	}
}

func TestChanceIsUniformEnough(t *testing.T) {
	n, below := 10000, 0
	for i := range n {
		if chance(1, "p", "k", i) < 0.3 {
			below++
		}
	}
	if below < 2800 || below > 3200 {
		t.Fatalf("%d of %d draws below 0.3", below, n)
	}
}
