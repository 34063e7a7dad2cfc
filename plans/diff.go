package plans

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Diff is what changed between two plans, for a reviewer of a regenerated
// plan: inputs, steps added, removed and changed field by field, verdicts,
// and instance facts. Steps are matched by id; clientToken is left out (it
// is derived from the plan id, so it changes with any change).
type Diff struct {
	Old      PlanRef         `json:"old"`
	New      PlanRef         `json:"new"`
	Inputs   []FieldChange   `json:"inputs"`   // never null
	Added    []StepRef       `json:"added"`    // never null; in the new plan's order
	Removed  []StepRef       `json:"removed"`  // never null; in the old plan's order
	Changed  []StepChange    `json:"changed"`  // never null; fields other than the verdict
	Verdicts []VerdictChange `json:"verdicts"` // never null; steps in both plans
	// Instances are the snapshot's changes (facts policies read), by id.
	Instances []InstanceChange `json:"instances"` // never null
}

// PlanRef names one side of a diff.
type PlanRef struct {
	ID        string `json:"id"`
	CreatedAt string `json:"createdAt"`
	Steps     int    `json:"steps"`
	Denied    int    `json:"denied"`
}

// FieldChange is one field with different values; "" is absent.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// StepRef is a step added or removed.
type StepRef struct {
	ID          string `json:"id"`
	InstanceID  string `json:"instanceId"`
	FromVersion string `json:"fromVersion"`
	ToVersion   string `json:"toVersion"`
	Verdict     string `json:"verdict"` // allow | warn | deny
}

// StepChange is a step in both plans whose fields differ.
type StepChange struct {
	ID     string        `json:"id"`
	Fields []FieldChange `json:"fields"`
}

// VerdictChange is a step in both plans whose findings differ.
type VerdictChange struct {
	ID      string   `json:"id"`
	Old     string   `json:"old"` // allow | warn | deny
	New     string   `json:"new"`
	Added   []string `json:"added"`   // "deny rule: msg"; never null
	Removed []string `json:"removed"` // never null
}

// InstanceChange is an instance whose snapshot differs, or that is only
// in one plan (Fields then has one "instance" field: present / "").
type InstanceChange struct {
	ID     string        `json:"id"`
	Fields []FieldChange `json:"fields"`
}

// Verdict names a step's verdict: deny, warn or allow.
func (s *Step) Verdict() string {
	switch {
	case len(s.Policy.Deny) > 0:
		return "deny"
	case len(s.Policy.Warn) > 0:
		return "warn"
	}
	return "allow"
}

// Empty reports whether the plans agree on everything the diff compares.
func (d *Diff) Empty() bool {
	return len(d.Inputs)+len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Verdicts)+len(d.Instances) == 0
}

// Compare returns what changed from old to new.
func Compare(old, new *Plan) *Diff {
	d := &Diff{
		Old: ref(old), New: ref(new),
		Inputs: inputChanges(&old.Inputs, &new.Inputs), Added: []StepRef{}, Removed: []StepRef{},
		Changed: []StepChange{}, Verdicts: []VerdictChange{}, Instances: []InstanceChange{},
	}
	// Steps match by id; a step whose id changed (an instance going from
	// one hop to several: rm-a → rm-a@5.6) matches by instance and
	// toVersion, and shows the id as a changed field.
	oldSteps := make(map[string]*Step, len(old.Steps))
	oldHops := make(map[[2]string]*Step, len(old.Steps))
	for i := range old.Steps {
		oldSteps[old.Steps[i].ID] = &old.Steps[i]
	}
	newIDs := make(map[string]bool, len(new.Steps))
	for i := range new.Steps {
		newIDs[new.Steps[i].ID] = true
	}
	for i := range old.Steps {
		if o := &old.Steps[i]; !newIDs[o.ID] {
			oldHops[[2]string{o.InstanceID, o.ToVersion}] = o
		}
	}
	matched := map[string]bool{} // old step ids matched by hop
	for i := range new.Steps {
		n := &new.Steps[i]
		o, ok := oldSteps[n.ID]
		if !ok {
			if o, ok = oldHops[[2]string{n.InstanceID, n.ToVersion}]; ok && !matched[o.ID] {
				matched[o.ID] = true
			} else {
				d.Added = append(d.Added, stepRef(n))
				continue
			}
		}
		f := changes{}
		f.add("id", o.ID, n.ID)
		f = append(f, stepChanges(o, n)...)
		if len(f) > 0 {
			d.Changed = append(d.Changed, StepChange{ID: n.ID, Fields: f})
		}
		if v, ok := verdictChange(o, n); ok {
			d.Verdicts = append(d.Verdicts, v)
		}
	}
	for i := range old.Steps {
		if o := &old.Steps[i]; !newIDs[o.ID] && !matched[o.ID] {
			d.Removed = append(d.Removed, stepRef(o))
		}
	}
	d.Instances = instanceChanges(old.Instances, new.Instances)
	d.Inputs = append(d.Inputs, stageChanges(old.Stages, new.Stages)...)
	return d
}

func ref(p *Plan) PlanRef {
	created := ""
	if !p.CreatedAt.IsZero() {
		created = p.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	return PlanRef{ID: p.ID, CreatedAt: created, Steps: len(p.Steps), Denied: p.Summary.Denied}
}

func stepRef(s *Step) StepRef {
	return StepRef{ID: s.ID, InstanceID: s.InstanceID, FromVersion: s.FromVersion, ToVersion: s.ToVersion, Verdict: s.Verdict()}
}

// changes collects the fields whose values differ.
type changes []FieldChange

func (c *changes) add(field, old, new string) {
	if old != new {
		*c = append(*c, FieldChange{Field: field, Old: old, New: new})
	}
}

func inputChanges(o, n *Inputs) []FieldChange {
	c := changes{}
	c.add("inventory", o.Inventory, n.Inventory)
	c.add("inventoryDigest", o.InventoryDigest, n.InventoryDigest)
	c.add("policyDigest", o.PolicyDigest, n.PolicyDigest)
	c.add("policyAt", o.PolicyAt, n.PolicyAt)
	c.add("policySet.builtin", strconv.FormatBool(o.PolicySet.Builtin), strconv.FormatBool(n.PolicySet.Builtin))
	files := func(fs []PolicyFile) map[string]string {
		m := make(map[string]string, len(fs))
		for _, f := range fs {
			m[f.Path] = f.Digest
		}
		return m
	}
	for _, kind := range []struct {
		name     string
		old, new []PolicyFile
	}{{"policySet.files", o.PolicySet.Files, n.PolicySet.Files}, {"policySet.data", o.PolicySet.Data, n.PolicySet.Data}} {
		om, nm := files(kind.old), files(kind.new)
		for _, path := range unionKeys(om, nm) {
			c.add(kind.name+"["+path+"]", om[path], nm[path])
		}
	}
	c.add("refreshedAt", o.RefreshedAt, n.RefreshedAt)
	c.add("selection", selectionText(o.Selection), selectionText(n.Selection))
	return c
}

func selectionText(s *Selection) string {
	if s == nil {
		return ""
	}
	var parts []string
	for _, o := range s.Only {
		parts = append(parts, "--only "+o)
	}
	for _, e := range s.Exclude {
		parts = append(parts, "--exclude "+e)
	}
	if s.WithReplicas {
		parts = append(parts, "--with-replicas")
	}
	return strings.Join(parts, " ")
}

func stepChanges(o, n *Step) []FieldChange {
	c := changes{}
	c.add("instanceId", o.InstanceID, n.InstanceID)
	c.add("region", o.Region, n.Region)
	c.add("engine", o.Engine, n.Engine)
	c.add("role", o.Role, n.Role)
	c.add("cluster", o.Cluster, n.Cluster)
	c.add("fromVersion", o.FromVersion, n.FromVersion)
	c.add("toVersion", o.ToVersion, n.ToVersion)
	c.add("effectiveTime", o.EffectiveTime, n.EffectiveTime)
	c.add("dependsOn", strings.Join(o.DependsOn, ", "), strings.Join(n.DependsOn, ", "))
	c.add("wave", strconv.Itoa(o.Wave), strconv.Itoa(n.Wave))
	c.add("stage", o.Stage, n.Stage)
	return c
}

func findingTexts(v *Verdict) []string {
	out := make([]string, 0, len(v.Deny)+len(v.Warn))
	for _, f := range v.Deny {
		out = append(out, "deny "+f.Rule+": "+f.Message)
	}
	for _, f := range v.Warn {
		out = append(out, "warn "+f.Rule+": "+f.Message)
	}
	slices.Sort(out)
	return out
}

func verdictChange(o, n *Step) (VerdictChange, bool) {
	of, nf := findingTexts(&o.Policy), findingTexts(&n.Policy)
	v := VerdictChange{ID: n.ID, Old: o.Verdict(), New: n.Verdict(), Added: []string{}, Removed: []string{}}
	for _, f := range nf {
		if _, found := slices.BinarySearch(of, f); !found {
			v.Added = append(v.Added, f)
		}
	}
	for _, f := range of {
		if _, found := slices.BinarySearch(nf, f); !found {
			v.Removed = append(v.Removed, f)
		}
	}
	return v, len(v.Added)+len(v.Removed) > 0
}

func instanceChanges(old, new []Instance) []InstanceChange {
	om := make(map[string]*Instance, len(old))
	for i := range old {
		om[old[i].ID] = &old[i]
	}
	nm := make(map[string]*Instance, len(new))
	for i := range new {
		nm[new[i].ID] = &new[i]
	}
	out := []InstanceChange{}
	for _, id := range unionKeys(om, nm) {
		o, n := om[id], nm[id]
		c := changes{}
		switch {
		case o == nil:
			c.add("instance", "", "present")
		case n == nil:
			c.add("instance", "present", "")
		default:
			c.add("region", o.Region, n.Region)
			c.add("engine", o.Engine, n.Engine)
			c.add("engineVersion", o.EngineVersion, n.EngineVersion)
			c.add("targetVersion", o.TargetVersion, n.TargetVersion)
			c.add("role", o.Role, n.Role)
			c.add("primary", o.Primary, n.Primary)
			c.add("status", o.Status, n.Status)
			c.add("maintainTime", o.MaintainTime, n.MaintainTime)
			c.add("effectiveTime", o.EffectiveTime, n.EffectiveTime)
			for _, k := range unionKeys(o.Tags, n.Tags) {
				c.add("tags."+k, o.Tags[k], n.Tags[k])
			}
			c.add("storageGB", gb(o.StorageGB), gb(n.StorageGB))
		}
		if len(c) > 0 {
			out = append(out, InstanceChange{ID: id, Fields: c})
		}
	}
	return out
}

func gb(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
