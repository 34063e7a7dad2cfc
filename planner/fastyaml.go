package planner

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"
)

// fastParse reads an inventory written in the plain block style rdsup
// documents (and tools generate): top-level `defaults:` and `instances:`,
// `key: scalar` lines, `- key: scalar` list items and tags as a flow
// `{k: v}` or a nested block. It is many times faster and smaller than a
// general YAML node tree on large fleets. For anything else — anchors,
// multi-line strings, escapes, odd indentation, unknown top-level keys — it
// returns ok=false and the caller parses with yaml.v3; both paths yield the
// same raw values, so they accept and report exactly the same documents.
// A top-level `rollout:` block, a few lines long, is cut out and read by
// yaml.v3 alone (see rolloutBlock).
func fastParse(data []byte) (defaults rawValue, items []rawValue, rollout *yaml.Node, ok bool) {
	f := fastParser{}
	defaults = rawValue{kind: kindNull, desc: "nothing"}
	items = make([]rawValue, 0, bytes.Count(data, []byte("\n- "))+bytes.Count(data, []byte("\n  - ")))
	var cur *rawValue // the mapping receiving key: value lines
	curIndent := -1   // indentation of keys in cur
	var tags *rawValue
	tagsIndent := -1
	itemIndent := -1
	inItems, sawItems := false, false
	line := 0
	rolloutLine := 0 // line of `rollout:`, 0: none
	var rolloutText []byte
	for len(data) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		if bytes.IndexByte(raw, '\t') >= 0 || bytes.IndexByte(raw, '\r') >= 0 {
			return defaults, nil, nil, false
		}
		indent := 0
		for indent < len(raw) && raw[indent] == ' ' {
			indent++
		}
		text := raw[indent:]
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		if text[0] == '-' && len(text) >= 2 && text[1] == ' ' { // a list item
			if !inItems || (itemIndent >= 0 && indent != itemIndent) {
				return defaults, nil, nil, false
			}
			itemIndent = indent
			items = append(items, rawValue{kind: kindMapping, line: line, desc: "a mapping", pairs: make([]rawPair, 0, 8)})
			cur = &items[len(items)-1]
			indent += 2
			for indent < len(raw) && raw[indent] == ' ' {
				indent++
			}
			curIndent = indent
			tags, tagsIndent = nil, -1
			text = raw[indent:]
			if len(text) == 0 || text[0] == '#' || text[0] == '-' {
				return defaults, nil, nil, false
			}
		}
		key, rest, ok := f.key(text)
		if !ok {
			return defaults, nil, nil, false
		}
		switch {
		case indent == 0: // top level
			if len(rest) != 0 {
				return defaults, nil, nil, false
			}
			switch key {
			case "defaults":
				if inItems || defaults.kind != kindNull {
					return defaults, nil, nil, false
				}
				defaults = rawValue{kind: kindMapping, line: line, desc: "a mapping"}
				cur, curIndent, tags, tagsIndent = &defaults, -1, nil, -1
			case "instances":
				if sawItems {
					return defaults, nil, nil, false
				}
				inItems, sawItems, cur = true, true, nil
			case "rollout":
				if rolloutLine > 0 {
					return defaults, nil, nil, false
				}
				rolloutLine = line
				var n int
				rolloutText, data, n = rolloutBlock(data)
				line += n
				inItems, cur, tags = false, nil, nil
			default:
				return defaults, nil, nil, false
			}
		case tags != nil && indent > curIndent && (tagsIndent < 0 || indent == tagsIndent): // a block tag
			v, ok := f.scalar(rest, line)
			if !ok {
				return defaults, nil, nil, false
			}
			tagsIndent = indent
			tags.pairs = append(tags.pairs, rawPair{key: key, line: line, v: v})
		case cur != nil && (curIndent < 0 || indent == curIndent):
			curIndent = indent
			tags = nil
			var v rawValue
			if key == "tags" {
				if v, ok = f.tagsValue(rest, line); !ok {
					return defaults, nil, nil, false
				}
			} else if v, ok = f.scalar(rest, line); !ok {
				return defaults, nil, nil, false
			}
			cur.pairs = append(cur.pairs, rawPair{key: key, line: line, v: v})
			if key == "tags" && len(rest) == 0 {
				tags, tagsIndent = &cur.pairs[len(cur.pairs)-1].v, -1
			}
		default:
			return defaults, nil, nil, false
		}
	}
	if len(items) == 0 {
		return defaults, nil, nil, false
	}
	if rolloutLine > 0 {
		if rollout, ok = parseRolloutBlock(rolloutLine, rolloutText); !ok {
			return defaults, nil, nil, false
		}
	}
	return defaults, items, rollout, true
}

// rolloutBlock splits off the lines of a top-level block that follow its
// key's line: blank and comment lines, indented lines, and list items at
// column 0 (YAML lets a block sequence under a top-level key start there).
// It returns the block, the rest and how many lines the block has.
func rolloutBlock(data []byte) (block, rest []byte, lines int) {
	end := 0
	for end < len(data) {
		next := len(data)
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
			next = end + i + 1
		}
		l := bytes.TrimRight(data[end:next], "\n")
		if len(l) > 0 && l[0] != ' ' && l[0] != '#' && !(l[0] == '-' && (len(l) == 1 || l[1] == ' ')) {
			break // the next top-level key (or something the main loop refuses)
		}
		end = next
		lines++
	}
	return data[:end], data[end:], lines
}

// parseRolloutBlock reads a rollout block (its key on line keyLine) with
// yaml.v3, at its place in the file so that lines are right. ok is false
// when it is not a well-formed block on its own (an alias to an anchor
// elsewhere, a syntax error): the whole document then takes the yaml.v3
// path, which reports what is wrong.
func parseRolloutBlock(keyLine int, block []byte) (*yaml.Node, bool) {
	buf := make([]byte, 0, keyLine+len("rollout:\n")+len(block))
	for range keyLine - 1 {
		buf = append(buf, '\n')
	}
	buf = append(append(buf, "rollout:\n"...), block...)
	var root yaml.Node
	if err := yaml.Unmarshal(buf, &root); err != nil || len(root.Content) != 1 {
		return nil, false
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode || len(doc.Content) != 2 || doc.Content[0].Value != "rollout" {
		return nil, false
	}
	return doc.Content[1], true
}

type fastParser struct{}

// key splits "name: rest" (or "name:"), accepting only simple names.
func (fastParser) key(text []byte) (string, []byte, bool) {
	i := bytes.IndexByte(text, ':')
	if i <= 0 {
		return "", nil, false
	}
	for _, c := range text[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", nil, false
		}
	}
	rest := text[i+1:]
	if len(rest) > 0 && rest[0] != ' ' {
		return "", nil, false
	}
	rest = bytes.TrimLeft(rest, " ")
	if len(rest) > 0 && rest[0] == '#' {
		rest = nil
	}
	return string(text[:i]), rest, true
}

// scalar reads one plain or quoted scalar filling the rest of the line
// (a trailing comment allowed).
func (fastParser) scalar(rest []byte, line int) (rawValue, bool) {
	v, tail, ok := scalarPrefix(rest)
	if !ok || !endOfLine(tail) {
		return rawValue{}, false
	}
	return rawValue{kind: kindScalar, val: v, line: line}, true
}

// tagsValue reads `{k: v, ...}` or an empty value opening a block mapping.
func (f fastParser) tagsValue(rest []byte, line int) (rawValue, bool) {
	m := rawValue{kind: kindMapping, line: line, desc: "a mapping"}
	if len(rest) == 0 {
		return m, true
	}
	if rest[0] != '{' {
		return m, false
	}
	rest = bytes.TrimLeft(rest[1:], " ")
	for {
		if len(rest) > 0 && rest[0] == '}' {
			return m, endOfLine(rest[1:])
		}
		k, tail, ok := scalarPrefix(rest)
		if !ok || len(tail) < 2 || tail[0] != ':' || tail[1] != ' ' {
			return m, false
		}
		v, tail, ok := scalarPrefix(bytes.TrimLeft(tail[1:], " "))
		if !ok {
			return m, false
		}
		m.pairs = append(m.pairs, rawPair{key: k, line: line, v: rawValue{kind: kindScalar, val: v, line: line}})
		tail = bytes.TrimLeft(tail, " ")
		switch {
		case len(tail) > 0 && tail[0] == ',':
			rest = bytes.TrimLeft(tail[1:], " ")
		case len(tail) > 0 && tail[0] == '}':
			rest = tail
		default:
			return m, false
		}
	}
}

// scalarPrefix reads a quoted scalar without escapes, or a plain scalar of
// safe characters, returning its value and what follows it.
func scalarPrefix(b []byte) (string, []byte, bool) {
	if len(b) == 0 {
		return "", nil, false
	}
	if q := b[0]; q == '"' || q == '\'' {
		end := bytes.IndexByte(b[1:], q)
		if end < 0 || bytes.IndexByte(b[1:1+end], '\\') >= 0 {
			return "", nil, false
		}
		if end+2 < len(b) && b[end+2] == q { // '' escape in single quotes
			return "", nil, false
		}
		return string(b[1 : 1+end]), b[end+2:], true
	}
	n := 0
	for n < len(b) && safePlain(b[n], n) {
		n++
	}
	if n == 0 {
		return "", nil, false
	}
	v := string(b[:n])
	if n <= 5 && strings.Contains("nNtTfFyYoO", v[:1]) {
		switch strings.ToLower(v) {
		case "null", "true", "false", "yes", "no", "on", "off", "y", "n":
			return "", nil, false // let yaml.v3 decide what these mean
		}
	}
	return v, b[n:], true
}

func safePlain(c byte, i int) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		(i > 0 && (c == '-' || c == '.' || c == '_' || c == '/'))
}

// endOfLine reports whether b is nothing, spaces, or spaces and a comment
// (YAML needs a space before '#').
func endOfLine(b []byte) bool {
	t := bytes.TrimLeft(b, " ")
	return len(t) == 0 || (t[0] == '#' && len(t) < len(b))
}
