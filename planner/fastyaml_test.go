package planner

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rdsup/rdsup/planner/fleetgen"
)

// TestFastPathAgrees parses every inventory under testdata and synthetic
// fleets with and without the fast path: results and errors must be equal.
func TestFastPathAgrees(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.yaml")
	bad, _ := filepath.Glob("../testdata/bad/*.yaml")
	inputs := map[string][]byte{
		"fleetgen-300":  fleetgen.YAML(300, 9),
		"comments":      []byte("# c\ndefaults:   # d\n  region: cn-hangzhou # r\n  engine: 'MySQL'\ninstances:\n- id: rm-a   # at column 0\n  role: primary\n  engineVersion: 5.5\n  targetVersion: \"5.6\"\n  status: Running\n  tags:\n    env: prod\n    team: \"x\"\n"),
		"hash-in-value": []byte("instances:\n  - id: rm-a#x\n    role: primary\n"),
		"odd":           []byte("instances:\n  - id: rm-a\n    role: primary\n    status: null\n    region: yes\n    tags: {a: 1, b: \"two\"}\n    engine: My SQL\n"),
		"dup-key":       []byte("instances:\n  - id: rm-a\n    role: primary\n    role: readonly\n"),
		"block-scalar":  []byte("instances:\n  - id: rm-a\n    role: |\n      primary\n"),
		"anchor":        []byte("defaults: &d\n  region: x\ninstances:\n  - id: rm-a\n"),
		"empty-role":    []byte("instances:\n  - id: rm-a\n    role: \"\"\n    tags:\n    status: Running\n"),
		"two-defaults":  []byte("defaults:\n  region: a\ndefaults:\n  region: b\ninstances:\n  - id: rm-a\n"),
		"late-defaults": []byte("instances:\n  - id: rm-a\ndefaults:\n  region: b\n"),
		"tags-deeper":   []byte("instances:\n  - id: rm-a\n    tags:\n      env: prod\n      team: x\n    role: primary\n"),
	}
	for _, f := range append(files, bad...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = b
	}
	for name, data := range inputs {
		t.Run(filepath.Base(name), func(t *testing.T) {
			fastYAML = true
			fastInv, fastErr := Parse("x.yaml", data)
			fastYAML = false
			slowInv, slowErr := Parse("x.yaml", data)
			fastYAML = true
			if (fastErr == nil) != (slowErr == nil) || (fastErr != nil && fastErr.Error() != slowErr.Error()) {
				t.Fatalf("errors differ:\nfast: %v\nslow: %v", fastErr, slowErr)
			}
			if !reflect.DeepEqual(fastInv, slowInv) {
				t.Fatalf("inventories differ:\nfast: %+v\nslow: %+v", fastInv, slowInv)
			}
		})
	}
	if _, _, ok := fastParse(fleetgen.YAML(50, 1)); !ok {
		t.Error("the fast path refused a generated fleet")
	}
	if _, _, ok := fastParse(inputs["../testdata/fleet.yaml"]); !ok {
		t.Error("the fast path refused the example fleet")
	}
}
