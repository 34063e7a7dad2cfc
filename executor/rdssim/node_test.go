package rdssim_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// nodeDir holds the Node harness: package.json and package-lock.json pin
// the clients, clients.js drives them.
const nodeDir = "testdata/node"

// nodeModules installs the pinned Node clients (npm ci, no install
// scripts) once per lockfile into the user's cache directory and returns
// the node_modules directory. It skips the test when node or npm is absent.
func nodeModules(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: the Node client test needs Node.js and npm", tool)
		}
	}
	h := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(nodeDir, f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = t.TempDir()
	}
	base = filepath.Join(base, "rdsup")
	dir := filepath.Join(base, "rdssim-node-"+hex.EncodeToString(h.Sum(nil))[:16])
	marker := filepath.Join(dir, "installed")
	if _, err := os.Stat(marker); err == nil {
		return filepath.Join(dir, "node_modules")
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	// Install into a fresh directory and rename it into place, so a
	// concurrent or interrupted run never sees half an install.
	tmp, err := os.MkdirTemp(base, "rdssim-node-tmp-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, _ := os.ReadFile(filepath.Join(nodeDir, f))
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", tmp, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, "installed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(marker); statErr != nil {
			t.Fatalf("install Node clients: %v", err)
		}
		// Another run installed the same lockfile first.
	}
	return filepath.Join(dir, "node_modules")
}

// schemeCounter counts the requests of each signature scheme.
type schemeCounter struct {
	mu     sync.Mutex
	v1, v3 int
}

func (c *schemeCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256 ") {
			c.v3++
		} else {
			c.v1++
		}
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

type nodeClientResult struct {
	List     []string `json:"list"`
	Describe struct {
		ID, Version, Status string
	} `json:"describe"`
	Upgrade     []string `json:"upgrade"`
	WrongSecret struct {
		Code       string `json:"code"`
		StatusCode int    `json:"statusCode"`
		RequestID  string `json:"requestId"`
		HostID     string `json:"hostId"`
		Recommend  string `json:"recommend"`
	} `json:"wrongSecret"`
}

// TestNodeClients drives the simulator from Node with @alicloud/pop-core
// (v1 signatures, GET query and POST form bodies) and
// @alicloud/rds20140815 (v3 signatures): list, describe, upgrade twice
// with one ClientToken, and a wrong secret.
func TestNodeClients(t *testing.T) {
	modules := nodeModules(t)
	sim, err := rdssim.NewChecked(fleet(), rdssim.Options{
		AccessKeyID: rdssimtest.AccessKeyID, AccessKeySecret: rdssimtest.AccessKeySecret,
		Clock: rdssim.NewManualClock(t0), UpgradeDuration: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	var schemes schemeCounter
	srv := httptest.NewServer(schemes.wrap(sim))
	defer srv.Close()

	script, err := filepath.Abs(filepath.Join(nodeDir, "clients.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "RDSSIM_ENDPOINT="+srv.URL,
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+rdssimtest.AccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+rdssimtest.AccessKeySecret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s", script, err, stderr.String())
	}
	var got map[string]nodeClientResult
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("node output is not JSON: %v\n%s", err, stdout.String())
	}

	hangzhou := []string{"rm-crm", "rm-new", "rm-pay", "rr-pay-1", "rr-pay-2"}
	for _, tc := range []struct {
		client, describe, upgraded string
		status                     int // of the wrong-secret error, as the client reports it (0: not reported)
	}{
		{"popCore", "rm-pay", "rm-crm", 0},
		{"rds20140815", "rr-pay-1", "rr-pay-1", 400},
	} {
		r, ok := got[tc.client]
		if !ok {
			t.Fatalf("no result for %s: %s", tc.client, stdout.String())
		}
		if !slices.Equal(r.List, hangzhou) {
			t.Errorf("%s: DescribeDBInstances = %v, want %v", tc.client, r.List, hangzhou)
		}
		if r.Describe.ID != tc.describe || r.Describe.Version != "5.5" || r.Describe.Status != "Running" {
			t.Errorf("%s: DescribeDBInstanceAttribute = %+v, want %s on 5.5, Running", tc.client, r.Describe, tc.describe)
		}
		if len(r.Upgrade) != 2 || r.Upgrade[0] == "" || r.Upgrade[0] != r.Upgrade[1] {
			t.Errorf("%s: upgrade task ids = %v, want one task twice", tc.client, r.Upgrade)
		}
		if in, _ := sim.Instance(tc.upgraded); in.Upgrades != 1 || in.TaskID != r.Upgrade[0] {
			t.Errorf("%s: %s has %d upgrades, task %q; want 1, %v", tc.client, tc.upgraded, in.Upgrades, in.TaskID, r.Upgrade)
		}
		w := r.WrongSecret
		if w.Code != "SignatureDoesNotMatch" || w.RequestID == "" || w.HostID == "" || w.Recommend == "" ||
			tc.status != 0 && w.StatusCode != tc.status {
			t.Errorf("%s: wrong secret gave %+v, want SignatureDoesNotMatch with RequestId, HostId, Recommend", tc.client, w)
		}
	}
	// Each client made 5 calls, each with its own scheme.
	if schemes.v1 != 5 || schemes.v3 != 5 {
		t.Errorf("requests by scheme: v1 %d, v3 %d; want 5 and 5", schemes.v1, schemes.v3)
	}
}
