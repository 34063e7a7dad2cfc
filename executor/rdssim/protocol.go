package rdssim

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

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

// maxBodyBytes bounds an RPC request body.
const maxBodyBytes = 1 << 20

// rpcRequest is one RPC request as read off the wire: its parameters from
// the query string and a form body (GET or POST; for a v3 signature also
// Action and Version from the x-acs-action and x-acs-version headers), and
// what the signature checks need.
type rpcRequest struct {
	method string
	path   string // escaped
	host   string
	query  url.Values
	header http.Header
	body   []byte
	p      params
}

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
	req, err := readRequest(w, r)
	if err != nil {
		s.finish(w, req.p, req.p.get("Action"), err)
		return
	}
	s.serveRPC(w, r, req)
}

// readRequest reads the parameters of r: query first, a form body's
// values taking precedence, as http.Request.ParseForm orders them.
func readRequest(w http.ResponseWriter, r *http.Request) (*rpcRequest, *apiError) {
	req := &rpcRequest{method: r.Method, path: r.URL.EscapedPath(), host: r.Host, header: r.Header, p: params{}}
	var err error
	if req.query, err = url.ParseQuery(r.URL.RawQuery); err != nil {
		return req, errf(http.StatusBadRequest, "InvalidParameter", "malformed query string: %v", err)
	}
	if r.Body != nil {
		if req.body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes)); err != nil {
			return req, errf(http.StatusBadRequest, "InvalidParameter", "unreadable request body: %v", err)
		}
	}
	var form url.Values
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if form, err = url.ParseQuery(string(req.body)); err != nil {
			return req, errf(http.StatusBadRequest, "InvalidParameter", "malformed form body: %v", err)
		}
	}
	for _, vals := range []url.Values{req.query, form} {
		for k, v := range vals {
			if len(v) > 0 {
				req.p[k] = v[0]
			}
		}
	}
	if isV3(r.Header) {
		// v3 names the action and version in headers; the query may too.
		if a := r.Header.Get("x-acs-action"); a != "" {
			req.p["Action"] = a
		}
		if v := r.Header.Get("x-acs-version"); v != "" {
			req.p["Version"] = v
		}
	}
	return req, nil
}

func (s *Sim) serveRPC(w http.ResponseWriter, r *http.Request, req *rpcRequest) {
	p := req.p
	action := p.get("Action")
	if err := s.authenticate(req); err != nil {
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
	now := s.clock.Now()
	var versions map[string]string
	if action == actionUpgrade {
		versions = s.clusterVersionsLocked(p.get("DBInstanceId"), now)
	}
	resp, outcome, taskID, aerr := h(s, p, now)
	drop := aerr == nil && s.dropLocked(action, p)
	reqID := s.recordLocked(p, action, outcome, taskID, aerr, drop)
	s.calls[len(s.calls)-1].Versions = versions
	s.mu.Unlock()
	s.respond(w, p, action, reqID, resp, aerr, drop)
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

// finish logs a call that carried nothing out and writes its error.
func (s *Sim) finish(w http.ResponseWriter, p params, action string, err *apiError) {
	s.mu.Lock()
	reqID := s.recordLocked(p, action, "", "", err, false)
	s.mu.Unlock()
	s.respond(w, p, action, reqID, nil, err, false)
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
	c := Call{Time: s.clock.Now(), Action: action, InstanceID: id,
		ClientToken: p.get("ClientToken"), Outcome: outcome, TaskID: taskID, RequestID: reqID, Dropped: drop}
	if action == actionUpgrade {
		c.EngineVersion = p.get("EngineVersion")
	}
	s.calls = append(s.calls, c)
	s.log.Debug("sim call", "action", action, "instance", id, "outcome", outcome, "dropped", drop)
	return reqID
}

// respond writes the response in the requested format (JSON unless
// Format=XML), or drops the connection.
func (s *Sim) respond(w http.ResponseWriter, p params, action, reqID string, resp map[string]any, err *apiError, drop bool) {
	if drop {
		// The action was carried out; the client never hears of it.
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("x-acs-request-id", reqID)
	if err != nil {
		writeBody(w, err.Status, formatOf(p), "Error", errorBody(reqID, err))
		return
	}
	body := []field{{"RequestId", reqID}}
	for _, k := range slices.Sorted(maps.Keys(resp)) {
		body = append(body, field{k, resp[k]})
	}
	writeBody(w, http.StatusOK, formatOf(p), action+"Response", body)
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
