package rdsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"
)

// Config chooses where and as whom the client talks.
type Config struct {
	// Endpoint is "" for the region's public endpoint over HTTPS, or a URL
	// such as "http://127.0.0.1:8080" (the simulator) or "https://host".
	Endpoint string
	// Profile names a profile of ~/.aliyun/config.json; "" uses the SDK's
	// default chain (environment, CLI profile, credentials file, RAM role).
	Profile string
	// Credentials, when set, replaces the chain (used by --simulate and tests).
	Credentials credentials.CredentialsProvider
	// Timeout bounds one HTTP call (read timeout); 0 means 10s.
	Timeout time.Duration
	// MaxConns bounds concurrent calls; 0 means 16.
	MaxConns int
	// Transport, when set, carries the HTTP requests (tests); nil → a clone
	// of http.DefaultTransport.
	Transport http.RoundTripper
}

// StaticCredentials returns a provider for a fixed access key pair.
func StaticCredentials(id, secret string) credentials.CredentialsProvider {
	return credentials.NewStaticAKCredentialsProvider(id, secret)
}

// Client calls the RDS API. It is safe for concurrent use.
type Client struct {
	clients chan *rds.Client // one SDK client per concurrent call: the SDK mutates its client per request
	domain  string
	scheme  string
	timeout time.Duration
	creds   credentials.CredentialsProvider
	tr      *ctxTransport
	calls   atomic.Int64
	// describeSingly: the service refused a list of ids (see Describe)
	describeSingly atomic.Bool
	keyID          string // the access key id when New resolved it: redacted from every error
}

// New builds a client and checks that credentials can be resolved, so a
// missing key fails before any step starts.
func New(cfg Config) (*Client, error) {
	c := &Client{scheme: "HTTPS", timeout: cfg.Timeout}
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("endpoint %q: want a URL such as https://rds.aliyuncs.com or http://127.0.0.1:8080", cfg.Endpoint)
		}
		c.domain, c.scheme = u.Host, strings.ToUpper(u.Scheme)
	}
	switch {
	case cfg.Credentials != nil:
		c.creds = cfg.Credentials
	case cfg.Profile != "":
		c.creds = &lockedProvider{p: credentials.NewCLIProfileCredentialsProviderBuilder().WithProfileName(cfg.Profile).Build()}
	default:
		c.creds = &lockedProvider{p: credentials.NewDefaultCredentialsProvider()}
	}
	cred, err := c.creds.GetCredentials()
	if err != nil {
		hint := "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS), pass --profile NAME of ~/.aliyun/config.json, run on an ECS instance with a RAM role, or in a Kubernetes pod with RRSA (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE)"
		if cfg.Profile != "" {
			hint = fmt.Sprintf("check profile %q in ~/.aliyun/config.json", cfg.Profile)
		}
		return nil, fmt.Errorf("resolve Alibaba Cloud credentials: %s", hint)
	}
	c.keyID = cred.AccessKeyId
	n := cfg.MaxConns
	if n <= 0 {
		n = 16
	}
	var base http.RoundTripper = cfg.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = n
		base = t
	}
	c.tr = &ctxTransport{base: base, calls: map[string]*call{}}
	c.clients = make(chan *rds.Client, n)
	for range n {
		cl, err := c.newSDKClient()
		if err != nil {
			return nil, err
		}
		c.clients <- cl
	}
	return c, nil
}

// sdkInit serialises the SDK's client construction: rds.NewClientWithOptions
// lazily initialises a global endpoint map without a lock, a data race
// when clients are made concurrently (parallel tests, several workers).
var sdkInit sync.Mutex

func (c *Client) newSDKClient() (*rds.Client, error) {
	conf := sdk.NewConfig().WithScheme(c.scheme).WithTimeout(c.timeout)
	conf.Transport = c.tr
	conf.AutoRetry = false // we retry ourselves, with backoff and the same ClientToken
	sdkInit.Lock()         // the SDK fills a package-level endpoint map on first use, unguarded
	cl, err := rds.NewClientWithOptions("cn-hangzhou", conf, c.creds)
	sdkInit.Unlock()
	if err != nil {
		return nil, fmt.Errorf("create RDS client: %w", err)
	}
	if c.domain != "" {
		cl.Domain = c.domain
	}
	return cl, nil
}

// Scheme is HTTPS or HTTP, the scheme requests use.
func (c *Client) Scheme() string { return c.scheme }

// Calls reports how many API calls this client has sent.
func (c *Client) Calls() int64 { return c.calls.Load() }

// do runs fn with a pooled SDK client; the HTTP request it sends is bound
// to ctx, so cancelling ctx aborts the call. Errors leave scrubbed of the
// signed URL (see redact) and, when the endpoint could not be reached at
// all, marked ErrUnreachable.
func (c *Client) do(ctx context.Context, fn func(cl *rds.Client, callID string) error) error {
	var cl *rds.Client
	select {
	case cl = <-c.clients:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { c.clients <- cl }()
	k := c.tr.register(ctx)
	defer c.tr.unregister(k.id)
	c.calls.Add(1)
	err := fn(cl, k.id)
	if ctx.Err() != nil && err != nil {
		return ctx.Err()
	}
	return c.scrub(k, err)
}

// lockedProvider serialises a credentials provider shared by many clients
// (the SDK's chain remembers which provider answered, unguarded).
type lockedProvider struct {
	mu sync.Mutex
	p  credentials.CredentialsProvider
}

func (l *lockedProvider) GetCredentials() (*credentials.Credentials, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p.GetCredentials()
}

func (l *lockedProvider) GetProviderName() string { return l.p.GetProviderName() }

// callHeader carries a call id from the SDK request to the transport, which
// binds the HTTP request to that call's context. Headers are not part of
// the RPC signature.
const callHeader = "X-Rdsup-Call"

type ctxTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	next  int64
	calls map[string]*call
}

// call is one API call as the transport saw it.
type call struct {
	id  string
	ctx context.Context

	mu     sync.Mutex
	method string // of the HTTP request, once sent
	host   string
	act    string // its Action parameter
	netErr error  // the transport's own error (no URL in it), nil once a response came
}

func (k *call) sent() (method, host string, netErr error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.method, k.host, k.netErr
}

func (k *call) action() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.act
}

func (t *ctxTransport) register(ctx context.Context) *call {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next++
	k := &call{id: strconv.FormatInt(t.next, 10), ctx: ctx}
	t.calls[k.id] = k
	return k
}

func (t *ctxTransport) unregister(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.calls, id)
}

func (t *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	id := req.Header.Get(callHeader)
	t.mu.Lock()
	k, ok := t.calls[id]
	t.mu.Unlock()
	if !ok {
		return nil, errors.New("rdsapi: request without a call context")
	}
	r := req.Clone(k.ctx)
	r.Header.Del(callHeader)
	resp, err := t.base.RoundTrip(r)
	k.mu.Lock()
	k.method, k.host, k.act, k.netErr = r.Method, r.URL.Host, r.URL.Query().Get("Action"), err
	k.mu.Unlock()
	return resp, err
}
