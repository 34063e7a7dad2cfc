package rdsapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"
)

// Instance is the live state of one instance as the API reports it.
type Instance struct {
	ID            string
	Region        string
	Status        string // DBInstanceStatus, e.g. Running, EngineVersionUpgrading
	EngineVersion string
	MaintainTime  string
	Type          string // Primary, Readonly, Guard
}

// Upgrade asks for one engine upgrade.
type Upgrade struct {
	Region        string
	InstanceID    string
	EngineVersion string
	EffectiveTime string // Immediate | MaintainTime
	ClientToken   string
}

// Task is the API's answer to an upgrade request.
type Task struct {
	TaskID    string
	RequestID string
}

// MaxDescribeBatch is how many ids one DescribeDBInstanceAttribute call carries.
const MaxDescribeBatch = 30

// Describe reads instances of one region with DescribeDBInstanceAttribute,
// ids comma-separated, MaxDescribeBatch per call. Ids the API does not
// return are absent from the map.
func (c *Client) Describe(ctx context.Context, region string, ids []string) (map[string]Instance, error) {
	out := make(map[string]Instance, len(ids))
	for start := 0; start < len(ids); start += MaxDescribeBatch {
		end := min(start+MaxDescribeBatch, len(ids))
		if err := c.describe(ctx, region, ids[start:end], out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (c *Client) describe(ctx context.Context, region string, ids []string, out map[string]Instance) error {
	const action = "DescribeDBInstanceAttribute"
	return c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateDescribeDBInstanceAttributeRequest()
		req.RegionId = region
		req.DBInstanceId = strings.Join(ids, ",")
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.DescribeDBInstanceAttribute(req)
		if err != nil {
			return Classify(action, err)
		}
		for _, a := range resp.Items.DBInstanceAttribute {
			r := a.RegionId
			if r == "" {
				r = region
			}
			out[a.DBInstanceId] = Instance{
				ID: a.DBInstanceId, Region: r, Status: a.DBInstanceStatus,
				EngineVersion: a.EngineVersion, MaintainTime: a.MaintainTime, Type: a.DBInstanceType,
			}
		}
		return nil
	})
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
