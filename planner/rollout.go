package planner

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rdsup/rdsup/plans"
)

// The optional `rollout:` section of an inventory lists stages in order:
//
//	rollout:
//	  - name: canary
//	    select: env=staging        # the syntax of --only
//	    soak: 24h                  # wait after the stage's last step succeeded
//	  - name: production
//	    select: "*"
//	    maxConcurrentClusters: 5   # clusters upgrading at once in the stage
//	    maxFailures: 2             # one more failed step stops the campaign
//
// Every planned instance falls in the first stage whose selector matches
// it; all instances of a cluster must fall in the same stage.

// stageKeys are the keys of a stage, in the order the README lists them.
var stageKeys = []string{"name", "select", "soak", "maxConcurrentClusters", "maxFailures"}

// stageSpec is one stage as read, with its selector parsed.
type stageSpec struct {
	plans.Stage
	line int
	sel  selector
}

// rollout is the inventory's rollout section (nil stages: none).
type rollout struct {
	line   int
	stages []stageSpec
}

// readRollout reads the rollout section, reporting every problem with its
// line. n is nil when the inventory has none.
func readRollout(p *problems, n *yaml.Node) rollout {
	if n == nil {
		return rollout{}
	}
	ro := rollout{line: n.Line}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.add(n.Line, "", "list the stages in order, each starting with `- name:`; or remove `rollout:` to upgrade everything in one stage", "rollout lists no stages")
		return ro
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n.Line, "", "list the stages in order, each starting with `- name:`; or remove `rollout:` to upgrade everything in one stage",
			"rollout must be a list of stages, found %s", kindName(n))
		return ro
	}
	names := map[string]int{}
	for _, item := range n.Content {
		st, ok := readStage(p, item)
		if st.Name != "" {
			if first, dup := names[st.Name]; dup {
				p.add(st.line, "", "give each stage its own name", "stage %q is given twice (first at line %d)", st.Name, first)
				continue
			}
			names[st.Name] = st.line
		}
		if ok {
			ro.stages = append(ro.stages, st)
		}
	}
	return ro
}

// readStage reads one stage; ok is false when it has a problem (reported).
func readStage(p *problems, n *yaml.Node) (stageSpec, bool) {
	st := stageSpec{line: n.Line}
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "", "each stage is a mapping such as `- name: canary` followed by `select:` and its gates", "a stage must be a mapping, found %s", kindName(n))
		return st, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "name" && v.Kind == yaml.ScalarNode && st.Name == "" {
			st.Name = v.Value
		}
	}
	what := "a stage"
	if st.Name != "" {
		what = fmt.Sprintf("stage %q", st.Name)
	}
	ok := true
	bad := func(line int, hint, format string, args ...any) {
		p.add(line, "", hint, what+": "+format, args...)
		ok = false
	}
	seen := map[string]int{}
	var sel, name *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			bad(k.Line, "keep one", "field %q is given twice (first at line %d)", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		known := false
		for _, s := range stageKeys {
			known = known || s == k.Value
		}
		if !known {
			hint := "a stage has " + strings.Join(stageKeys, ", ")
			if s := suggest(k.Value, stageKeys); s != "" {
				hint = s[2:]
			}
			bad(k.Line, hint, "unknown field %q", k.Value)
			continue
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			bad(v.Line, "write a plain value", "field %q must be a plain value, found %s", k.Value, kindName(v))
			continue
		}
		switch k.Value {
		case "name":
			name = v
		case "select":
			sel = v
		case "soak":
			d, err := plans.ParseSoak(v.Value)
			if err != nil {
				bad(v.Line, "e.g. `soak: 24h`", "%v", err)
				continue
			}
			st.Soak = plans.FormatSoak(d)
		case "maxConcurrentClusters":
			c, err := strconv.Atoi(v.Value)
			if err != nil || c < 1 {
				bad(v.Line, "give a whole number of 1 or more; leave it out for no limit beyond --concurrency", "maxConcurrentClusters %q is not a positive whole number", v.Value)
				continue
			}
			st.MaxConcurrentClusters = c
		case "maxFailures":
			c, err := strconv.Atoi(v.Value)
			if err != nil || c < 0 {
				bad(v.Line, "give a whole number of 0 or more (0: the first failure stops the campaign); leave it out to let --keep-going decide", "maxFailures %q is not a whole number of 0 or more", v.Value)
				continue
			}
			st.MaxFailures = &c
		}
	}
	switch _, given := seen["name"]; {
	case !given:
		bad(n.Line, "name every stage, e.g. `- name: canary`", "no name")
	case name != nil && !validStageName(st.Name):
		bad(name.Line, "use letters, digits, '-', '_' and '.', at most 63 characters", "malformed name")
	}
	_, given := seen["select"]
	switch {
	case !given:
		bad(n.Line, "give the stage a selector such as `select: env=staging`, or `select: \"*\"` for everything left", "no select")
	case sel == nil: // reported above
	default:
		s, err := parseSelector(sel.Value)
		if err != nil {
			bad(sel.Line, "the syntax is that of --only: an id, a glob (rm-pay-*), tag=value, tag!=value, region=…", "%s", strings.TrimPrefix(err.Error(), ErrSelection.Error()+": "))
			break
		}
		st.sel, st.Select = s, sel.Value
	}
	return st, ok
}

func validStageName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// checkRolloutMatches reports stages whose selector matches no instance of
// the inventory: most likely a typo.
func checkRolloutMatches(p *problems, ro rollout, insts []plans.Instance) {
	for _, st := range ro.stages {
		hit := false
		for i := range insts {
			if st.sel.matches(&insts[i]) {
				hit = true
				break
			}
		}
		if !hit {
			p.add(st.line, "", "fix the selector, or remove the stage", "stage %q: select %q matches no instance of the inventory", st.Name, st.Select)
		}
	}
}

// assignStages puts every step in the stage of its instance: the first
// stage whose selector matches it. It reports planned instances no stage
// matches, and clusters whose instances fall in different stages.
func assignStages(p *problems, ro rollout, byID map[string]*plans.Instance, steps []plans.Step) []plans.Stage {
	if len(ro.stages) == 0 {
		return nil
	}
	stageOf := map[string]int{} // instance id → stage index, -1: none
	var unmatched []string
	for i := range steps {
		id := steps[i].InstanceID
		if _, done := stageOf[id]; done {
			continue
		}
		k := -1
		for j := range ro.stages {
			if ro.stages[j].sel.matches(byID[id]) {
				k = j
				break
			}
		}
		stageOf[id] = k
		if k < 0 {
			unmatched = append(unmatched, id)
		}
	}
	if len(unmatched) > 0 {
		p.add(ro.line, "", "add a stage that selects them, or end the rollout with a stage whose select is \"*\"",
			"%d planned instance(s) match no stage of the rollout: %s", len(unmatched), listIDs(unmatched, 20))
		return nil
	}
	type first struct{ inst, stage string }
	clusterStage := map[string]first{}
	split := map[string]bool{}
	for i := range steps {
		s := &steps[i]
		s.Stage = ro.stages[stageOf[s.InstanceID]].Name
		f, seen := clusterStage[s.Cluster]
		switch {
		case !seen:
			clusterStage[s.Cluster] = first{s.InstanceID, s.Stage}
		case f.stage != s.Stage && !split[s.Cluster]:
			split[s.Cluster] = true
			if len(split) > maxSplitReported {
				continue
			}
			p.add(ro.line, "", "a cluster's replicas upgrade before its primary, so the whole cluster goes in one stage: select it by a tag all its instances share, or by an id glob that covers them",
				"cluster %s is split across stages: %s is in stage %q, %s in stage %q", s.Cluster, f.inst, f.stage, s.InstanceID, s.Stage)
		}
	}
	if n := len(split) - maxSplitReported; n > 0 {
		p.add(ro.line, "", "fix the clusters above first", "%d more clusters are split across stages", n)
	}
	out := make([]plans.Stage, len(ro.stages))
	for i := range ro.stages {
		out[i] = ro.stages[i].Stage
	}
	return out
}

// maxSplitReported bounds the split clusters reported one by one.
const maxSplitReported = 20

// listIDs joins ids, at most max of them, saying how many more there are.
func listIDs(ids []string, max int) string {
	if len(ids) <= max {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:max], ", "), len(ids)-max)
}

// byID indexes the inventory's instances by id, only when it has a rollout.
func byID(inv *Inventory) map[string]*plans.Instance {
	if len(inv.rollout.stages) == 0 {
		return nil
	}
	m := make(map[string]*plans.Instance, len(inv.Instances))
	for i := range inv.Instances {
		m[inv.Instances[i].ID] = &inv.Instances[i]
	}
	return m
}
