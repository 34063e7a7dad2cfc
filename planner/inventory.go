package planner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
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
	// Defaults are the plain values written under defaults:, by field
	// name (tags not included).
	Defaults map[string]string
	rollout  rollout // the rollout: section (no stages when absent)
}

// Parse validates inventory bytes; name is used in error messages. Every
// problem is reported at once, sorted by instance id.
func Parse(name string, data []byte) (*Inventory, error) {
	return parse(name, data, true, false)
}

// ParseDraft is Parse for an inventory that may not name its target
// version yet (as `rdsup inventory discover` writes it): instances without
// targetVersion have it "". Everything else is validated as by Parse.
func ParseDraft(name string, data []byte) (*Inventory, error) {
	return parse(name, data, true, true)
}

// parse is Parse with the fast YAML path on or off; tests compare both.
func parse(name string, data []byte, fast, draft bool) (*Inventory, error) {
	sum := sha256.Sum256(data)
	inv := &Inventory{Path: name, Digest: "sha256:" + hex.EncodeToString(sum[:]), Lines: map[string]int{}}
	p := &problems{file: name}

	ok, plain := checkText(p, data)
	if !ok {
		return nil, p.err()
	}
	defaults, items, ro := readDoc(p, data, fast && plain)
	if items == nil {
		return nil, p.err()
	}
	def := readEntry(p, &defaults, true)
	inv.Defaults = map[string]string{}
	for f := range nFields {
		if def.lines[f] > 0 && !def.bad[f] && f != fTags {
			inv.Defaults[fields[f]] = def.vals[f]
		}
	}
	if def.lines[fRegion] > 0 && !def.bad[fRegion] {
		checkRegion(p, def.lines[fRegion], "", def.vals[fRegion])
	}
	entries := make([]entry, 0, len(items))
	for i := range items {
		e := readEntry(p, &items[i], false)
		e.applyDefaults(&def)
		entries = append(entries, e)
	}
	inv.Instances = validate(p, entries, inv.Lines)
	inv.rollout = readRollout(p, ro)
	checkRolloutMatches(p, inv.rollout, inv.Instances)
	if !draft {
		checkTarget(p, &def, entries)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	sortByID(inv.Instances)
	return inv, nil
}

// readDoc reads the top level of the inventory: the defaults (a null value
// when absent) and the instance entries. It returns nil items, with the
// problem reported, when there is nothing to validate.
func readDoc(p *problems, data []byte, fast bool) (defaults rawValue, items []rawValue, rollout *yaml.Node) {
	if fast {
		if d, it, ro, ok := fastParse(data); ok {
			return d, it, ro
		}
	}
	defaults, items = readYAML(p, data, &rollout)
	return defaults, items, rollout
}

// readYAML is readDoc through yaml.v3, the reference for fastParse. The
// rollout section, when there is one, is stored in *rollout (the fast path
// never reads one).
func readYAML(p *problems, data []byte, rollout **yaml.Node) (defaults rawValue, items []rawValue) {
	defaults = rawValue{kind: kindNull, desc: "nothing"}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root, next yaml.Node
	err := dec.Decode(&root)
	if err == nil {
		if err = dec.Decode(&next); err == nil {
			p.add(next.Line, "", "an inventory is one document; remove the `---` line and merge what follows into the first document, or plan each document as its own file", "a second YAML document starts here")
			return defaults, nil
		} else if err == io.EOF {
			err = nil
		}
	}
	if err == io.EOF {
		p.add(0, "", "list instances under `instances:`", "the inventory is empty")
		return defaults, nil
	}
	if err != nil {
		line, msg := yamlError(err)
		p.add(line, "", "the inventory must be a YAML document; fix the syntax at or just before that line", "not valid YAML: %s", msg)
		return defaults, nil
	}
	if len(root.Content) == 0 {
		p.add(0, "", "list instances under `instances:`", "the inventory is empty")
		return defaults, nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		p.add(doc.Line, "", "the document must be a mapping with `defaults:` and `instances:`", "expected a mapping at the top level, found %s", kindName(doc))
		return defaults, nil
	}
	var list *yaml.Node
	seen := make(map[string]int, 2)
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			p.add(k.Line, "", "merge them into one", "top-level field %q is given twice (first at line %d)", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		switch k.Value {
		case "defaults":
			defaults = fromNode(v, 2)
		case "instances":
			list = v
		case "rollout":
			*rollout = v
		default:
			p.add(k.Line, "", "the top level has only `defaults`, `instances` and `rollout`"+suggest(k.Value, []string{"defaults", "instances", "rollout"}), "unknown top-level field %q", k.Value)
		}
	}
	if list == nil || (list.Kind == yaml.SequenceNode && len(list.Content) == 0) || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		p.add(doc.Line, "", "list at least one instance under `instances:`", "the inventory has no instances")
		return defaults, nil
	}
	if list.Kind != yaml.SequenceNode {
		p.add(list.Line, "", "`instances:` is a list of entries, each starting with `- id:`", "instances must be a list, found %s", kindName(list))
		return defaults, nil
	}
	items = make([]rawValue, len(list.Content))
	for i, n := range list.Content {
		items[i] = fromNode(n, 2)
	}
	return defaults, items
}

// BaseName is the inventory's file name without directories, as recorded in plans.
func (inv *Inventory) BaseName() string { return filepath.Base(inv.Path) }

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

// sortByID sorts instances by id, moving each struct once.
func sortByID(insts []plans.Instance) {
	order := make([]int32, len(insts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(insts[a].ID, insts[b].ID) })
	sorted := make([]plans.Instance, len(insts))
	for i, j := range order {
		sorted[i] = insts[j]
	}
	copy(insts, sorted)
}
