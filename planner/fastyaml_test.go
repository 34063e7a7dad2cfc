package planner

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rdsup/rdsup/planner/fleetgen"
)

// agreeInputs are the documents both YAML paths are compared on: every
// inventory under testdata, synthetic fleets and hand-written edge cases.
// They also seed FuzzFastYAML, whose findings live in
// testdata/fuzz/FuzzFastYAML.
func agreeInputs(t testing.TB) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{
		"fleetgen-300":  fleetgen.YAML(300, 9),
		"fleetgen-6":    fleetgen.YAML(6, 2),
		"comments":      []byte("# c\ndefaults:   # d\n  region: cn-hangzhou # r\n  engine: 'MySQL'\ninstances:\n- id: rm-a   # at column 0\n  role: primary\n  engineVersion: 5.5\n  targetVersion: \"5.6\"\n  status: Running\n  tags:\n    env: prod\n    team: \"x\"\n"),
		"hash-in-value": []byte("instances:\n  - id: rm-a#x\n    role: primary\n"),
		"odd":           []byte("instances:\n  - id: rm-a\n    role: primary\n    status: null\n    region: yes\n    tags: {a: 1, b: \"two\"}\n    engine: My SQL\n"),
		"dup-key":       []byte("instances:\n  - id: rm-a\n    role: primary\n    role: readonly\n"),
		"block-scalar":  []byte("instances:\n  - id: rm-a\n    role: |\n      primary\n"),
		"anchor":        []byte("defaults: &d\n  region: x\ninstances:\n  - id: rm-a\n"),
		"empty-role":    []byte("instances:\n  - id: rm-a\n    role: \"\"\n    tags:\n    status: Running\n"),
		"two-defaults":  []byte("defaults:\n  region: a\ndefaults:\n  region: b\ninstances:\n  - id: rm-a\n"),
		"late-defaults": []byte("instances:\n  - id: rm-a\ndefaults:\n  region: b\n"),
		"storage":       []byte("defaults:\n  storageGB: 20\ninstances:\n  - id: rm-a\n    storageGB: \"500\"\n  - id: rm-b\n    storageGB: 0x10\n  - id: rm-c\n    storageGB: 1e3\n"),
		"tags-deeper":   []byte("instances:\n  - id: rm-a\n    tags:\n      env: prod\n      team: x\n    role: primary\n"),
	}
	rolloutCases := map[string]string{
		"rollout-first":     "rollout:\n  - name: a\n    select: \"*\"\ninstances:\n  - id: rm-a\n",
		"rollout-column-0":  "instances:\n  - id: rm-a\nrollout:\n- name: a\n  select: \"*\"\n# done\n",
		"rollout-comments":  "instances:\n  - id: rm-a\nrollout:  # stages\n\n  # first\n  - name: a   # x\n    select: '*'\n    soak: 2d\n",
		"rollout-flow":      "instances:\n  - id: rm-a\nrollout: [{name: a, select: \"*\"}]\n",
		"rollout-alias-out": "defaults: &d\n  region: x\ninstances:\n  - id: rm-a\nrollout:\n  - *d\n",
		"rollout-anchor":    "instances:\n  - id: rm-a\nrollout:\n  - &s {name: a, select: \"*\"}\n  - *s\n",
		"rollout-twice":     "instances:\n  - id: rm-a\nrollout:\n  - {name: a, select: x}\nrollout:\n  - {name: b, select: y}\n",
		"rollout-then-defs": "instances:\n  - id: rm-a\n    role: primary\nrollout:\n  - name: a\n    select: \"*\"\ndefaults:\n  region: cn-hangzhou\n",
		"rollout-bad-yaml":  "instances:\n  - id: rm-a\nrollout:\n  - name: [a\n",
		"rollout-empty":     "instances:\n  - id: rm-a\nrollout:\n",
		"rollout-tab":       "instances:\n  - id: rm-a\nrollout:\n  - name: a\n\t\n",
		"rollout-doc-end":   "instances:\n  - id: rm-a\nrollout:\n  - name: a\n---\nx: 1\n",
	}
	inputs["fleetgen-rollout"] = append(fleetgen.YAML(40, 3), "rollout:\n  - name: canary\n    select: \"*-00000?*\"\n    soak: 1h\n  - name: rest\n    select: \"*\"\n"...)
	for name, doc := range rolloutCases {
		inputs[name] = []byte(doc)
	}
	files, _ := filepath.Glob("../testdata/*.yaml")
	bad, _ := filepath.Glob("../testdata/bad/*.yaml")
	staged, _ := filepath.Glob("../testdata/rollout/*.yaml")
	for _, f := range append(append(files, bad...), staged...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = b
	}
	return inputs
}

// checkFastAgrees fails t when the fast path and yaml.v3 disagree on data:
// when fastParse takes a document checkText lets through to it, yaml.v3
// must read the same raw values without a problem; and Parse must give
// equal results and errors either way.
func checkFastAgrees(t *testing.T, data []byte) {
	t.Helper()
	textOK, plain := checkText(&problems{}, data)
	if d, items, fro, ok := fastParse(data); ok && textOK && plain {
		p := &problems{file: "x.yaml"}
		var ro *yaml.Node
		yd, yitems := readYAML(p, data, &ro)
		if (ro == nil) != (fro == nil) {
			t.Fatalf("rollout section: fast path %v, yaml.v3 %v", fro != nil, ro != nil)
		}
		if err := p.err(); err != nil {
			t.Fatalf("the fast path took a document yaml.v3 refuses:\n%v", err)
		}
		if !reflect.DeepEqual(canon(d), canon(yd)) || !reflect.DeepEqual(canonAll(items), canonAll(yitems)) {
			t.Fatalf("raw values differ:\nfast: %+v %+v\nyaml: %+v %+v", d, items, yd, yitems)
		}
	}
	fastInv, fastErr := parse("x.yaml", data, true, false)
	slowInv, slowErr := parse("x.yaml", data, false, false)
	if (fastErr == nil) != (slowErr == nil) || (fastErr != nil && fastErr.Error() != slowErr.Error()) {
		t.Fatalf("errors differ:\nfast: %v\nslow: %v", fastErr, slowErr)
	}
	if !reflect.DeepEqual(fastInv, slowInv) {
		t.Fatalf("inventories differ:\nfast: %+v\nslow: %+v", fastInv, slowInv)
	}
}

// canon erases what validation cannot observe: an empty mapping reads as
// nothing, and a mapping's line is that of its first key.
func canon(v rawValue) rawValue {
	if v.kind == kindMapping && len(v.pairs) == 0 || v.kind == kindNull {
		return rawValue{kind: kindNull}
	}
	if v.kind == kindMapping {
		v.line = v.pairs[0].line
		v.pairs = append([]rawPair(nil), v.pairs...)
		for i := range v.pairs {
			v.pairs[i].v = canon(v.pairs[i].v)
		}
	}
	return v
}

func canonAll(vs []rawValue) []rawValue {
	out := make([]rawValue, len(vs))
	for i, v := range vs {
		out[i] = canon(v)
	}
	return out
}

// TestFastPathAgrees parses every input with and without the fast path:
// results and errors must be equal.
func TestFastPathAgrees(t *testing.T) {
	inputs := agreeInputs(t)
	for name, data := range inputs {
		t.Run(filepath.Base(name), func(t *testing.T) { checkFastAgrees(t, data) })
	}
	if _, _, _, ok := fastParse(fleetgen.YAML(50, 1)); !ok {
		t.Error("the fast path refused a generated fleet")
	}
	if _, _, _, ok := fastParse(inputs["../testdata/fleet.yaml"]); !ok {
		t.Error("the fast path refused the example fleet")
	}
	if _, _, ro, ok := fastParse(inputs["fleetgen-rollout"]); !ok || ro == nil {
		t.Error("the fast path refused a generated fleet with a rollout")
	}
}

// FuzzFastYAML is the differential fuzz target of the fast path against
// yaml.v3 (the reference):
//
//	go test -run '^$' -fuzz FuzzFastYAML -fuzztime 5m -parallel 1 ./planner/
//
// Each input it finds is kept in testdata/fuzz/FuzzFastYAML and so runs
// with every `go test`.
func FuzzFastYAML(f *testing.F) {
	inputs := agreeInputs(f)
	names := make([]string, 0, len(inputs))
	for name := range inputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(inputs[name]) <= 4<<10 { // small seeds mutate faster
			f.Add(inputs[name])
		}
	}
	f.Fuzz(checkFastAgrees)
}
