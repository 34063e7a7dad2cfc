package rdssim

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiError is an RPC error response.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errNotFound(id string) *apiError {
	return errf(http.StatusNotFound, "InvalidDBInstanceId.NotFound",
		"The specified instance %s is not found.", id)
}

// errMissing is the gateway's answer to a request without a parameter the
// action requires: Missing<Name>, "<Name> is mandatory for this action."
func errMissing(name string) *apiError {
	return errf(http.StatusBadRequest, "Missing"+name, "%s is mandatory for this action.", name)
}

// errMissingAuth is the answer to a request without one of the signature's
// own parameters.
func errMissingAuth(name string) *apiError {
	return errf(http.StatusBadRequest, "MissingParameter",
		"The input parameter %q that is mandatory for processing this request is not supplied.", name)
}

// timestampSkew is how far a request's Timestamp may be from the wall clock.
const timestampSkew = 15 * time.Minute

// handler runs one action with the parameters of a request. It returns the
// response body (RequestId added by the caller) and the call's outcome.
type handler func(s *Sim, p params, now time.Time) (resp map[string]any, outcome string, taskID string, err *apiError)

var actions = map[string]handler{
	"DescribeDBInstances":            (*Sim).describeDBInstances,
	"DescribeDBInstanceAttribute":    (*Sim).describeDBInstanceAttribute,
	"UpgradeDBInstanceEngineVersion": (*Sim).upgradeDBInstanceEngineVersion,
	"DescribeTasks":                  (*Sim).describeTasks,
	"DescribeHistoryTasks":           (*Sim).describeHistoryTasks,
}

// params are a request's parameters, first value of each.
type params map[string]string

func (p params) get(k string) string { return p[k] }

// ServeHTTP serves the RPC API on "/" and the observation endpoints
// GET /_sim/calls and GET /_sim/instances.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveSim(w, r)
		return
	}
	if r.URL.Path != "/" && r.URL.Path != "" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.finish(w, params{}, "", errf(http.StatusBadRequest, "InvalidParameter", "malformed request: %v", err))
		return
	}
	p := params{}
	for k, v := range r.Form {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	s.serveRPC(w, r, p)
}

func (s *Sim) serveRPC(w http.ResponseWriter, r *http.Request, p params) {
	action := p.get("Action")
	if err := s.authenticate(r.Method, p); err != nil {
		s.finish(w, p, action, err)
		return
	}
	if v := p.get("Version"); v != APIVersion {
		s.finish(w, p, action, errf(http.StatusBadRequest, "InvalidVersion",
			"Specified parameter Version %q is not valid; this endpoint speaks %s.", v, APIVersion))
		return
	}
	h, ok := actions[action]
	if !ok {
		s.finish(w, p, action, errf(http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api %q is not found, please check your url and method.", action))
		return
	}
	faults, fail := s.preFaults(action, p)
	if faults.Latency > 0 {
		t := time.NewTimer(faults.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if fail != nil {
		s.finish(w, p, action, fail)
		return
	}
	// Carry the action out, decide whether its response is lost and log it
	// in one critical section, so the call log is in the order of effect.
	s.mu.Lock()
	resp, outcome, taskID, aerr := h(s, p, s.clock.Now())
	drop := aerr == nil && s.dropLocked(action, p)
	reqID := s.recordLocked(p, action, outcome, taskID, aerr, drop)
	s.mu.Unlock()
	s.respond(w, reqID, resp, aerr, drop)
}

// preFaults draws the faults that refuse a call before it is carried out.
func (s *Sim) preFaults(action string, p params) (Faults, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	key := callKey(action, p)
	n := s.seen[key]
	s.seen[key] = n + 1
	if f.ThrottleQPS > 0 && !s.bucket.allow(s.clock.Now(), f.ThrottleQPS) {
		return f, errThrottled()
	}
	if f.ThrottleRate > 0 && chance(s.opts.Seed, "throttle", key, n) < f.ThrottleRate {
		return f, errThrottled()
	}
	if f.ServerErrorRate > 0 && chance(s.opts.Seed, "5xx", key, n) < f.ServerErrorRate {
		if chance(s.opts.Seed, "5xx-kind", key, n) < 0.5 {
			return f, errf(http.StatusServiceUnavailable, "ServiceUnavailable",
				"The request has failed due to a temporary failure of the server.")
		}
		return f, errf(http.StatusInternalServerError, "InternalError",
			"The request processing has failed due to some unknown error, exception or failure.")
	}
	return f, nil
}

func (s *Sim) dropLocked(action string, p params) bool {
	f := s.faults
	if f.DropResponseRate <= 0 || !f.dropsAction(action) {
		return false
	}
	key := callKey(action, p)
	return chance(s.opts.Seed, "drop", key, s.seen[key]-1) < f.DropResponseRate
}

func errThrottled() *apiError {
	return errf(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
}

// callKey identifies a call for fault draws: identical calls are counted,
// so retries draw fresh numbers but replays draw the same ones.
func callKey(action string, p params) string {
	id := p.get("DBInstanceId")
	if id == "" {
		id = p.get("InstanceId")
	}
	return action + "\x00" + id + "\x00" + p.get("ClientToken") + "\x00" + p.get("EngineVersion") +
		"\x00" + p.get("PageNumber") + "\x00" + p.get("TaskId")
}

// authenticate checks the access key, the signature, the timestamp and the
// nonce, as the RPC gateway does.
func (s *Sim) authenticate(method string, p params) *apiError {
	sig := p.get("Signature")
	if sig == "" {
		return errf(http.StatusBadRequest, "IncompleteSignature", "The request signature does not conform to Aliyun standards: Signature is missing.")
	}
	for _, k := range []string{"AccessKeyId", "SignatureNonce", "Timestamp", "SignatureMethod"} {
		if p.get(k) == "" {
			return errMissingAuth(k)
		}
	}
	if p.get("AccessKeyId") != s.opts.AccessKeyID {
		return errf(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	if m := p.get("SignatureMethod"); m != "HMAC-SHA1" {
		return errf(http.StatusBadRequest, "InvalidParameter", "SignatureMethod %q is not supported; use HMAC-SHA1.", m)
	}
	sts := stringToSign(method, p)
	mac := hmac.New(sha1.New, []byte(s.opts.AccessKeySecret+"&"))
	mac.Write([]byte(sts))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errf(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:%s", sts)
	}
	wall := s.opts.WallClock()
	ts, err := time.Parse("2006-01-02T15:04:05Z", p.get("Timestamp"))
	if err != nil {
		return errf(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp %q is not valid (want YYYY-MM-DDThh:mm:ssZ).", p.get("Timestamp"))
	}
	if d := wall.Sub(ts); d > timestampSkew || d < -timestampSkew {
		return errf(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nonce := p.get("SignatureNonce")
	if _, used := s.nonces[nonce]; used {
		return errf(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	// A nonce older than the timestamp window cannot be replayed anyway.
	if wall.Sub(s.noncesPruned) > time.Minute {
		for n, t := range s.nonces {
			if wall.Sub(t) > 2*timestampSkew {
				delete(s.nonces, n)
			}
		}
		s.noncesPruned = wall
	}
	s.nonces[nonce] = wall
	return nil
}

// stringToSign is the RPC string to sign: METHOD&%2F&percentEncode(canonical
// query), where the canonical query is every parameter but Signature,
// sorted, percent-encoded per RFC 3986.
func stringToSign(method string, p params) string {
	v := url.Values{}
	for k, val := range p {
		if k != "Signature" {
			v.Set(k, val)
		}
	}
	q := v.Encode()
	q = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(q)
	return method + "&%2F&" + url.QueryEscape(q)
}

// finish logs a call that carried nothing out and writes its error.
func (s *Sim) finish(w http.ResponseWriter, p params, action string, err *apiError) {
	s.mu.Lock()
	reqID := s.recordLocked(p, action, "", "", err, false)
	s.mu.Unlock()
	s.respond(w, reqID, nil, err, false)
}

// recordLocked appends a call to the log and returns its request id.
func (s *Sim) recordLocked(p params, action, outcome, taskID string, err *apiError, drop bool) string {
	s.seq++
	reqID := requestID(s.opts.Seed, s.seq)
	if err != nil {
		outcome = "error:" + err.Code
	}
	id := p.get("DBInstanceId")
	if id == "" {
		id = p.get("InstanceId")
	}
	s.calls = append(s.calls, Call{Time: s.clock.Now(), Action: action, InstanceID: id,
		ClientToken: p.get("ClientToken"), Outcome: outcome, TaskID: taskID, RequestID: reqID, Dropped: drop})
	s.log.Debug("sim call", "action", action, "instance", id, "outcome", outcome, "dropped", drop)
	return reqID
}

// respond writes the JSON response, or drops the connection.
func (s *Sim) respond(w http.ResponseWriter, reqID string, resp map[string]any, err *apiError, drop bool) {
	if drop {
		// The action was carried out; the client never hears of it.
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("x-acs-request-id", reqID)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err != nil {
		w.WriteHeader(err.Status)
		_ = enc.Encode(map[string]any{
			"RequestId": reqID, "HostId": "rds.aliyuncs.com", "Code": err.Code, "Message": err.Message,
			"Recommend": "https://api.aliyun.com/troubleshoot?q=" + err.Code + "&product=Rds&requestId=" + reqID,
		})
		return
	}
	resp["RequestId"] = reqID
	_ = enc.Encode(resp)
}

// requestID formats a deterministic, UUID-shaped request id.
func requestID(seed int64, seq int) string {
	a := mix64(uint64(seed) ^ uint64(seq)*0x9e3779b97f4a7c15)
	b := mix64(a ^ uint64(seq))
	return fmt.Sprintf("%08X-%04X-%04X-%04X-%012X", uint32(a>>32), uint16(a>>16), uint16(a), uint16(b>>48), b&0xffffffffffff)
}

func (s *Sim) serveSim(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var v any
	switch r.URL.Path {
	case "/_sim/calls":
		v = s.Calls()
	case "/_sim/instances":
		v = s.Instances()
	case "/_sim/faults":
		v = s.Faults()
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
