package planner

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"
)

// fastParse builds the yaml.Node tree of an inventory written in the plain
// block style rdsup documents (and tools generate): top-level `defaults:` and
// `instances:`, `key: scalar` lines, `- key: scalar` list items and tags as a
// flow `{k: v}` or a nested block. It is about ten times faster than the
// general YAML parser on large fleets. For anything else — anchors, multi-line
// strings, escapes, odd indentation — it returns nil and the caller parses
// with yaml.v3, so both paths accept and report exactly the same documents.
func fastParse(data []byte) *yaml.Node {
	f := fastParser{}
	doc := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
	var cur *yaml.Node // the mapping receiving key: value lines
	var curIndent int  // indentation of keys in cur
	var tags *yaml.Node
	tagsIndent := -1
	itemIndent := -1
	var items *yaml.Node
	line := 0
	first := true
	for len(data) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		if bytes.IndexByte(raw, '\t') >= 0 || bytes.IndexByte(raw, '\r') >= 0 {
			return nil
		}
		indent := 0
		for indent < len(raw) && raw[indent] == ' ' {
			indent++
		}
		text := raw[indent:]
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		if first {
			first = false
			doc.Line = line
		}
		if text[0] == '-' && len(text) >= 2 && text[1] == ' ' { // a list item
			if items == nil || (itemIndent >= 0 && indent != itemIndent) {
				return nil
			}
			itemIndent = indent
			cur = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: indent + 1}
			items.Content = append(items.Content, cur)
			indent += 2
			for indent < len(raw) && raw[indent] == ' ' {
				indent++
			}
			curIndent = indent
			tags, tagsIndent = nil, -1
			text = raw[indent:]
			if len(text) == 0 || text[0] == '#' || text[0] == '-' {
				return nil
			}
		}
		key, rest, ok := f.key(text)
		if !ok {
			return nil
		}
		keyNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: line, Column: indent + 1}
		switch {
		case indent == 0: // top level
			if len(rest) != 0 {
				return nil
			}
			val := &yaml.Node{Line: line, Column: len(key) + 3}
			switch key {
			case "defaults":
				val.Kind, val.Tag = yaml.MappingNode, "!!map"
				cur, curIndent, tags, tagsIndent = val, -1, nil, -1
			case "instances":
				val.Kind, val.Tag = yaml.SequenceNode, "!!seq"
				items, cur = val, nil
			default:
				return nil
			}
			doc.Content = append(doc.Content, keyNode, val)
		case tags != nil && indent > curIndent && (tagsIndent < 0 || indent == tagsIndent): // a block tag
			v, ok := f.scalar(rest, line, indent)
			if !ok || len(rest) == 0 {
				return nil
			}
			tagsIndent = indent
			tags.Content = append(tags.Content, keyNode, v)
		case cur != nil && (curIndent < 0 || indent == curIndent):
			curIndent = indent
			tags = nil
			var v *yaml.Node
			if key == "tags" {
				if v, ok = f.tagsValue(rest, line, indent); !ok {
					return nil
				}
				if v.Kind == yaml.MappingNode && len(rest) == 0 {
					tags, tagsIndent = v, -1
				}
			} else if v, ok = f.scalar(rest, line, indent); !ok || len(rest) == 0 {
				return nil
			}
			cur.Content = append(cur.Content, keyNode, v)
		default:
			return nil
		}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Line: doc.Line, Column: 1, Content: []*yaml.Node{doc}}
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
func (fastParser) scalar(rest []byte, line, col int) (*yaml.Node, bool) {
	v, tail, ok := scalarPrefix(rest)
	if !ok || !endOfLine(tail) {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: line, Column: col}, true
}

// tagsValue reads `{k: v, ...}` or an empty value opening a block mapping.
func (f fastParser) tagsValue(rest []byte, line, col int) (*yaml.Node, bool) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line, Column: col}
	if len(rest) == 0 {
		return m, true
	}
	if rest[0] != '{' {
		return nil, false
	}
	rest = bytes.TrimLeft(rest[1:], " ")
	for {
		if len(rest) > 0 && rest[0] == '}' {
			return m, endOfLine(rest[1:])
		}
		k, tail, ok := scalarPrefix(rest)
		if !ok || len(tail) < 2 || tail[0] != ':' || tail[1] != ' ' {
			return nil, false
		}
		v, tail, ok := scalarPrefix(bytes.TrimLeft(tail[1:], " "))
		if !ok {
			return nil, false
		}
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Line: line, Column: col},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: line, Column: col})
		tail = bytes.TrimLeft(tail, " ")
		switch {
		case len(tail) > 0 && tail[0] == ',':
			rest = bytes.TrimLeft(tail[1:], " ")
		case len(tail) > 0 && tail[0] == '}':
			rest = tail
		default:
			return nil, false
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
	switch strings.ToLower(v) {
	case "null", "~", "true", "false", "yes", "no", "on", "off":
		return "", nil, false // let yaml.v3 decide what these mean
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
