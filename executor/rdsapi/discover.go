package rdsapi

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/planner/discover"
)

// Discovery reads a fleet for planner/discover through the SDK.
type Discovery struct{ c *Client }

// Discovery returns the client's implementation of discover.Account.
func (c *Client) Discovery() *Discovery { return &Discovery{c: c} }

var _ discover.Account = (*Discovery)(nil)

// accessCodes are the service's refusals of a permission (not of the key).
var accessCodes = []string{"Forbidden.RAM", "Forbidden.NoPermission", "NoPermission", "Forbidden"}

// unknownRegionCodes are the refusals of a region id.
var unknownRegionCodes = []string{"InvalidRegionId.Malformed", "InvalidRegionId.NotFound", "InvalidRegion.NotExist"}

// discoveryError marks err with discover's kinds.
func discoveryError(action string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	code := ""
	if errors.As(err, &e) {
		code = e.Code
	}
	switch {
	case errors.Is(err, ErrThrottled), errors.Is(err, ErrTransient) && !errors.Is(err, ErrUnreachable):
		return &kindError{err: err, kind: discover.ErrRetryable}
	case hasCode(accessCodes, code):
		return &discover.AccessDenied{Action: "rds:" + action, Err: err}
	case hasCode(unknownRegionCodes, code):
		return &kindError{err: err, kind: discover.ErrUnknownRegion}
	case errors.Is(err, ErrCredentials):
		return &kindError{err: err, kind: discover.ErrCredentials}
	}
	return err
}

type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string        { return e.err.Error() }
func (e *kindError) Unwrap() error        { return e.err }
func (e *kindError) Is(target error) bool { return target == e.kind }

// Regions lists the region ids DescribeRegions reports, once each, sorted.
func (d *Discovery) Regions(ctx context.Context) ([]string, error) {
	const action = "DescribeRegions"
	var out []string
	err := d.c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateDescribeRegionsRequest()
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.DescribeRegions(req)
		if err != nil {
			return Classify(action, err)
		}
		for _, r := range resp.Regions.RDSRegion {
			out = append(out, r.RegionId)
		}
		return nil
	})
	if err != nil {
		return nil, discoveryError(action, err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// ListInstances reads one page of DescribeDBInstances with MaxResults and
// NextToken, the engine filter and the tag filter (the Tags parameter).
func (d *Discovery) ListInstances(ctx context.Context, region string, f discover.Filter, token string) ([]discover.Instance, string, error) {
	const action = "DescribeDBInstances"
	var out []discover.Instance
	next := ""
	err := d.c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateDescribeDBInstancesRequest()
		req.RegionId = region
		req.MaxResults = requests.NewInteger(discover.MaxPage)
		req.NextToken = token
		req.Engine = f.Engine
		if len(f.Tags) > 0 {
			b, err := json.Marshal(f.Tags)
			if err != nil {
				return err
			}
			req.Tags = string(b)
		}
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.DescribeDBInstances(req)
		if err != nil {
			return Classify(action, err)
		}
		for _, it := range resp.Items.DBInstance {
			in := discover.Instance{
				ID: it.DBInstanceId, Region: it.RegionId, Engine: it.Engine, EngineVersion: it.EngineVersion,
				Status: it.DBInstanceStatus, Type: it.DBInstanceType, Master: it.MasterInstanceId, Guard: it.GuardDBInstanceId,
			}
			for _, ro := range it.ReadOnlyDBInstanceIds.ReadOnlyDBInstanceId {
				in.ReadOnly = append(in.ReadOnly, ro.DBInstanceId)
			}
			if in.Region == "" {
				in.Region = region
			}
			out = append(out, in)
		}
		next = resp.NextToken
		return nil
	})
	if err != nil {
		return nil, "", discoveryError(action, err)
	}
	return out, next, nil
}

// Describe reads DescribeDBInstanceAttribute for ids (at most 30,
// comma-separated). Should the service refuse the list, each id is read
// alone; ids not found are left out.
func (d *Discovery) Describe(ctx context.Context, region string, ids []string) ([]discover.Instance, error) {
	const action = "DescribeDBInstanceAttribute"
	out, err := d.describe(ctx, region, ids)
	if err != nil && len(ids) > 1 && (errors.Is(err, ErrFatal) || errors.Is(err, ErrNotFound)) {
		out = out[:0]
		for _, id := range ids {
			one, err := d.describe(ctx, region, []string{id})
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, discoveryError(action, err)
			}
			out = append(out, one...)
		}
		return out, nil
	}
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return out, discoveryError(action, err)
}

func (d *Discovery) describe(ctx context.Context, region string, ids []string) ([]discover.Instance, error) {
	attrs, err := d.c.attributes(ctx, region, ids)
	out := make([]discover.Instance, 0, len(attrs))
	for _, a := range attrs {
		in := discover.Instance{
			ID: a.DBInstanceId, Region: a.RegionId, Engine: a.Engine, EngineVersion: a.EngineVersion,
			Status: a.DBInstanceStatus, Type: a.DBInstanceType, Master: a.MasterInstanceId, Guard: a.GuardDBInstanceId,
			MaintainTime: a.MaintainTime, StorageGB: a.DBInstanceStorage,
		}
		for _, ro := range a.ReadOnlyDBInstanceIds.ReadOnlyDBInstanceId {
			in.ReadOnly = append(in.ReadOnly, ro.DBInstanceId)
		}
		if in.Region == "" {
			in.Region = region
		}
		out = append(out, in)
	}
	return out, err
}

// Tags reads one page of ListTagResources (ResourceType INSTANCE) for ids
// (at most 50).
func (d *Discovery) Tags(ctx context.Context, region string, ids []string, token string) (map[string]map[string]string, string, error) {
	const action = "ListTagResources"
	out := map[string]map[string]string{}
	next := ""
	err := d.c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateListTagResourcesRequest()
		req.RegionId = region
		req.ResourceType = "INSTANCE"
		list := slices.Clone(ids)
		req.ResourceId = &list
		req.NextToken = token
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.ListTagResources(req)
		if err != nil {
			return Classify(action, err)
		}
		for _, t := range resp.TagResources.TagResource {
			if out[t.ResourceId] == nil {
				out[t.ResourceId] = map[string]string{}
			}
			out[t.ResourceId][t.TagKey] = t.TagValue
		}
		next = resp.NextToken
		return nil
	})
	if err != nil {
		return nil, "", discoveryError(action, err)
	}
	return out, next, nil
}
