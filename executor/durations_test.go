package executor

import (
	"testing"
	"time"
)

// An in-flight upgrade is first looked at once holdShare of the shortest
// upgrade this run saw has passed since it began, and only after holdAfter
// upgrades ended; resumed upgrades (start unknown) are never held.
func TestFirstLookWaitsForTheShortestUpgrade(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	var d durations
	fresh := &watch{fresh: true, immediate: true, submitted: t0}
	for i := range holdAfter {
		if got := d.firstLook(fresh, 0, t0); !got.IsZero() {
			t.Fatalf("after %d upgrades: first look at %s, want no hold yet", i, got)
		}
		took := time.Duration(20+i) * time.Minute
		d.ended(&watch{fresh: true, immediate: true, submitted: t0}, 0, t0.Add(took))
	}
	if got, want := d.firstLook(fresh, 0, t0), t0.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("first look at %s, want %s (0.75 × the shortest, 20m)", got, want)
	}
	// a shorter one lowers the hold; a longer one never raises it
	d.ended(&watch{fresh: true, immediate: true, submitted: t0}, 0, t0.Add(8*time.Minute))
	d.ended(&watch{fresh: true, immediate: true, submitted: t0}, 0, t0.Add(90*time.Minute))
	if got, want := d.firstLook(fresh, 0, t0), t0.Add(6*time.Minute); !got.Equal(want) {
		t.Errorf("first look at %s, want %s (0.75 × 8m)", got, want)
	}
	// a MaintainTime upgrade begins when its window opens
	opens := t0.Add(3 * time.Hour)
	sched := &watch{fresh: true, submitted: t0, opensAt: opens}
	if got, want := d.firstLook(sched, 0, opens), opens.Add(6*time.Minute); !got.Equal(want) {
		t.Errorf("MaintainTime: first look at %s, want %s", got, want)
	}
	// not begun by the run's clock (the cloud's may run ahead): not held
	if got := d.firstLook(sched, 0, t0); !got.IsZero() {
		t.Errorf("MaintainTime before its window on the run's clock: first look at %s, want no hold", got)
	}
	// a resumed upgrade neither holds nor teaches
	resumed := &watch{submitted: t0}
	if got := d.firstLook(resumed, 0, t0); !got.IsZero() {
		t.Errorf("resumed: first look at %s, want no hold", got)
	}
	d.ended(resumed, 0, t0.Add(time.Minute))
	if got, want := d.firstLook(fresh, 0, t0), t0.Add(6*time.Minute); !got.Equal(want) {
		t.Errorf("after a resumed upgrade: first look at %s, want %s unchanged", got, want)
	}
}

// With estimates in the plan, the first look follows the step's own
// estimate, scaled by the smallest ratio of time taken to estimate seen:
// a long upgrade is held longer than a short one.
func TestFirstLookFollowsTheEstimate(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	var d durations
	fresh := &watch{fresh: true, immediate: true, submitted: t0}
	for i := range holdAfter {
		// estimated 20m, took 16m..20m: the smallest ratio is 0.8
		d.ended(&watch{fresh: true, immediate: true, submitted: t0}, 20*time.Minute, t0.Add(time.Duration(16+i)*time.Minute))
	}
	for _, c := range []struct {
		est  time.Duration
		want time.Duration
	}{
		{10 * time.Minute, 6 * time.Minute},  // 10m × 0.8 × 0.75
		{60 * time.Minute, 36 * time.Minute}, // 60m × 0.8 × 0.75
		{0, 12 * time.Minute},                // no estimate: 0.75 × the shortest, 16m
	} {
		if got, want := d.firstLook(fresh, c.est, t0), t0.Add(c.want); !got.Equal(want) {
			t.Errorf("estimate %s: first look at %s, want %s", c.est, got.Sub(t0), c.want)
		}
	}
}
