package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A policy directory mounted from a Kubernetes ConfigMap holds each file
// as a symbolic link through ..data to a hidden ..<timestamp> directory:
// the policies are the linked names only, so the policy set recorded in a
// plan made from the repository's directory is the same. Hidden
// directories such as .git are left out too.
func TestLoadDirSkipsHiddenDirectories(t *testing.T) {
	const rego = "package rdsup.team\n\ndeny contains \"x\" if input.instance.tags.freeze == \"true\"\n"
	dir := t.TempDir()
	stamp := filepath.Join(dir, "..2026_12_01_03_10_00.123456789")
	for _, d := range []string{stamp, filepath.Join(dir, ".git", "hooks"), filepath.Join(dir, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for path, body := range map[string]string{
		filepath.Join(stamp, "freeze.rego"):            rego,
		filepath.Join(dir, ".git", "hooks", "x.rego"):  "package broken {",
		filepath.Join(dir, "sub", "more.rego"):         "package rdsup.more\n",
		filepath.Join(dir, "sub", ".hidden-file.rego"): "package rdsup.hidden\n",
	} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "freeze.rego"), filepath.Join(dir, "freeze.rego")); err != nil {
		t.Fatal(err)
	}
	files, err := loadDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files {
		rel = append(rel, f.Rel)
	}
	if want := []string{"freeze.rego", "sub/.hidden-file.rego", "sub/more.rego"}; !reflect.DeepEqual(rel, want) {
		t.Errorf("loaded %q, want %q", rel, want)
	}
	if string(files[0].Data) != rego {
		t.Errorf("freeze.rego read %q, want the linked file", files[0].Data)
	}
}
