package rdssim

import (
	"testing"
	"time"
)

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
