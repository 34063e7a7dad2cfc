package planner

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// fields are the inventory's field names; other tools rely on them.
var fields = []string{"id", "region", "engine", "engineVersion", "targetVersion", "role", "primary", "status", "maintainTime", "effectiveTime", "tags"}

// entry is one instance (or the defaults) as written, with the line of each
// field so validation can point at it.
type entry struct {
	line  int
	vals  map[string]string
	lines map[string]int
	tags  map[string]string
}

func (e *entry) get(f string) string { return e.vals[f] }

func (e *entry) lineOf(f string) int {
	if l, ok := e.lines[f]; ok {
		return l
	}
	return e.line
}

// readEntry reads a mapping of instance fields, reporting unknown fields,
// wrong shapes and repeated keys.
func readEntry(p *problems, n *yaml.Node, isDefaults bool) entry {
	e := entry{line: n.Line, vals: map[string]string{}, lines: map[string]int{}}
	what := "an instance"
	if isDefaults {
		what = "defaults"
	}
	if n.Kind != yaml.MappingNode {
		if !(isDefaults && n.Tag == "!!null") {
			p.add(n.Line, "", "each entry is a mapping such as `- id: rm-x` followed by its fields", "%s must be a mapping, found %s", what, kindName(n))
		}
		return e
	}
	id := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "id" && v.Kind == yaml.ScalarNode {
			id = v.Value
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if !known(name) || (isDefaults && name == "id") {
			hint := "known fields: " + strings.Join(fields, ", ")
			if s := suggest(name, fields); s != "" {
				hint = s[2:]
			}
			if isDefaults && name == "id" {
				hint = "ids are per instance; move it into an entry under `instances:`"
			}
			p.add(k.Line, id, hint, "unknown field %q in %s", name, what)
			continue
		}
		if _, dup := e.lines[name]; dup {
			p.add(k.Line, id, "keep one", "field %q is given twice", name)
			continue
		}
		e.lines[name] = k.Line
		if name == "tags" {
			e.tags = readTags(p, v, id)
			continue
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			p.add(v.Line, id, "write a single value, quoted if it looks like a number (\"5.6\")", "field %q must be a plain value, found %s", name, kindName(v))
			continue
		}
		e.vals[name] = v.Value
	}
	return e
}

func readTags(p *problems, v *yaml.Node, id string) map[string]string {
	tags := map[string]string{}
	if v.Kind != yaml.MappingNode {
		if v.Tag != "!!null" {
			p.add(v.Line, id, "write tags as a mapping, e.g. `tags: {env: prod, team: payments}`", "tags must be a mapping, found %s", kindName(v))
		}
		return tags
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		tk, tv := v.Content[i], v.Content[i+1]
		if tv.Kind != yaml.ScalarNode {
			p.add(tv.Line, id, "tag values are plain strings", "tag %q must be a plain value, found %s", tk.Value, kindName(tv))
			continue
		}
		tags[tk.Value] = tv.Value
	}
	return tags
}

// applyDefaults fills fields the entry does not set from the defaults.
func (e *entry) applyDefaults(d *entry) {
	for f, v := range d.vals {
		if _, ok := e.vals[f]; !ok {
			if _, seen := e.lines[f]; !seen {
				e.vals[f] = v
			}
		}
	}
	if e.tags == nil && d.tags != nil {
		e.tags = d.tags
	} else if e.tags != nil && d.tags != nil {
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

func known(name string) bool {
	for _, f := range fields {
		if f == name {
			return true
		}
	}
	return false
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
