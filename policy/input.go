package policy

import (
	"encoding/json"
	"fmt"
	"slices"
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
//	    "steps": the plan's steps of this hop (same toVersion) of this
//	             instance, its primary and its replicas, keyed by instance
//	             id (absent: no step of the plan takes it to that version;
//	             a plan has one step per hop, see planner.BuildWith)
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

// hopKey names the step that takes an instance to a version.
type hopKey struct{ instance, to string }

// index locates a plan's instances, replicas and steps by instance id.
type index struct {
	p        *plans.Plan
	inst     map[string]int   // instance id → index in p.Instances
	replicas map[string][]int // primary id → indexes of its replicas, by id
	stepOf   map[hopKey]int   // instance id and toVersion → index in p.Steps
	stepInst []int            // step index → index in p.Instances, -1 if absent
	// strs interns the terms of repeated field values (versions, regions,
	// states, windows, tags): most of a fleet's strings are a few values.
	strs map[string]*ast.Term
	// tags interns whole tag objects by their sorted "k\x00v\x00" text:
	// a fleet has few distinct tag sets.
	tags     map[string]*ast.Term
	instTags []*ast.Term // instance index → its interned tags term, or nil
	planID   *ast.Term   // nil when the plan is not sealed
}

// Terms shared by every input document; OPA terms are immutable once built.
var (
	nullTerm       = ast.NullTerm()
	emptyArrayTerm = ast.ArrayTerm()
)

// terms caches the instance and step terms built for one chunk of steps:
// steps come in cluster order, so a chunk reuses its clusters' terms, and
// dropping the cache after the chunk keeps memory flat for any fleet size.
type terms struct {
	ix   *index
	inst map[int]instTerms
	step map[int]*ast.Term
}

// instTerms are an instance's object and its id, which its step, the
// plan.steps keys and its primary's dependsOn share.
type instTerms struct{ obj, id *ast.Term }

func (ix *index) newTerms() *terms {
	return &terms{ix: ix, inst: make(map[int]instTerms, 64), step: make(map[int]*ast.Term, 64)}
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
		stepOf:   make(map[hopKey]int, len(p.Steps)),
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
	ix.stepInst = make([]int, len(p.Steps))
	for i := range p.Steps {
		ix.stepOf[hopKey{p.Steps[i].InstanceID, p.Steps[i].ToVersion}] = i
		ix.stepInst[i] = -1
		if ii, ok := ix.inst[p.Steps[i].InstanceID]; ok {
			ix.stepInst[i] = ii
		}
	}
	if p.ID != "" {
		ix.planID = ast.StringTerm(p.ID)
	}

	// Only fields with few distinct values are interned: ids (primary,
	// cluster) are shared per chunk by terms.idTerm instead. Neighbouring
	// instances mostly repeat each other's values: skip those lookups.
	ix.strs = make(map[string]*ast.Term, 64)
	var last [8]string
	for i := range p.Instances {
		in := &p.Instances[i]
		for k, v := range [...]string{in.Region, in.Engine, in.EngineVersion, in.TargetVersion, in.Role, in.Status, in.MaintainTime, in.EffectiveTime} {
			if i == 0 || v != last[k] {
				ix.intern(v)
				last[k] = v
			}
		}
	}
	ix.internTags()
	return ix
}

func (ix *index) intern(v string) {
	if _, ok := ix.strs[v]; !ok && len(ix.strs) < 1<<16 {
		ix.strs[v] = ast.StringTerm(v)
	}
}

// internTags builds one term per distinct tag set of the plan's instances
// (up to a bound; other sets are built per instance).
func (ix *index) internTags() {
	ix.tags = make(map[string]*ast.Term, 16)
	ix.instTags = make([]*ast.Term, len(ix.p.Instances))
	var buf []byte
	var keys []string
	for i := range ix.p.Instances {
		in := &ix.p.Instances[i]
		buf, keys = tagsKey(buf[:0], keys[:0], in.Tags)
		t, ok := ix.tags[string(buf)]
		if !ok && len(ix.tags) < 1<<12 {
			for k, v := range in.Tags {
				ix.intern(k)
				ix.intern(v)
			}
			t = ix.tagsTerm(in.Tags)
			ix.tags[string(buf)] = t
		}
		ix.instTags[i] = t // nil: built with the instance's term
	}
}

// tagsKey appends the canonical text of tags to buf.
func tagsKey(buf []byte, keys []string, tags map[string]string) ([]byte, []string) {
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		buf = append(buf, k...)
		buf = append(buf, 0)
		buf = append(buf, tags[k]...)
		buf = append(buf, 0)
	}
	return buf, keys
}

func (ix *index) tagsTerm(tags map[string]string) *ast.Term {
	o := ast.NewObjectWithCapacity(len(tags))
	for k, v := range tags {
		o.Insert(ix.str(k), ix.str(v))
	}
	return ast.NewTerm(o)
}

// tagsOf returns the interned term of tags, or a new one.
func (ix *index) tagsOf(tags map[string]string) *ast.Term {
	if len(tags) <= 8 {
		var kb [8]string
		var bb [256]byte
		buf, _ := tagsKey(bb[:0], kb[:0], tags)
		if t, ok := ix.tags[string(buf)]; ok {
			return t
		}
	}
	return ix.tagsTerm(tags)
}

// str returns the interned term of v, or a new one.
func (ix *index) str(v string) *ast.Term {
	if t, ok := ix.strs[v]; ok {
		return t
	}
	return ast.StringTerm(v)
}

func (t *terms) instTerm(i int) instTerms {
	if x, ok := t.inst[i]; ok {
		return x
	}
	in := &t.ix.p.Instances[i]
	id := ast.StringTerm(in.ID)
	x := instTerms{obj: t.ix.instanceTerm(in, id, t.ix.instTags[i], t.idTerm), id: id}
	t.inst[i] = x
	return x
}

func (t *terms) stepTerm(i int) *ast.Term {
	if x, ok := t.step[i]; ok {
		return x
	}
	s := &t.ix.p.Steps[i]
	var instID *ast.Term
	if ii := t.ix.stepInst[i]; ii >= 0 {
		instID = t.instTerm(ii).id
	}
	x := t.ix.stepTerm(s, instID, t.idTerm)
	t.step[i] = x
	return x
}

// idTerm returns the term of a step or instance id: the id term of an
// instance already built in this chunk when the id names one (the planner
// gives a step its instance's id), a new term otherwise.
func (t *terms) idTerm(id string) *ast.Term {
	if ii, ok := t.ix.inst[id]; ok {
		if x, ok := t.inst[ii]; ok {
			return x.id
		}
	}
	return ast.StringTerm(id)
}

// input builds the input document of step si. live, when not nil, replaces
// the step's instance facts (apply time); at is the judged time.
func (t *terms) input(si int, live *plans.Instance, at *ast.Term) (ast.Value, error) {
	ix := t.ix
	s := &ix.p.Steps[si]
	ii := ix.stepInst[si]
	ok := ii >= 0
	var inst *plans.Instance
	var instT, instID *ast.Term // instID: the term of s.InstanceID
	switch {
	case live != nil:
		var snap *plans.Instance
		if ok {
			snap = &ix.p.Instances[ii]
		}
		m := mergeLive(snap, live)
		instID = ast.StringTerm(s.InstanceID)
		mid := instID
		if m.ID != s.InstanceID {
			mid = ast.StringTerm(m.ID)
		}
		inst, instT = &m, ix.instanceTerm(&m, mid, nil, t.idTerm)
	case ok:
		it := t.instTerm(ii)
		inst, instT, instID = &ix.p.Instances[ii], it.obj, it.id
	default:
		return nil, fmt.Errorf("instance %s is not in the plan's instance snapshot; make the plan again with `rdsup plan`", s.InstanceID)
	}

	// Instances first, steps second: step terms then share the ids of the
	// instance terms (cluster, dependsOn).
	primary := nullTerm
	if inst.Primary != "" {
		if pi, ok := ix.inst[inst.Primary]; ok {
			primary = t.instTerm(pi).obj
		}
	}
	reps := ix.replicas[inst.ID]
	replicas := emptyArrayTerm
	if len(reps) > 0 {
		rts := make([]*ast.Term, len(reps))
		for k, ri := range reps {
			rts[k] = t.instTerm(ri).obj
		}
		replicas = ast.ArrayTerm(rts...)
	}

	steps := ast.NewObjectWithCapacity(2 + len(reps))
	steps.Insert(instID, t.stepTerm(si))
	if inst.Primary != "" {
		if ps, ok := ix.stepOf[hopKey{inst.Primary, s.ToVersion}]; ok {
			steps.Insert(t.idTerm(inst.Primary), t.stepTerm(ps))
		}
	}
	for _, ri := range reps {
		if rs, ok := ix.stepOf[hopKey{ix.p.Instances[ri].ID, s.ToVersion}]; ok {
			steps.Insert(t.instTerm(ri).id, t.stepTerm(rs))
		}
	}

	plan := ast.NewObjectWithCapacity(3)
	plan.Insert(kAt, at)
	if ix.planID != nil {
		plan.Insert(kID, ix.planID)
	}
	plan.Insert(kSteps, ast.NewTerm(steps))
	return ast.NewObject(
		ast.Item(kStep, t.stepTerm(si)),
		ast.Item(kInstance, instT),
		ast.Item(kPrimary, primary),
		ast.Item(kReplicas, replicas),
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

// instanceTerm mirrors plans.Instance's JSON encoding (tags: {} for none).
func (ix *index) instanceTerm(in *plans.Instance, id, tags *ast.Term, ids func(string) *ast.Term) *ast.Term {
	o := ast.NewObjectWithCapacity(11)
	o.Insert(kID, id)
	o.Insert(kRegion, ix.str(in.Region))
	o.Insert(kEngine, ix.str(in.Engine))
	o.Insert(kEngineVersion, ix.str(in.EngineVersion))
	o.Insert(kTarget, ix.str(in.TargetVersion))
	o.Insert(kRole, ix.str(in.Role))
	if in.Primary != "" {
		o.Insert(kPrimary, ids(in.Primary))
	}
	o.Insert(kStatus, ix.str(in.Status))
	o.Insert(kMaintain, ix.str(in.MaintainTime))
	o.Insert(kEffective, ix.str(in.EffectiveTime))
	if tags == nil {
		tags = ix.tagsOf(in.Tags)
	}
	o.Insert(kTags, tags)
	return ast.NewTerm(o)
}

// stepTerm mirrors plans.Step's JSON encoding without clientToken and
// policy (the verdict being computed must not feed itself). instID is the
// term of s.InstanceID, if already built; id gives the terms of step ids.
func (ix *index) stepTerm(s *plans.Step, instID *ast.Term, id func(string) *ast.Term) *ast.Term {
	if instID == nil {
		instID = ast.StringTerm(s.InstanceID)
	}
	idT := instID
	if s.ID != s.InstanceID {
		idT = ast.StringTerm(s.ID)
	}
	o := ast.NewObjectWithCapacity(11)
	o.Insert(kID, idT)
	o.Insert(kInstanceID, instID)
	o.Insert(kRegion, ix.str(s.Region))
	o.Insert(kEngine, ix.str(s.Engine))
	o.Insert(kRole, ix.str(s.Role))
	o.Insert(kCluster, id(s.Cluster))
	o.Insert(kFrom, ix.str(s.FromVersion))
	o.Insert(kTo, ix.str(s.ToVersion))
	o.Insert(kEffective, ix.str(s.EffectiveTime))
	deps := emptyArrayTerm
	if len(s.DependsOn) > 0 {
		ds := make([]*ast.Term, len(s.DependsOn))
		for i, d := range s.DependsOn {
			ds[i] = id(d)
		}
		deps = ast.ArrayTerm(ds...)
	}
	o.Insert(kDepends, deps)
	o.Insert(kWave, ast.IntNumberTerm(s.Wave)) // small ints are interned by OPA
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
