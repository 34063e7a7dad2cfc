package rdsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor"
)

// The executor's types: this package implements executor.Cloud.
type (
	Instance = executor.Instance
	Upgrade  = executor.Upgrade
	Task     = executor.Task
)

// MaxDescribeBatch is how many ids one DescribeDBInstanceAttribute call
// carries: the most the API reference allows.
const MaxDescribeBatch = executor.MaxDescribeBatch

// Describe reads instances of one region with DescribeDBInstanceAttribute,
// ids comma-separated, MaxDescribeBatch per call. Ids the API does not
// return are absent from the map.
//
// It does not depend on lists being honoured (the reference discourages
// them): ids a list call leaves out of its answer are read one per call,
// and once the service refuses a list outright (a fatal error where one id
// alone is answered) this client reads one id per call from then on.
func (c *Client) Describe(ctx context.Context, region string, ids []string) (map[string]Instance, error) {
	out := make(map[string]Instance, len(ids))
	for start := 0; start < len(ids); {
		batch := MaxDescribeBatch
		if c.describeSingly.Load() {
			batch = 1
		}
		chunk := ids[start:min(start+batch, len(ids))]
		start += len(chunk)
		err := c.describe(ctx, region, chunk, out)
		if err != nil && len(chunk) > 1 && errors.Is(err, ErrFatal) {
			if c.describe(ctx, region, chunk[:1], out) != nil {
				return out, err // not the list: the call itself fails
			}
			c.describeSingly.Store(true)
			err = nil
		}
		if err != nil {
			return out, err
		}
		if len(chunk) == 1 {
			continue
		}
		for _, id := range chunk {
			if _, ok := out[id]; ok {
				continue
			}
			if err := c.describe(ctx, region, []string{id}, out); err != nil && !errors.Is(err, ErrNotFound) {
				return out, err
			}
		}
	}
	return out, nil
}

func (c *Client) describe(ctx context.Context, region string, ids []string, out map[string]Instance) error {
	attrs, err := c.attributes(ctx, region, ids)
	for _, a := range attrs {
		r := a.RegionId
		if r == "" {
			r = region
		}
		out[a.DBInstanceId] = Instance{
			ID: a.DBInstanceId, Region: r, Status: a.DBInstanceStatus,
			EngineVersion: a.EngineVersion, MaintainTime: a.MaintainTime, Type: a.DBInstanceType,
		}
	}
	return err
}

// attributes is one DescribeDBInstanceAttribute call for ids (at most 30,
// comma-separated), the one place that sends it.
func (c *Client) attributes(ctx context.Context, region string, ids []string) ([]rds.DBInstanceAttribute, error) {
	const action = "DescribeDBInstanceAttribute"
	var attrs []rds.DBInstanceAttribute
	err := c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateDescribeDBInstanceAttributeRequest()
		req.RegionId = region
		req.DBInstanceId = strings.Join(ids, ",")
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.DescribeDBInstanceAttribute(req)
		if err != nil {
			return Classify(action, err)
		}
		attrs = resp.Items.DBInstanceAttribute
		return nil
	})
	return attrs, err
}

// UpgradeEngineVersion calls UpgradeDBInstanceEngineVersion with the given
// ClientToken: repeating the call with the same token never upgrades twice.
func (c *Client) UpgradeEngineVersion(ctx context.Context, u Upgrade) (Task, error) {
	const action = "UpgradeDBInstanceEngineVersion"
	if u.ClientToken == "" || len(u.ClientToken) > 64 {
		return Task{}, fmt.Errorf("upgrade %s: client token must be 1..64 characters", u.InstanceID)
	}
	var t Task
	err := c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateUpgradeDBInstanceEngineVersionRequest()
		req.RegionId = u.Region
		req.DBInstanceId = u.InstanceID
		req.EngineVersion = u.EngineVersion
		req.EffectiveTime = u.EffectiveTime
		req.ClientToken = u.ClientToken
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.UpgradeDBInstanceEngineVersion(req)
		if err != nil {
			return Classify(action, err)
		}
		t = Task{TaskID: resp.TaskId, RequestID: resp.RequestId}
		return nil
	})
	return t, err
}
