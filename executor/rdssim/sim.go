package rdssim

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// APIVersion is the RDS OpenAPI version the simulator speaks.
const APIVersion = "2014-08-15"

// Options configure a simulator.
type Options struct {
	AccessKeyID, AccessKeySecret string // the only accepted key pair

	Clock Clock // nil → real time (UTC)
	// UpgradeDuration is how long every upgrade takes on the simulator's
	// clock; 0 → the planner's duration model (plans.EstimateUpgrade: base
	// + per GB of the instance's storage, primaries 1.5× longer) times a
	// noise factor within ±DurationNoise drawn from Seed per instance.
	UpgradeDuration time.Duration
	// DurationFor, when set and returning > 0, overrides the duration for
	// one instance (makespan tests).
	DurationFor func(instanceID string) time.Duration
	Seed        int64 // seeds every random choice (faults, spread, ids)
	Faults      Faults
	// UpgradePaths are the supported version upgrades; nil → DefaultUpgradePaths.
	UpgradePaths []UpgradePath
	// Logger receives one debug line per call; nil → discard.
	Logger *slog.Logger
	// Refuse maps instance ids to an upgrade refusal (one of RefusalCodes,
	// e.g. InvalidSSLstatus): UpgradeDBInstanceEngineVersion of that
	// instance is refused with that code, as the service refuses an
	// instance that is not eligible. Unknown ids or codes are errors.
	Refuse map[string]string
	// WallClock is the real time used to check request timestamps (15
	// minutes of skew allowed) and expire nonces; nil → time.Now. It is not
	// the simulated Clock: the SDK stamps requests with the real time.
	WallClock func() time.Time
}

// Call is one RPC call as the simulator saw it.
type Call struct {
	Time        time.Time `json:"time"` // on the simulator's clock
	Action      string    `json:"action"`
	InstanceID  string    `json:"instanceId"` // as sent (may be a comma-separated list)
	ClientToken string    `json:"clientToken"`
	// Outcome: applied | deduplicated | ok | error:<Code>.
	Outcome   string `json:"outcome"`
	TaskID    string `json:"taskId,omitempty"`
	RequestID string `json:"requestId"`
	// Dropped: the call was carried out but no response was sent.
	Dropped bool `json:"dropped,omitempty"`
	// EngineVersion is the version an UpgradeDBInstanceEngineVersion call
	// asked for.
	EngineVersion string `json:"engineVersion,omitempty"`
	// Versions are, for an UpgradeDBInstanceEngineVersion call of a known
	// instance, the engine versions of its whole cluster (its primary and
	// every replica) when the call was handled, before it took effect:
	// what tests check the order rules of a multi-hop campaign against.
	Versions map[string]string `json:"versions,omitempty"`
}

// InstanceView is the current state of one instance (GET /_sim/instances).
type InstanceView struct {
	ID            string            `json:"id"`
	Region        string            `json:"region"`
	Engine        string            `json:"engine"`
	EngineVersion string            `json:"engineVersion"`
	Status        string            `json:"status"`
	Type          string            `json:"type"` // Primary | Readonly | Guard
	Master        string            `json:"master,omitempty"`
	ReadOnly      []string          `json:"readOnly,omitempty"`
	Guard         string            `json:"guard,omitempty"`
	MaintainTime  string            `json:"maintainTime"`
	Tags          map[string]string `json:"tags,omitempty"`
	TaskID        string            `json:"taskId,omitempty"`   // current task
	Upgrades      int               `json:"upgrades"`           // upgrade tasks accepted so far
	LastTask      string            `json:"lastTask,omitempty"` // status of the latest task
	Refuse        string            `json:"refuse,omitempty"`   // injected upgrade refusal code
}

// Sim is the simulated RDS service. It is safe for concurrent use.
type Sim struct {
	opts  Options
	clock Clock
	log   *slog.Logger

	mu           sync.Mutex
	inst         map[string]*instance
	ids          []string                       // sorted
	replicas     map[string]map[string][]string // master → type → ids, sorted
	tasks        map[string]*task
	taskOrder    []string            // every task id, oldest first
	taskByInst   map[string][]string // instance id → its task ids, oldest first
	tokens       map[string]string   // action+"\x00"+token → task id
	calls        []Call
	nonces       map[string]time.Time // nonce → wall time seen
	noncesPruned time.Time
	seen         map[string]int // call identity → count (fault draws)
	faults       Faults
	faultsSince  time.Time
	driftDone    map[int]bool
	bucket       bucket
	seq          int // request sequence
	taskSeq      int
}

// New returns a simulator whose fleet is the given inventory snapshot. It
// panics on an instance with an unknown role; use NewChecked to get an error.
func New(instances []plans.Instance, opts Options) *Sim {
	s, err := NewChecked(instances, opts)
	if err != nil {
		panic(err)
	}
	return s
}

// NewChecked is New returning an error for an invalid inventory (unknown
// role, duplicate id).
func NewChecked(instances []plans.Instance, opts Options) (*Sim, error) {
	s := newSim(opts)
	now := s.clock.Now()
	var errs []error
	for _, in := range instances {
		typ, err := typeForRole(in.ID, in.Role)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := s.inst[in.ID]; dup {
			errs = append(errs, fmt.Errorf("instance %s: duplicate id", in.ID))
			continue
		}
		status := in.Status
		if status == "" {
			status = StatusRunning
		}
		master := ""
		if typ != TypePrimary {
			master = in.Primary
		}
		s.inst[in.ID] = &instance{
			ID: in.ID, Region: in.Region, Engine: in.Engine, EngineVersion: in.EngineVersion,
			Type: typ, Master: master, Status: status, MaintainTime: in.MaintainTime,
			Tags: maps.Clone(in.Tags), Created: now.Add(-24 * time.Hour),
			StorageGB: storageFor(opts.Seed, in),
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := s.checkRefusals(); err != nil {
		return nil, err
	}
	s.reindex()
	return s, nil
}

func newSim(opts Options) *Sim {
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.WallClock == nil {
		opts.WallClock = time.Now
	}
	if opts.UpgradePaths == nil {
		opts.UpgradePaths = DefaultUpgradePaths
	}
	opts.Refuse = maps.Clone(opts.Refuse)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{
		opts: opts, clock: opts.Clock, log: log,
		inst: map[string]*instance{}, tasks: map[string]*task{}, taskByInst: map[string][]string{},
		tokens: map[string]string{},
		nonces: map[string]time.Time{}, seen: map[string]int{}, driftDone: map[int]bool{},
		faults: opts.Faults, faultsSince: opts.Clock.Now(), taskSeq: 10000000,
	}
	return s
}

// reindex rebuilds the sorted id list and the replica index; the topology
// never changes after New or Restore.
func (s *Sim) reindex() {
	s.ids = slices.Sorted(maps.Keys(s.inst))
	s.replicas = map[string]map[string][]string{}
	for _, id := range s.ids {
		in := s.inst[id]
		if in.Master == "" {
			continue
		}
		m := s.replicas[in.Master]
		if m == nil {
			m = map[string][]string{}
			s.replicas[in.Master] = m
		}
		m[in.Type] = append(m[in.Type], id)
	}
}

// Clock returns the simulator's clock.
func (s *Sim) Clock() Clock { return s.clock }

// SetFaults replaces the injected faults; Drift.After counts from now.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.faultsSince = s.clock.Now()
	s.driftDone = map[int]bool{}
	s.bucket = bucket{}
}

// Faults returns the faults currently injected.
func (s *Sim) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Calls returns a copy of the call log, oldest first.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	copy(out, s.calls)
	return out
}

// Instances returns the current state of every instance, sorted by id.
func (s *Sim) Instances() []InstanceView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := make([]InstanceView, 0, len(s.ids))
	for _, id := range s.ids {
		out = append(out, s.viewLocked(s.inst[id], now))
	}
	return out
}

// Instance returns the current state of one instance.
func (s *Sim) Instance(id string) (InstanceView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.inst[id]
	if !ok {
		return InstanceView{}, false
	}
	return s.viewLocked(in, s.clock.Now()), true
}

func (s *Sim) viewLocked(in *instance, now time.Time) InstanceView {
	s.settle(in, now)
	v := InstanceView{
		ID: in.ID, Region: in.Region, Engine: in.Engine, EngineVersion: in.EngineVersion,
		Status: s.statusLocked(in, now), Type: in.Type, Master: in.Master,
		ReadOnly: slices.Clone(s.replicasLocked(in.ID, TypeReadonly)), Guard: s.guardLocked(in.ID),
		MaintainTime: in.MaintainTime, Tags: maps.Clone(in.Tags), TaskID: in.TaskID,
		Upgrades: in.Upgrades, Refuse: s.opts.Refuse[in.ID],
	}
	if last := s.lastTaskLocked(in.ID); last != nil {
		v.LastTask = last.status(now)
	}
	return v
}

// addTask records a new task.
func (s *Sim) addTask(t *task) {
	s.tasks[t.ID] = t
	s.taskOrder = append(s.taskOrder, t.ID)
	s.taskByInst[t.InstanceID] = append(s.taskByInst[t.InstanceID], t.ID)
}

// settle applies everything that happened to in up to now: a finished task,
// an expired transient drift, scheduled drift.
func (s *Sim) settle(in *instance, now time.Time) {
	if in.TaskID != "" {
		t := s.tasks[in.TaskID]
		if !now.Before(t.End) {
			t.Done = true
			if !t.Fail {
				in.EngineVersion = t.To
			}
			in.Status = StatusRunning
			in.TaskID = ""
		}
	}
	if in.DriftStatus != "" && !in.DriftUntil.IsZero() && !now.Before(in.DriftUntil) {
		in.DriftStatus, in.DriftUntil = "", time.Time{}
	}
	for i, d := range s.faults.Drift {
		if d.ID != in.ID || s.driftDone[i] || now.Before(s.faultsSince.Add(d.After)) {
			continue
		}
		s.driftDone[i] = true
		if d.EngineVersion != "" {
			in.EngineVersion = d.EngineVersion
		}
		if d.Status != "" {
			if d.For > 0 {
				in.DriftStatus, in.DriftUntil = d.Status, now.Add(d.For)
			} else {
				in.Status = d.Status
			}
		}
	}
}

// observe is called when an API call reads in: it may start a random drift.
func (s *Sim) observe(in *instance, now time.Time) {
	s.settle(in, now)
	in.Reads++
	f := s.faults
	if f.DriftRate <= 0 || in.TaskID != "" || in.DriftStatus != "" || in.Status != StatusRunning {
		return
	}
	if chance(s.opts.Seed, "drift", in.ID, in.Reads) < f.DriftRate {
		in.DriftStatus, in.DriftUntil = f.driftStatus(), now.Add(f.driftFor())
	}
}

func (s *Sim) statusLocked(in *instance, now time.Time) string {
	if in.TaskID != "" && !now.Before(s.tasks[in.TaskID].Start) {
		return StatusUpgrading
	}
	if in.DriftStatus != "" {
		return in.DriftStatus
	}
	return in.Status
}

func (s *Sim) replicasLocked(id, typ string) []string {
	return s.replicas[id][typ]
}

func (s *Sim) guardLocked(id string) string {
	g := s.replicasLocked(id, TypeGuard)
	if len(g) == 0 {
		return ""
	}
	return g[0]
}

func (s *Sim) lastTaskLocked(id string) *task {
	return s.tasks[s.inst[id].LastTaskID]
}

// duration is how long the upgrade of in takes.
func (s *Sim) duration(in *instance) time.Duration {
	if s.opts.DurationFor != nil {
		if d := s.opts.DurationFor(in.ID); d > 0 {
			return d
		}
	}
	if s.opts.UpgradeDuration > 0 {
		return s.opts.UpgradeDuration
	}
	return modelDuration(s.opts.Seed, in.ID, in.Type, in.StorageGB)
}

// DurationNoise is the spread of the simulator's upgrade durations around
// the planner's estimate: each instance's upgrade takes the estimate times
// a factor drawn from Seed in [1-DurationNoise, 1+DurationNoise).
const DurationNoise = 0.2

// modelDuration is the duration model of plans.EstimateUpgrade (base +
// per GB of the instance's storage, primaries 1.5×) with seeded noise.
func modelDuration(seed int64, id, typ string, storageGB int) time.Duration {
	role := plans.RoleReadOnly
	if typ == TypePrimary {
		role = plans.RolePrimary
	}
	f := 1 - DurationNoise + 2*DurationNoise*chance(seed, "duration", id, 0)
	return time.Duration(float64(plans.EstimateUpgrade(role, storageGB)) * f).Round(time.Second)
}

// clusterVersionsLocked returns the engine version of every instance of
// id's cluster (its primary and the primary's replicas) at now, or nil for
// an unknown id.
func (s *Sim) clusterVersionsLocked(id string, now time.Time) map[string]string {
	in, ok := s.inst[id]
	if !ok {
		return nil
	}
	root := id
	if in.Type != TypePrimary && in.Master != "" {
		root = in.Master
	}
	out := map[string]string{}
	for _, mid := range slices.Concat([]string{root}, s.replicasLocked(root, TypeReadonly), s.replicasLocked(root, TypeGuard)) {
		if m, ok := s.inst[mid]; ok {
			s.settle(m, now)
			out[mid] = m.EngineVersion
		}
	}
	return out
}

// byID sorts instance pointers by id.
func byID(list []*instance) {
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
}

func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
