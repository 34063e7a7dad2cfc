package planner

import (
	"slices"
	"strconv"
	"strings"
)

// Paths are the allowed major-version upgrades: engine → from version →
// the versions it may be upgraded to. It is the shape of the policy data's
// rdsup.config.versionPaths.
type Paths map[string]map[string][]string

// DefaultPaths are the MySQL upgrades the RDS API offers (and the
// simulator accepts): 5.5 → 5.6 → 5.7 → 8.0. They match the built-in
// policy data; 8.0 → 8.4 can be added with --data.
func DefaultPaths() Paths {
	return Paths{"MySQL": {"5.5": {"5.6"}, "5.6": {"5.7"}, "5.7": {"8.0"}}}
}

// Hops returns the versions an instance passes through from `from` to
// `to`, ending with `to`: the shortest chain of allowed upgrades (among
// equally short ones, the one through the lowest versions). Without a
// chain it returns just `to`: one step the version policy denies, naming
// the hops that exist. from == to gives nil.
func (ps Paths) Hops(engine, from, to string) []string {
	if from == to {
		return nil
	}
	graph := ps[engine]
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		next := slices.Clone(graph[v])
		slices.SortFunc(next, CompareVersions)
		for _, w := range next {
			if _, seen := prev[w]; seen {
				continue
			}
			prev[w] = v
			if w == to {
				var out []string
				for x := to; x != from; x = prev[x] {
					out = append(out, x)
				}
				slices.Reverse(out)
				return out
			}
			queue = append(queue, w)
		}
	}
	return []string{to}
}

// CompareVersions orders dotted versions numerically part by part ("5.7"
// < "8.0" < "8.4"), falling back to text for parts that are not numbers.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, errX := strconv.Atoi(pa[i])
		y, errY := strconv.Atoi(pb[i])
		switch {
		case errX == nil && errY == nil && x != y:
			if x < y {
				return -1
			}
			return 1
		case (errX != nil || errY != nil) && pa[i] != pb[i]:
			return strings.Compare(pa[i], pb[i])
		}
	}
	return len(pa) - len(pb)
}
