package executor

import (
	"sync"
	"time"
)

// durations learns, from the upgrades this run saw from start to end,
// how soon an upgrade can end at the earliest, so that an in-flight
// upgrade is not polled before then: a poll that can only answer "still
// upgrading" is a wasted call. Until holdAfter upgrades ended, every
// upgrade is polled from its start, one poll interval apart. Afterwards
// the first look at an upgrade waits for holdShare of what the fastest
// upgrade seen suggests: for a step with an estimate (the plan's
// estimateSeconds), its estimate times the smallest ratio of time taken
// to estimate seen; for one without, the shortest upgrade seen. Both can
// only shrink, so a fast upgrade is noticed late by at most a share of
// what was seen, never missed: the step timeout runs as before.
type durations struct {
	mu       sync.Mutex
	n        int           // upgrades seen ending
	shortest time.Duration // the shortest of them
	nRatio   int           // of them, those with an estimate
	ratio    float64       // the smallest time taken / estimate
}

const (
	// holdAfter: upgrades that must have ended before any hold.
	holdAfter = 5
	// holdShare of what the fastest upgrades suggest passes before a
	// first look.
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

// ended notes an upgrade accepted in this run, estimated to take est (0:
// no estimate), and seen ending at now.
func (d *durations) ended(w *watch, est time.Duration, now time.Time) {
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
	if est > 0 {
		if r := float64(took) / float64(est); d.nRatio == 0 || r < d.ratio {
			d.ratio = r
		}
		d.nRatio++
	}
}

// firstLook is when w's upgrade, estimated to take est, is worth a look
// at the earliest (the zero time when nothing holds it back). An upgrade
// that has not begun by now on the run's clock is not held: on the wall
// clock the cloud's clock may run ahead of ours (a simulator served with
// --time-scale), and the wait for a window is awaitWindow's.
func (d *durations) firstLook(w *watch, est time.Duration, now time.Time) time.Time {
	if !w.fresh || w.began().After(now) {
		return time.Time{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var hold time.Duration
	switch {
	case est > 0 && d.nRatio >= holdAfter:
		hold = time.Duration(float64(est) * d.ratio * holdShare)
	case d.n >= holdAfter:
		hold = time.Duration(float64(d.shortest) * holdShare)
	default:
		return time.Time{}
	}
	return w.began().Add(hold)
}

// estimate is the step's expected duration from the plan (0: none).
func (n *node) estimate() time.Duration {
	return time.Duration(n.step.EstimateSeconds) * time.Second
}
