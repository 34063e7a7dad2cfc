package rdsapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// leakKeyID is an access key id no error may show.
const leakKeyID = "LTAIleakcheck00000001"

// assertNoSecret fails when s holds the key id, a signature or a nonce.
func assertNoSecret(t *testing.T, what, s string, secrets ...string) {
	t.Helper()
	for _, bad := range append([]string{leakKeyID, "Signature=", "SignatureNonce", "AccessKeyId", "Signature%3D"}, secrets...) {
		if strings.Contains(s, bad) {
			t.Errorf("%s reveals %q:\n%s", what, bad, s)
		}
	}
}

func TestErrorsHoldNoSecret(t *testing.T) {
	const secret = "leak-check-secret"
	sim := func(f rdssim.Faults) string {
		_, endpoint := rdssimtest.StartTestServer(t, fleet(), rdssim.Options{AccessKeyID: leakKeyID, AccessKeySecret: secret, Faults: f})
		return endpoint
	}
	tests := []struct {
		name     string
		endpoint string
		secret   string
		timeout  time.Duration
		want     []error
		not      []error
	}{
		{"refused connection", rdssimtest.ClosedEndpoint(t), secret, 0, []error{rdsapi.ErrUnreachable, rdsapi.ErrTransient}, nil},
		{"unknown host", "http://rdsup-no-such-host.invalid", secret, 0, []error{rdsapi.ErrUnreachable, rdsapi.ErrTransient}, nil},
		{"throttled", sim(rdssim.Faults{ThrottleRate: 1}), secret, 0, []error{rdsapi.ErrThrottled}, []error{rdsapi.ErrUnreachable}},
		{"5xx", sim(rdssim.Faults{ServerErrorRate: 1}), secret, 0, []error{rdsapi.ErrTransient}, []error{rdsapi.ErrUnreachable}},
		{"response lost", sim(rdssim.Faults{DropResponseRate: 1}), secret, 0, []error{rdsapi.ErrTransient}, []error{rdsapi.ErrUnreachable}},
		{"http timeout", sim(rdssim.Faults{Latency: 3 * time.Second}), secret, 200 * time.Millisecond,
			[]error{rdsapi.ErrTransient}, []error{rdsapi.ErrUnreachable, context.DeadlineExceeded}},
		{"wrong secret", sim(rdssim.Faults{}), "not-the-secret", 0, []error{rdsapi.ErrCredentials, rdsapi.ErrFatal}, []error{rdsapi.ErrTransient}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rdsapi.New(rdsapi.Config{Endpoint: tt.endpoint, Credentials: rdsapi.StaticCredentials(leakKeyID, tt.secret),
				Timeout: max(tt.timeout, 2*time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			if tt.timeout > 0 {
				c, _ = rdsapi.New(rdsapi.Config{Endpoint: tt.endpoint, Credentials: rdsapi.StaticCredentials(leakKeyID, tt.secret), Timeout: tt.timeout})
			}
			errs := map[string]error{}
			_, errs["describe"] = c.Describe(t.Context(), "cn-hangzhou", []string{"rm-a"})
			_, errs["upgrade"] = c.UpgradeEngineVersion(t.Context(), rdsapi.Upgrade{Region: "cn-hangzhou", InstanceID: "rm-b",
				EngineVersion: "5.6", EffectiveTime: "Immediate", ClientToken: "leak-check-token"})
			errs["ping"] = c.Ping(t.Context(), "cn-hangzhou")
			for call, err := range errs {
				if err == nil {
					t.Fatalf("%s: no error", call)
				}
				for _, w := range tt.want {
					if !errors.Is(err, w) {
						t.Errorf("%s: %v, want %v", call, err, w)
					}
				}
				for _, w := range tt.not {
					if errors.Is(err, w) {
						t.Errorf("%s: %v, must not be %v", call, err, w)
					}
				}
				assertNoSecret(t, call+" error", err.Error(), tt.secret)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, s := range []string{
		`Post "https://rds.aliyuncs.com/?AccessKeyId=` + leakKeyID + `&Action=X&Signature=abc%3D&SignatureNonce=123&Version=1": dial tcp: no such host`,
		`server string to sign is:POST&%2F&AccessKeyId%3D` + leakKeyID + `%26Action%3DX%26Signature%3Dabc%26SignatureNonce%3D9`,
		`body AccessKeyId=` + leakKeyID + `&SignatureNonce=77&Signature=zz`,
		`key ` + leakKeyID + ` refused`,
	} {
		assertNoSecret(t, "redacted", rdsapi.RedactForTest(s))
	}
	if got := rdsapi.RedactForTest(`Post "http://127.0.0.1:8790/?a=b": refused`); got != `Post "http://127.0.0.1:8790/": refused` {
		t.Errorf("query not dropped cleanly: %q", got)
	}
	if got := rdsapi.RedactForTest("SignatureMethod=HMAC-SHA1 instance rm-a"); got != "SignatureMethod=HMAC-SHA1 instance rm-a" {
		t.Errorf("harmless text changed: %q", got)
	}
}

func TestPing(t *testing.T) {
	_, endpoint := rdssimtest.StartTestServer(t, fleet(), rdssim.Options{})
	if err := newClient(t, endpoint, rdssimtest.AccessKeySecret).Ping(t.Context(), "cn-hangzhou"); err != nil {
		t.Fatalf("ping: %v", err)
	}
	c, err := rdsapi.New(rdsapi.Config{Endpoint: endpoint, Credentials: rdsapi.StaticCredentials("LTAIunknownkey0001", "x")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(t.Context(), "cn-hangzhou"); !errors.Is(err, rdsapi.ErrCredentials) {
		t.Fatalf("unknown key: %v, want ErrCredentials", err)
	}
}
