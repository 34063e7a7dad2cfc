package rdsapi

import (
	"context"
	"strings"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor"
)

// ListStatus reads the status and engine version of instances of one
// region with the regional list call DescribeDBInstances (ids
// comma-separated, executor.MaxListBatch rows per page), which the API
// reference recommends over DescribeDBInstanceAttribute for many ids. The
// list carries no MaintainTime. Ids the answer leaves out are absent from
// the map. It implements executor.StatusLister.
func (c *Client) ListStatus(ctx context.Context, region string, ids []string) (map[string]Instance, error) {
	out := make(map[string]Instance, len(ids))
	for start := 0; start < len(ids); start += executor.MaxListBatch {
		chunk := ids[start:min(start+executor.MaxListBatch, len(ids))]
		for page := 1; ; page++ {
			total, err := c.listPage(ctx, region, chunk, page, out)
			if err != nil {
				return out, err
			}
			if page*executor.MaxListBatch >= total {
				break
			}
		}
	}
	return out, nil
}

func (c *Client) listPage(ctx context.Context, region string, ids []string, page int, out map[string]Instance) (int, error) {
	const action = "DescribeDBInstances"
	total := 0
	err := c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateDescribeDBInstancesRequest()
		req.RegionId = region
		req.DBInstanceId = strings.Join(ids, ",")
		req.PageSize = requests.NewInteger(executor.MaxListBatch)
		req.PageNumber = requests.NewInteger(page)
		req.GetHeaders()[callHeader] = callID
		resp, err := cl.DescribeDBInstances(req)
		if err != nil {
			return Classify(action, err)
		}
		total = resp.TotalRecordCount
		for _, a := range resp.Items.DBInstance {
			r := a.RegionId
			if r == "" {
				r = region
			}
			out[a.DBInstanceId] = Instance{ID: a.DBInstanceId, Region: r, Status: a.DBInstanceStatus,
				EngineVersion: a.EngineVersion, Type: a.DBInstanceType}
		}
		return nil
	})
	return total, err
}
