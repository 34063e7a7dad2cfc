package policy

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"path/filepath"
	"slices"

	"github.com/rdsup/rdsup/plans"
)

// Set describes, file by file, the policies e evaluates: what a plan
// records in inputs.policySet so that check and apply can name what
// differs from the set they were given. The returned lists are the
// caller's to keep.
func (e *Engine) Set() plans.PolicySet {
	return plans.PolicySet{
		Builtin: e.set.Builtin,
		Files:   slices.Clone(e.set.Files),
		Data:    slices.Clone(e.set.Data),
	}
}

// describeSet builds the Set of modules (built-in ones named
// "builtin/<name>", others by their path relative to their -p directory;
// sorted by path, then digest) and data files (in merge order, by base
// name: where a checkout lives does not matter).
func describeSet(builtin bool, modules, data []File) plans.PolicySet {
	set := plans.PolicySet{Builtin: builtin, Files: make([]plans.PolicyFile, 0, len(modules)), Data: make([]plans.PolicyFile, 0, len(data))}
	for _, f := range modules {
		set.Files = append(set.Files, plans.PolicyFile{Path: f.rel(), Digest: fileDigest(f.Data)})
	}
	slices.SortFunc(set.Files, func(a, b plans.PolicyFile) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Digest, b.Digest))
	})
	for _, f := range data {
		name := f.Name
		if name != DefaultDataFile {
			name = path.Base(filepath.ToSlash(name))
		}
		set.Data = append(set.Data, plans.PolicyFile{Path: name, Digest: fileDigest(f.Data)})
	}
	return set
}

func fileDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
