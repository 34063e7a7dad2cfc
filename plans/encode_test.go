package plans_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// stdEncode is the reference: encoding/json with the canonical settings.
func stdEncode(t *testing.T, p *plans.Plan) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	odd := plantest.Sample()
	odd.Steps[0].Policy.Warn = append(odd.Steps[0].Policy.Warn, plans.Finding{
		Rule: "rdsup.custom.warn", Message: "quote \" backslash \\ tab \t nl \n ctl \x01 html <&> bad \xff sep \u2028 ünï",
		Metadata: map[string]any{"b": []any{1.5, "x", nil, true}, "a": map[string]any{"z": 1, "<": "&"}},
	})
	odd.Instances[0].Tags["weird key\""] = "v\u2029"
	odd.Instances[1].Primary = ""
	odd.Instances[2].Tags = nil
	empty := &plans.Plan{}
	refreshed := plantest.Sample() // the optional fields of discovery and --refresh
	refreshed.Inputs.RefreshedAt = "2026-12-01T01:00:00Z"
	refreshed.Instances[0].StorageGB = 500
	tests := []struct {
		name string
		plan *plans.Plan
	}{
		{"sample", plantest.Sample()},
		{"odd strings and metadata", odd},
		{"empty", empty},
		{"refreshed, with storage", refreshed},
		{"large", plantest.Large(300)},
		{"staged", plantest.Staged()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plans.Encode(tt.plan)
			if err != nil {
				t.Fatal(err)
			}
			if want := stdEncode(t, tt.plan); !bytes.Equal(got, want) {
				t.Errorf("Encode differs from encoding/json:\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

// TestDigestIsCompactJSON pins the id definition: SHA-256 of the compact
// encoding/json form with id, createdAt and client tokens zeroed.
func TestDigestIsCompactJSON(t *testing.T) {
	p := plantest.Sample()
	c := *p
	c.ID = ""
	c.CreatedAt = time.Time{}
	c.Steps = append([]plans.Step(nil), p.Steps...)
	for i := range c.Steps {
		c.Steps[i].ClientToken = ""
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		t.Fatal(err)
	}
	if err := plans.Seal(p); err != nil {
		t.Fatal(err)
	}
	if want := sha256hex(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); p.ID != want {
		t.Errorf("plan id %s, want %s (sha256 of the compact zeroed plan)", p.ID, want)
	}
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
