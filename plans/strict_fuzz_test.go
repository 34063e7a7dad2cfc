package plans

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// refStrictProblem is the slow reference for what checkStrict must refuse
// whatever the shape: invalid JSON, duplicate keys in any object, and
// anything after the first value. It walks encoding/json's tokens.
func refStrictProblem(data []byte) string {
	if !json.Valid(bytes.TrimSpace(data)) {
		// Valid rejects trailing values too; Decode below tells them apart.
		dec := json.NewDecoder(bytes.NewReader(data))
		var v any
		if err := dec.Decode(&v); err != nil {
			return "invalid JSON"
		}
		return "trailing data"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	type obj struct {
		keys    map[string]bool
		wantKey bool
	}
	var stack []*obj
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return "invalid JSON"
		}
		top := (*obj)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.keys != nil && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return "duplicate key " + k
			}
			top.keys[k] = true
			top.wantKey = false
			continue
		}
		if top != nil && top.keys != nil {
			top.wantKey = true // this token is the value (or opens it)
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &obj{keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &obj{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

// FuzzCheckStrict: whatever checkStrict accepts, the reference finds
// nothing wrong with; and it never panics. Seeds are a sealed plan and
// edits of it.
func FuzzCheckStrict(f *testing.F) {
	p := &Plan{
		Inputs: Inputs{Inventory: "fleet.yaml", PolicySet: PolicySet{Builtin: true, Files: []PolicyFile{{Path: "a.rego", Digest: "sha256:00"}}}},
		Steps: []Step{{ID: "rr-1", InstanceID: "rr-1", Role: RoleReadOnly, EffectiveTime: EffectiveImmediate,
			Policy: Verdict{Warn: []Finding{{Rule: "rdsup.x.warn", Message: "m", Metadata: map[string]any{"a": []any{1, "x", nil, map[string]any{"b": true}}}}}}}},
		Instances: []Instance{{ID: "rr-1", Role: RoleReadOnly, Tags: map[string]string{"env": "prod", "team": "x"}}},
	}
	Summarize(p)
	if err := Seal(p); err != nil {
		f.Fatal(err)
	}
	good, err := Encode(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, e := range [][2]string{
		{`"env": "prod",`, `"env": "prod", "env": "x",`},
		{`"b": true`, `"b": true, "b": false`},
		{`"wave": 0,`, `"Wave": 0,`},
		{`"wave": 0,`, ``},
		{`"dependsOn": [],`, `"dependsOn": null,`},
		{`"id": "rr-1",`, `"\u0069d": "rr-1",`},
	} {
		f.Add(bytes.Replace(good, []byte(e[0]), []byte(e[1]), 1))
	}
	f.Add(append(bytes.Clone(good), "{}"...))
	f.Add([]byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.NewDecoder(bytes.NewReader(data)).Decode(&v) != nil {
			return // Decode only calls checkStrict after the first value decoded
		}
		err := checkStrict(data)
		if err != nil {
			if !strings.Contains(err.Error(), " at $") {
				t.Fatalf("error %q does not name a JSON path", err)
			}
			return
		}
		if why := refStrictProblem(data); why != "" {
			t.Fatalf("checkStrict accepted a document with %s:\n%s", why, data)
		}
	})
}

// BenchmarkLoadChecks measures what strict reading and Validate add to
// loading a plan of 100,000 steps.
func BenchmarkLoadChecks(b *testing.B) {
	p := largeForBench(100_000)
	data, err := Encode(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("checkStrict/100k", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := checkStrict(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Validate/100k", func(b *testing.B) {
		for b.Loop() {
			if err := Validate(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// largeForBench is a valid plan of n independent steps (plantest imports
// this package, so it cannot be used from an internal test).
func largeForBench(n int) *Plan {
	p := &Plan{}
	for i := range n {
		id := "rm-" + strings.Repeat("0", 6-len(itoa(i))) + itoa(i)
		p.Steps = append(p.Steps, Step{ID: id, InstanceID: id, Region: "cn-hangzhou", Engine: "MySQL", Role: RolePrimary,
			Cluster: id, FromVersion: "5.7", ToVersion: "8.0", EffectiveTime: EffectiveMaintenance})
		p.Instances = append(p.Instances, Instance{ID: id, Region: "cn-hangzhou", Engine: "MySQL", EngineVersion: "5.7",
			TargetVersion: "8.0", Role: RolePrimary, Status: "Running", MaintainTime: "18:00Z-22:00Z", Tags: map[string]string{"env": "prod"}})
	}
	Summarize(p)
	if err := Seal(p); err != nil {
		panic(err)
	}
	return p
}

func itoa(i int) string { return strconv.Itoa(i) }
