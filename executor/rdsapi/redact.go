package rdsapi

import (
	"regexp"
	"strings"
)

// The RPC protocol carries the access key id, the signature and its nonce
// in the query string of every request, and Go's *url.Error quotes the
// whole URL. Everything this package returns passes through redact, so no
// error, log line or journal record above it can hold them.

var (
	// a URL's query string: dropped whole
	urlQuery = regexp.MustCompile(`(?i)(\bhttps?://[^\s"'<>?]*)\?[^\s"'<>]*`)
	// a secret parameter outside a URL (a string to sign, a form body)
	secretParam = regexp.MustCompile(`(?i)\b(AccessKeyId|AccessKeySecret|SecurityToken|Signature|SignatureNonce)(=|%3D)[^&\s"'<>]*(&|%26)?`)
	// access key ids by their shape: LTAI… (RAM user keys), STS.… (temporary keys)
	keyIDShape = regexp.MustCompile(`\b(LTAI[0-9A-Za-z]{4,}|STS\.[0-9A-Za-z]{8,})`)
)

// redacted replaces what was taken out.
const redacted = "[redacted]"

// redact removes query strings of URLs, secret parameters, anything shaped
// like an access key id, and the given literal key ids from s.
func redact(s string, keyIDs ...string) string {
	if s == "" {
		return s
	}
	s = urlQuery.ReplaceAllString(s, "$1")
	s = secretParam.ReplaceAllString(s, redacted+"$3")
	s = keyIDShape.ReplaceAllString(s, redacted)
	for _, id := range keyIDs {
		if len(id) >= 4 {
			s = strings.ReplaceAll(s, id, redacted)
		}
	}
	return s
}

// requestIDNote is how Error names the service's request id.
var requestIDNote = regexp.MustCompile(` ?\(request [0-9A-Za-z-]+\)`)

// WithoutRequestID drops the "(request ID)" notes of errors from s, so
// messages that differ only by request id compare equal (log collapsing).
func WithoutRequestID(s string) string { return requestIDNote.ReplaceAllString(s, "") }
