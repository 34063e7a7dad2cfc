package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"slices"
	"testing"
)

// TestEngineSet: the set an engine describes names built-in files as
// builtin/<name>, -p files by their path relative to their directory and
// data files by base name in merge order, each with the digest of its
// bytes; Evaluate records it in the plan.
func TestEngineSet(t *testing.T) {
	dir := t.TempDir()
	team := filepath.Join(dir, "policies")
	writeFile(t, team, "sub/freeze.rego", "package rdsup.freeze\n")
	writeFile(t, team, "sub/freeze_test.rego", "package rdsup.freeze\n")
	data := writeFile(t, dir, "conf/paths.yaml", "{}\n")

	e, err := New(t.Context(), Options{Dirs: []string{team}, DataFiles: []string{data}})
	if err != nil {
		t.Fatal(err)
	}
	set := e.Set()
	if !set.Builtin {
		t.Errorf("built-ins recorded off")
	}
	var paths []string
	for _, f := range set.Files {
		paths = append(paths, f.Path)
	}
	want := []string{"builtin/replicas.rego", "builtin/state.rego", "builtin/version.rego", "builtin/window.rego", "sub/freeze.rego"}
	if !slices.Equal(paths, want) {
		t.Errorf("files %v, want %v (tests left out, -p files relative to their directory)", paths, want)
	}
	if got := set.Files[len(set.Files)-1].Digest; got != digestOf("package rdsup.freeze\n") {
		t.Errorf("sub/freeze.rego digest %s", got)
	}
	if len(set.Data) != 2 || set.Data[0].Path != DefaultDataFile || set.Data[1].Path != "paths.yaml" || set.Data[1].Digest != digestOf("{}\n") {
		t.Errorf("data %+v, want the defaults then paths.yaml", set.Data)
	}

	p := cluster()
	if err := e.Evaluate(t.Context(), p, at("19:00")); err != nil {
		t.Fatal(err)
	}
	if !p.Inputs.PolicySet.Equal(set) {
		t.Errorf("Evaluate recorded %+v, want %+v", p.Inputs.PolicySet, set)
	}

	none, err := New(t.Context(), Options{NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := none.Set(); s.Builtin || len(s.Files) != 0 || len(s.Data) != 1 {
		t.Errorf("no policies: set %+v, want built-ins off, no files, the default data", s)
	}
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
