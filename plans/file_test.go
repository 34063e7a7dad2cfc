package plans_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

func writePlan(t *testing.T, p *plans.Plan) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := plans.Write(path, p); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return path
}

func TestRoundTrip(t *testing.T) {
	refreshed := plantest.Sample()
	refreshed.Inputs.RefreshedAt = "2026-12-01T01:00:00Z"
	refreshed.Instances[0].StorageGB = 500
	if err := plans.Seal(refreshed); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*plans.Plan{"sample": plantest.Sample(), "large": plantest.Large(1001), "refreshed": refreshed, "staged": plantest.Staged()} {
		t.Run(name, func(t *testing.T) {
			path := writePlan(t, p)
			got, err := plans.Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Errorf("loaded plan differs from the written one")
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			again, err := plans.Encode(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(file, again) {
				t.Errorf("encoding the loaded plan does not give the file's bytes")
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries after Write, want only the plan (no temp files)", len(entries))
			}
		})
	}
}

// Sealing the same content twice gives the same id, tokens and bytes; the
// creation time is not part of the id.
func TestSealDeterministic(t *testing.T) {
	a, b := plantest.Sample(), plantest.Sample()
	b.CreatedAt = b.CreatedAt.Add(36e11)
	if err := plans.Seal(b); err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("ids differ: %s and %s", a.ID, b.ID)
	}
	for i := range a.Steps {
		if a.Steps[i].ClientToken != b.Steps[i].ClientToken {
			t.Errorf("step %s: tokens differ", a.Steps[i].ID)
		}
	}
}

// editJSON loads the plan file as generic JSON, applies edit and writes it
// back, as a person or a script editing the file would.
func editJSON(t *testing.T, path string, edit func(m map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if b, err = json.MarshalIndent(m, "", "  "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func step(m map[string]any, i int) map[string]any {
	return m["steps"].([]any)[i].(map[string]any)
}

func TestEditedPlanRefused(t *testing.T) {
	tests := []struct {
		name string
		edit func(m map[string]any)
	}{
		{"toVersion changed", func(m map[string]any) { step(m, 0)["toVersion"] = "9.9" }},
		{"dependency removed", func(m map[string]any) { step(m, 5)["dependsOn"] = []any{} }},
		{"deny finding removed", func(m map[string]any) {
			step(m, 6)["policy"].(map[string]any)["deny"] = []any{}
			m["summary"].(map[string]any)["applicable"] = true
		}},
		{"step removed", func(m map[string]any) { m["steps"] = m["steps"].([]any)[1:] }},
		{"steps reordered", func(m map[string]any) {
			s := m["steps"].([]any)
			s[0], s[1] = s[1], s[0]
		}},
		{"clientToken changed", func(m map[string]any) { step(m, 0)["clientToken"] = "rdsup-mine" }},
		{"id replaced", func(m map[string]any) { m["id"] = strings.Repeat("0", 64) }},
		{"inventory digest changed", func(m map[string]any) { m["inputs"].(map[string]any)["inventoryDigest"] = "sha256:00" }},
		{"snapshot status changed", func(m map[string]any) {
			m["instances"].([]any)[0].(map[string]any)["status"] = "Running!"
		}},
		{"unknown field added", func(m map[string]any) { step(m, 0)["force"] = true }},
		{"field of the wrong type", func(m map[string]any) { step(m, 0)["wave"] = "first" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writePlan(t, plantest.Sample())
			editJSON(t, path, tc.edit)
			_, err := plans.Load(path)
			if !errors.Is(err, plans.ErrModified) {
				t.Fatalf("Load of an edited plan: error = %v, want ErrModified", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestFormatVersionRefused(t *testing.T) {
	for _, v := range []int{0, plans.FormatVersion - 1, plans.FormatVersion + 1, 99} {
		path := writePlan(t, plantest.Sample())
		editJSON(t, path, func(m map[string]any) { m["formatVersion"] = v })
		_, err := plans.Load(path)
		if !errors.Is(err, plans.ErrFormatVersion) {
			t.Fatalf("formatVersion %d: error = %v, want ErrFormatVersion", v, err)
		}
		wants := []string{"formatVersion " + strconv.Itoa(v), "reads " + strconv.Itoa(plans.FormatVersion), path}
		if v == plans.FormatVersion-1 {
			wants = append(wants, "plan format "+strconv.Itoa(v)+" was written by an older rdsup", "run `rdsup plan` again")
		}
		for _, want := range wants {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("formatVersion %d: error %q lacks %q", v, err, want)
			}
		}
	}
}

// TestFormat1PlanRefused: a plan as rdsup wrote it before the policy set
// was recorded is refused as older, not as edited.
func TestFormat1PlanRefused(t *testing.T) {
	path := writePlan(t, plantest.Sample())
	editJSON(t, path, func(m map[string]any) {
		m["formatVersion"] = 1
		delete(m["inputs"].(map[string]any), "policySet")
	})
	_, err := plans.Load(path)
	if !errors.Is(err, plans.ErrFormatVersion) || !strings.Contains(err.Error(), "plan format 1 was written by an older rdsup") {
		t.Fatalf("error = %v, want the older-format refusal", err)
	}
}

func TestBrokenFileRefused(t *testing.T) {
	whole, err := plans.Encode(plantest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a plan file"},
		{"torn in half", whole[:len(whole)/2], "not a plan file"},
		{"torn before the end", whole[:len(whole)-3], "not a plan file"},
		{"garbage", []byte("\x00\x01PK\x03\x04 zip?"), "not a plan file"},
		{"yaml", []byte("formatVersion: 1\nsteps: []\n"), "not a plan file"},
		{"json without formatVersion", []byte(`{"id": "x", "steps": []}`), "no formatVersion"},
		{"json array", []byte(`[1, 2]`), "not a plan file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := plans.Load(path)
			if err == nil {
				t.Fatal("Load accepted a broken file")
			}
			for _, want := range []string{tc.want, path, "rdsup plan"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	if _, err := plans.Load(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v, want os.ErrNotExist", err)
	}
}

func TestClientToken(t *testing.T) {
	p := plantest.Large(2003)
	seen := make(map[string]string, len(p.Steps))
	for _, s := range p.Steps {
		tok := s.ClientToken
		if len(tok) == 0 || len(tok) > 64 {
			t.Fatalf("step %s: token %q has %d characters, want 1..64", s.ID, tok, len(tok))
		}
		for _, r := range tok {
			if r > 0x7e || r < 0x21 {
				t.Fatalf("step %s: token %q has a non-printable-ASCII character %q", s.ID, tok, r)
			}
		}
		if !strings.HasPrefix(tok, plans.ClientTokenPrefix) {
			t.Errorf("step %s: token %q lacks the prefix %q", s.ID, tok, plans.ClientTokenPrefix)
		}
		if other, dup := seen[tok]; dup {
			t.Fatalf("steps %s and %s share the token %q", other, s.ID, tok)
		}
		seen[tok] = s.ID
		if again := plans.ClientToken(p.ID, s.ID); again != tok {
			t.Errorf("step %s: token not stable: %q then %q", s.ID, tok, again)
		}
	}

	// Stable across write and load; specific to the plan.
	loaded, err := plans.Load(writePlan(t, p))
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Steps {
		if loaded.Steps[i].ClientToken != p.Steps[i].ClientToken {
			t.Fatalf("step %s: token changed on load", p.Steps[i].ID)
		}
	}
	other := plans.ClientToken(strings.Repeat("f", 64), p.Steps[0].ID)
	if other == p.Steps[0].ClientToken {
		t.Errorf("two plans give step %s the same token", p.Steps[0].ID)
	}
	long := plans.ClientToken(strings.Repeat("a", 200), strings.Repeat("rr-very-long-step-id-", 20))
	if len(long) > 64 {
		t.Errorf("token for long ids has %d characters", len(long))
	}
}

func BenchmarkFile(b *testing.B) {
	p := plantest.Large(100_000)
	path := filepath.Join(b.TempDir(), "plan.json")
	b.Run("write/100k", func(b *testing.B) {
		for b.Loop() {
			if err := plans.Write(path, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load/100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := plans.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}
