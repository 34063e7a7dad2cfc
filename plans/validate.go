package plans

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid is returned for a plan whose content matches its id but whose
// structure no planner writes: the id is an unkeyed digest anyone can
// recompute, so matching it proves nothing about who wrote the plan.
var ErrInvalid = errors.New("plan structure is invalid")

// maxClientToken is the longest ClientToken the RDS API accepts.
const maxClientToken = 64

// Validate checks what the executor relies on: unique step ids, the
// steps of one instance forming one chain of hops (each from the previous
// one's toVersion and depending on it), every step's instance in instances[], dependencies on
// existing steps other than itself and without cycles, known roles and
// effective times, and a summary that agrees
// with the steps' verdicts. It reports every problem, sorted, each naming
// the steps involved.
func Validate(p *Plan) error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	steps := make(map[string]int, len(p.Steps))
	byInstance := make(map[string][]int, len(p.Steps))
	for i, s := range p.Steps {
		switch first, dup := steps[s.ID]; {
		case s.ID == "":
			add("step %d has an empty id", i)
		case dup:
			add("step id %s is used by steps %d and %d", s.ID, first, i)
		default:
			steps[s.ID] = i
		}
		byInstance[s.InstanceID] = append(byInstance[s.InstanceID], i)
	}
	for inst, idx := range byInstance {
		if len(idx) > 1 {
			checkHops(p, inst, idx, add)
		}
	}
	instances := make(map[string]bool, len(p.Instances))
	for _, in := range p.Instances {
		if instances[in.ID] {
			add("instances[] lists %s twice", in.ID)
		}
		instances[in.ID] = true
	}
	denied, warnings := 0, 0
	for _, s := range p.Steps {
		if !instances[s.InstanceID] {
			add("step %s upgrades instance %s, which is missing from instances[]", s.ID, s.InstanceID)
		}
		if s.Role != RolePrimary && s.Role != RoleReadOnly && s.Role != RoleDisasterRecovery {
			add("step %s has role %q; want %s, %s or %s", s.ID, s.Role, RolePrimary, RoleReadOnly, RoleDisasterRecovery)
		}
		if s.EffectiveTime != EffectiveImmediate && s.EffectiveTime != EffectiveMaintenance {
			add("step %s has effectiveTime %q; want %s or %s", s.ID, s.EffectiveTime, EffectiveImmediate, EffectiveMaintenance)
		}
		if s.EstimateSeconds < 0 {
			add("step %s has estimateSeconds %d; want a positive number of seconds (or none)", s.ID, s.EstimateSeconds)
		}
		for k, d := range s.DependsOn {
			switch _, ok := steps[d]; {
			case d == s.ID:
				add("step %s depends on itself", s.ID)
			case !ok:
				add("step %s depends on %s, which is not a step of the plan", s.ID, d)
			case slices.Contains(s.DependsOn[:k], d): // lists are short
				add("step %s lists dependency %s twice", s.ID, d)
			}
		}
		if len(s.Policy.Deny) > 0 {
			denied++
		}
		warnings += len(s.Policy.Warn)
	}
	checkStages(p, steps, add)
	for _, c := range cycles(p, steps) {
		add("steps %s form a dependsOn cycle (%s → %s)", strings.Join(sortedCopy(c), ", "), strings.Join(c, " → "), c[0])
	}
	sm := p.Summary
	if sm.Steps != len(p.Steps) || sm.Denied != denied || sm.Warnings != warnings || sm.Applicable != (denied == 0) {
		add("summary says %d steps, %d denied, %d warnings, applicable %t, but the steps give %d, %d, %d, %t",
			sm.Steps, sm.Denied, sm.Warnings, sm.Applicable, len(p.Steps), denied, warnings, denied == 0)
	}
	if len(errs) == 0 {
		return nil
	}
	slices.Sort(errs)
	return fmt.Errorf("%w: %s; its id matches its content, so it was edited and sealed again or written by another tool: make a new plan with `rdsup plan`",
		ErrInvalid, strings.Join(errs, "; "))
}

// checkHops checks the steps of an instance with several: one chain of
// hops, each step from the version the previous one reaches, depending on
// it.
func checkHops(p *Plan, inst string, idx []int, add func(string, ...any)) {
	from := make(map[string]string, len(idx))
	to := make(map[string]string, len(idx))
	for _, i := range idx {
		s := &p.Steps[i]
		if other, dup := from[s.FromVersion]; dup {
			add("steps %s and %s both upgrade instance %s from %s", other, s.ID, inst, s.FromVersion)
		} else {
			from[s.FromVersion] = s.ID
		}
		if other, dup := to[s.ToVersion]; dup {
			add("steps %s and %s both upgrade instance %s to %s", other, s.ID, inst, s.ToVersion)
		} else {
			to[s.ToVersion] = s.ID
		}
	}
	starts := 0
	for _, i := range idx {
		s := &p.Steps[i]
		prev, ok := to[s.FromVersion]
		switch {
		case !ok:
			starts++
		case prev != s.ID && !slices.Contains(s.DependsOn, prev):
			add("step %s upgrades instance %s from %s but does not depend on step %s, which brings it there", s.ID, inst, s.FromVersion, prev)
		}
	}
	if starts != 1 && len(from) == len(idx) && len(to) == len(idx) {
		add("the steps of instance %s do not form one chain of hops (%d of them start from a version no other step reaches)", inst, starts)
	}
}

// checkToken refuses a client token the API would refuse (empty, longer
// than 64 characters, not printable ASCII) or that is not the one derived
// from the plan and step ids.
func checkToken(planID string, s Step) error {
	tok := s.ClientToken
	switch want := ClientToken(planID, s.ID); {
	case tok == "" || len(tok) > maxClientToken:
		return fmt.Errorf("step %s has a clientToken of %d characters; the API takes 1 to %d, and rdsup derives %q", s.ID, len(tok), maxClientToken, want)
	case strings.IndexFunc(tok, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0:
		return fmt.Errorf("step %s has clientToken %q, which is not printable ASCII; rdsup derives %q", s.ID, tok, want)
	case tok != want:
		return fmt.Errorf("step %s has clientToken %q, expected %q (derived from the plan and step ids)", s.ID, tok, want)
	}
	return nil
}

// cycles returns the dependsOn cycles among the steps, each once, starting
// at its smallest step id, in order of that id. Self-dependencies and
// dependencies on missing steps are reported elsewhere and ignored here.
func cycles(p *Plan, index map[string]int) [][]string {
	// Kahn: peel off every step whose dependencies are all peeled; what is
	// left is on a cycle or depends on one.
	n := len(p.Steps)
	pending := make([]int, n) // unpeeled dependencies
	// dependents of step j: dependents[start[j]:start[j+1]] (one array for all)
	type edge struct{ from, to int }
	var edges []edge
	start := make([]int, n+1)
	for i, s := range p.Steps {
		if index[s.ID] != i {
			continue // a duplicate id, reported elsewhere
		}
		for _, d := range s.DependsOn {
			if j, ok := index[d]; ok && j != i {
				pending[i]++
				start[j+1]++
				edges = append(edges, edge{j, i})
			}
		}
	}
	for j := range n {
		start[j+1] += start[j]
	}
	dependents := make([]int, len(edges))
	fill := slices.Clone(start[:n])
	for _, e := range edges {
		dependents[fill[e.from]] = e.to
		fill[e.from]++
	}
	queue := make([]int, 0, n)
	for i := range n {
		if pending[i] == 0 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, j := range dependents[start[i]:start[i+1]] {
			if pending[j]--; pending[j] == 0 {
				queue = append(queue, j)
			}
		}
	}
	var left []int
	for i := range n {
		if pending[i] > 0 {
			left = append(left, i)
		}
	}
	slices.SortFunc(left, func(a, b int) int { return strings.Compare(p.Steps[a].ID, p.Steps[b].ID) })
	// Every step left has a dependency left: following the smallest one
	// from any of them must come back to a step already on the walk.
	walked := make(map[int]int, len(left)) // step → walk number
	var out [][]string
	for w, start := range left {
		var path []int
		i := start
		for {
			if _, done := walked[i]; done {
				break
			}
			walked[i] = w
			path = append(path, i)
			next := -1
			for _, d := range p.Steps[i].DependsOn {
				if j, ok := index[d]; ok && j != i && pending[j] > 0 && (next < 0 || p.Steps[j].ID < p.Steps[next].ID) {
					next = j
				}
			}
			if next < 0 {
				break // cannot happen: every step left has a dependency left
			}
			i = next
		}
		if i < 0 {
			continue
		}
		if walked[i] != w {
			continue // ran into an earlier walk: no new cycle
		}
		at := slices.Index(path, i)
		cyc := make([]string, 0, len(path)-at)
		for _, j := range path[at:] {
			cyc = append(cyc, p.Steps[j].ID)
		}
		out = append(out, rotateToMin(cyc))
	}
	return out
}

func rotateToMin(c []string) []string {
	m := 0
	for i := range c {
		if c[i] < c[m] {
			m = i
		}
	}
	return append(c[m:len(c):len(c)], c[:m]...)
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
