package render

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/schedule"
)

// scheduleSVG writes a Gantt chart a reviewer opens in a browser: one row
// per cluster (ordered by start), each step a bar (replicas blue,
// primaries orange; hover for its times), the primary's maintenance
// windows shaded green, days banded, clusters that lose a night labelled
// red. At 1,000 clusters the chart is a long page that scrolls, with the
// time axis repeated every AxisEvery rows. It is always complete (no
// limit).
type scheduleSVG struct{}

// AxisEvery is how many cluster rows the Gantt chart shows between two
// copies of its time axis.
const AxisEvery = 40

const (
	svgLabel = 200  // width of the cluster-name column
	svgChart = 1200 // width of the time area
	svgRow   = 14   // height of a cluster row
	svgAxis  = 22   // height of a time axis
	svgTitle = 34   // height of the title
)

type svgLayout struct {
	from     time.Time
	pxPerSec float64
}

func (l svgLayout) x(t time.Time) float64 {
	return svgLabel + t.Sub(l.from).Seconds()*l.pxPerSec
}

func (scheduleSVG) RenderSchedule(w io.Writer, p *plans.Plan, s *schedule.Schedule, _ Options) error {
	bw := bufio.NewWriter(w)
	to := s.Finish
	if !to.After(s.From) {
		to = s.From.Add(time.Hour)
	}
	l := svgLayout{from: s.From, pxPerSec: svgChart / to.Sub(s.From).Seconds()}
	rows := svgRows(s)
	axes := (len(rows) + AxisEvery - 1) / AxisEvery
	height := svgTitle + len(rows)*svgRow + max(axes, 1)*svgAxis + 4
	width := svgLabel + svgChart + 20
	late := map[string]bool{}
	for _, e := range s.ExtraNights {
		late[e.Cluster] = true
	}
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="10">`+"\n", width, height, width, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
	fmt.Fprintf(bw, `<text x="4" y="14" font-size="13" font-weight="bold">%s</text>`+"\n",
		esc(fmt.Sprintf("rdsup schedule: %d steps in %d clusters, concurrency %d", len(s.Steps), len(s.Clusters), s.Concurrency)))
	fmt.Fprintf(bw, `<text x="4" y="28">%s</text>`+"\n",
		esc(fmt.Sprintf("start %s, finish %s (%s); %d cluster(s) need an extra night (red); green: primary's maintenance window",
			stamp(s.From), stamp(s.Finish), span(s.Finish.Sub(s.From)), len(s.ExtraNights))))
	chartTop, chartBottom := svgTitle, height-4
	ticks := svgTicks(s.From, to)
	// day bands behind everything
	for d := s.From.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		if d.Unix()/86400%2 == 0 {
			continue
		}
		x0, x1 := max(l.x(d), svgLabel), min(l.x(d.Add(24*time.Hour)), svgLabel+svgChart)
		fmt.Fprintf(bw, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#f2f2f2"/>`+"\n", x0, chartTop, x1-x0, chartBottom-chartTop)
	}
	inst := make(map[string]*plans.Instance, len(p.Instances))
	for i := range p.Instances {
		inst[p.Instances[i].ID] = &p.Instances[i]
	}
	y := chartTop
	for i, c := range rows {
		if i%AxisEvery == 0 {
			svgAxisAt(bw, l, ticks, y)
			y += svgAxis
		}
		svgClusterRow(bw, inst[c.ID], s, l, c, y, to, late[c.ID])
		y += svgRow
	}
	if len(rows) == 0 {
		svgAxisAt(bw, l, ticks, y)
	}
	fmt.Fprintln(bw, "</svg>")
	return bw.Flush()
}

// svgRow is one cluster of the chart and its steps (indexes in s.Steps).
type svgClusterSteps struct {
	schedule.Cluster
	steps []int
}

// svgRows orders the clusters by start (never started last), then id.
func svgRows(s *schedule.Schedule) []svgClusterSteps {
	idx := map[string]int{}
	rows := make([]svgClusterSteps, len(s.Clusters))
	for i, c := range s.Clusters {
		rows[i].Cluster = c
		idx[c.ID] = i
	}
	for i, st := range s.Steps {
		r := &rows[idx[st.Cluster]]
		r.steps = append(r.steps, i)
	}
	sort.SliceStable(rows, func(a, b int) bool {
		x, y := rows[a], rows[b]
		if x.Start.IsZero() != y.Start.IsZero() {
			return y.Start.IsZero()
		}
		if !x.Start.Equal(y.Start) {
			return x.Start.Before(y.Start)
		}
		return x.ID < y.ID
	})
	return rows
}

func svgClusterRow(w *bufio.Writer, in *plans.Instance, s *schedule.Schedule, l svgLayout, c svgClusterSteps, y int, to time.Time, late bool) {
	label, fill := c.ID, "#222"
	if late {
		label, fill = c.ID+" (+1 night)", "#c00"
	}
	fmt.Fprintf(w, `<g><title>%s</title>`, esc(fmt.Sprintf("cluster %s: %d steps, %s – %s", c.ID, c.Steps, orDash(stamp(c.Start)), orDash(stamp(c.End)))))
	fmt.Fprintf(w, `<text x="4" y="%d" fill="%s">%s</text>`, y+10, fill, esc(label))
	if in != nil {
		if start, end, err := plans.ParseWindow(in.MaintainTime); err == nil {
			length := end - start
			if length <= 0 {
				length += 24 * time.Hour
			}
			day := s.From.UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
			for open := day.Add(start); open.Before(to); open = open.Add(24 * time.Hour) {
				x0, x1 := max(l.x(open), svgLabel), min(l.x(open.Add(length)), svgLabel+svgChart)
				if x1 > x0 {
					fmt.Fprintf(w, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#cdeccd"/>`, x0, y+1, x1-x0, svgRow-2)
				}
			}
		}
	}
	fmt.Fprintln(w, "</g>")
	for _, i := range c.steps {
		st := s.Steps[i]
		if st.Start.IsZero() {
			continue
		}
		color := "#4a7ebb"
		if st.Role == plans.RolePrimary {
			color = "#d9822b"
		}
		x0, x1 := l.x(st.Start), l.x(st.End)
		fmt.Fprintf(w, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
			x0, y+3, max(x1-x0, 1), svgRow-6, color, esc(fmt.Sprintf("%s: %s – %s", st.ID, stamp(st.Start), stamp(st.End))))
	}
}

// svgTicks picks the axis step so that labels are at least 90 px apart.
func svgTicks(from, to time.Time) []time.Time {
	steps := []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 28 * 24 * time.Hour}
	total := to.Sub(from)
	step := steps[len(steps)-1]
	for _, d := range steps {
		if float64(total)/float64(d)*90 <= svgChart {
			step = d
			break
		}
	}
	var out []time.Time
	for t := from.UTC().Truncate(step); !t.After(to); t = t.Add(step) {
		if !t.Before(from) {
			out = append(out, t)
		}
	}
	return out
}

func svgAxisAt(w *bufio.Writer, l svgLayout, ticks []time.Time, y int) {
	fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`+"\n", svgLabel, y+svgAxis-2, svgLabel+svgChart, y+svgAxis-2)
	for _, t := range ticks {
		x := l.x(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/><text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n",
			x, y+svgAxis-6, x, y+svgAxis-2, x, y+svgAxis-8, t.UTC().Format("01-02 15:04Z"))
	}
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
