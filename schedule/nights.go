package schedule

import (
	"fmt"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// ExtraNight is a cluster that finishes a night late: its primary's
// window opened while the replicas were still upgrading, so the primary
// waits for the next day's. Moving the primary's window (maintainTime) to
// open when the replicas are done would save the wait.
type ExtraNight struct {
	Cluster string
	Step    string // the primary's step that waited
	// ReplicasDone is when the step's dependencies ended; Start is when
	// the step starts, at its window's next opening.
	ReplicasDone, Start time.Time
	Window              string // the primary's maintainTime
	Suggest             string // a maintainTime that opens at ReplicasDone (rounded up to the hour), same length
	Saves               time.Duration
}

// Message says it in one line, e.g. "cluster rm-x: move rm-x's window to
// 03:00Z-07:00Z (saves 21h0m)".
func (e ExtraNight) Message() string {
	return fmt.Sprintf("cluster %s: primary step %s waits from %s until its window %s opens again at %s; move its window to %s (saves %s)",
		e.Cluster, e.Step, e.ReplicasDone.Format(time.RFC3339), e.Window, e.Start.Format(time.RFC3339), e.Suggest, e.Saves)
}

// MinSaving is the least wait a better window must save for a cluster to
// count as needing an extra night.
const MinSaving = 12 * time.Hour

// extraNights finds the primaries' steps that waited for an opening of
// their maintenance window after their replicas were done (the window had
// opened before) where a window opening when the replicas are done, of the
// same length, would start them at least MinSaving sooner.
func extraNights(p *plans.Plan, s *Schedule, inst map[string]*plans.Instance) []ExtraNight {
	var out []ExtraNight
	for i, st := range s.Steps {
		ps := &p.Steps[i]
		if ps.Role != plans.RolePrimary || len(ps.DependsOn) == 0 || !st.WindowWait || st.Start.IsZero() {
			continue
		}
		in := inst[ps.InstanceID]
		if in == nil {
			continue
		}
		start, end, err := plans.ParseWindow(in.MaintainTime)
		if err != nil || !opensAt(st.Start, start) {
			continue
		}
		length := end - start
		if length <= 0 {
			length += 24 * time.Hour
		}
		at := st.Ready.Truncate(time.Hour)
		if at.Before(st.Ready) {
			at = at.Add(time.Hour)
		}
		suggest := clock(at) + "-" + clock(at.Add(length))
		then := plans.WindowStart(suggest, st.Ready)
		if st.Start.Sub(then) < MinSaving {
			continue
		}
		out = append(out, ExtraNight{Cluster: st.Cluster, Step: st.ID, ReplicasDone: st.Ready, Start: st.Start,
			Window: in.MaintainTime, Suggest: suggest, Saves: st.Start.Sub(then)})
	}
	return out
}

// opensAt reports whether t is a daily opening of a window that opens at
// the offset start since midnight (UTC).
func opensAt(t time.Time, start time.Duration) bool {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return t.Sub(day) == start
}

func clock(t time.Time) string { return t.UTC().Format("15:04") + "Z" }
