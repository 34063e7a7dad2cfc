package schedule_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/schedule"
)

var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func planOf(t testing.TB, yaml string) *plans.Plan {
	t.Helper()
	return plantest.FromYAML(t, "inv.yaml", []byte(yaml))
}

const cluster = `defaults: {engine: MySQL, targetVersion: "5.6", effectiveTime: %s, status: Running}
instances:
  - {id: rm-a, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "%s", storageGB: 100}
  - {id: rr-a-1, role: readonly, primary: rm-a, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "01:00Z-05:00Z", storageGB: 1000}
  - {id: rr-a-2, role: readonly, primary: rm-a, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "01:00Z-05:00Z", storageGB: 20}
  - {id: rm-b, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "02:00Z-06:00Z", storageGB: 50}
`

func byID(s *schedule.Schedule) map[string]schedule.Step {
	m := map[string]schedule.Step{}
	for _, st := range s.Steps {
		m[st.ID] = st
	}
	return m
}

// Immediate, no window rule, one slot: longest remaining path first.
func TestRunOrder(t *testing.T) {
	p := planOf(t, fmt.Sprintf(cluster, "Immediate", "00:00Z-04:00Z"))
	s, err := schedule.Run(p, schedule.Options{From: t0, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := byID(s)
	est := func(id string) time.Duration {
		for i := range p.Steps {
			if p.Steps[i].ID == id {
				return p.Estimate(i)
			}
		}
		t.Fatalf("no step %s", id)
		return 0
	}
	// rr-a-1 (1 TB) + rm-a is the longest path, then rr-a-2 + rm-a, then rm-a, then rm-b
	want := []string{"rr-a-1", "rr-a-2", "rm-a", "rm-b"}
	at := t0
	for _, id := range want {
		if !m[id].Start.Equal(at) || !m[id].End.Equal(at.Add(est(id))) || !m[id].Slot {
			t.Errorf("%s runs %s–%s (slot %v), want %s–%s with a slot", id, m[id].Start, m[id].End, m[id].Slot, at, at.Add(est(id)))
		}
		at = at.Add(est(id))
	}
	if !s.Finish.Equal(at) {
		t.Errorf("finish %s, want %s", s.Finish, at)
	}
	if len(s.Clusters) != 2 || s.Clusters[0].ID != "rm-a" || s.Clusters[0].Steps != 3 || !s.Clusters[0].End.Equal(m["rm-a"].End) {
		t.Errorf("clusters %+v", s.Clusters)
	}
}

// MaintainTime: replicas in their 01:00Z window; the primary's window
// (00:00Z-01:00Z) closed before they were done: it waits a day, and the
// preview names the window that would save the night.
func TestExtraNight(t *testing.T) {
	p := planOf(t, fmt.Sprintf(cluster, "MaintainTime", "00:00Z-01:00Z"))
	s, err := schedule.Run(p, schedule.Options{From: t0.Add(-2 * time.Hour), Concurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	m := byID(s)
	if got := m["rr-a-1"].Start; !got.Equal(t0.Add(time.Hour)) || m["rr-a-1"].Slot {
		t.Errorf("rr-a-1 starts %s (slot %v), want at its window %s without a slot", got, m["rr-a-1"].Slot, t0.Add(time.Hour))
	}
	if got, want := m["rm-a"].Start, t0.Add(24*time.Hour); !got.Equal(want) {
		t.Errorf("rm-a starts %s, want the next day's window %s", got, want)
	}
	if len(s.ExtraNights) != 1 {
		t.Fatalf("extra nights %+v, want rm-a's", s.ExtraNights)
	}
	e := s.ExtraNights[0]
	done := m["rr-a-1"].End // 01:00 + 18m20s (1 TB replica): 01:18:20 → 02:00Z
	if e.Cluster != "rm-a" || e.Step != "rm-a" || !e.ReplicasDone.Equal(done) || e.Suggest != "02:00Z-03:00Z" || e.Saves != 22*time.Hour {
		t.Errorf("extra night %+v, want rm-a moved to 02:00Z-03:00Z saving 22h", e)
	}
	if msg := e.Message(); !strings.Contains(msg, "move its window to 02:00Z-03:00Z (saves 22h0m0s)") {
		t.Errorf("message %q", msg)
	}
	// with the suggested window the cluster ends the same night
	q := planOf(t, fmt.Sprintf(cluster, "MaintainTime", e.Suggest))
	s2, err := schedule.Run(q, schedule.Options{From: t0.Add(-2 * time.Hour), Concurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(s2.ExtraNights) != 0 || !s2.Finish.Before(t0.Add(12*time.Hour)) {
		t.Errorf("with the suggested window: finish %s, extra nights %+v", s2.Finish, s2.ExtraNights)
	}
}

// A window rule that never lifts leaves the step and its dependents
// unstarted, with the reason.
func TestWindowNeverOpens(t *testing.T) {
	p := planOf(t, fmt.Sprintf(cluster, "Immediate", "00:00Z-04:00Z"))
	deny := func(s plans.Step, _ plans.Instance, _ time.Time) (bool, time.Time, string) {
		if s.ID == "rr-a-2" {
			return false, time.Time{}, "frozen"
		}
		return true, time.Time{}, ""
	}
	s, err := schedule.Run(p, schedule.Options{From: t0, Concurrency: 2, Window: deny})
	if err != nil {
		t.Fatal(err)
	}
	m := byID(s)
	if !m["rr-a-2"].Start.IsZero() || m["rr-a-2"].Reason != "frozen" {
		t.Errorf("rr-a-2: %+v, want never started: frozen", m["rr-a-2"])
	}
	if !m["rm-a"].Start.IsZero() || !strings.Contains(m["rm-a"].Reason, "rr-a-2") {
		t.Errorf("rm-a: %+v, want never started, naming rr-a-2", m["rm-a"])
	}
	if m["rm-b"].Start.IsZero() {
		t.Error("rm-b, in another cluster, never started")
	}
	// a rule that keeps deferring stops at the horizon
	later := func(_ plans.Step, _ plans.Instance, now time.Time) (bool, time.Time, string) {
		return false, now.Add(24 * time.Hour), "not yet"
	}
	s, err = schedule.Run(p, schedule.Options{From: t0, Concurrency: 2, Window: later})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range s.Steps {
		if !st.Start.IsZero() || st.Reason == "" {
			t.Errorf("%s: %+v, want never started within the horizon", st.ID, st)
		}
	}
}

func TestRunBadOptions(t *testing.T) {
	p := planOf(t, fmt.Sprintf(cluster, "Immediate", "00:00Z-04:00Z"))
	for _, o := range []schedule.Options{{From: t0}, {Concurrency: 1}} {
		if _, err := schedule.Run(p, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// oneCluster is a gate that lets one cluster run at a time (a stage's
// maxConcurrentClusters: 1).
type oneCluster struct {
	active string
	left   map[string]int
}

func (g *oneCluster) Admit(s *plans.Step, _ time.Time) (bool, time.Time) {
	return g.active == "" || g.active == s.Cluster, time.Time{}
}
func (g *oneCluster) Started(s *plans.Step, _ time.Time) { g.active = s.Cluster }
func (g *oneCluster) Ended(s *plans.Step, _ time.Time) {
	if g.left[s.Cluster]--; g.left[s.Cluster] == 0 {
		g.active = ""
	}
}

func TestGate(t *testing.T) {
	p := planOf(t, fmt.Sprintf(cluster, "Immediate", "00:00Z-04:00Z"))
	g := &oneCluster{left: map[string]int{}}
	for _, s := range p.Steps {
		g.left[s.Cluster]++
	}
	s, err := schedule.Run(p, schedule.Options{From: t0, Concurrency: 10, Gate: g})
	if err != nil {
		t.Fatal(err)
	}
	m := byID(s)
	if m["rm-b"].Start.Before(m["rm-a"].End) {
		t.Errorf("rm-b starts %s, before cluster rm-a ends %s", m["rm-b"].Start, m["rm-a"].End)
	}
}

// prodWindow is the built-in window rule's shape: an Immediate upgrade of
// a production instance waits for its window.
func prodWindow(s plans.Step, in plans.Instance, now time.Time) (bool, time.Time, string) {
	if s.EffectiveTime != plans.EffectiveImmediate || in.Tags["env"] != "prod" {
		return true, time.Time{}, ""
	}
	at := plans.WindowStart(in.MaintainTime, now)
	return !at.After(now), at, "outside the window"
}

// TestScheduleConsistent is the property the preview promises, on
// generated fleets: no step starts before its dependencies end, a
// MaintainTime step starts inside its window, a step the window rule
// judges starts when it says open, the slots in use never exceed the
// concurrency, every step runs, and the finish is the last end.
func TestScheduleConsistent(t *testing.T) {
	for _, n := range []int{50, 300} {
		for _, seed := range []int64{1, 2, 3} {
			for _, eff := range []string{"MaintainTime", "Immediate"} {
				y := bytes.ReplaceAll(fleetgen.YAML(n, seed), []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: "+eff))
				p := planOf(t, string(y))
				for _, c := range []int{1, 7, 50} {
					name := fmt.Sprintf("n=%d/seed=%d/%s/c=%d", n, seed, eff, c)
					t.Run(name, func(t *testing.T) {
						from := t0.Add(time.Duration(seed) * 97 * time.Minute)
						s, err := schedule.Run(p, schedule.Options{From: from, Concurrency: c, Window: prodWindow})
						if err != nil {
							t.Fatal(err)
						}
						checkConsistent(t, p, s, c)
					})
				}
			}
		}
	}
}

func checkConsistent(t *testing.T, p *plans.Plan, s *schedule.Schedule, c int) {
	t.Helper()
	m := byID(s)
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	var last time.Time
	for i, st := range s.Steps {
		ps := p.Steps[i]
		if st.Start.IsZero() {
			t.Errorf("%s never starts: %s", st.ID, st.Reason)
			continue
		}
		if st.Start.Before(s.From) || !st.End.After(st.Start) {
			t.Errorf("%s runs %s–%s, from %s", st.ID, st.Start, st.End, s.From)
		}
		for _, d := range ps.DependsOn {
			if st.Start.Before(m[d].End) {
				t.Errorf("%s starts %s, before its dependency %s ends %s", st.ID, st.Start, d, m[d].End)
			}
		}
		in := p.Instance(ps.InstanceID)
		if ps.EffectiveTime == plans.EffectiveMaintenance || in.Tags["env"] == "prod" {
			if open, _ := plans.NextOpen(in.MaintainTime, st.Start); !open.Equal(st.Start) {
				t.Errorf("%s (%s) starts %s, outside its window %s", st.ID, ps.EffectiveTime, st.Start, in.MaintainTime)
			}
		}
		if st.Slot {
			edges = append(edges, edge{st.Start, 1}, edge{st.End, -1})
		}
		if st.End.After(last) {
			last = st.End
		}
	}
	if !s.Finish.Equal(last) {
		t.Errorf("finish %s, want the last end %s", s.Finish, last)
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta // an end frees its slot for a start at the same instant
	})
	inUse := 0
	for _, e := range edges {
		if inUse += e.delta; inUse > c {
			t.Fatalf("%d slots in use at %s, concurrency %d", inUse, e.at, c)
		}
	}
}
