package plans

import (
	"fmt"
	"slices"
	"strings"
)

// builtinPrefix starts the path of every built-in policy and data file.
const builtinPrefix = "builtin/"

// Equal reports whether two policy sets are the same, file for file.
func (s PolicySet) Equal(o PolicySet) bool {
	return s.Builtin == o.Builtin && slices.Equal(s.Files, o.Files) && slices.Equal(s.Data, o.Data)
}

// DiffPolicySets says how the policy set now differs from the one a plan
// recorded, one line per difference, sorted within each kind: built-ins
// turned on or off, policy files and data files added, removed or changed
// (by path), data files merged in another order. Nil when they are equal.
func DiffPolicySets(plan, now PolicySet) []string {
	var out []string
	if plan.Builtin != now.Builtin {
		out = append(out, map[bool]string{
			true:  "built-in policies turned on (the plan was judged without them: --no-default-policies)",
			false: "built-in policies turned off (--no-default-policies; the plan was judged with them)",
		}[now.Builtin])
	}
	skipBuiltin := plan.Builtin != now.Builtin // reported above, not file by file
	out = append(out, diffFiles("policy file", plan.Files, now.Files, skipBuiltin)...)
	data := diffFiles("data file", plan.Data, now.Data, false)
	if len(data) == 0 && !slices.Equal(plan.Data, now.Data) {
		data = append(data, fmt.Sprintf("data files merged in another order: %s in the plan, %s now", paths(plan.Data), paths(now.Data)))
	}
	return append(out, data...)
}

// diffFiles compares two lists of files as multisets keyed by path (two -p
// directories may both hold a policy.rego).
func diffFiles(kind string, plan, now []PolicyFile, skipBuiltin bool) []string {
	byPath := func(fs []PolicyFile) map[string][]string {
		m := map[string][]string{}
		for _, f := range fs {
			m[f.Path] = append(m[f.Path], f.Digest)
		}
		for _, d := range m {
			slices.Sort(d)
		}
		return m
	}
	was, is := byPath(plan), byPath(now)
	var out []string
	for p, d := range was {
		if skipBuiltin && strings.HasPrefix(p, builtinPrefix) {
			continue
		}
		switch n, ok := is[p]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s %s removed (the plan was judged with it)", kind, p))
		case !slices.Equal(d, n):
			why := ""
			if strings.HasPrefix(p, builtinPrefix) {
				why = " (this rdsup's built-in file differs from that of the rdsup that made the plan)"
			}
			out = append(out, fmt.Sprintf("%s %s changed%s", kind, p, why))
		}
	}
	for p := range is {
		if _, ok := was[p]; !ok && !(skipBuiltin && strings.HasPrefix(p, builtinPrefix)) {
			out = append(out, fmt.Sprintf("%s %s added (the plan was judged without it)", kind, p))
		}
	}
	slices.Sort(out)
	return out
}

func paths(fs []PolicyFile) string {
	ps := make([]string, len(fs))
	for i, f := range fs {
		ps[i] = f.Path
	}
	return "[" + strings.Join(ps, ", ") + "]"
}
