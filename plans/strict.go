package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
)

// encoding/json matches keys case-insensitively, keeps the last of two
// equal keys, and Decoder.Decode stops after the first value. A plan file
// is read strictly instead: checkStrict walks its bytes once and refuses
// unknown keys, keys that differ from a field only in case, duplicate keys,
// missing keys, null where a value belongs, and anything after the plan.
// The shape it checks against is derived from the Plan type's json tags,
// so it cannot drift from the encoder.

// shape is what a JSON value in a plan file must look like.
type shape struct {
	kind     shapeKind
	fields   map[string]*field // kindStruct: the keys, exactly
	required int               // kindStruct: fields that are not omitempty
	elem     *shape            // kindArray: each element; kindMap: each value
	nullable bool              // null is accepted (only inside free-form metadata)
}

type shapeKind int

const (
	kindScalar shapeKind = iota // string, number or bool
	kindStruct                  // object with exactly the keys of fields
	kindMap                     // object with any keys, no duplicates
	kindArray
	kindAny // any JSON value; objects inside still refuse duplicate keys
)

type field struct {
	index    int // order in the struct, for the seen list
	optional bool
	shape    *shape
}

var planShape = sync.OnceValue(func() *shape { return shapeOf(reflect.TypeFor[Plan]()) })

func shapeOf(t reflect.Type) *shape {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return &shape{kind: kindScalar}
	case t.Kind() == reflect.Pointer:
		return shapeOf(t.Elem())
	case t.Kind() == reflect.Interface:
		return &shape{kind: kindAny, nullable: true}
	case t.Kind() == reflect.Slice:
		return &shape{kind: kindArray, elem: shapeOf(t.Elem())}
	case t.Kind() == reflect.Map:
		return &shape{kind: kindMap, elem: shapeOf(t.Elem())}
	case t.Kind() == reflect.Struct:
		s := &shape{kind: kindStruct, fields: map[string]*field{}}
		for i := range t.NumField() {
			tag := t.Field(i).Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" || name == "-" {
				panic("plans: field " + t.Field(i).Name + " has no json name")
			}
			s.fields[name] = &field{index: len(s.fields), optional: opts == "omitempty", shape: shapeOf(t.Field(i).Type)}
			if opts != "omitempty" {
				s.required++
			}
		}
		return s
	default:
		return &shape{kind: kindScalar}
	}
}

// frame is one step of the path to the value being read: a member key, or
// an element index when key is nil.
type frame struct {
	key   []byte
	index int
}

// checkStrict reports the first violation of the plan's shape in data, or
// nil. data must hold valid JSON up to the end of its first value (the
// caller decoded it already); what follows is checked here.
func checkStrict(data []byte) error {
	s := &scanner{data: data}
	s.skipSpace()
	if err := s.value(planShape()); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.errAt(s.pos, "trailing data after the plan")
	}
	return nil
}

type scanner struct {
	data  []byte
	pos   int
	stack []frame // path from the top to the value being read
}

// path spells the stack as a JSON path: $.steps[3].dependsOn.
func (s *scanner) path() string {
	var b strings.Builder
	b.WriteString("$")
	for _, f := range s.stack {
		if f.key != nil {
			b.WriteByte('.')
			b.Write(f.key)
		} else {
			fmt.Fprintf(&b, "[%d]", f.index)
		}
	}
	return b.String()
}

func (s *scanner) line(off int) int {
	return 1 + bytes.Count(s.data[:min(off, len(s.data))], []byte{'\n'})
}

func (s *scanner) errAt(off int, format string, args ...any) error {
	return fmt.Errorf("%s at %s (line %d, offset %d)", fmt.Sprintf(format, args...), s.path(), s.line(off), off)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// value checks the value at s.pos against sh.
func (s *scanner) value(sh *shape) error {
	start := s.pos
	switch c := s.peek(); {
	case c == '{':
		switch sh.kind {
		case kindStruct:
			return s.structObject(sh)
		case kindMap, kindAny:
			return s.freeObject(sh)
		}
		return s.errAt(start, "an object where a %s belongs", sh.kind)
	case c == '[':
		if sh.kind != kindArray && sh.kind != kindAny {
			return s.errAt(start, "a list where a %s belongs", sh.kind)
		}
		return s.array(sh)
	case c == 'n':
		if !sh.nullable && sh.kind != kindAny {
			return s.errAt(start, "null where a %s belongs", sh.kind)
		}
		return s.literal("null")
	case sh.kind != kindScalar && sh.kind != kindAny:
		return s.errAt(start, "a scalar where a %s belongs", sh.kind)
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == '-' || (c >= '0' && c <= '9'):
		for s.pos < len(s.data) && strings.IndexByte("+-.eE0123456789", s.data[s.pos]) >= 0 {
			s.pos++
		}
		return nil
	}
	return s.errAt(start, "invalid JSON")
}

func (k shapeKind) String() string {
	return [...]string{"string, number or boolean", "object", "object", "list", "value"}[k]
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return s.errAt(s.pos, "invalid JSON")
	}
	s.pos += len(lit)
	return nil
}

// str reads a string and returns its bytes between the quotes, or its
// decoded value when it holds escapes.
func (s *scanner) str() ([]byte, error) {
	start := s.pos
	end := bytes.IndexByte(s.data[start+1:], '"')
	if end < 0 {
		return nil, s.errAt(start, "unterminated string")
	}
	raw := s.data[start+1 : start+1+end]
	if bytes.IndexByte(raw, '\\') < 0 {
		s.pos = start + end + 2
		return raw, nil
	}
	s.pos++ // opening quote
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
			continue
		case '"':
			s.pos++
			var v string
			if err := json.Unmarshal(s.data[start:s.pos], &v); err != nil {
				return nil, s.errAt(start, "invalid string")
			}
			return []byte(v), nil
		}
		s.pos++
	}
	return nil, s.errAt(start, "unterminated string")
}

// members calls member for each key of the object at s.pos, positioned on
// its value.
func (s *scanner) members(member func(key []byte, keyAt int) error) error {
	s.pos++ // {
	s.skipSpace()
	if s.peek() == '}' {
		s.pos++
		return nil
	}
	for {
		s.skipSpace()
		keyAt := s.pos
		if s.peek() != '"' {
			return s.errAt(keyAt, "invalid JSON: expected a key")
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		s.skipSpace()
		if s.peek() != ':' {
			return s.errAt(s.pos, "invalid JSON: expected ':'")
		}
		s.pos++
		s.skipSpace()
		if err := member(key, keyAt); err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.errAt(s.pos, "invalid JSON: expected ',' or '}'")
		}
	}
}

func (s *scanner) structObject(sh *shape) error {
	start := s.pos
	var buf [32]int // offset+1 of each field's key, by field index
	seen := buf[:]
	if len(sh.fields) > len(buf) {
		seen = make([]int, len(sh.fields))
	}
	found := 0 // required fields seen
	err := s.members(func(key []byte, keyAt int) error {
		f, ok := sh.fields[string(key)]
		if !ok {
			for name := range sh.fields {
				if strings.EqualFold(name, string(key)) {
					return s.errAt(keyAt, "key %q differs from %q only in case", key, name)
				}
			}
			return s.errAt(keyAt, "unknown key %q", key)
		}
		if first := seen[f.index]; first != 0 {
			return s.errAt(keyAt, "duplicate key %q (first on line %d)", key, s.line(first-1))
		}
		seen[f.index] = keyAt + 1
		if !f.optional {
			found++
		}
		return s.member(key, f.shape)
	})
	if err != nil || found == sh.required {
		return err
	}
	var missing []string
	for name, f := range sh.fields {
		if seen[f.index] == 0 && !f.optional {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return s.errAt(start, "missing key(s) %s", strings.Join(missing, ", "))
	}
	return nil
}

// member checks the value of member key against sh.
func (s *scanner) member(key []byte, sh *shape) error {
	s.stack = append(s.stack, frame{key: key})
	err := s.value(sh)
	s.stack = s.stack[:len(s.stack)-1]
	return err
}

func (s *scanner) freeObject(sh *shape) error {
	type seenKey struct {
		key []byte
		at  int
	}
	var buf [8]seenKey // tags are few: a linear search, no allocation
	seen := buf[:0]
	elem := sh.elem
	if sh.kind == kindAny {
		elem = sh
	}
	var many map[string]int // past len(buf) keys
	return s.members(func(key []byte, keyAt int) error {
		first, dup := -1, false
		if many != nil {
			first, dup = many[string(key)]
		} else {
			for _, k := range seen {
				if bytes.Equal(k.key, key) {
					first, dup = k.at, true
				}
			}
		}
		if dup {
			return s.errAt(keyAt, "duplicate key %q (first on line %d)", key, s.line(first))
		}
		switch {
		case many != nil:
			many[string(key)] = keyAt
		case len(seen) == len(buf):
			many = make(map[string]int, 2*len(buf))
			for _, k := range seen {
				many[string(k.key)] = k.at
			}
			many[string(key)] = keyAt
		default:
			seen = append(seen, seenKey{key, keyAt})
		}
		return s.member(key, elem)
	})
}

func (s *scanner) array(sh *shape) error {
	elem := sh.elem
	if sh.kind == kindAny {
		elem = sh
	}
	s.pos++ // [
	s.skipSpace()
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		s.skipSpace()
		s.stack = append(s.stack, frame{index: i})
		err := s.value(elem)
		s.stack = s.stack[:len(s.stack)-1]
		if err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.errAt(s.pos, "invalid JSON: expected ',' or ']'")
		}
	}
}
