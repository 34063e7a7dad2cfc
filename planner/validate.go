package planner

import (
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// validID follows RDS instance id rules: letters, digits and '-',
// starting with a letter or digit, at most 64 characters.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

var required = []int{fRegion, fEngine, fEngineVersion, fTargetVersion, fRole, fStatus}

// maxStorageGB bounds storageGB: RDS storage is at most a few tens of TB.
const maxStorageGB = 1 << 20

// validate turns entries into instances, reporting every problem. A
// missing targetVersion is left to the caller (see checkTarget).
func validate(p *problems, entries []entry, lines map[string]int) []plans.Instance {
	out := make([]plans.Instance, 0, len(entries))
	byID := make(map[string]int, len(entries))
	primaryLines := map[string]int{} // id → line of its primary: field
	for _, e := range entries {
		id := e.vals[fID]
		switch {
		case id == "":
			p.add(e.line, "", "every instance needs `id:`, its RDS instance id (e.g. rm-bp1abc)", "an instance has no id")
			continue
		case !validID(id):
			p.add(e.lineOf(fID), id, "RDS ids are 1-64 letters, digits and '-', starting with a letter or digit", "malformed instance id %q", id)
			continue
		}
		if first, dup := lines[id]; dup {
			p.add(e.line, id, "each instance appears once; remove or rename one entry", "duplicate id (first at line %d)", first)
			continue
		}
		lines[id] = e.line
		inst := plans.Instance{
			ID: id, Region: e.vals[fRegion], Engine: e.vals[fEngine],
			EngineVersion: e.vals[fEngineVersion], TargetVersion: e.vals[fTargetVersion],
			Role: e.vals[fRole], Primary: e.vals[fPrimary], Status: e.vals[fStatus],
			MaintainTime: e.vals[fMaintainTime], EffectiveTime: e.vals[fEffectiveTime],
			Tags: e.tags,
		}
		inst.StorageGB = storageGB(p, &e, id)
		if inst.Tags == nil {
			inst.Tags = map[string]string{}
		}
		if inst.EffectiveTime == "" {
			inst.EffectiveTime = plans.EffectiveImmediate
		}
		checkFields(p, &e, &inst)
		if inst.Primary != "" {
			primaryLines[id] = e.lineOf(fPrimary)
		}
		byID[id] = len(out)
		out = append(out, inst)
	}
	checkLinks(p, out, byID, primaryLines)
	return out
}

func checkFields(p *problems, e *entry, inst *plans.Instance) {
	for _, f := range required {
		if f == fTargetVersion {
			continue // checkTarget
		}
		if e.vals[f] == "" && e.lines[f] == 0 {
			p.add(e.line, inst.ID, "set it on the instance or under `defaults:`", "missing field %q", fields[f])
		}
	}
	if e.lines[fRegion] > 0 && !e.bad[fRegion] { // a region from defaults is checked once, there
		checkRegion(p, e.lines[fRegion], inst.ID, inst.Region)
	}
	switch inst.Role {
	case "":
		if e.lines[fRole] > 0 {
			p.add(e.lineOf(fRole), inst.ID, "use primary, readonly or disaster-recovery", "empty role")
		}
	case plans.RolePrimary, plans.RoleReadOnly, plans.RoleDisasterRecovery:
	default:
		p.add(e.lineOf(fRole), inst.ID, "use primary, readonly or disaster-recovery"+suggest(inst.Role, []string{plans.RolePrimary, plans.RoleReadOnly, plans.RoleDisasterRecovery}), "unknown role %q", inst.Role)
	}
	switch inst.EffectiveTime {
	case plans.EffectiveImmediate, plans.EffectiveMaintenance:
	default:
		p.add(e.lineOf(fEffectiveTime), inst.ID, "use Immediate or MaintainTime", "unknown effectiveTime %q", inst.EffectiveTime)
	}
	if inst.MaintainTime != "" {
		if _, _, err := plans.ParseWindow(inst.MaintainTime); err != nil {
			p.add(e.lineOf(fMaintainTime), inst.ID, `write it as "HH:MMZ-HH:MMZ" in UTC, e.g. "02:00Z-06:00Z"; it may cross midnight`, "malformed maintainTime %q: %v", inst.MaintainTime, err)
		}
	}
	if inst.Role == plans.RolePrimary && inst.Primary != "" {
		p.add(e.lineOf(fPrimary), inst.ID, "only readonly and disaster-recovery instances name a primary; remove `primary:` or change the role", "a primary names a primary (%s)", inst.Primary)
	}
	if (inst.Role == plans.RoleReadOnly || inst.Role == plans.RoleDisasterRecovery) && inst.Primary == "" {
		p.add(e.line, inst.ID, "set `primary:` to the id of the instance it replicates from", "a %s instance names no primary", inst.Role)
	}
}

// storageGB reads the optional storage size: a whole number of GB.
func storageGB(p *problems, e *entry, id string) int {
	v := e.vals[fStorageGB]
	if v == "" || e.bad[fStorageGB] {
		return 0
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' || n > maxStorageGB {
			p.add(e.lineOf(fStorageGB), id, "write the storage size in whole GB, e.g. `storageGB: 500`", "malformed storageGB %q", v)
			return 0
		}
		n = n*10 + int(v[i]-'0')
	}
	if n > maxStorageGB {
		p.add(e.lineOf(fStorageGB), id, "write the storage size in whole GB, e.g. `storageGB: 500`", "storageGB %s is more than %d", v, maxStorageGB)
		return 0
	}
	return n
}

// checkTarget reports instances without a targetVersion: once for the
// file when no instance has one (a freshly discovered inventory), else per
// instance.
func checkTarget(p *problems, def *entry, entries []entry) {
	const hint = "set `targetVersion:` under `defaults:` (or per instance) to the engine version to upgrade to, e.g. targetVersion: \"8.0\""
	if def.vals[fTargetVersion] != "" || def.lines[fTargetVersion] > 0 {
		return
	}
	var missing []*entry
	for i := range entries {
		if entries[i].lines[fTargetVersion] == 0 && entries[i].vals[fID] != "" {
			missing = append(missing, &entries[i])
		}
	}
	if len(missing) == 0 {
		return
	}
	if len(missing) == len(entries) {
		p.add(0, "", hint, "targetVersion is not set for any instance") // no line: the fast path and yaml.v3 place `defaults:` differently
		return
	}
	for _, e := range missing {
		p.add(e.line, e.vals[fID], hint, "targetVersion is not set")
	}
}

// checkLinks reports replicas whose primary is missing, is not a primary,
// or whose chain of primaries loops.
func checkLinks(p *problems, insts []plans.Instance, byID map[string]int, primaryLines map[string]int) {
	for _, inst := range insts {
		if inst.Role == plans.RolePrimary || inst.Primary == "" {
			continue
		}
		j, ok := byID[inst.Primary]
		if !ok {
			p.add(primaryLines[inst.ID], inst.ID, "add the primary to the inventory or correct the id", "its primary %s is not in the inventory", inst.Primary)
			continue
		}
		if cycle := findCycle(insts, byID, inst.ID); cycle != nil {
			if cycle[0] == inst.ID { // report each loop once, at its smallest id
				p.add(primaryLines[inst.ID], inst.ID, "each replica names the primary of its cluster; break the loop", "replica chain loops: %s", strings.Join(append(cycle, cycle[0]), " → "))
			}
			continue
		}
		if other := insts[j]; other.Role != plans.RolePrimary {
			p.add(primaryLines[inst.ID], inst.ID, "name the cluster's primary instead ("+rootOf(insts, byID, other.ID)+")", "its primary %s is a %s instance, not a primary", other.ID, other.Role)
		}
	}
}

// findCycle follows primary links from id and returns the loop it falls
// into, rotated to start at its smallest id, if id is on that loop.
func findCycle(insts []plans.Instance, byID map[string]int, id string) []string {
	seen := map[string]int{}
	var path []string
	cur := id
	for {
		if at, ok := seen[cur]; ok {
			loop := path[at:]
			if !contains(loop, id) {
				return nil
			}
			m := 0
			for i, x := range loop {
				if x < loop[m] {
					m = i
				}
			}
			return append(append([]string{}, loop[m:]...), loop[:m]...)
		}
		j, ok := byID[cur]
		if !ok || insts[j].Primary == "" || insts[j].Role == plans.RolePrimary {
			return nil
		}
		seen[cur] = len(path)
		path = append(path, cur)
		cur = insts[j].Primary
	}
}

func rootOf(insts []plans.Instance, byID map[string]int, id string) string {
	for range len(insts) {
		j, ok := byID[id]
		if !ok || insts[j].Role == plans.RolePrimary || insts[j].Primary == "" {
			return id
		}
		id = insts[j].Primary
	}
	return id
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
