package rdssim

import (
	"sync"
	"time"
)

// Clock tells the simulator what time it is. Upgrades, maintenance windows,
// throttling by QPS and the call log all use it.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

// RealClock returns the wall clock (UTC).
func RealClock() Clock { return realClock{} }

// ManualClock is a clock that moves only when told to; safe for concurrent
// use. Tests advance it instead of sleeping.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at t0.
func NewManualClock(t0 time.Time) *ManualClock { return &ManualClock{now: t0.UTC()} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t (backwards too; use with care).
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// ScaledClock runs factor times faster than the wall clock, starting at the
// wall-clock time it was created: with factor 600 a 10-minute upgrade takes
// one real second. Used for accelerated demos (rdsup apply --simulate).
type ScaledClock struct {
	origin time.Time // sim time at creation
	start  time.Time // wall time at creation (monotonic)
	factor float64
}

// NewScaledClock returns a clock running factor times faster than real time
// (factor <= 0 is treated as 1).
func NewScaledClock(factor float64) *ScaledClock {
	return NewScaledClockAt(time.Now().UTC(), factor)
}

// NewScaledClockAt is NewScaledClock starting at the simulated time origin.
func NewScaledClockAt(origin time.Time, factor float64) *ScaledClock {
	if factor <= 0 {
		factor = 1
	}
	return &ScaledClock{origin: origin.UTC(), start: time.Now(), factor: factor}
}

// Now returns the scaled time.
func (c *ScaledClock) Now() time.Time {
	elapsed := time.Since(c.start)
	return c.origin.Add(time.Duration(float64(elapsed) * c.factor))
}

// Factor returns how many simulated seconds pass per real second.
func (c *ScaledClock) Factor() float64 { return c.factor }
