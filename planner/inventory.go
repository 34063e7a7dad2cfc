package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rdsup/rdsup/plans"
	"gopkg.in/yaml.v3"
)

// Inventory is a loaded, validated inventory.
type Inventory struct {
	Path      string           // file name as given
	Digest    string           // "sha256:<hex>" of the file bytes
	Instances []plans.Instance // defaults applied, sorted by id
	Lines     map[string]int   // instance id → line of its entry
}

// Load reads and validates the inventory at path.
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	return Parse(path, data)
}

// Parse validates inventory bytes; name is used in error messages. Every
// problem is reported at once, sorted by instance id.
func Parse(name string, data []byte) (*Inventory, error) {
	sum := sha256.Sum256(data)
	inv := &Inventory{Path: name, Digest: "sha256:" + hex.EncodeToString(sum[:]), Lines: map[string]int{}}
	p := &problems{file: name}

	root, err := parseYAML(data)
	if err != nil {
		line, msg := yamlError(err)
		p.add(line, "", "the inventory must be a YAML document; fix the syntax at or just before that line", "not valid YAML: %s", msg)
		return nil, p.err()
	}
	if len(root.Content) == 0 {
		p.add(0, "", "list instances under `instances:`", "the inventory is empty")
		return nil, p.err()
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		p.add(doc.Line, "", "the document must be a mapping with `defaults:` and `instances:`", "expected a mapping at the top level, found %s", kindName(doc))
		return nil, p.err()
	}

	var defaults entry
	var items *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "defaults":
			defaults = readEntry(p, v, true)
		case "instances":
			items = v
		default:
			p.add(k.Line, "", "the top level has only `defaults` and `instances`"+suggest(k.Value, []string{"defaults", "instances"}), "unknown top-level field %q", k.Value)
		}
	}
	if items == nil || (items.Kind == yaml.SequenceNode && len(items.Content) == 0) || (items.Kind == yaml.ScalarNode && items.Tag == "!!null") {
		p.add(doc.Line, "", "list at least one instance under `instances:`", "the inventory has no instances")
		return nil, p.err()
	}
	if items.Kind != yaml.SequenceNode {
		p.add(items.Line, "", "`instances:` is a list of entries, each starting with `- id:`", "instances must be a list, found %s", kindName(items))
		return nil, p.err()
	}

	entries := make([]entry, 0, len(items.Content))
	for _, n := range items.Content {
		e := readEntry(p, n, false)
		e.applyDefaults(&defaults)
		entries = append(entries, e)
	}
	inv.Instances = validate(p, entries, inv.Lines)
	if err := p.err(); err != nil {
		return nil, err
	}
	slices.SortFunc(inv.Instances, func(a, b plans.Instance) int { return strings.Compare(a.ID, b.ID) })
	return inv, nil
}

// fastYAML enables fastParse; tests turn it off to compare both paths.
var fastYAML = true

// parseYAML parses the document into nodes, with the fast path when the
// document allows it.
func parseYAML(data []byte) (*yaml.Node, error) {
	if fastYAML {
		if n := fastParse(data); n != nil {
			return n, nil
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	return &root, nil
}

// BaseName is the inventory's file name without directories, as recorded in plans.
func (inv *Inventory) BaseName() string { return filepath.Base(inv.Path) }

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

// yamlError splits a yaml.v3 error ("yaml: line 3: found ...") into the
// line and the message.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		_, msg, _ = strings.Cut(msg, ": ")
	}
	return line, msg
}
