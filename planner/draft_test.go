package planner

import (
	"strings"
	"testing"
)

// TestStorageAndDraft: storageGB is read into the instance (per instance or
// from defaults); ParseDraft accepts an inventory without targetVersion
// that Parse refuses with one clear message.
func TestStorageAndDraft(t *testing.T) {
	doc := []byte("defaults:\n  region: cn-hangzhou\n  engine: MySQL\n  status: Running\n  engineVersion: \"5.7\"\n  storageGB: 20\n" +
		"instances:\n  - id: rm-a\n    role: primary\n    storageGB: 500\n  - id: rm-b\n    role: primary\n")
	if _, err := Parse("d.yaml", doc); err == nil || !strings.Contains(err.Error(), "targetVersion is not set for any instance") {
		t.Fatalf("Parse = %v, want the targetVersion message", err)
	}
	for _, fast := range []bool{true, false} {
		inv, err := parse("d.yaml", doc, fast, true)
		if err != nil {
			t.Fatalf("draft (fast=%v): %v", fast, err)
		}
		got := map[string]int{}
		for _, in := range inv.Instances {
			got[in.ID] = in.StorageGB
			if in.TargetVersion != "" {
				t.Errorf("%s: targetVersion %q, want none", in.ID, in.TargetVersion)
			}
		}
		if got["rm-a"] != 500 || got["rm-b"] != 20 {
			t.Errorf("fast=%v: storage %v, want rm-a 500, rm-b 20", fast, got)
		}
	}
}
