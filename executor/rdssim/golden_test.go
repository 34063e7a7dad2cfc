package rdssim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/internal/golden"
)

// TestWireShapes pins the raw JSON bodies of every action (and of an error)
// as the SDK receives them; regenerate with go test -update.
func TestWireShapes(t *testing.T) {
	e := start(t, rdssim.Options{Seed: 1})
	call := func(action string, params map[string]string) []byte {
		t.Helper()
		req := requests.NewCommonRequest()
		req.Method = requests.POST
		req.Product = "Rds"
		req.Version = rdssim.APIVersion
		req.ApiName = action
		req.QueryParams = params
		resp, err := e.client.ProcessCommonRequest(req)
		var se *sdkerrors.ServerError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("%s: %v", action, err)
		}
		return resp.GetHttpContentBytes()
	}
	steps := []struct {
		name   string
		action string
		params map[string]string
		then   time.Duration
	}{
		{"describe-instances", "DescribeDBInstances", map[string]string{"RegionId": "cn-hangzhou", "PageSize": "2", "PageNumber": "2"}, 0},
		{"describe-attribute", "DescribeDBInstanceAttribute", map[string]string{"DBInstanceId": "rm-pay,rd-pay"}, 0},
		{"upgrade", "UpgradeDBInstanceEngineVersion", map[string]string{"DBInstanceId": "rm-crm", "EngineVersion": "5.6", "ClientToken": "golden"}, 3 * time.Minute},
		{"describe-tasks", "DescribeTasks", map[string]string{"DBInstanceId": "rm-crm"}, 0},
		{"describe-history-tasks", "DescribeHistoryTasks", map[string]string{"InstanceId": "rm-crm",
			"FromStartTime": "2026-01-05T00:00:00Z", "ToStartTime": "2026-01-06T00:00:00Z"}, 0},
		{"error-primary-first", "UpgradeDBInstanceEngineVersion", map[string]string{"DBInstanceId": "rm-pay", "EngineVersion": "5.6"}, 0},
	}
	for _, s := range steps {
		raw := call(s.action, s.params)
		e.clock.Advance(s.then)
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: not JSON: %s", s.name, raw)
		}
		var got bytes.Buffer
		enc := json.NewEncoder(&got)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		path := filepath.Join("testdata", s.name+".golden.json")
		golden.Check(t, path, got.Bytes())
	}
}
