package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrNoPolicyDir is returned for a policy directory that does not exist.
var ErrNoPolicyDir = errors.New("policy directory not found")

// loadDir reads the .rego files under dir, recursively, sorted by path,
// leaving out hidden directories (.git; the ..<timestamp> directory of a
// Kubernetes ConfigMap volume, whose files the volume links by name).
// Test files are included only when tests is true. A missing directory,
// or one without any .rego file, is an error: an empty pass would hide a
// typo in -p.
func loadDir(dir string, tests bool) ([]File, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load policies: %w: %s; give an existing directory of .rego files", ErrNoPolicyDir, dir)
		}
		return nil, fmt.Errorf("load policies: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("load policies: %s is not a directory; policies are given as directories of .rego files", dir)
	}
	var files []File
	found := false
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir // .git, and a Kubernetes ConfigMap volume's ..<timestamp> copy
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return nil
		}
		found = true
		if !tests && isTestFile(p) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			rel = p
		}
		files = append(files, File{Name: p, Rel: filepath.ToSlash(rel), Data: b})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load policies from %s: %w", dir, err)
	}
	if !found {
		return nil, fmt.Errorf("load policies: %s holds no .rego files; give a directory of Rego policies (package rdsup.*)", dir)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

// loadData parses the default data (unless noDefaults) and the data files
// in order, and merges them: objects merge key by key, any other value
// replaces what was there.
func loadData(noDefaults bool, paths []string) (map[string]any, []File, error) {
	var files []File
	if !noDefaults {
		files = append(files, DefaultData())
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("load data: %w", err)
		}
		files = append(files, File{Name: p, Data: b})
	}
	merged := map[string]any{}
	for _, f := range files {
		doc, err := parseData(f)
		if err != nil {
			return nil, nil, err
		}
		merge(merged, doc)
	}
	return merged, files, nil
}

// parseData parses a YAML or JSON data file (JSON is YAML) into JSON types.
func parseData(f File) (map[string]any, error) {
	var raw any
	if err := yaml.Unmarshal(f.Data, &raw); err != nil {
		return nil, fmt.Errorf("load data %s: %w", f.Name, err)
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	v, err := jsonValue(raw, "")
	if err != nil {
		return nil, fmt.Errorf("load data %s: %w", f.Name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("load data %s: the top level must be an object (mapping), like {\"rdsup\": {\"config\": {...}}}", f.Name)
	}
	return m, nil
}

// jsonValue converts YAML-decoded values to JSON-compatible ones, refusing
// non-string keys (an unquoted 5.5 is a number: quote versions).
func jsonValue(v any, at string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := jsonValue(e, at+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("key %v under %q is not a string; quote it (\"%v\")", k, strings.TrimPrefix(at, "."), k)
			}
			c, err := jsonValue(e, at+"."+ks)
			if err != nil {
				return nil, err
			}
			out[ks] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := jsonValue(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case int:
		return json.Number(fmt.Sprint(x)), nil
	case float64:
		return json.Number(fmt.Sprint(x)), nil
	case string, bool, nil:
		return x, nil
	default:
		return nil, fmt.Errorf("value %v under %q has unsupported type %T", x, strings.TrimPrefix(at, "."), x)
	}
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
			cp := map[string]any{}
			merge(cp, sm)
			dst[k] = cp
			continue
		}
		dst[k] = v
	}
}

// digest returns "sha256:<hex>" over the policy modules (name and content,
// sorted by name) and the canonical JSON of the merged data; "" when there
// are no policies.
func digest(modules []File, data map[string]any) (string, error) {
	if len(modules) == 0 {
		return "", nil
	}
	sorted := append([]File(nil), modules...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].rel() != sorted[j].rel() {
			return sorted[i].rel() < sorted[j].rel()
		}
		return bytes.Compare(sorted[i].Data, sorted[j].Data) < 0
	})
	h := sha256.New()
	for _, f := range sorted {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(h, "module %s %s\n", hex.EncodeToString(sum[:]), f.rel())
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil { // map keys are sorted: canonical
		return "", fmt.Errorf("digest data: %w", err)
	}
	fmt.Fprintf(h, "data %d\n", buf.Len())
	h.Write(buf.Bytes())
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// loadSet gathers the policy files chosen by opts (the built-in ones unless
// opts.NoDefaults, then those of opts.Dirs; test files only when tests is
// true) and the policies' data: the built-in defaults merged with
// opts.DataFiles, which it returns too (defaults first, for PolicySet).
func loadSet(opts Options, tests bool) ([]File, map[string]any, []File, error) {
	var files []File
	if !opts.NoDefaults {
		files = append(files, Builtin(tests)...)
	}
	for _, d := range opts.Dirs {
		fs, err := loadDir(d, tests)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, fs...)
	}
	data, dataFiles, err := loadData(false, opts.DataFiles)
	if err != nil {
		return nil, nil, nil, err
	}
	return files, data, dataFiles, nil
}
