package rdssim

import (
	"net/http"
	"strings"
	"time"
)

// timestampSkew is how far a request's Timestamp (v1) or x-acs-date (v3)
// may be from the wall clock.
const timestampSkew = 15 * time.Minute

// isV3 reports whether a request is signed with the v3 scheme: an
// Authorization header naming an ACS3 algorithm.
func isV3(h http.Header) bool {
	return strings.HasPrefix(h.Get("Authorization"), "ACS3-")
}

// authenticate checks the access key, the signature, the timestamp and the
// nonce of either signature scheme, as the RPC gateway does: v3 when the
// Authorization header carries an ACS3 signature, v1 (the Signature
// parameter) otherwise.
func (s *Sim) authenticate(req *rpcRequest) *apiError {
	if isV3(req.header) {
		return s.authenticateV3(req)
	}
	return s.authenticateV1(req.method, req.p)
}

// checkFresh refuses a request whose timestamp (v1 Timestamp, v3
// x-acs-date, both YYYY-MM-DDThh:mm:ssZ) is malformed or more than
// timestampSkew from the wall clock, or whose nonce was seen before, and
// remembers the nonce. Both schemes share one nonce store.
func (s *Sim) checkFresh(stamp, nonce string) *apiError {
	wall := s.opts.WallClock()
	ts, err := time.Parse("2006-01-02T15:04:05Z", stamp)
	if err != nil {
		return errf(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp %q is not valid (want YYYY-MM-DDThh:mm:ssZ).", stamp)
	}
	if d := wall.Sub(ts); d > timestampSkew || d < -timestampSkew {
		return errf(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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

// percentEncode is RFC 3986 encoding as both schemes canonicalise: every
// byte but A–Z a–z 0–9 - _ . ~ as %XX (so a space is %20, never +).
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
