package examples_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// What ACK's pod identity webhook injects into a pod whose ServiceAccount
// carries the RRSA role annotation (the token file is a projected volume).
const (
	rrsaRoleARN     = "acs:ram::1234567890123456:role/rdsup-upgrader"
	rrsaProviderARN = "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0123456789"
	rrsaToken       = "eyJhbGciOiJSUzI1NiJ9.test-service-account-token.sig"
)

// fakeSTS is Alibaba Cloud STS's AssumeRoleWithOIDC at sts.aliyuncs.com,
// reached through an HTTPS CONNECT proxy (the pod's HTTPS_PROXY) and
// served with a certificate of a test CA (the pod's SSL_CERT_FILE). It
// trades the service account token for the simulator's key pair and a
// security token.
type fakeSTS struct {
	mu      sync.Mutex
	tunnels []string // CONNECT targets
	assumed []string // RoleArn of each accepted AssumeRoleWithOIDC
}

func (f *fakeSTS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodPost || q.Get("Action") != "AssumeRoleWithOIDC" || q.Get("Version") != "2015-04-01" {
		http.Error(w, `{"Code":"InvalidAction.NotFound"}`, http.StatusNotFound)
		return
	}
	if r.PostFormValue("OIDCToken") != rrsaToken || r.PostFormValue("OIDCProviderArn") != rrsaProviderARN || r.PostFormValue("RoleArn") != rrsaRoleARN {
		http.Error(w, `{"Code":"AuthenticationFail.OIDCToken.Invalid"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.assumed = append(f.assumed, r.PostFormValue("RoleArn"))
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"RequestId": "sts-request-1",
		"Credentials": map[string]string{
			"AccessKeyId": rdssimtest.AccessKeyID, "AccessKeySecret": rdssimtest.AccessKeySecret,
			"SecurityToken": "CAIS-rrsa-security-token", "Expiration": time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z"),
		},
	})
}

// startFakeSTS serves f over TLS for sts.aliyuncs.com behind a CONNECT
// proxy; it returns the proxy's URL and the test CA's PEM file.
func startFakeSTS(t *testing.T, f *fakeSTS) (proxyURL, caFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rdsup examples test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sts.aliyuncs.com"}, DNSNames: []string{"sts.aliyuncs.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})), 0o644)

	sts := httptest.NewUnstartedServer(f)
	sts.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}}
	sts.StartTLS()
	t.Cleanup(sts.Close)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.tunnels = append(f.tunnels, r.Method+" "+r.Host)
		f.mu.Unlock()
		if r.Method != http.MethodConnect || r.Host != "sts.aliyuncs.com:443" {
			http.Error(w, "the fake proxy tunnels to sts.aliyuncs.com:443 only", http.StatusBadGateway)
			return
		}
		up, err := net.Dial("tcp", sts.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		_, _ = rw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n")
		_ = rw.Flush()
		go func() { _, _ = io.Copy(up, rw); up.Close() }()
		_, _ = io.Copy(conn, up)
		conn.Close()
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL, caFile
}

// The CronJob on ACK with RRSA: the Secret holds only the state URL, the
// webhook's variables point the SDK's chain at the service account token,
// which STS trades for the role's credentials.
func TestKubernetesCronJobRRSA(t *testing.T) {
	requireState(t)
	repo := newRepo(t, nil)
	c := newCloud(t, repo)
	stateURL := stateDB(t)
	id := storePlan(t, repo, c, stateURL)
	sts := &fakeSTS{}
	proxy, caFile := startFakeSTS(t, sts)
	token := filepath.Join(t.TempDir(), "token")
	writeFile(t, token, rrsaToken, 0o600)
	before := len(c.sim.Calls())
	r := runCronJob(t, repo, c, map[string]string{"state-url": stateURL}, map[string]string{"plan-id": id},
		"ALIBABA_CLOUD_ROLE_ARN="+rrsaRoleARN, "ALIBABA_CLOUD_OIDC_PROVIDER_ARN="+rrsaProviderARN,
		"ALIBABA_CLOUD_OIDC_TOKEN_FILE="+token, "HTTPS_PROXY="+proxy, "SSL_CERT_FILE="+caFile)
	if r.code != 0 {
		t.Fatalf("CronJob with RRSA: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	sts.mu.Lock()
	defer sts.mu.Unlock()
	if len(sts.assumed) == 0 {
		t.Errorf("STS was not asked for the role's credentials; proxy saw %q", sts.tunnels)
	}
	if len(c.sim.Calls()) == before {
		t.Errorf("the run made no API call with the role's credentials")
	}
	if strings.Contains(r.stdout+r.stderr, "CAIS-rrsa-security-token") || strings.Contains(r.stdout+r.stderr, rrsaToken) {
		t.Errorf("a token was printed:\n%s\n%s", r.stdout, r.stderr)
	}
}
