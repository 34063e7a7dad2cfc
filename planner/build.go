package planner

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// Options change what Build plans.
type Options struct {
	// Paths are the allowed upgrades; nil → DefaultPaths. An instance
	// whose target is several hops away gets one step per hop.
	Paths Paths
	// Selection restricts the steps to the instances it selects (nil:
	// every instance); it is recorded in the plan's inputs.
	Selection *plans.Selection
}

// Build is BuildWith with the default options.
func Build(inv *Inventory) (*plans.Plan, error) { return BuildWith(inv, Options{}) }

// BuildWith turns a validated inventory into an unsealed plan: for every
// selected instance not yet on its target version, one step per hop of
// its upgrade path. In a cluster, for every hop, the replicas' steps come
// before the primary's (the primary's step depends on them), and a
// replica's hop from version u depends on its primary's hop to u, so a
// replica never runs more than one hop ahead of its primary. Clusters are
// independent. Step ids are the instance id when the instance has one
// step, and "<instance>@<toVersion>" for each step of an instance with
// several. Waves (for display), the inventory snapshot and the summary are
// filled, no policy findings yet. Call plans.Seal after the policies ran.
func BuildWith(inv *Inventory, opts Options) (*plans.Plan, error) {
	paths := opts.Paths
	if paths == nil {
		paths = DefaultPaths()
	}
	picked, err := selected(inv, opts.Selection)
	if err != nil {
		return nil, err
	}
	in := func(id string) bool { return picked == nil || picked[id] }
	hc := &hopCache{paths: paths, m: map[[3]string][]string{}}
	p := &problems{file: inv.Path}
	replicas := map[string][]*plans.Instance{}
	for i := range inv.Instances {
		x := &inv.Instances[i]
		if x.Role != plans.RolePrimary && x.Primary != "" {
			replicas[x.Primary] = append(replicas[x.Primary], x)
		}
	}

	steps := make([]plans.Step, 0, len(inv.Instances))
	var unchanged []string
	clusters := 0
	for i := range inv.Instances {
		x := &inv.Instances[i]
		if x.EngineVersion == x.TargetVersion {
			unchanged = append(unchanged, x.ID)
		}
		if x.Role != plans.RolePrimary {
			continue
		}
		c := cluster{primary: x, replicas: replicas[x.ID], paths: hc, in: in, p: p, lines: inv.Lines}
		cs := c.steps()
		if len(cs) > 0 {
			clusters++
		}
		steps = append(steps, cs...)
	}
	stages := assignStages(p, inv.rollout, byID(inv), steps)
	if err := p.err(); err != nil {
		return nil, err
	}

	waves := 0
	for _, s := range steps {
		waves = max(waves, s.Wave+1)
	}
	if unchanged == nil {
		unchanged = []string{}
	}
	plan := &plans.Plan{
		FormatVersion: plans.FormatVersion,
		Inputs:        plans.Inputs{Inventory: inv.BaseName(), InventoryDigest: inv.Digest, Selection: opts.Selection},
		Stages:        stages,
		Steps:         steps,
		Instances:     inv.Instances,
		Summary: plans.Summary{
			Instances: len(inv.Instances), Steps: len(steps), Unchanged: unchanged,
			Clusters: clusters, Waves: waves,
		},
	}
	plans.Summarize(plan)
	return plan, nil
}

// cluster plans the steps of one primary and its replicas.
type cluster struct {
	primary  *plans.Instance
	replicas []*plans.Instance // sorted by id
	paths    *hopCache
	in       func(id string) bool
	p        *problems
	lines    map[string]int
}

// hopCache remembers Paths.Hops per engine and versions: a fleet has few
// distinct upgrades. The slices it returns are shared; do not modify them.
type hopCache struct {
	paths Paths
	m     map[[3]string][]string
}

func (h *hopCache) hops(engine, from, to string) []string {
	k := [3]string{engine, from, to}
	v, ok := h.m[k]
	if !ok {
		v = h.paths.Hops(engine, from, to)
		h.m[k] = v
	}
	return v
}

// hop is one planned step before it gets its id.
type hop struct {
	x        *plans.Instance
	m        int // index in the cluster's members
	from, to string
	k        int // index among the instance's hops
}

func (c *cluster) steps() []plans.Step {
	P := c.primary
	line := c.lines[P.ID]
	// members: the replicas (by id), then the primary; hops[i]: the
	// versions members[i] passes through (nil: no step).
	members := make([]*plans.Instance, 0, len(c.replicas)+1)
	members = append(append(members, c.replicas...), P)
	hops := make([][]string, len(members))
	upgrading := func(x *plans.Instance) bool { return c.in(x.ID) && x.EngineVersion != x.TargetVersion }
	nHops := 0
	for i, x := range members {
		if upgrading(x) {
			hops[i] = c.paths.hops(x.Engine, x.EngineVersion, x.TargetVersion)
			nHops += len(hops[i])
		}
	}
	if nHops == 0 {
		return nil
	}
	var reported map[string]bool // replicas already named in an error
	report := func(id string) {
		if reported == nil {
			reported = map[string]bool{}
		}
		reported[id] = true
	}
	var left []string // replicas a selected primary needs that the selection left out
	if upgrading(P) {
		for _, r := range c.replicas {
			switch {
			case !c.in(r.ID) && r.EngineVersion != P.TargetVersion:
				left = append(left, r.ID)
				report(r.ID)
			case upgrading(r) && r.TargetVersion != P.TargetVersion:
				c.p.add(line, P.ID, "upgrade the primary and all its replicas to the same targetVersion, or leave the primary out",
					"upgrades to %s but its %s instance %s targets %s (the cloud requires replicas to reach the primary's target first)", P.TargetVersion, r.Role, r.ID, r.TargetVersion)
				report(r.ID)
			case !upgrading(r) && r.EngineVersion != P.TargetVersion:
				c.p.add(line, P.ID, "add the replica to the plan with the primary's targetVersion, or leave the primary out",
					"upgrades to %s but its %s instance %s stays on %s (the cloud requires replicas to reach the primary's target first)", P.TargetVersion, r.Role, r.ID, r.EngineVersion)
				report(r.ID)
			}
		}
	}
	if len(left) > 0 {
		c.p.add(line, P.ID, "select them too (add --with-replicas, or --only them), or leave the primary out",
			"is selected but its replicas %s are not, and they are not on %s (the cloud upgrades a primary only after its replicas)", strings.Join(left, ", "), P.TargetVersion)
	}

	// Order: by hop version, replicas (by id) before the primary.
	all := make([]hop, 0, nHops)
	for i, x := range members {
		from := x.EngineVersion
		for k, to := range hops[i] {
			all = append(all, hop{x: x, m: i, from: from, to: to, k: k})
			from = to
		}
	}
	if nHops > 1 {
		slices.SortStableFunc(all, func(a, b hop) int {
			return cmp.Or(CompareVersions(a.to, b.to), cmp.Compare(a.to, b.to), cmp.Compare(boolInt(a.x == P), boolInt(b.x == P)))
		})
	}
	pi := len(members) - 1
	id := func(m int, to string) string {
		if len(hops[m]) > 1 {
			return members[m].ID + "@" + to
		}
		return members[m].ID
	}
	has := func(m int, to string) bool { return slices.Contains(hops[m], to) }
	out := make([]plans.Step, 0, len(all))
	for _, h := range all {
		s := newStep(h.x, P.ID)
		s.ID, s.FromVersion, s.ToVersion = id(h.m, h.to), h.from, h.to
		if h.k > 0 {
			s.DependsOn = append(s.DependsOn, id(h.m, h.from))
		}
		if h.m == pi {
			for m, r := range c.replicas {
				switch {
				case has(m, h.to):
					s.DependsOn = append(s.DependsOn, id(m, h.to))
				case r.EngineVersion == h.to || reported[r.ID]:
				default:
					report(r.ID)
					c.p.add(line, P.ID, "set the replica's targetVersion to the primary's, or plan the replica first on its own",
						"hop %s → %s needs its %s instance %s on %s, but it runs %s and its plan never passes %s", h.from, h.to, r.Role, r.ID, h.to, r.EngineVersion, h.to)
				}
			}
		} else if has(pi, h.from) {
			s.DependsOn = append(s.DependsOn, id(pi, h.from))
		} else if CompareVersions(P.EngineVersion, h.from) < 0 && !reported[h.x.ID] {
			report(h.x.ID)
			c.p.add(c.lines[h.x.ID], h.x.ID, "select its primary "+P.ID+" too, or give the replica a targetVersion one hop above its primary's version",
				"hop %s → %s would run it two versions ahead of its primary %s, which stays on %s in this plan (replication across two major versions is unsupported)", h.from, h.to, P.ID, P.EngineVersion)
		}
		slices.Sort(s.DependsOn)
		for _, d := range s.DependsOn { // dependencies come earlier in out
			for j := len(out) - 1; j >= 0; j-- {
				if out[j].ID == d {
					s.Wave = max(s.Wave, out[j].Wave+1)
					break
				}
			}
		}
		out = append(out, s)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newStep(in *plans.Instance, cluster string) plans.Step {
	return plans.Step{
		ID: in.ID, InstanceID: in.ID, Region: in.Region, Engine: in.Engine, Role: in.Role,
		Cluster: cluster, FromVersion: in.EngineVersion, ToVersion: in.TargetVersion,
		EffectiveTime: in.EffectiveTime, DependsOn: []string{},
		EstimateSeconds: int(plans.EstimateUpgrade(in.Role, in.StorageGB) / time.Second),
	}
}
