package executor

import (
	"sync"
	"time"
)

// durations learns, from the upgrades this run saw from start to end,
// how soon an upgrade can end at the earliest, so that an in-flight
// upgrade is not polled before then: a poll that can only answer "still
// upgrading" is a wasted call. Until enough upgrades ended, every upgrade
// is polled from its start, one poll interval apart; afterwards the first
// look at an upgrade waits for holdShare of the shortest one seen. The
// shortest can only shrink, and a hold is never longer than the shortest
// upgrade seen, so a fast upgrade is noticed late by at most that share,
// never missed: the step timeout runs as before.
type durations struct {
	mu       sync.Mutex
	n        int
	shortest time.Duration
}

const (
	// holdAfter: upgrades that must have ended before any hold.
	holdAfter = 5
	// holdShare of the shortest upgrade seen passes before a first look.
	holdShare = 0.75
)

// began is when the cloud started w's upgrade at the earliest: when it
// was accepted, or for a MaintainTime upgrade when its window opened.
func (w *watch) began() time.Time {
	b := w.submitted
	if !w.immediate && w.opensAt.After(b) {
		b = w.opensAt
	}
	return b
}

// ended notes an upgrade accepted in this run and seen ending at now.
func (d *durations) ended(w *watch, now time.Time) {
	if !w.fresh {
		return // resumed: when it began is not known
	}
	took := now.Sub(w.began())
	if took <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == 0 || took < d.shortest {
		d.shortest = took
	}
	d.n++
}

// firstLook is when w's upgrade is worth a look at the earliest (the zero
// time when nothing holds it back). An upgrade that has not begun by now
// on the run's clock is not held: on the wall clock the cloud's clock may
// run ahead of ours (a simulator served with --time-scale), and the wait
// for a window is awaitWindow's.
func (d *durations) firstLook(w *watch, now time.Time) time.Time {
	if !w.fresh || w.began().After(now) {
		return time.Time{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n < holdAfter {
		return time.Time{}
	}
	return w.began().Add(time.Duration(float64(d.shortest) * holdShare))
}
