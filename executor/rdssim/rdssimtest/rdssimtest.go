// Package rdssimtest starts an rdssim simulator on an httptest server for
// tests in other packages, and builds real SDK clients pointed at it.
package rdssimtest

import (
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

// The key pair StartTestServer uses when opts leaves it empty.
const (
	AccessKeyID     = "LTAIrdssimtest0001"
	AccessKeySecret = "rdssim-test-secret"
)

// StartTestServer serves a simulator of instances on a loopback httptest
// server closed at the end of the test. It returns the simulator and the
// endpoint ("http://127.0.0.1:PORT"). Empty keys in opts default to
// AccessKeyID / AccessKeySecret.
func StartTestServer(t testing.TB, instances []plans.Instance, opts rdssim.Options) (*rdssim.Sim, string) {
	t.Helper()
	if opts.AccessKeyID == "" {
		opts.AccessKeyID = AccessKeyID
	}
	if opts.AccessKeySecret == "" {
		opts.AccessKeySecret = AccessKeySecret
	}
	sim, err := rdssim.NewChecked(instances, opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// NewClient returns a real SDK client for region that talks plain HTTP to
// endpoint with the test key pair.
func NewClient(t testing.TB, endpoint, region string) *rds.Client {
	t.Helper()
	return NewClientWithKey(t, endpoint, region, AccessKeyID, AccessKeySecret)
}

// newClientMu serialises rds.NewClientWithAccessKey: in SDK v1.63.107 it
// fills a package-level endpoint map lazily without a lock, a data race when
// clients are made concurrently.
var newClientMu sync.Mutex

// NewClientWithKey is NewClient with an explicit key pair. Safe to call from
// several goroutines.
func NewClientWithKey(t testing.TB, endpoint, region, id, secret string) *rds.Client {
	t.Helper()
	newClientMu.Lock()
	c, err := rds.NewClientWithAccessKey(region, id, secret)
	newClientMu.Unlock()
	if err != nil {
		t.Fatalf("new rds client: %v", err)
	}
	c.Domain = strings.TrimPrefix(endpoint, "http://")
	return c
}

// UpgradeRequest is an Immediate UpgradeDBInstanceEngineVersion request.
func UpgradeRequest(id, version, token string) *rds.UpgradeDBInstanceEngineVersionRequest {
	req := rds.CreateUpgradeDBInstanceEngineVersionRequest()
	req.DBInstanceId, req.EngineVersion, req.ClientToken, req.EffectiveTime = id, version, token, "Immediate"
	return req
}

// ClosedEndpoint is an http endpoint on loopback that nobody listens on: a
// call to it is refused.
func ClosedEndpoint(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
