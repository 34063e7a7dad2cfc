package rdssim

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// authenticateV1 checks a v1 (HMAC-SHA1) signature: the Signature,
// AccessKeyId, SignatureMethod, SignatureNonce and Timestamp parameters,
// from the query or a form body.
func (s *Sim) authenticateV1(method string, p params) *apiError {
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
	return s.checkFresh(p.get("Timestamp"), p.get("SignatureNonce"))
}

// stringToSign is the v1 string to sign: METHOD&%2F&percentEncode(canonical
// query), where the canonical query is every parameter but Signature,
// sorted, percent-encoded per RFC 3986.
func stringToSign(method string, p params) string {
	pairs := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if k == "Signature" {
			continue
		}
		pairs = append(pairs, percentEncode(k)+"="+percentEncode(p[k]))
	}
	return method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(pairs, "&"))
}
