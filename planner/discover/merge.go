package discover

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// Changes is what a merge did to an inventory.
type Changes struct {
	Added   []string // instance ids
	Removed []string
	Changed []string // "id: field old → new", sorted
	Kept    int      // instances outside what was discovered, left as written
}

// Empty reports whether the merge changed nothing.
func (c *Changes) Empty() bool { return len(c.Added)+len(c.Removed)+len(c.Changed) == 0 }

// Merge folds discovered instances into an inventory a person may have
// edited (old, with its defaults applied). What the cloud reports wins:
// region, engine, engineVersion, role, primary, status, maintainTime,
// storageGB and the tags it reports. What a person wrote is kept:
// targetVersion, effectiveTime, and tags whose keys the cloud does not
// report. An instance of old is removed when it lies in a discovered
// region, matches the filter and was not found; old instances of other
// regions or outside the filter are kept as written.
//
// Added instances without a target version or effective time take those
// of the old inventory's defaults (oldDefaults, by field name).
func Merge(old []plans.Instance, oldDefaults map[string]string, found []plans.Instance, regions []string, f Filter) ([]plans.Instance, Changes) {
	var ch Changes
	byID := make(map[string]plans.Instance, len(old))
	for _, in := range old {
		byID[in.ID] = in
	}
	seen := make(map[string]bool, len(found))
	out := make([]plans.Instance, 0, len(found)+len(old))
	for _, in := range found {
		seen[in.ID] = true
		prev, ok := byID[in.ID]
		if !ok {
			if in.TargetVersion == "" {
				in.TargetVersion = oldDefaults["targetVersion"]
			}
			if in.EffectiveTime == "" {
				in.EffectiveTime = oldDefaults["effectiveTime"]
			}
			ch.Added = append(ch.Added, in.ID)
			out = append(out, in)
			continue
		}
		ch.Changed = append(ch.Changed, diff(prev, in)...)
		if prev.TargetVersion != "" {
			in.TargetVersion = prev.TargetVersion
		}
		if prev.EffectiveTime != "" {
			in.EffectiveTime = prev.EffectiveTime
		}
		tags := maps.Clone(prev.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		maps.Copy(tags, in.Tags)
		in.Tags = tags
		out = append(out, in)
	}
	for _, in := range old {
		if seen[in.ID] {
			continue
		}
		if slices.Contains(regions, in.Region) && f.admits(in) {
			ch.Removed = append(ch.Removed, in.ID)
			continue
		}
		ch.Kept++
		out = append(out, in)
	}
	slices.Sort(ch.Added)
	slices.Sort(ch.Removed)
	slices.Sort(ch.Changed)
	slices.SortFunc(out, func(a, b plans.Instance) int { return strings.Compare(a.ID, b.ID) })
	return out, ch
}

// admits reports whether an inventory instance matches the filter by what
// the inventory says of it.
func (f Filter) admits(in plans.Instance) bool {
	if f.Engine != "" && !strings.EqualFold(f.Engine, in.Engine) {
		return false
	}
	for k, v := range f.Tags {
		if in.Tags[k] != v {
			return false
		}
	}
	return true
}

// diff lists the cloud-reported fields that changed from prev to cur.
func diff(prev, cur plans.Instance) []string {
	var out []string
	add := func(name, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s %s → %s", cur.ID, name, show(a), show(b)))
		}
	}
	add("region", prev.Region, cur.Region)
	add("engine", prev.Engine, cur.Engine)
	add("engineVersion", prev.EngineVersion, cur.EngineVersion)
	add("role", prev.Role, cur.Role)
	add("primary", prev.Primary, cur.Primary)
	add("status", prev.Status, cur.Status)
	add("maintainTime", prev.MaintainTime, cur.MaintainTime)
	if prev.StorageGB != cur.StorageGB {
		add("storageGB", gb(prev.StorageGB), gb(cur.StorageGB))
	}
	for _, k := range slices.Sorted(maps.Keys(cur.Tags)) {
		if pv, ok := prev.Tags[k]; !ok {
			out = append(out, fmt.Sprintf("%s: tag %s added (%s)", cur.ID, k, show(cur.Tags[k])))
		} else if pv != cur.Tags[k] {
			add("tag "+k, pv, cur.Tags[k])
		}
	}
	return out
}

func gb(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func show(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
