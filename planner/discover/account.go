package discover

import (
	"context"
	"errors"
	"fmt"
)

// Account is what discovery reads from the cloud. executor/rdsapi
// implements it through the Alibaba Cloud SDK; errors it returns are
// marked with the kinds below (errors.Is) so discovery can retry or explain
// them without knowing the API's codes.
type Account interface {
	// Regions lists the regions the service offers (DescribeRegions).
	Regions(ctx context.Context) ([]string, error)
	// ListInstances returns one page (at most MaxPage) of the instances of
	// region that match f (DescribeDBInstances with the API's own filters),
	// and the token of the next page, "" after the last one.
	ListInstances(ctx context.Context, region string, f Filter, token string) ([]Instance, string, error)
	// Describe reads the attributes of at most MaxDescribe instances of
	// region (DescribeDBInstanceAttribute). Ids it does not find are
	// absent from the answer.
	Describe(ctx context.Context, region string, ids []string) ([]Instance, error)
	// Tags returns one page of the tags of at most MaxTags instances of
	// region (ListTagResources) and the token of the next page, "" after
	// the last; instances without tags may be absent.
	Tags(ctx context.Context, region string, ids []string, token string) (map[string]map[string]string, string, error)
}

// Batch sizes the API reference allows.
const (
	MaxPage     = 100 // DescribeDBInstances MaxResults
	MaxDescribe = 30  // DescribeDBInstanceAttribute ids per call
	MaxTags     = 50  // ListTagResources ResourceId.N
	MaxTagsIn   = 5   // tags in one DescribeDBInstances filter
)

// DBInstanceType values as the service reports them.
const (
	TypePrimary  = "Primary"
	TypeReadonly = "Readonly"
	TypeGuard    = "Guard"
	TypeTemp     = "Temp"
)

// Instance is one instance as the account reports it. List answers fill
// what DescribeDBInstances carries; Describe adds MaintainTime and
// StorageGB; Tags come from the tag API.
type Instance struct {
	ID            string
	Region        string
	Engine        string
	EngineVersion string
	Status        string
	Type          string   // DBInstanceType: Primary | Readonly | Guard | Temp
	Master        string   // MasterInstanceId: the primary of a replica
	Guard         string   // GuardDBInstanceId: a primary's disaster-recovery instance
	ReadOnly      []string // ReadOnlyDBInstanceIds of a primary
	MaintainTime  string
	StorageGB     int
	Tags          map[string]string
}

// Filter selects instances with the API's own filters.
type Filter struct {
	Engine string            // e.g. MySQL; "" for every engine
	Tags   map[string]string // every tag must match; at most MaxTagsIn
}

// Kinds an Account marks its errors with.
var (
	// ErrRetryable: throttled, or a transient failure of a read; retry later.
	ErrRetryable = errors.New("retryable")
	// ErrAccessDenied: the caller lacks a RAM permission; see AccessDenied.
	ErrAccessDenied = errors.New("access denied")
	// ErrCredentials: the access key is unknown, disabled or its secret wrong.
	ErrCredentials = errors.New("credentials refused")
	// ErrUnknownRegion: the service does not know the region.
	ErrUnknownRegion = errors.New("unknown region")
)

// AccessDenied is an ErrAccessDenied naming the RAM action refused.
type AccessDenied struct {
	Action string // RAM action, e.g. rds:DescribeDBInstances
	Err    error
}

func (e *AccessDenied) Error() string {
	return fmt.Sprintf("access denied: the RAM user or role lacks %s (grant it, e.g. with the AliyunRDSReadOnlyAccess policy): %v", e.Action, e.Err)
}

func (e *AccessDenied) Unwrap() error        { return e.Err }
func (e *AccessDenied) Is(target error) bool { return target == ErrAccessDenied }
