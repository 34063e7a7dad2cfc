package discover

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// Header is what the inventory's opening comment says about its source.
type Header struct {
	Source  string // endpoint URL, or "" for the regions' public endpoints
	Profile string
	Regions []string
	Filter  Filter
	At      time.Time
	Version string // rdsup's
	Notes   []string
}

// field is one inventory field that may be factored into defaults:.
type field struct {
	name string
	get  func(*plans.Instance) string
}

// factored are the fields common values of which go under defaults:, in
// the order they are written.
var factored = []field{
	{"region", func(i *plans.Instance) string { return i.Region }},
	{"engine", func(i *plans.Instance) string { return i.Engine }},
	{"engineVersion", func(i *plans.Instance) string { return i.EngineVersion }},
	{"targetVersion", func(i *plans.Instance) string { return i.TargetVersion }},
	{"status", func(i *plans.Instance) string { return i.Status }},
	{"maintainTime", func(i *plans.Instance) string { return i.MaintainTime }},
	{"effectiveTime", func(i *plans.Instance) string { return i.EffectiveTime }},
}

// Encode writes instances as an inventory: clusters together (ordered by
// their primary's region and id), each primary first, then its read-only
// and disaster-recovery instances by id; a field's most common value goes
// under defaults: when every instance has one; tags every instance carries
// go there too. The same instances give the same bytes.
func Encode(insts []plans.Instance, h Header) []byte {
	var b bytes.Buffer
	writeHeader(&b, insts, h)
	defaults := map[string]string{}
	for _, f := range factored {
		if v, ok := common(insts, f); ok {
			defaults[f.name] = v
		}
	}
	imm := allImmediate(insts)
	if imm {
		delete(defaults, "effectiveTime") // the default: left unsaid
	}
	commonTags := sharedTags(insts)
	if len(defaults) > 0 || len(commonTags) > 0 {
		b.WriteString("defaults:\n")
		for _, f := range factored {
			if v, ok := defaults[f.name]; ok {
				fmt.Fprintf(&b, "  %s: %s\n", f.name, quote(v))
			}
		}
		if len(commonTags) > 0 {
			fmt.Fprintf(&b, "  tags: %s\n", flowTags(commonTags))
		}
	}
	b.WriteString("instances:\n")
	for _, cl := range clusters(insts) {
		if len(cl) > 1 {
			fmt.Fprintf(&b, "  # cluster %s: %d instances\n", cl[0].ID, len(cl))
		}
		for _, in := range cl {
			writeInstance(&b, in, defaults, commonTags, imm)
		}
	}
	return b.Bytes()
}

func writeHeader(b *bytes.Buffer, insts []plans.Instance, h Header) {
	src := h.Source
	if src == "" {
		src = "the regions' public RDS endpoints"
	}
	if h.Profile != "" {
		src += ", profile " + h.Profile
	}
	fmt.Fprintf(b, "# Discovered by `rdsup inventory discover` (rdsup %s) at %s\n", h.Version, h.At.UTC().Format(time.RFC3339))
	fmt.Fprintf(b, "# source: %s\n", src)
	fmt.Fprintf(b, "# regions: %s\n", strings.Join(h.Regions, ", "))
	fmt.Fprintf(b, "# filters: %s\n", h.Filter)
	fmt.Fprintf(b, "# %d instances in %d clusters.\n", len(insts), len(clusters(insts)))
	if !everyTarget(insts) {
		b.WriteString("# targetVersion is not set: set defaults.targetVersion (or per instance) before `rdsup plan`.\n")
	}
	for _, n := range h.Notes {
		fmt.Fprintf(b, "# note: %s\n", n)
	}
}

func everyTarget(insts []plans.Instance) bool {
	return !slices.ContainsFunc(insts, func(i plans.Instance) bool { return i.TargetVersion == "" })
}

func allImmediate(insts []plans.Instance) bool {
	return !slices.ContainsFunc(insts, func(i plans.Instance) bool {
		return i.EffectiveTime != "" && i.EffectiveTime != plans.EffectiveImmediate
	})
}

func writeInstance(b *bytes.Buffer, in plans.Instance, defaults, commonTags map[string]string, immediate bool) {
	fmt.Fprintf(b, "  - id: %s\n", quote(in.ID))
	fmt.Fprintf(b, "    role: %s\n", quote(in.Role))
	if in.Primary != "" {
		fmt.Fprintf(b, "    primary: %s\n", quote(in.Primary))
	}
	for _, f := range factored {
		v := f.get(&in)
		if f.name == "effectiveTime" && immediate {
			continue
		}
		if d, ok := defaults[f.name]; (ok && d == v) || v == "" {
			continue
		}
		fmt.Fprintf(b, "    %s: %s\n", f.name, quote(v))
	}
	if in.StorageGB > 0 {
		fmt.Fprintf(b, "    storageGB: %d\n", in.StorageGB)
	}
	own := map[string]string{}
	for k, v := range in.Tags {
		if cv, ok := commonTags[k]; !ok || cv != v {
			own[k] = v
		}
	}
	if len(own) > 0 {
		fmt.Fprintf(b, "    tags: %s\n", flowTags(own))
	}
}

// common returns the most common value of f (ties: the smallest) when
// every instance has one.
func common(insts []plans.Instance, f field) (string, bool) {
	counts := map[string]int{}
	for i := range insts {
		v := f.get(&insts[i])
		if v == "" {
			return "", false
		}
		counts[v]++
	}
	best, n := "", 0
	for _, v := range slices.Sorted(maps.Keys(counts)) {
		if counts[v] > n {
			best, n = v, counts[v]
		}
	}
	return best, n > 0
}

// sharedTags are the tags (key and value) every instance carries.
func sharedTags(insts []plans.Instance) map[string]string {
	if len(insts) < 2 {
		return nil
	}
	out := maps.Clone(insts[0].Tags)
	for _, in := range insts[1:] {
		for k, v := range out {
			if w, ok := in.Tags[k]; !ok || w != v {
				delete(out, k)
			}
		}
	}
	return out
}

// clusters groups instances by their primary: clusters ordered by the
// primary's region and id, the primary first, then its replicas
// (read-only before disaster-recovery) by id.
func clusters(insts []plans.Instance) [][]plans.Instance {
	byRoot := map[string][]plans.Instance{}
	for _, in := range insts {
		root := in.ID
		if in.Role != plans.RolePrimary && in.Primary != "" {
			root = in.Primary
		}
		byRoot[root] = append(byRoot[root], in)
	}
	var out [][]plans.Instance
	for _, cl := range byRoot {
		slices.SortFunc(cl, func(a, b plans.Instance) int {
			return cmp.Or(cmp.Compare(roleRank(a.Role), roleRank(b.Role)), strings.Compare(a.ID, b.ID))
		})
		out = append(out, cl)
	}
	slices.SortFunc(out, func(a, b []plans.Instance) int {
		return cmp.Or(strings.Compare(a[0].Region, b[0].Region), strings.Compare(a[0].ID, b[0].ID))
	})
	return out
}

func roleRank(role string) int {
	switch role {
	case plans.RolePrimary:
		return 0
	case plans.RoleReadOnly:
		return 1
	}
	return 2
}

func flowTags(tags map[string]string) string {
	parts := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, quote(k)+": "+quote(tags[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// quote writes a scalar plain when YAML reads it back as the same string
// (letters first, then letters, digits and -._/), double-quoted otherwise.
func quote(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '/')
	}
	if plain {
		switch strings.ToLower(s) {
		case "null", "true", "false", "yes", "no", "on", "off", "y", "n":
			plain = false
		}
	}
	if plain {
		return s
	}
	if !strings.ContainsAny(s, "\"\\") && strconv.CanBackquote(s) && isPrintable(s) {
		return `"` + s + `"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
