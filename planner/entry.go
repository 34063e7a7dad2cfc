package planner

import (
	"strings"
)

// Field indexes; fields holds their names, which other tools rely on.
const (
	fID = iota
	fRegion
	fEngine
	fEngineVersion
	fTargetVersion
	fRole
	fPrimary
	fStatus
	fMaintainTime
	fEffectiveTime
	fTags
	fStorageGB
	nFields
)

var fields = [nFields]string{"id", "region", "engine", "engineVersion", "targetVersion", "role", "primary", "status", "maintainTime", "effectiveTime", "tags", "storageGB"}

// entry is one instance (or the defaults) as written, with the line of each
// field so validation can point at it.
type entry struct {
	line  int
	vals  [nFields]string
	lines [nFields]int  // 0: not given
	bad   [nFields]bool // given, but not as a plain value (already reported)
	tags  map[string]string
}

func (e *entry) lineOf(f int) int {
	if e.lines[f] > 0 {
		return e.lines[f]
	}
	return e.line
}

// readEntry reads a mapping of instance fields, reporting unknown fields,
// wrong shapes and repeated keys.
func readEntry(p *problems, v *rawValue, isDefaults bool) entry {
	e := entry{line: v.line}
	what := "an instance"
	if isDefaults {
		what = "defaults"
	}
	if v.kind != kindMapping {
		if !(isDefaults && v.kind == kindNull) {
			p.add(v.line, "", "each entry is a mapping such as `- id: rm-x` followed by its fields", "%s must be a mapping, found %s", what, v.describe())
		}
		return e
	}
	id := ""
	for _, kv := range v.pairs {
		if kv.key == "id" && kv.v.kind == kindScalar {
			id = kv.v.val
		}
	}
	for i := range v.pairs {
		kv := &v.pairs[i]
		if first, dup := earlier(v.pairs, i); dup {
			p.add(kv.line, id, "keep one", "field %q is given twice in %s (first at line %d)", kv.key, what, first)
			continue
		}
		f := fieldIndex(kv.key)
		if f < 0 || (isDefaults && f == fID) {
			hint := "known fields: " + strings.Join(fields[:], ", ")
			if s := suggest(kv.key, fields[:]); s != "" {
				hint = s[2:]
			}
			if isDefaults && f == fID {
				hint = "ids are per instance; move it into an entry under `instances:`"
			}
			p.add(kv.line, id, hint, "unknown field %q in %s", kv.key, what)
			continue
		}
		e.lines[f] = kv.line
		if f == fTags {
			e.tags = readTags(p, &kv.v, id)
			continue
		}
		if kv.v.kind != kindScalar {
			e.bad[f] = true
			p.add(kv.v.line, id, "write a single value, quoted if it looks like a number (\"5.6\")", "field %q must be a plain value, found %s", kv.key, kv.v.describe())
			continue
		}
		e.vals[f] = kv.v.val
	}
	return e
}

func readTags(p *problems, v *rawValue, id string) map[string]string {
	tags := make(map[string]string, len(v.pairs))
	if v.kind != kindMapping {
		if v.kind != kindNull {
			p.add(v.line, id, "write tags as a mapping, e.g. `tags: {env: prod, team: payments}`", "tags must be a mapping, found %s", v.describe())
		}
		return tags
	}
	for i, kv := range v.pairs {
		if first, dup := earlier(v.pairs, i); dup {
			p.add(kv.line, id, "keep one", "tag %q is given twice (first at line %d)", kv.key, first)
			continue
		}
		if kv.v.kind != kindScalar {
			p.add(kv.v.line, id, "tag values are plain strings", "tag %q must be a plain value, found %s", kv.key, kv.v.describe())
			continue
		}
		tags[kv.key] = kv.v.val
	}
	return tags
}

// earlier returns the line of the first pair before pairs[i] with the
// same key. Mappings here are small, so a scan beats a map.
func earlier(pairs []rawPair, i int) (int, bool) {
	for _, kv := range pairs[:i] {
		if kv.key == pairs[i].key {
			return kv.line, true
		}
	}
	return 0, false
}

// applyDefaults fills fields the entry does not give from the defaults.
func (e *entry) applyDefaults(d *entry) {
	for f := range nFields {
		if e.lines[f] == 0 && d.lines[f] > 0 {
			e.vals[f] = d.vals[f]
		}
	}
	switch {
	case e.tags == nil:
		e.tags = d.tags
	case d.tags != nil:
		merged := make(map[string]string, len(d.tags)+len(e.tags))
		for k, v := range d.tags {
			merged[k] = v
		}
		for k, v := range e.tags {
			merged[k] = v
		}
		e.tags = merged
	}
}

func fieldIndex(name string) int {
	for i, f := range fields {
		if f == name {
			return i
		}
	}
	return -1
}

// suggest returns "; did you mean X?" for the closest known name, or "".
func suggest(name string, names []string) string {
	best, bestD := "", 4
	for _, n := range names {
		if d := distance(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

// distance is the Levenshtein edit distance, with transpositions counted once.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
