package examples_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// fakeIMDS is the ECS instance metadata service (100.100.100.200) as the
// Alibaba Cloud SDK's ECS RAM role provider reads it, served as an HTTP
// proxy: the pod's HTTP_PROXY sends the SDK's metadata requests here (the
// simulator, on loopback, is never proxied). The role's credentials are
// the simulator's key pair with a security token.
type fakeIMDS struct {
	mu   sync.Mutex
	seen []string
}

const nodeRole = "rdsup-node-role"

func (f *fakeIMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Method+" "+r.URL.String())
	f.mu.Unlock()
	if r.URL.Host != "100.100.100.200" {
		http.Error(w, "the fake metadata proxy serves 100.100.100.200 only", http.StatusBadGateway)
		return
	}
	switch p := r.URL.Path; {
	case r.Method == http.MethodPut && p == "/latest/api/token":
		_, _ = w.Write([]byte("imds-session-token"))
	case r.Header.Get("X-aliyun-ecs-metadata-token") != "imds-session-token":
		http.Error(w, "no metadata token", http.StatusUnauthorized)
	case p == "/latest/meta-data/ram/security-credentials/":
		_, _ = w.Write([]byte(nodeRole))
	case p == "/latest/meta-data/ram/security-credentials/"+nodeRole:
		now := time.Now().UTC()
		_ = json.NewEncoder(w).Encode(map[string]string{
			"Code": "Success", "AccessKeyId": rdssimtest.AccessKeyID, "AccessKeySecret": rdssimtest.AccessKeySecret,
			"SecurityToken": "CAIS-test-security-token", "LastUpdated": now.Format("2006-01-02T15:04:05Z"),
			"Expiration": now.Add(6 * time.Hour).Format("2006-01-02T15:04:05Z"),
		})
	default:
		http.NotFound(w, r)
	}
}

// The CronJob with a Secret that holds only the state URL: rdsup takes
// the node's ECS RAM role through the SDK's credential chain.
func TestKubernetesCronJobECSRAMRole(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	c := newCloud(t, repo)
	stateURL := stateDB(t)
	id := storePlan(t, repo, c, stateURL)
	imds := &fakeIMDS{}
	proxy := httptest.NewServer(imds)
	t.Cleanup(proxy.Close)
	before := len(c.sim.Calls())
	r := runCronJob(t, repo, c, map[string]string{"state-url": stateURL}, map[string]string{"plan-id": id},
		"HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL)
	if r.code != 0 {
		t.Fatalf("CronJob on the RAM role: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	imds.mu.Lock()
	seen := strings.Join(imds.seen, "\n")
	imds.mu.Unlock()
	if !strings.Contains(seen, "GET http://100.100.100.200/latest/meta-data/ram/security-credentials/"+nodeRole) {
		t.Errorf("the role's credentials were not read from the metadata service; proxy saw:\n%s", seen)
	}
	if len(c.sim.Calls()) == before {
		t.Errorf("the run made no API call with the role's credentials")
	}
}
