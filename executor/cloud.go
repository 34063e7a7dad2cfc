package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Cloud is what the executor needs from the RDS API, in the executor's own
// types. executor/rdsapi implements it over the Alibaba SDK; the executor
// never imports the adapter (the adapter imports the executor). Errors are
// classified with the Err* kinds below, usually as a *CloudError.
type Cloud interface {
	// Describe reads instances of one region (DescribeDBInstanceAttribute,
	// MaintainTime included). Ids the API does not return are absent.
	Describe(ctx context.Context, region string, ids []string) (map[string]Instance, error)
	// UpgradeEngineVersion asks for one upgrade with its ClientToken:
	// repeating the call with the same token never upgrades twice.
	UpgradeEngineVersion(ctx context.Context, u Upgrade) (Task, error)
}

// StatusLister is a Cloud that can read the status and engine version of
// many instances of a region in one regional list call
// (DescribeDBInstances, up to MaxListBatch per call). The poller uses it
// for in-flight instances when the Cloud has it.
type StatusLister interface {
	ListStatus(ctx context.Context, region string, ids []string) (map[string]Instance, error)
}

// Batch sizes of the read calls, as the API reference allows.
const (
	MaxDescribeBatch = 30  // ids per DescribeDBInstanceAttribute call
	MaxListBatch     = 100 // rows per DescribeDBInstances page
)

// Instance is the live state of one instance as the API reports it.
type Instance struct {
	ID            string
	Region        string
	Status        string // DBInstanceStatus, e.g. Running, EngineVersionUpgrading
	EngineVersion string
	MaintainTime  string // "" when the call does not report it (the list call)
	Type          string // Primary, Readonly, Guard
}

// StatusRunning is the DBInstanceStatus of an instance at rest.
const StatusRunning = "Running"

// Upgrade asks for one engine upgrade.
type Upgrade struct {
	Region        string
	InstanceID    string
	EngineVersion string
	EffectiveTime string // Immediate | MaintainTime
	ClientToken   string
}

// Task is the API's answer to an accepted upgrade.
type Task struct {
	TaskID    string
	RequestID string
}

// Error kinds of the cloud. The adapter classifies every failure into one
// of them; the executor branches with errors.Is on these and nothing else.
var (
	// ErrThrottled: the API refused the call for its rate limit; retry later.
	ErrThrottled = errors.New("throttled")
	// ErrTransient: a 5xx, a timeout or a broken connection; the call may or
	// may not have been carried out; retry (with the same ClientToken).
	ErrTransient = errors.New("transient error")
	// ErrWrongState: the instance is not in a state that allows the action
	// (e.g. not Running); wait and retry a bounded time.
	ErrWrongState = errors.New("instance in wrong state")
	// ErrNotFound: the instance does not exist (in this region).
	ErrNotFound = errors.New("instance not found")
	// ErrNotEligible: the instance cannot take this upgrade as it is (SSL or
	// TDE enabled, MyISAM tables, ...); retrying will not help until someone
	// changes the instance. CloudError.Hint says what to change.
	ErrNotEligible = errors.New("instance not eligible for the upgrade")
	// ErrInstanceLocked: the instance is locked (expired, overdue payment,
	// storage full); waiting does not clear it. CloudError.Hint says what to do.
	ErrInstanceLocked = errors.New("instance locked")
	// ErrFatal: anything else (bad parameters, auth, unsupported version):
	// retrying will not help.
	ErrFatal = errors.New("fatal API error")
	// ErrUnreachable marks a call that never reached the endpoint (DNS,
	// refused connection, unreachable network, dial timeout). Such an
	// error is also ErrTransient; how long to retry is the executor's
	// choice (Options.UnreachableFor).
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrCredentials: the service refused who we are. It is also ErrFatal.
	ErrCredentials = errors.New("credentials refused")
)

// CloudError is an API failure classified into one of the kinds above.
type CloudError struct {
	Kind       error  // one of the Err* kinds
	Action     string // API action, e.g. "UpgradeDBInstanceEngineVersion"
	Code       string // the service's error code, "" for network errors
	Message    string // the service's message or the network error
	RequestID  string
	HTTPStatus int
	// Hint says what a person must do, for ErrNotEligible and
	// ErrInstanceLocked; "" otherwise.
	Hint string
}

func (e *CloudError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", e.Action, e.Kind)
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrThrottled) and friends work.
func (e *CloudError) Is(target error) bool { return target == e.Kind }

// retryable reports the kinds worth retrying with backoff.
func retryable(err error) bool {
	return errors.Is(err, ErrThrottled) || errors.Is(err, ErrTransient)
}
