package plans

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Stage is one stage of a staged rollout, as the inventory's `rollout:`
// section gives it. Stages run in plan order: a stage's steps start only
// when every step of the stages before it succeeded and each of those
// stages' soak has passed since its last step succeeded.
//
// A plan without stages (no rollout: section) has no "stages" key and no
// step has a "stage" key: its bytes are those of a plan from before
// stages existed, so the format version did not change. An rdsup that does
// not know stages refuses a plan with them (unknown key), and so never
// ignores their gates.
type Stage struct {
	Name string `json:"name"`
	// Select is the stage's selector, in the syntax of `rdsup plan --only`.
	Select string `json:"select"`
	// Soak is how long to wait after the stage's last step succeeded
	// before the next stage starts, as FormatSoak writes it ("24h",
	// "1h30m"); "" for none.
	Soak string `json:"soak,omitempty"`
	// MaxConcurrentClusters limits the clusters upgrading at once within
	// the stage; 0 for no limit beyond --concurrency.
	MaxConcurrentClusters int `json:"maxConcurrentClusters,omitempty"`
	// MaxFailures: failed steps the stage tolerates (other clusters of the
	// stage go on); one more stops the campaign. nil: apply's --keep-going
	// decides, as without stages.
	MaxFailures *int `json:"maxFailures,omitempty"`
}

// SoakDuration is the stage's soak (0 when none). The plan was validated,
// so Soak parses.
func (s *Stage) SoakDuration() time.Duration {
	d, _ := ParseSoak(s.Soak)
	return d
}

// ParseSoak reads a soak: a Go duration ("36h", "90m", "1h30m") or a
// whole number of days ("2d"); "" is no soak. Negative soaks are refused.
func ParseSoak(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > 365*100 {
			return 0, fmt.Errorf("soak %q: write a duration such as 24h, 90m or 2d", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("soak %q: write a duration such as 24h, 90m or 2d", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("soak %q is negative; write 0 or leave it out for no soak", s)
	}
	return d, nil
}

// FormatSoak writes d as plans record it: time.Duration's spelling without
// zero trailing units ("24h", "1h30m", "90s"); "" for 0.
func FormatSoak(d time.Duration) string {
	if d == 0 {
		return ""
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// StageIndex returns the position of the stage named name, or -1.
func (p *Plan) StageIndex(name string) int {
	for i := range p.Stages {
		if p.Stages[i].Name == name {
			return i
		}
	}
	return -1
}

// checkStages validates the stages and the steps' stage names: unique,
// non-empty names and selectors, soaks that parse, no negative gates;
// with stages, every step in a known stage, every cluster in one stage
// and no dependency on a step of a later stage; without, no step naming
// one.
func checkStages(p *Plan, steps map[string]int, add func(string, ...any)) {
	index := make(map[string]int, len(p.Stages))
	for i, st := range p.Stages {
		switch first, dup := index[st.Name]; {
		case st.Name == "":
			add("stage %d has an empty name", i)
		case dup:
			add("stage name %s is used by stages %d and %d", st.Name, first, i)
		default:
			index[st.Name] = i
		}
		if st.Select == "" {
			add("stage %s has an empty select", st.Name)
		}
		if _, err := ParseSoak(st.Soak); err != nil {
			add("stage %s: %v", st.Name, err)
		}
		if st.MaxConcurrentClusters < 0 {
			add("stage %s has maxConcurrentClusters %d; want 0 (no limit) or more", st.Name, st.MaxConcurrentClusters)
		}
		if st.MaxFailures != nil && *st.MaxFailures < 0 {
			add("stage %s has maxFailures %d; want 0 or more", st.Name, *st.MaxFailures)
		}
	}
	clusterStage := map[string]string{}
	for _, s := range p.Steps {
		if len(p.Stages) == 0 {
			if s.Stage != "" {
				add("step %s names stage %s, but the plan has no stages", s.ID, s.Stage)
			}
			continue
		}
		k, ok := index[s.Stage]
		if !ok {
			if s.Stage == "" {
				add("step %s has no stage, but the plan has stages", s.ID)
			} else {
				add("step %s names stage %s, which is not a stage of the plan", s.ID, s.Stage)
			}
			continue
		}
		if other, seen := clusterStage[s.Cluster]; !seen {
			clusterStage[s.Cluster] = s.Stage
		} else if other != s.Stage {
			add("cluster %s has steps in stages %s and %s; a cluster's steps are all in one stage", s.Cluster, other, s.Stage)
			clusterStage[s.Cluster] = s.Stage // report each change once
		}
		for _, d := range s.DependsOn {
			j, ok := steps[d]
			if !ok {
				continue // reported elsewhere
			}
			if dk, ok := index[p.Steps[j].Stage]; ok && dk > k {
				add("step %s (stage %s) depends on step %s of the later stage %s", s.ID, s.Stage, d, p.Steps[j].Stage)
			}
		}
	}
}

// stageChanges lists how the rollout stages changed, for `rdsup diff`:
// one field per stage, "stages[NAME]", with the stage as text (in its
// position), and the order when only it changed.
func stageChanges(old, new []Stage) []FieldChange {
	text := func(ss []Stage) map[string]string {
		m := make(map[string]string, len(ss))
		for i, st := range ss {
			m[st.Name] = st.text(i)
		}
		return m
	}
	om, nm := text(old), text(new)
	c := changes{}
	for _, name := range unionKeys(om, nm) {
		c.add("stages["+name+"]", om[name], nm[name])
	}
	return c
}

// text is a stage as diff shows it: "#2 select=env=prod soak=24h maxConcurrentClusters=5 maxFailures=2".
func (s *Stage) text(i int) string {
	t := fmt.Sprintf("#%d select=%s", i+1, s.Select)
	if s.Soak != "" {
		t += " soak=" + s.Soak
	}
	if s.MaxConcurrentClusters > 0 {
		t += fmt.Sprintf(" maxConcurrentClusters=%d", s.MaxConcurrentClusters)
	}
	if s.MaxFailures != nil {
		t += fmt.Sprintf(" maxFailures=%d", *s.MaxFailures)
	}
	return t
}
