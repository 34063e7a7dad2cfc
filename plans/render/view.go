package render

import (
	"strconv"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// view holds what the human renderers look up while writing the first
// rows steps of a plan. It indexes only what those rows need, in one pass
// over the plan, so that writing 50 rows of a 100,000-step plan does not
// build maps of 100,000 entries.
type view struct {
	p         *plans.Plan
	num       map[string]int             // step id a shown step depends on → 1-based position in p.Steps
	instances map[string]*plans.Instance // instance id of a shown step → snapshot
}

func newView(p *plans.Plan, rows int) *view {
	rows = min(rows, len(p.Steps))
	v := &view{p: p, num: map[string]int{}, instances: make(map[string]*plans.Instance, rows)}
	for i := range rows {
		s := &p.Steps[i]
		v.instances[s.InstanceID] = nil
		for _, id := range s.DependsOn {
			v.num[id] = 0
		}
	}
	for i := range p.Steps {
		if n, ok := v.num[p.Steps[i].ID]; ok && n == 0 {
			v.num[p.Steps[i].ID] = i + 1
		}
	}
	for i := range p.Instances {
		if in, ok := v.instances[p.Instances[i].ID]; ok && in == nil {
			v.instances[p.Instances[i].ID] = &p.Instances[i]
		}
	}
	return v
}

// dependsOn names the instances of the steps s depends on, in the plan's
// (sorted) order; a hop of a multi-hop upgrade by its step id
// (instance@version). A step id the plan does not contain is shown as is.
func (v *view) dependsOn(s *plans.Step) []string {
	out := make([]string, 0, len(s.DependsOn))
	for _, id := range s.DependsOn {
		if n := v.num[id]; n > 0 {
			d := &v.p.Steps[n-1]
			if id == d.InstanceID+"@"+d.ToVersion {
				out = append(out, id) // one hop of several: say which
			} else {
				out = append(out, d.InstanceID)
			}
		} else {
			out = append(out, id)
		}
	}
	return out
}

// effective describes when a step takes effect: "Immediate", or
// "MaintainTime 18:00Z-22:00Z" with the instance's window when known.
func (v *view) effective(s *plans.Step) string {
	if s.EffectiveTime == plans.EffectiveMaintenance {
		if in := v.instances[s.InstanceID]; in != nil && in.MaintainTime != "" {
			return s.EffectiveTime + " " + in.MaintainTime
		}
	}
	return s.EffectiveTime
}

// versions is the "from → to" cell.
func versions(s *plans.Step) string { return s.FromVersion + " → " + s.ToVersion }

// severity labels of findings, as the renderers print them.
const (
	labelDeny = "DENY"
	labelWarn = "WARN"
)

// finding is one policy finding with its severity, in display order:
// denials first, then warnings, each in the plan's order.
type finding struct {
	label string
	plans.Finding
}

func findings(s *plans.Step) []finding {
	n := len(s.Policy.Deny) + len(s.Policy.Warn)
	if n == 0 {
		return nil
	}
	out := make([]finding, 0, n)
	for _, f := range s.Policy.Deny {
		out = append(out, finding{labelDeny, f})
	}
	for _, f := range s.Policy.Warn {
		out = append(out, finding{labelWarn, f})
	}
	return out
}

// shortID is the short form of a plan id or digest: 12 hex characters,
// keeping an "algorithm:" prefix ("sha256:0123456789ab").
func shortID(id string) string {
	prefix, hex, ok := strings.Cut(id, ":")
	if !ok {
		prefix, hex = "", id
	} else {
		prefix += ":"
	}
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return prefix + hex
}

// listed joins at most max ids with sep and says how many were left out.
func listed(ids []string, max int, sep string, quote func(string) string) string {
	shown := ids
	if len(shown) > max {
		shown = shown[:max]
	}
	parts := make([]string, len(shown))
	for i, id := range shown {
		parts[i] = quote(id)
	}
	s := strings.Join(parts, sep)
	if rest := len(ids) - len(shown); rest > 0 {
		s += sep + "and " + strconv.Itoa(rest) + " more"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
