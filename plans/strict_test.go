package plans_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// replaceOnce replaces the first old in b by new, failing the test if old
// is not there: each case must really change the file.
func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("the plan has no %q", old)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// TestStrictJSONRefused: each case is a sealed plan's bytes edited so that
// encoding/json alone would still accept them (most keep the digest: the
// decoded content is unchanged), and must be refused naming where.
func TestStrictJSONRefused(t *testing.T) {
	withMeta := plantest.Sample()
	withMeta.Steps[0].Policy.Warn = []plans.Finding{{Rule: "rdsup.team.warn", Message: "m", Metadata: map[string]any{"ticket": "DBA-7"}}}
	plans.Summarize(withMeta)
	if err := plans.Seal(withMeta); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		plan *plans.Plan // default plantest.Sample()
		edit func(t *testing.T, b []byte) []byte
		want []string
	}{
		{name: "duplicate top-level key", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"formatVersion": 3,`, `"formatVersion": 3, "formatVersion": 3,`)
		}, want: []string{`duplicate key "formatVersion"`, "at $ (line 2"}},
		{name: "duplicate key in a step", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"toVersion": "5.6",`, `"toVersion": "9.9", "toVersion": "5.6",`)
		}, want: []string{`duplicate key "toVersion"`, "at $.steps[0]", "first on line"}},
		{name: "duplicate key spelled with an escape", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"wave": 0,`, `"wave": 0, "\u0077ave": 0,`)
		}, want: []string{`duplicate key "wave"`, "at $.steps[0]"}},
		{name: "key differing in case", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"toVersion": "5.6",`, `"ToVersion": "5.6",`)
		}, want: []string{`key "ToVersion" differs from "toVersion" only in case`, "at $.steps[0]"}},
		{name: "top-level key differing in case", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"summary": {`, `"Summary": {`)
		}, want: []string{`key "Summary" differs from "summary" only in case`, "at $ (line"}},
		{name: "unknown key in a step", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"wave": 0,`, `"wave": 0, "force": true,`)
		}, want: []string{`unknown key "force"`, "at $.steps[0]"}},
		{name: "unknown key in the policy set", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"builtin": true,`, `"builtin": true, "trusted": true,`)
		}, want: []string{`unknown key "trusted"`, "at $.inputs.policySet"}},
		{name: "duplicate tag", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"env": "prod",`, `"env": "staging", "env": "prod",`)
		}, want: []string{`duplicate key "env"`, "at $.instances[0].tags"}},
		{name: "duplicate metadata key", plan: withMeta, edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"ticket": "DBA-7"`, `"ticket": "DBA-1", "ticket": "DBA-7"`)
		}, want: []string{`duplicate key "ticket"`, "at $.steps[0].policy.warn[0].metadata"}},
		{name: "missing key", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"wave": 0,`, ``)
		}, want: []string{"missing key(s) wave", "at $.steps[0]"}},
		{name: "null list", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"dependsOn": [],`, `"dependsOn": null,`)
		}, want: []string{"null where a list belongs", "at $.steps[0].dependsOn"}},
		{name: "null string", edit: func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, `"cluster": "rm-crm-db",`, `"cluster": null,`)
		}, want: []string{"null where a string, number or boolean belongs", "at $.steps[0].cluster"}},
		{name: "second document after the plan", edit: func(t *testing.T, b []byte) []byte {
			return append(b, "{}\n"...)
		}, want: []string{"trailing data after the plan", "at $ (line "}},
		{name: "trailing garbage", edit: func(t *testing.T, b []byte) []byte {
			return append(b, "x"...)
		}, want: []string{"trailing data after the plan"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plan
			if p == nil {
				p = plantest.Sample()
			}
			good, err := plans.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(path, tc.edit(t, good), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = plans.Load(path)
			if !errors.Is(err, plans.ErrModified) {
				t.Fatalf("Load: error = %v, want ErrModified", err)
			}
			for _, want := range append(tc.want, path, "rdsup plan") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestStrictJSONAccepts: what rdsup writes, reformatted, is still a plan.
func TestStrictJSONAccepts(t *testing.T) {
	good, err := plans.Encode(plantest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"as written":         good,
		"trailing blanks":    append(bytes.Clone(good), " \n\t\r\n"...),
		"compact":            compact(t, good),
		"key with an escape": bytes.Replace(good, []byte(`"wave"`), []byte(`"\u0077ave"`), 1),
	} {
		if _, err := plans.Decode(name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
