package rdssim

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"time"
)

// Faults describes the misbehaviour to inject. The zero value injects
// nothing. Rates are probabilities in [0, 1]; every random choice is derived
// from Options.Seed and the identity of the call (action, instance ids,
// client token and how many identical calls came before), so the same seed
// gives the same faults for the same calls whatever the interleaving of
// concurrent requests.
type Faults struct {
	// ThrottleRate is the probability that an authenticated call is refused
	// with Throttling.User before it is carried out.
	ThrottleRate float64 `json:"throttleRate,omitempty"`
	// ThrottleQPS, when > 0, refuses calls above this many requests per
	// second of the simulator's clock (token bucket, burst max(1, QPS)).
	ThrottleQPS float64 `json:"throttleQps,omitempty"`
	// ServerErrorRate is the probability of a 5xx before the call is carried
	// out: ServiceUnavailable (503) or InternalError (500), half each.
	ServerErrorRate float64 `json:"serverErrorRate,omitempty"`
	// Latency is real time added before each call is answered (the request's
	// context is honoured).
	Latency time.Duration `json:"latency,omitempty"`
	// DropResponseRate is the probability that a call is carried out and the
	// connection is then closed without a response (the client sees EOF or a
	// reset) — the case ClientToken exists for.
	DropResponseRate float64 `json:"dropResponseRate,omitempty"`
	// DropActions limits DropResponseRate to these actions; empty means all.
	DropActions []string `json:"dropActions,omitempty"`
	// FailUpgradeRate is the probability that an accepted upgrade task fails:
	// the instance is EngineVersionUpgrading for the task's duration, then
	// Running on its old version.
	FailUpgradeRate float64 `json:"failUpgradeRate,omitempty"`
	// FailUpgrade lists instance ids whose upgrade tasks always fail.
	FailUpgrade []string `json:"failUpgrade,omitempty"`
	// Drift lists instances that change on their own.
	Drift []Drift `json:"drift,omitempty"`
	// DriftRate is the probability, each time an idle Running instance is
	// read, that it starts DriftStatus ("Restarting" when empty) for
	// DriftFor (5 minutes of simulated time when zero).
	DriftRate   float64       `json:"driftRate,omitempty"`
	DriftStatus string        `json:"driftStatus,omitempty"`
	DriftFor    time.Duration `json:"driftFor,omitempty"`
}

// Drift makes one instance change state or version on its own, After the
// faults were set (on the simulator's clock).
type Drift struct {
	ID            string        `json:"id"`
	After         time.Duration `json:"after,omitempty"`
	Status        string        `json:"status,omitempty"`        // new DBInstanceStatus; "" keeps it
	EngineVersion string        `json:"engineVersion,omitempty"` // new version; "" keeps it
	For           time.Duration `json:"for,omitempty"`           // 0: permanent; else the status reverts after For
}

func (f Faults) dropsAction(action string) bool {
	return len(f.DropActions) == 0 || slices.Contains(f.DropActions, action)
}

func (f Faults) driftStatus() string {
	if f.DriftStatus == "" {
		return "Restarting"
	}
	return f.DriftStatus
}

func (f Faults) driftFor() time.Duration {
	if f.DriftFor <= 0 {
		return 5 * time.Minute
	}
	return f.DriftFor
}

// chance returns a number in [0, 1) determined by the seed, the purpose of
// the draw and the key (the identity of the call or instance).
func chance(seed int64, purpose, key string, n int) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(key))
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
	x := mix64(h.Sum64())
	return float64(x>>11) / float64(1<<53)
}

// mix64 is the splitmix64 finaliser: it spreads FNV's weak low bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// bucket is a token bucket on the simulator's clock.
type bucket struct {
	qps    float64
	tokens float64
	last   time.Time
}

func (b *bucket) allow(now time.Time, qps float64) bool {
	burst := math.Max(1, qps)
	if b.qps != qps || b.last.IsZero() {
		*b = bucket{qps: qps, tokens: burst, last: now}
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(burst, b.tokens+el*qps)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}
