package policy

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// builtinFS holds the built-in policies, their tests and their default data.
//
//go:embed builtin/*.rego builtin/data.yaml
var builtinFS embed.FS

// builtinDir is the name the built-in files carry in messages and
// locations ("builtin/state.rego:12").
const builtinDir = "builtin"

// DefaultDataFile is the name of the built-in default data.
const DefaultDataFile = builtinDir + "/data.yaml"

// File is one policy or data file: its name as shown in messages and its
// content.
type File struct {
	Name string // path as given, or "builtin/<name>"
	Rel  string // path relative to its policy directory; "" = Name
	Data []byte
}

// rel is the name the policy digest uses, so that the digest does not
// depend on where a checkout lives.
func (f File) rel() string {
	if f.Rel != "" {
		return f.Rel
	}
	return f.Name
}

// Builtin returns the built-in policy modules (tests excluded when tests is
// false), sorted by name.
func Builtin(tests bool) []File {
	entries, err := fs.ReadDir(builtinFS, builtinDir)
	if err != nil {
		panic(err) // embedded at build time
	}
	var files []File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".rego") || (!tests && isTestFile(name)) {
			continue
		}
		b, err := builtinFS.ReadFile(path.Join(builtinDir, name))
		if err != nil {
			panic(err)
		}
		files = append(files, File{Name: path.Join(builtinDir, name), Data: b})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files
}

// DefaultData returns the built-in default data file (YAML, commented).
func DefaultData() File {
	b, err := builtinFS.ReadFile(DefaultDataFile)
	if err != nil {
		panic(err)
	}
	return File{Name: DefaultDataFile, Data: b}
}

func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }
