package plans

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The plan encoder writes the same bytes as encoding/json (with
// SetEscapeHTML(false) and, when pretty, SetIndent("", "  ")) about ten
// times faster, which matters for plans of 100,000 steps. encode_test.go
// checks it against encoding/json field by field.

type encoder struct {
	b      []byte
	pretty bool
	digest bool      // write id, createdAt and client tokens as their zero values
	flush  io.Writer // when set, b is handed to it in chunks (for hashing)
	depth  int
}

// maybeFlush hands the buffer to e.flush once it is large, so hashing a
// large plan never holds its whole encoding.
func (e *encoder) maybeFlush() {
	if e.flush != nil && len(e.b) >= 1<<16 {
		e.flush.Write(e.b)
		e.b = e.b[:0]
	}
}

func (e *encoder) newline() {
	if e.pretty {
		e.b = append(e.b, '\n')
		for range e.depth {
			e.b = append(e.b, ' ', ' ')
		}
	}
}

func (e *encoder) open(c byte) { e.b = append(e.b, c); e.depth++ }

func (e *encoder) close(c byte, empty bool) {
	e.depth--
	if !empty {
		e.newline()
	}
	e.b = append(e.b, c)
}

// key writes the separator before a member (none for the first) and its key.
func (e *encoder) key(first bool, k string) {
	if !first {
		e.b = append(e.b, ',')
	}
	e.newline()
	e.b = appendString(e.b, k)
	e.b = append(e.b, ':')
	if e.pretty {
		e.b = append(e.b, ' ')
	}
}

func (e *encoder) str(first bool, k, v string) { e.key(first, k); e.b = appendString(e.b, v) }
func (e *encoder) int(first bool, k string, v int) {
	e.key(first, k)
	e.b = strconv.AppendInt(e.b, int64(v), 10)
}

// array writes member k as a list of n elements, each written by elem.
func (e *encoder) array(first bool, k string, n int, elem func(i int) error) error {
	e.key(first, k)
	e.open('[')
	for i := range n {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.newline()
		if err := elem(i); err != nil {
			return err
		}
	}
	e.close(']', n == 0)
	return nil
}

func (e *encoder) strings(first bool, k string, vs []string) {
	_ = e.array(first, k, len(vs), func(i int) error { e.b = appendString(e.b, vs[i]); return nil })
}

func (e *encoder) plan(p *Plan) error {
	e.open('{')
	e.int(true, "formatVersion", p.FormatVersion)
	id, created := p.ID, p.CreatedAt
	if e.digest {
		id, created = "", time.Time{}
	}
	e.str(false, "id", id)
	e.key(false, "createdAt")
	ts, err := created.MarshalJSON()
	if err != nil {
		return err
	}
	e.b = append(e.b, ts...)
	e.key(false, "inputs")
	e.open('{')
	e.str(true, "inventory", p.Inputs.Inventory)
	e.str(false, "inventoryDigest", p.Inputs.InventoryDigest)
	e.str(false, "policyDigest", p.Inputs.PolicyDigest)
	e.str(false, "policyAt", p.Inputs.PolicyAt)
	e.policySet(&p.Inputs.PolicySet)
	if p.Inputs.RefreshedAt != "" {
		e.str(false, "refreshedAt", p.Inputs.RefreshedAt)
	}
	if sel := p.Inputs.Selection; sel != nil {
		e.key(false, "selection")
		e.open('{')
		e.strings(true, "only", sel.Only)
		e.strings(false, "exclude", sel.Exclude)
		e.key(false, "withReplicas")
		e.b = strconv.AppendBool(e.b, sel.WithReplicas)
		e.close('}', false)
	}
	e.close('}', false)
	if len(p.Stages) > 0 {
		_ = e.array(false, "stages", len(p.Stages), func(i int) error { e.stage(&p.Stages[i]); return nil })
	}
	err = e.array(false, "steps", len(p.Steps), func(i int) error {
		defer e.maybeFlush()
		return e.step(&p.Steps[i])
	})
	if err != nil {
		return err
	}
	_ = e.array(false, "instances", len(p.Instances), func(i int) error {
		e.instance(&p.Instances[i])
		e.maybeFlush()
		return nil
	})
	e.key(false, "summary")
	s := &p.Summary
	e.open('{')
	e.int(true, "instances", s.Instances)
	e.int(false, "steps", s.Steps)
	e.strings(false, "unchanged", s.Unchanged)
	e.int(false, "clusters", s.Clusters)
	e.int(false, "waves", s.Waves)
	e.int(false, "denied", s.Denied)
	e.int(false, "warnings", s.Warnings)
	e.key(false, "applicable")
	e.b = strconv.AppendBool(e.b, s.Applicable)
	e.close('}', false)
	e.close('}', false)
	return nil
}

func (e *encoder) policySet(ps *PolicySet) {
	e.key(false, "policySet")
	e.open('{')
	e.key(true, "builtin")
	e.b = strconv.AppendBool(e.b, ps.Builtin)
	for j, list := range [][]PolicyFile{ps.Files, ps.Data} {
		_ = e.array(false, [...]string{"files", "data"}[j], len(list), func(i int) error {
			e.open('{')
			e.str(true, "path", list[i].Path)
			e.str(false, "digest", list[i].Digest)
			e.close('}', false)
			return nil
		})
	}
	e.close('}', false)
}

func (e *encoder) step(s *Step) error {
	e.open('{')
	e.str(true, "id", s.ID)
	e.str(false, "instanceId", s.InstanceID)
	e.str(false, "region", s.Region)
	e.str(false, "engine", s.Engine)
	e.str(false, "role", s.Role)
	e.str(false, "cluster", s.Cluster)
	e.str(false, "fromVersion", s.FromVersion)
	e.str(false, "toVersion", s.ToVersion)
	e.str(false, "effectiveTime", s.EffectiveTime)
	e.strings(false, "dependsOn", s.DependsOn)
	e.int(false, "wave", s.Wave)
	if s.Stage != "" {
		e.str(false, "stage", s.Stage)
	}
	if e.digest {
		e.str(false, "clientToken", "")
	} else {
		e.str(false, "clientToken", s.ClientToken)
	}
	e.key(false, "policy")
	e.open('{')
	for j, list := range [][]Finding{s.Policy.Deny, s.Policy.Warn} {
		err := e.array(j == 0, [...]string{"deny", "warn"}[j], len(list), func(i int) error { return e.finding(&list[i]) })
		if err != nil {
			return err
		}
	}
	e.close('}', false)
	if s.EstimateSeconds != 0 { // absent in plans written before estimates
		e.int(false, "estimateSeconds", s.EstimateSeconds)
	}
	e.close('}', false)
	return nil
}

func (e *encoder) stage(st *Stage) {
	e.open('{')
	e.str(true, "name", st.Name)
	e.str(false, "select", st.Select)
	if st.Soak != "" {
		e.str(false, "soak", st.Soak)
	}
	if st.MaxConcurrentClusters != 0 {
		e.int(false, "maxConcurrentClusters", st.MaxConcurrentClusters)
	}
	if st.MaxFailures != nil {
		e.int(false, "maxFailures", *st.MaxFailures)
	}
	e.close('}', false)
}

func (e *encoder) finding(f *Finding) error {
	e.open('{')
	e.str(true, "rule", f.Rule)
	e.str(false, "msg", f.Message)
	if len(f.Metadata) > 0 {
		e.key(false, "metadata")
		raw, err := marshalCompat(f.Metadata)
		if err != nil {
			return err
		}
		if e.pretty {
			var buf bytes.Buffer
			prefix := bytes.Repeat([]byte("  "), e.depth)
			if err := json.Indent(&buf, raw, string(prefix), "  "); err != nil {
				return err
			}
			raw = buf.Bytes()
		}
		e.b = append(e.b, raw...)
	}
	e.close('}', false)
	return nil
}

func (e *encoder) instance(in *Instance) {
	e.open('{')
	e.str(true, "id", in.ID)
	e.str(false, "region", in.Region)
	e.str(false, "engine", in.Engine)
	e.str(false, "engineVersion", in.EngineVersion)
	e.str(false, "targetVersion", in.TargetVersion)
	e.str(false, "role", in.Role)
	if in.Primary != "" {
		e.str(false, "primary", in.Primary)
	}
	e.str(false, "status", in.Status)
	e.str(false, "maintainTime", in.MaintainTime)
	e.str(false, "effectiveTime", in.EffectiveTime)
	e.key(false, "tags")
	if in.Tags == nil {
		e.b = append(e.b, "null"...)
	} else {
		keys := make([]string, 0, len(in.Tags))
		for k := range in.Tags {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.open('{')
		for i, k := range keys {
			e.str(i == 0, k, in.Tags[k])
		}
		e.close('}', len(keys) == 0)
	}
	if in.StorageGB != 0 {
		e.int(false, "storageGB", in.StorageGB)
	}
	e.close('}', false)
}

// marshalCompat is json.Marshal without HTML escaping.
func marshalCompat(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: control characters, quote and backslash escaped,
// U+2028/U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
