package planner

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// valueKind is the shape of a YAML value, as far as the inventory cares.
type valueKind uint8

const (
	kindScalar valueKind = iota
	kindNull
	kindMapping
	kindOther
)

// rawValue is a YAML value as read, before validation: a scalar, or a
// mapping one level deep (instance entries, tags). Both the fast path and
// the yaml.v3 path produce it, so validation sees the same thing.
type rawValue struct {
	kind  valueKind
	val   string // scalars
	line  int
	desc  string    // how to name a non-scalar in an error ("a list", "nothing", …)
	pairs []rawPair // mappings
}

type rawPair struct {
	key  string
	line int
	v    rawValue
}

// describe names the value in an error message.
func (v *rawValue) describe() string {
	if v.kind == kindScalar {
		return fmt.Sprintf("the value %q", v.val)
	}
	return v.desc
}

// fromNode converts a yaml.v3 node; depth is how many mapping levels to keep.
func fromNode(n *yaml.Node, depth int) rawValue {
	v := rawValue{line: n.Line}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		v.desc = kindName(n)
	}
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		v.kind = kindNull
	case n.Kind == yaml.ScalarNode:
		v.kind, v.val = kindScalar, n.Value
	case n.Kind == yaml.MappingNode && depth > 0:
		v.kind = kindMapping
		v.pairs = make([]rawPair, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.pairs = append(v.pairs, rawPair{key: n.Content[i].Value, line: n.Content[i].Line, v: fromNode(n.Content[i+1], depth-1)})
		}
	default:
		v.kind = kindOther
	}
	return v
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "an alias or document"
}
