package rdssim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// sigV3Algorithm is the v3 signature algorithm the simulator verifies
// (the SDKs' default; ACS3-HMAC-SM3 and ACS3-RSA-SHA256 are refused).
const sigV3Algorithm = "ACS3-HMAC-SHA256"

// v3Headers are the headers a v3 request must carry, and sign.
var v3Headers = []string{"x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}

// authorization is a parsed v3 Authorization header:
// "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=h1;h2,Signature=hex".
type authorization struct {
	algorithm, credential, signature string
	signedHeaders                    []string
}

func parseAuthorization(v string) (authorization, bool) {
	var a authorization
	alg, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return a, false
	}
	a.algorithm = alg
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Credential":
			a.credential = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	return a, a.credential != "" && len(a.signedHeaders) > 0 && a.signature != ""
}

// authenticateV3 checks a v3 (ACS3-HMAC-SHA256) signature: the access key
// in Credential, every x-acs-* header and host signed, the body's hash in
// x-acs-content-sha256, the signature over the canonical request, then
// x-acs-date and x-acs-signature-nonce.
func (s *Sim) authenticateV3(req *rpcRequest) *apiError {
	auth, ok := parseAuthorization(req.header.Get("Authorization"))
	if !ok {
		return errf(http.StatusBadRequest, "IncompleteSignature",
			"The request signature does not conform to Aliyun standards: the Authorization header must be %q.",
			sigV3Algorithm+" Credential=AccessKeyId,SignedHeaders=host;x-acs-...,Signature=hex")
	}
	if auth.algorithm != sigV3Algorithm {
		return errf(http.StatusBadRequest, "InvalidParameter", "Signature algorithm %q is not supported; use %s.", auth.algorithm, sigV3Algorithm)
	}
	for _, h := range v3Headers {
		if req.header.Get(h) == "" {
			return errMissingAuth(h)
		}
	}
	if auth.credential != s.opts.AccessKeyID {
		return errf(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	signed := map[string]bool{}
	for _, h := range auth.signedHeaders {
		signed[h] = true
	}
	for name := range req.header {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-acs-") && !signed[n] {
			return errf(http.StatusBadRequest, "IncompleteSignature",
				"The request signature does not conform to Aliyun standards: header %s is not in SignedHeaders.", n)
		}
	}
	if !signed["host"] {
		return errf(http.StatusBadRequest, "IncompleteSignature",
			"The request signature does not conform to Aliyun standards: header host is not in SignedHeaders.")
	}
	sum := sha256.Sum256(req.body)
	if got := req.header.Get("x-acs-content-sha256"); !strings.EqualFold(got, hex.EncodeToString(sum[:])) {
		return errf(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation: x-acs-content-sha256 %s is not the SHA-256 of the request body.", got)
	}
	canonical := canonicalRequestV3(req, auth.signedHeaders)
	h := sha256.Sum256([]byte(canonical))
	sts := sigV3Algorithm + "\n" + hex.EncodeToString(h[:])
	mac := hmac.New(sha256.New, []byte(s.opts.AccessKeySecret))
	mac.Write([]byte(sts))
	if want := hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(strings.ToLower(auth.signature))) {
		return errf(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:%s (canonical request: %q)", sts, canonical)
	}
	return s.checkFresh(req.header.Get("x-acs-date"), req.header.Get("x-acs-signature-nonce"))
}

// canonicalRequestV3 is METHOD \n canonical URI \n canonical query \n
// canonical headers \n signed headers \n hashed payload: the query sorted
// by name with names and values percent-encoded ("k=" for an empty value),
// each signed header as "name:trimmed values, sorted, comma-joined\n" in
// the order SignedHeaders lists them.
func canonicalRequestV3(req *rpcRequest, signedHeaders []string) string {
	uri := req.path
	if uri == "" {
		uri = "/"
	}
	var q []string
	for _, k := range slices.Sorted(maps.Keys(req.query)) {
		vals := slices.Clone(req.query[k])
		slices.Sort(vals)
		for _, v := range vals {
			q = append(q, percentEncode(k)+"="+percentEncode(v))
		}
	}
	var hdrs strings.Builder
	for _, name := range signedHeaders {
		var vals []string
		if name == "host" {
			vals = []string{req.host}
		} else {
			for _, v := range req.header.Values(name) {
				vals = append(vals, strings.TrimSpace(v))
			}
			slices.Sort(vals)
		}
		hdrs.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return strings.Join([]string{req.method, uri, strings.Join(q, "&"), hdrs.String(),
		strings.Join(signedHeaders, ";"), req.header.Get("x-acs-content-sha256")}, "\n")
}
