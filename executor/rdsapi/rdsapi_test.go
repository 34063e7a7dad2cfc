package rdsapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/plans"
)

func TestClassify(t *testing.T) {
	server := func(status int, code string) error {
		return sdkerrors.NewServerError(status, fmt.Sprintf(`{"Code":%q,"Message":"m","RequestId":"R-1"}`, code), "")
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"throttling", server(400, "Throttling.User"), rdsapi.ErrThrottled},
		{"throttling plain", server(503, "Throttling"), rdsapi.ErrThrottled},
		{"throttling api", server(400, "Throttling.Api"), rdsapi.ErrThrottled},
		{"throttling resource", server(400, "Throttling.Resource"), rdsapi.ErrThrottled},
		{"rejected throttling", server(400, "Rejected.Throttling"), rdsapi.ErrThrottled},
		{"throttling of another kind", server(400, "ServiceUnavailable.Throttling"), rdsapi.ErrThrottled},
		{"throttling any case", server(400, "throttling.user"), rdsapi.ErrThrottled},
		{"http 429", server(429, "TooMany"), rdsapi.ErrThrottled},
		{"not a throttling family code", server(400, "ThrottlingConfig.Invalid"), rdsapi.ErrFatal},
		{"order task: try again later", server(400, "InvalidOrderTask.NotSupport"), rdsapi.ErrWrongState},
		{"replica not yet upgraded", server(403, "UnsupportedReadOrBakReadState"), rdsapi.ErrWrongState},
		{"locked", server(403, "IncorrectDBInstanceLockMode"), rdsapi.ErrInstanceLocked},
		{"ssl", server(400, "InvalidSSLstatus"), rdsapi.ErrNotEligible},
		{"tde", server(400, "InvalidTDEstatus"), rdsapi.ErrNotEligible},
		{"myisam", server(403, "IncorrectEngineTypeMyisam"), rdsapi.ErrNotEligible},
		{"fulltext", server(403, "UnsupportedFtsIndex"), rdsapi.ErrNotEligible},
		{"fulltext minor version", server(403, "UnsupportedFtsIndexVersion"), rdsapi.ErrNotEligible},
		{"aliyun_root account", server(403, "InvalidAccountName.Format"), rdsapi.ErrNotEligible},
		{"unsupported version", server(403, "IncorrectEngineVersion"), rdsapi.ErrFatal},
		{"service unavailable", server(503, "ServiceUnavailable"), rdsapi.ErrTransient},
		{"internal error", server(500, "InternalError"), rdsapi.ErrTransient},
		{"any 5xx", server(502, "Whatever"), rdsapi.ErrTransient},
		{"wrong state", server(403, "IncorrectDBInstanceState"), rdsapi.ErrWrongState},
		{"status denied", server(403, "OperationDenied.DBInstanceStatus"), rdsapi.ErrWrongState},
		{"not found", server(404, "InvalidDBInstanceId.NotFound"), rdsapi.ErrNotFound},
		{"unknown access key is not 'not found'", server(404, "InvalidAccessKeyId.NotFound"), rdsapi.ErrFatal},
		{"bad version", server(400, "InvalidEngineVersion"), rdsapi.ErrFatal},
		{"token mismatch", server(400, "IdempotentParameterMismatch"), rdsapi.ErrFatal},
		{"signature", server(400, "SignatureDoesNotMatch"), rdsapi.ErrFatal},
		{"sdk timeout", sdkerrors.NewClientError(sdkerrors.TimeoutErrorCode, "timeout", nil), rdsapi.ErrTransient},
		{"connection reset", &url.Error{Op: "Post", URL: "http://x", Err: syscall.ECONNRESET}, rdsapi.ErrTransient},
		{"eof", &url.Error{Op: "Post", URL: "http://x", Err: io.EOF}, rdsapi.ErrTransient},
		{"dial", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, rdsapi.ErrTransient},
		{"other", errors.New("odd"), rdsapi.ErrFatal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rdsapi.Classify("UpgradeDBInstanceEngineVersion", tt.err)
			if !errors.Is(got, tt.want) {
				t.Fatalf("classify(%v) = %v, want kind %v", tt.err, got, tt.want)
			}
			for _, other := range []error{rdsapi.ErrThrottled, rdsapi.ErrTransient, rdsapi.ErrWrongState, rdsapi.ErrNotFound,
				rdsapi.ErrNotEligible, rdsapi.ErrInstanceLocked, rdsapi.ErrFatal} {
				if other != tt.want && errors.Is(got, other) {
					t.Errorf("also matches %v", other)
				}
			}
			var e *rdsapi.Error
			if !errors.As(got, &e) {
				t.Fatalf("classify(%v) = %T, want *rdsapi.Error", tt.err, got)
			}
			needsHint := tt.want == rdsapi.ErrNotEligible || tt.want == rdsapi.ErrInstanceLocked
			if needsHint != (e.Hint != "") {
				t.Errorf("hint = %q for kind %v", e.Hint, tt.want)
			}
		})
	}
}

func fleet() []plans.Instance {
	in := func(id, region string) plans.Instance {
		return plans.Instance{ID: id, Region: region, Engine: "MySQL", EngineVersion: "5.5", TargetVersion: "5.6",
			Role: plans.RolePrimary, Status: "Running", MaintainTime: "02:00Z-06:00Z", EffectiveTime: "Immediate"}
	}
	return []plans.Instance{in("rm-a", "cn-hangzhou"), in("rm-b", "cn-hangzhou"), in("rm-c", "cn-shenzhen")}
}

func newClient(t *testing.T, endpoint, secret string) *rdsapi.Client {
	t.Helper()
	c, err := rdsapi.New(rdsapi.Config{Endpoint: endpoint, Credentials: rdsapi.StaticCredentials(rdssimtest.AccessKeyID, secret), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAgainstSimulator(t *testing.T) {
	sim, endpoint := rdssimtest.StartTestServer(t, fleet(), rdssim.Options{UpgradeDuration: time.Hour})
	c := newClient(t, endpoint, rdssimtest.AccessKeySecret)

	got, err := c.Describe(t.Context(), "cn-hangzhou", []string{"rm-a", "rm-b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["rm-a"].Status != "Running" || got["rm-b"].EngineVersion != "5.5" || got["rm-a"].MaintainTime == "" {
		t.Errorf("describe = %+v", got)
	}
	if n := len(sim.Calls()); n != 1 {
		t.Errorf("two ids took %d calls, want 1 (batched)", n)
	}

	u := rdsapi.Upgrade{Region: "cn-hangzhou", InstanceID: "rm-a", EngineVersion: "5.6", EffectiveTime: "Immediate", ClientToken: "rdsup-test-token-1"}
	t1, err := c.UpgradeEngineVersion(t.Context(), u)
	if err != nil || t1.TaskID == "" || t1.RequestID == "" {
		t.Fatalf("upgrade = %+v, %v", t1, err)
	}
	t2, err := c.UpgradeEngineVersion(t.Context(), u)
	if err != nil || t2.TaskID != t1.TaskID {
		t.Fatalf("repeat with the same token = %+v, %v; want task %s", t2, err, t1.TaskID)
	}

	_, err = c.UpgradeEngineVersion(t.Context(), rdsapi.Upgrade{Region: "cn-hangzhou", InstanceID: "rm-zzz", EngineVersion: "5.6", EffectiveTime: "Immediate", ClientToken: "rdsup-test-token-2"})
	if !errors.Is(err, rdsapi.ErrNotFound) {
		t.Errorf("unknown instance: %v, want ErrNotFound", err)
	}
	_, err = c.UpgradeEngineVersion(t.Context(), rdsapi.Upgrade{Region: "cn-hangzhou", InstanceID: "rm-a", EngineVersion: "5.6", EffectiveTime: "Immediate", ClientToken: "rdsup-test-token-3"})
	if !errors.Is(err, rdsapi.ErrWrongState) {
		t.Errorf("upgrading instance, new token: %v, want ErrWrongState", err)
	}

	bad := newClient(t, endpoint, "wrong-secret-value")
	_, err = bad.Describe(t.Context(), "cn-hangzhou", []string{"rm-a"})
	if !errors.Is(err, rdsapi.ErrFatal) {
		t.Fatalf("bad secret: %v, want ErrFatal", err)
	}
	for _, secret := range []string{"wrong-secret-value", rdssimtest.AccessKeySecret, rdssimtest.AccessKeyID} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q reveals a credential", err)
		}
	}
}

func TestFaultsAreClassified(t *testing.T) {
	tests := []struct {
		name   string
		faults rdssim.Faults
		want   error
	}{
		{"throttled", rdssim.Faults{ThrottleRate: 1}, rdsapi.ErrThrottled},
		{"5xx", rdssim.Faults{ServerErrorRate: 1}, rdsapi.ErrTransient},
		{"lost response", rdssim.Faults{DropResponseRate: 1}, rdsapi.ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, endpoint := rdssimtest.StartTestServer(t, fleet(), rdssim.Options{Faults: tt.faults})
			_, err := newClient(t, endpoint, rdssimtest.AccessKeySecret).Describe(t.Context(), "cn-hangzhou", []string{"rm-a"})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCancelAbortsCall(t *testing.T) {
	_, endpoint := rdssimtest.StartTestServer(t, fleet(), rdssim.Options{Faults: rdssim.Faults{Latency: 5 * time.Second}})
	c := newClient(t, endpoint, rdssimtest.AccessKeySecret)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Describe(ctx, "cn-hangzhou", []string{"rm-a"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s, want the context's error promptly", err, time.Since(start))
	}
}

func TestConfig(t *testing.T) {
	creds := rdsapi.StaticCredentials("id", "secret")
	tests := []struct {
		name     string
		endpoint string
		scheme   string
		wantErr  string
	}{
		{"default is https", "", "HTTPS", ""},
		{"simulator over http", "http://127.0.0.1:8790", "HTTP", ""},
		{"explicit https", "https://rds.aliyuncs.com", "HTTPS", ""},
		{"no scheme", "127.0.0.1:8790", "", "want a URL"},
		{"ftp", "ftp://x", "", "want a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rdsapi.New(rdsapi.Config{Endpoint: tt.endpoint, Credentials: creds})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Scheme(); got != tt.scheme {
				t.Errorf("scheme = %s, want %s", got, tt.scheme)
			}
		})
	}
}

func TestMissingCredentials(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "")
	t.Setenv("HOME", t.TempDir())
	_, err := rdsapi.New(rdsapi.Config{})
	if err == nil || !strings.Contains(err.Error(), "ALIBABA_CLOUD_ACCESS_KEY_ID") {
		t.Fatalf("err = %v, want a hint naming the environment variables", err)
	}

	// a profile from ~/.aliyun/config.json
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.MkdirAll(home+"/.aliyun", 0o700)
	os.WriteFile(home+"/.aliyun/config.json", []byte(`{"current":"","profiles":[{"name":"ops","mode":"AK","access_key_id":"LTAIprofile","access_key_secret":"s3cret"}]}`), 0o600)
	if _, err := rdsapi.New(rdsapi.Config{Profile: "ops"}); err != nil {
		t.Errorf("profile ops: %v", err)
	}
	_, err = rdsapi.New(rdsapi.Config{Profile: "nope"})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unknown profile: %v", err)
	}
}

// recorder answers every request with an error and remembers its URL.
type recorder struct{ urls []*url.URL }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL)
	return nil, errors.New("recorded")
}

func TestRegionalEndpointOverHTTPS(t *testing.T) {
	rec := &recorder{}
	c, err := rdsapi.New(rdsapi.Config{Credentials: rdsapi.StaticCredentials("LTAIid", "secret"), Transport: rec, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Describe(t.Context(), "cn-hangzhou", []string{"rm-a"})
	if !errors.Is(err, rdsapi.ErrTransient) {
		t.Errorf("err = %v, want transient", err)
	}
	if len(rec.urls) != 1 {
		t.Fatalf("requests = %d, want 1", len(rec.urls))
	}
	u := rec.urls[0]
	if u.Scheme != "https" || !strings.HasSuffix(u.Host, ".aliyuncs.com") || !strings.HasPrefix(u.Host, "rds") {
		t.Errorf("request went to %s://%s, want https to the RDS endpoint", u.Scheme, u.Host)
	}
	q := u.Query()
	if q.Get("Action") != "DescribeDBInstanceAttribute" || q.Get("RegionId") != "cn-hangzhou" || q.Get("DBInstanceId") != "rm-a" {
		t.Errorf("query = %v", q)
	}
	if strings.Contains(u.String(), "secret") {
		t.Error("the secret is on the wire")
	}
}
