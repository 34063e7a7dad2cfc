package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/rdsup/rdsup/plans"
)

// Defaults of Options, documented in the README.
const (
	DefaultConcurrency    = 10
	DefaultQPS            = 20
	DefaultPollInterval   = 15 * time.Second
	DefaultStepTimeout    = 2 * time.Hour
	DefaultStartGrace     = 5 * time.Minute
	DefaultWrongStateWait = 10 * time.Minute
	DefaultRetryFor       = 10 * time.Minute
)

// Options tune a run. Zero values take the defaults above.
type Options struct {
	Concurrency  int           // steps in flight at once
	QPS          float64       // API calls per second, all actions together
	PollInterval time.Duration // between batched status reads of in-flight instances
	// StepTimeout: from the upgrade call to Running on the target version.
	// For MaintainTime upgrades it runs from when the cloud starts the
	// upgrade, at the latest from the opening of the instance's
	// maintenance window (judged by Now). A timed-out step is failed; the
	// next apply polls it again.
	StepTimeout time.Duration
	KeepGoing   bool // after a failure, keep starting steps of other clusters
	// NoWait: never wait for a maintenance window. Steps whose window is
	// closed are left pending; a MaintainTime upgrade the cloud accepted
	// but will only start when the instance's window opens is journaled as
	// pending with its task and left scheduled (its dependents not started).
	NoWait bool
	// StartGrace: an Immediate upgrade whose instance is still Running on the
	// old version this long after submission, never seen upgrading, failed.
	StartGrace     time.Duration
	WrongStateWait time.Duration // how long to retry an upgrade refused for the instance's state
	RetryFor       time.Duration // how long to retry throttled and transient errors
	Window         WindowFunc    // may a step start now, or when? nil → DefaultWindow: always (no rule of its own)
	// Clock is the run's one clock: windows are judged, deadlines
	// (StepTimeout, StartGrace, WrongStateWait, RetryFor) measured and
	// events and journal records stamped by it. nil → the wall clock;
	// --simulate passes the simulator's accelerated clock. PollInterval,
	// QPS, retry backoff and UnreachableFor are real time.
	Clock  Clock
	Logger *slog.Logger
	// OnEvent, when set, is called (from many goroutines, serialised) for
	// every step transition; progress displays use it.
	OnEvent func(Event)
	// UnreachableFor: how long a region's endpoint may go unreached (DNS
	// failure, refused connection) before the run ends with an error
	// wrapping ErrUnreachable.
	UnreachableFor time.Duration
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.QPS <= 0 {
		o.QPS = DefaultQPS
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = DefaultStepTimeout
	}
	if o.StartGrace <= 0 {
		o.StartGrace = DefaultStartGrace
	}
	if o.WrongStateWait <= 0 {
		o.WrongStateWait = DefaultWrongStateWait
	}
	if o.RetryFor <= 0 {
		o.RetryFor = DefaultRetryFor
	}
	if o.UnreachableFor <= 0 {
		o.UnreachableFor = DefaultUnreachableFor
	}
	if o.Window == nil {
		o.Window = DefaultWindow
	}
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Clock tells the run what time it is (see Options.Clock).
type Clock interface{ Now() time.Time }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// Event is one step event, for progress displays and logs: the step
// entered State, or (Retry) something happened while it is in State.
type Event struct {
	Time     time.Time // on the run's clock
	Step     string
	Instance string
	State    State
	Detail   string
	// Until: Waiting and Scheduled steps wait for the maintenance window
	// opening then (run clock).
	Until time.Time
	Retry bool // a retried call or a wait; the state did not change
}

// StepResult is the outcome of one step.
type StepResult struct {
	Step     string        `json:"step"`
	Instance string        `json:"instance"`
	Cluster  string        `json:"cluster"`
	State    State         `json:"state"`
	Detail   string        `json:"detail,omitempty"`
	TaskID   string        `json:"taskId,omitempty"`
	Until    time.Time     `json:"until,omitzero"`     // scheduled: when the maintenance window opens
	Duration time.Duration `json:"duration,omitempty"` // on the run's clock
	// Fenced: not started because another plan of the shared state store
	// holds the step's instance (Detail names that plan and step).
	Fenced bool `json:"fenced,omitempty"`
}

// Result is the outcome of a run.
type Result struct {
	Steps       []StepResult // in plan order
	Interrupted bool         // the context was cancelled (signal)
	Started     time.Time    // on the run's clock
	Finished    time.Time
	APICalls    int // Describe and Upgrade calls sent, retries included
	PollRounds  int
	Stages      []StageStatus // a staged plan's stages as the run leaves them; nil without stages
}

// Count returns how many steps ended in state.
func (r *Result) Count(state State) int {
	n := 0
	for _, s := range r.Steps {
		if s.State == state {
			n++
		}
	}
	return n
}

// Done reports whether every step succeeded.
func (r *Result) Done() bool { return r.Count(Succeeded) == len(r.Steps) }

// ErrDenied is returned for a plan whose policy verdicts deny a step.
var ErrDenied = errors.New("plan has denied steps")

// CheckApplicable refuses plans with denials or broken dependencies.
func CheckApplicable(p *plans.Plan) error {
	var denied []string
	ids := map[string]bool{}
	for _, s := range p.Steps {
		ids[s.ID] = true
		if len(s.Policy.Deny) > 0 {
			denied = append(denied, fmt.Sprintf("%s (%s)", s.ID, s.Policy.Deny[0].Message))
		}
	}
	if len(denied) > 0 || !p.Summary.Applicable {
		return fmt.Errorf("%w: %d step(s) denied by policy: %v; fix the inventory or policies and run `rdsup plan` again", ErrDenied, len(denied), denied)
	}
	for _, s := range p.Steps {
		for _, d := range s.DependsOn {
			if !ids[d] {
				return fmt.Errorf("step %s depends on unknown step %s; make the plan again with `rdsup plan`", s.ID, d)
			}
		}
	}
	return nil
}

// Run applies p through cloud, recording progress in j. Cancelling ctx
// stops starting steps and stops polling (everything is journaled, a later
// Run resumes); Run returns when every goroutine it started has ended. The
// error is non-nil only when the executor itself failed (journal I/O,
// invalid plan) or the endpoint stayed unreachable for UnreachableFor
// (ErrUnreachable; the steps stop as if interrupted); step
// failures are in the Result.
func Run(ctx context.Context, p *plans.Plan, cloud Cloud, j StepLog, opts Options) (*Result, error) {
	res, _, err := runPass(ctx, p, cloud, j, opts)
	return res, err
}

// runPass is one Run; it also returns the runner, for RunShared.
func runPass(ctx context.Context, p *plans.Plan, cloud Cloud, j StepLog, opts Options) (*Result, *runner, error) {
	opts.defaults()
	if err := CheckApplicable(p); err != nil {
		return nil, nil, err
	}
	if j.PlanID() != p.ID {
		return nil, nil, fmt.Errorf("%w: journal %s is for plan %s, not %s", ErrJournalMismatch, j.Path(), shortID(j.PlanID()), shortID(p.ID))
	}
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	r := newRunner(p, newReachGuard(cloud, opts.UnreachableFor, abort), j, opts)
	res, err := r.run(ctx)
	if cause := context.Cause(ctx); err == nil && errors.Is(cause, ErrUnreachable) {
		return res, r, cause
	}
	return res, r, err
}

// rateLimited counts and paces every call to the cloud.
type rateLimited struct {
	Cloud
	lim   *rate.Limiter
	calls func()
}

func (c rateLimited) UpgradeEngineVersion(ctx context.Context, u Upgrade) (Task, error) {
	if err := c.lim.Wait(ctx); err != nil {
		return Task{}, err
	}
	c.calls()
	return c.Cloud.UpgradeEngineVersion(ctx, u)
}
