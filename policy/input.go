package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/rdsup/rdsup/plans"
)

// The input document of one step, as policies see it:
//
//	{
//	  "step":     the plan step (plan field names; no clientToken, no policy),
//	  "instance": the step's instance (inventory field names),
//	  "primary":  the instance's primary, or null,
//	  "replicas": the instances whose primary is this one, sorted by id,
//	  "plan": {
//	    "at":    RFC 3339 UTC time the policies judge (plan time or now),
//	    "id":    the plan id, when the plan is sealed,
//	    "steps": the plan's steps of this instance, its primary and its
//	             replicas, keyed by instance id (absent: not in the plan)
//	  }
//	}
//
// Terms are built straight as OPA AST values (no JSON round trip); the
// index below is built once per plan so building one input is O(cluster).

var (
	kStep, kInstance, kPrimary, kReplicas, kPlan = key("step"), key("instance"), key("primary"), key("replicas"), key("plan")
	kAt, kSteps                                  = key("at"), key("steps")
	kID, kInstanceID, kRegion, kEngine, kRole    = key("id"), key("instanceId"), key("region"), key("engine"), key("role")
	kCluster, kFrom, kTo, kEffective, kDepends   = key("cluster"), key("fromVersion"), key("toVersion"), key("effectiveTime"), key("dependsOn")
	kWave, kEngineVersion, kTarget, kStatus      = key("wave"), key("engineVersion"), key("targetVersion"), key("status")
	kMaintain, kTags                             = key("maintainTime"), key("tags")
)

func key(s string) *ast.Term { return ast.StringTerm(s) }

// index locates a plan's instances, replicas and steps by instance id.
type index struct {
	p        *plans.Plan
	inst     map[string]int   // instance id → index in p.Instances
	replicas map[string][]int // primary id → indexes of its replicas, by id
	stepOf   map[string]int   // instance id → index in p.Steps
	// strs interns the terms of repeated field values (versions, regions,
	// states, windows, tags): most of a fleet's strings are a few values.
	strs map[string]*ast.Term
}

// terms caches the instance and step terms built for one chunk of steps:
// steps come in cluster order, so a chunk reuses its clusters' terms, and
// dropping the cache after the chunk keeps memory flat for any fleet size.
type terms struct {
	ix   *index
	inst map[int]*ast.Term
	step map[int]*ast.Term
}

func (ix *index) newTerms() *terms {
	return &terms{ix: ix, inst: make(map[int]*ast.Term, 64), step: make(map[int]*ast.Term, 64)}
}

func (t *terms) reset() {
	clear(t.inst)
	clear(t.step)
}

func newIndex(p *plans.Plan) *index {
	ix := &index{
		p:        p,
		inst:     make(map[string]int, len(p.Instances)),
		replicas: make(map[string][]int),
		stepOf:   make(map[string]int, len(p.Steps)),
	}
	for i := range p.Instances {
		in := &p.Instances[i]
		ix.inst[in.ID] = i
		if in.Primary != "" {
			ix.replicas[in.Primary] = append(ix.replicas[in.Primary], i)
		}
	}
	for _, rs := range ix.replicas {
		if !sort.SliceIsSorted(rs, func(a, b int) bool { return p.Instances[rs[a]].ID < p.Instances[rs[b]].ID }) {
			sort.Slice(rs, func(a, b int) bool { return p.Instances[rs[a]].ID < p.Instances[rs[b]].ID })
		}
	}
	for i := range p.Steps {
		ix.stepOf[p.Steps[i].InstanceID] = i
	}
	ix.strs = make(map[string]*ast.Term, 64)
	intern := func(v string) {
		if _, ok := ix.strs[v]; !ok && len(ix.strs) < 1<<16 {
			ix.strs[v] = ast.StringTerm(v)
		}
	}
	for i := range p.Instances {
		in := &p.Instances[i]
		for _, v := range [...]string{in.Region, in.Engine, in.EngineVersion, in.TargetVersion, in.Role, in.Primary, in.Status, in.MaintainTime, in.EffectiveTime} {
			intern(v)
		}
		for k, v := range in.Tags {
			intern(k)
			intern(v)
		}
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		for _, v := range [...]string{s.Region, s.Engine, s.Role, s.Cluster, s.FromVersion, s.ToVersion, s.EffectiveTime} {
			intern(v)
		}
	}
	return ix
}

// str returns the interned term of v, or a new one.
func (ix *index) str(v string) *ast.Term {
	if t, ok := ix.strs[v]; ok {
		return t
	}
	return ast.StringTerm(v)
}

func (t *terms) instTerm(i int) *ast.Term {
	if x, ok := t.inst[i]; ok {
		return x
	}
	x := t.ix.instanceTerm(&t.ix.p.Instances[i])
	t.inst[i] = x
	return x
}

func (t *terms) stepTerm(i int) *ast.Term {
	if x, ok := t.step[i]; ok {
		return x
	}
	x := t.ix.stepTerm(&t.ix.p.Steps[i])
	t.step[i] = x
	return x
}

// input builds the input document of step si. live, when not nil, replaces
// the step's instance facts (apply time); at is the judged time.
func (t *terms) input(si int, live *plans.Instance, at *ast.Term) (ast.Value, error) {
	ix := t.ix
	s := &ix.p.Steps[si]
	ii, ok := ix.inst[s.InstanceID]
	var inst *plans.Instance
	var instT *ast.Term
	switch {
	case live != nil:
		var snap *plans.Instance
		if ok {
			snap = &ix.p.Instances[ii]
		}
		m := mergeLive(snap, live)
		inst, instT = &m, ix.instanceTerm(&m)
	case ok:
		inst, instT = &ix.p.Instances[ii], t.instTerm(ii)
	default:
		return nil, fmt.Errorf("instance %s is not in the plan's instance snapshot; make the plan again with `rdsup plan`", s.InstanceID)
	}

	steps := ast.NewObjectWithCapacity(2)
	steps.Insert(ast.StringTerm(s.InstanceID), t.stepTerm(si))

	primary := ast.NullTerm()
	if inst.Primary != "" {
		if pi, ok := ix.inst[inst.Primary]; ok {
			primary = t.instTerm(pi)
		}
		if ps, ok := ix.stepOf[inst.Primary]; ok {
			steps.Insert(ast.StringTerm(inst.Primary), t.stepTerm(ps))
		}
	}
	reps := ix.replicas[inst.ID]
	replicas := make([]*ast.Term, len(reps))
	for k, ri := range reps {
		replicas[k] = t.instTerm(ri)
		rid := ix.p.Instances[ri].ID
		if rs, ok := ix.stepOf[rid]; ok {
			steps.Insert(ast.StringTerm(rid), t.stepTerm(rs))
		}
	}

	plan := ast.NewObjectWithCapacity(3)
	plan.Insert(kAt, at)
	if ix.p.ID != "" {
		plan.Insert(kID, ast.StringTerm(ix.p.ID))
	}
	plan.Insert(kSteps, ast.NewTerm(steps))

	return ast.NewObject(
		ast.Item(kStep, t.stepTerm(si)),
		ast.Item(kInstance, instT),
		ast.Item(kPrimary, primary),
		ast.Item(kReplicas, ast.ArrayTerm(replicas...)),
		ast.Item(kPlan, ast.NewTerm(plan)),
	), nil
}

// mergeLive overlays live facts on the snapshot: non-empty live fields win,
// empty ones (e.g. tags the API did not return) keep the snapshot's.
func mergeLive(snap, live *plans.Instance) plans.Instance {
	if snap == nil {
		return *live
	}
	m := *snap
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.ID, live.ID)
	set(&m.Region, live.Region)
	set(&m.Engine, live.Engine)
	set(&m.EngineVersion, live.EngineVersion)
	set(&m.TargetVersion, live.TargetVersion)
	set(&m.Role, live.Role)
	set(&m.Primary, live.Primary)
	set(&m.Status, live.Status)
	set(&m.MaintainTime, live.MaintainTime)
	set(&m.EffectiveTime, live.EffectiveTime)
	if len(live.Tags) > 0 {
		m.Tags = live.Tags
	}
	return m
}

// instanceTerm mirrors plans.Instance's JSON encoding.
func (ix *index) instanceTerm(in *plans.Instance) *ast.Term {
	o := ast.NewObjectWithCapacity(11)
	o.Insert(kID, ast.StringTerm(in.ID))
	o.Insert(kRegion, ix.str(in.Region))
	o.Insert(kEngine, ix.str(in.Engine))
	o.Insert(kEngineVersion, ix.str(in.EngineVersion))
	o.Insert(kTarget, ix.str(in.TargetVersion))
	o.Insert(kRole, ix.str(in.Role))
	if in.Primary != "" {
		o.Insert(kPrimary, ix.str(in.Primary))
	}
	o.Insert(kStatus, ix.str(in.Status))
	o.Insert(kMaintain, ix.str(in.MaintainTime))
	o.Insert(kEffective, ix.str(in.EffectiveTime))
	tags := ast.NewObjectWithCapacity(len(in.Tags))
	for k, v := range in.Tags {
		tags.Insert(ix.str(k), ix.str(v))
	}
	o.Insert(kTags, ast.NewTerm(tags))
	return ast.NewTerm(o)
}

// stepTerm mirrors plans.Step's JSON encoding without clientToken and
// policy (the verdict being computed must not feed itself).
func (ix *index) stepTerm(s *plans.Step) *ast.Term {
	o := ast.NewObjectWithCapacity(11)
	o.Insert(kID, ast.StringTerm(s.ID))
	o.Insert(kInstanceID, ast.StringTerm(s.InstanceID))
	o.Insert(kRegion, ix.str(s.Region))
	o.Insert(kEngine, ix.str(s.Engine))
	o.Insert(kRole, ix.str(s.Role))
	o.Insert(kCluster, ix.str(s.Cluster))
	o.Insert(kFrom, ix.str(s.FromVersion))
	o.Insert(kTo, ix.str(s.ToVersion))
	o.Insert(kEffective, ix.str(s.EffectiveTime))
	deps := make([]*ast.Term, len(s.DependsOn))
	for i, d := range s.DependsOn {
		deps[i] = ast.StringTerm(d)
	}
	o.Insert(kDepends, ast.ArrayTerm(deps...))
	o.Insert(kWave, ast.IntNumberTerm(s.Wave))
	return ast.NewTerm(o)
}

// atTerm formats the judged time as RFC 3339 UTC.
func atTerm(at time.Time) *ast.Term { return ast.StringTerm(FormatAt(at)) }

// FormatAt formats a policy time the way input.plan.at and the plan's
// inputs.policyAt carry it: RFC 3339, UTC, whole seconds.
func FormatAt(at time.Time) string { return at.UTC().Truncate(time.Second).Format(time.RFC3339) }

// InputJSON returns the input documents of every step of p as JSON, one
// per step in plan order, exactly as the policies see them. It is meant for
// debugging policies (`opa eval -I`) and for the baseline benchmarks.
func InputJSON(p *plans.Plan, at time.Time) ([][]byte, error) {
	ts := newIndex(p).newTerms()
	t := atTerm(at)
	out := make([][]byte, len(p.Steps))
	for i := range p.Steps {
		ts.reset()
		v, err := ts.input(i, nil, t)
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", p.Steps[i].ID, err)
		}
		x, err := ast.JSON(v)
		if err != nil {
			return nil, err
		}
		if out[i], err = json.Marshal(x); err != nil {
			return nil, err
		}
	}
	return out, nil
}
