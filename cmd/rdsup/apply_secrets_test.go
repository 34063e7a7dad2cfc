package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

// assertNoSecrets fails when any of the texts holds the access key id or
// secret, a signature or a signature nonce.
func assertNoSecrets(t *testing.T, texts map[string]string) {
	t.Helper()
	for name, text := range texts {
		for _, bad := range []string{rdssimtest.AccessKeyID, rdssimtest.AccessKeySecret, "Signature=", "Signature%3D", "SignatureNonce", "AccessKeyId"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s reveals %q:\n%s", name, bad, text)
			}
		}
	}
}

// journalText reads the plan's journal ("" when there is none).
func journalText(t *testing.T, planPath string) string {
	t.Helper()
	b, err := os.ReadFile(executor.JournalPath(planPath))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// TestApplyNeverPrintsSecrets runs apply through the real SDK against
// endpoints that fail in every way and reads everything it wrote.
func TestApplyNeverPrintsSecrets(t *testing.T) {
	old := unreachableFor
	unreachableFor = time.Second
	t.Cleanup(func() { unreachableFor = old })

	tests := []struct {
		name     string
		endpoint func(t *testing.T, path string) string
		secret   string
		code     int
		stderr   []string
	}{
		{"faulty simulator", func(t *testing.T, path string) string {
			p := loadPlan(t, path)
			_, endpoint := rdssimtest.StartTestServer(t, p.Instances, rdssim.Options{UpgradeDuration: 30 * time.Millisecond, Seed: 7,
				Faults: rdssim.Faults{ServerErrorRate: 0.3, ThrottleRate: 0.2, DropResponseRate: 0.3}})
			return endpoint
		}, rdssimtest.AccessKeySecret, exitOK, []string{"step retry"}},
		{"wrong secret", func(t *testing.T, path string) string {
			_, endpoint := rdssimtest.StartTestServer(t, loadPlan(t, path).Instances, rdssim.Options{})
			return endpoint
		}, "not-the-secret", exitError, []string{"preflight failed", "credentials refused", "SignatureDoesNotMatch"}},
		{"unreachable from the start", func(t *testing.T, _ string) string { return rdssimtest.ClosedEndpoint(t) },
			rdssimtest.AccessKeySecret, exitError, []string{"preflight failed", "endpoint unreachable", "connection refused"}},
		{"unknown host", func(t *testing.T, _ string) string { return "http://rdsup-no-such-host.invalid" },
			rdssimtest.AccessKeySecret, exitError, []string{"preflight failed", "endpoint unreachable"}},
		{"endpoint goes away mid-run", func(t *testing.T, path string) string {
			sim, err := rdssim.NewChecked(loadPlan(t, path).Instances, rdssim.Options{AccessKeyID: rdssimtest.AccessKeyID,
				AccessKeySecret: rdssimtest.AccessKeySecret, UpgradeDuration: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			var n atomic.Int64
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) > 6 { // preflight and a few step calls, then the endpoint is gone
					go srv.Close()
					http.Error(w, "going away", http.StatusServiceUnavailable)
					return
				}
				sim.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			return srv.URL
		}, rdssimtest.AccessKeySecret, exitError, []string{"endpoint unreachable", "no answer for", "run apply again to resume", "more like this"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := planFile(t, exampleFleet)
			t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", rdssimtest.AccessKeyID)
			t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", tt.secret)
			out, stderr, code := runCLI(t, "apply", path, "--endpoint", tt.endpoint(t, path), "--yes", "--poll-interval", "5ms")
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			journal := journalText(t, path)
			if code != exitOK && strings.Contains(journal, `"failed"`) {
				t.Errorf("the journal marks a step failed:\n%s", journal)
			}
			plan, _ := os.ReadFile(path)
			texts := map[string]string{"stdout": out, "stderr": stderr, "journal": journal, "plan": string(plan)}
			if tt.secret != rdssimtest.AccessKeySecret {
				texts["stderr+secret"] = strings.ReplaceAll(stderr, tt.secret, rdssimtest.AccessKeySecret)
			}
			assertNoSecrets(t, texts)
		})
	}
}

func loadPlan(t *testing.T, path string) *plans.Plan {
	t.Helper()
	p, err := plans.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
