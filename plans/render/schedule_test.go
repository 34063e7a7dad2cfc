package render_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
	"github.com/rdsup/rdsup/schedule"
)

// scheduleFleet: two clusters on MaintainTime; rm-a's window (00:00Z)
// closes before its replicas (01:00Z) are done: an extra night.
const scheduleFleet = `defaults: {engine: MySQL, targetVersion: "5.6", effectiveTime: MaintainTime, status: Running}
instances:
  - {id: rm-a, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-01:00Z", storageGB: 100}
  - {id: rr-a-1, role: readonly, primary: rm-a, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "01:00Z-05:00Z", storageGB: 1000}
  - {id: rr-a-2, role: readonly, primary: rm-a, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "01:00Z-05:00Z", storageGB: 20}
  - {id: rm-b, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "02:00Z-06:00Z", storageGB: 50}
  - {id: rr-b-1, role: readonly, primary: rm-b, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "22:00Z-02:00Z"}
`

func sampleSchedule(t *testing.T) (*plans.Plan, *schedule.Schedule) {
	t.Helper()
	inv, err := planner.Parse("fleet.yaml", []byte(scheduleFleet))
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.Build(inv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Run(p, schedule.Options{From: time.Date(2026, 1, 4, 21, 0, 0, 0, time.UTC), Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

func TestScheduleGolden(t *testing.T) {
	p, s := sampleSchedule(t)
	ext := map[string]string{render.Table: "txt", render.JSON: "json", render.SVG: "svg"}
	for _, format := range render.ScheduleFormats() {
		t.Run(format, func(t *testing.T) {
			r, err := render.ScheduleFor(format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := r.RenderSchedule(&buf, p, s, render.Options{Limit: render.DefaultLimit, Width: 120}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "schedule."+ext[format]), buf.Bytes())
		})
	}
}

func TestScheduleJSONShape(t *testing.T) {
	p, s := sampleSchedule(t)
	r, _ := render.ScheduleFor(render.JSON)
	var buf bytes.Buffer
	if err := r.RenderSchedule(&buf, p, s, render.Options{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Finish string `json:"finish"`
		Steps  []struct {
			ID, Instance, Start, End string
		} `json:"steps"`
		ExtraNights []struct {
			Cluster, Suggest string
		} `json:"extraNights"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Steps) != len(p.Steps) || got.Finish != s.Finish.Format(time.RFC3339) {
		t.Fatalf("steps %d finish %s, want %d and %s", len(got.Steps), got.Finish, len(p.Steps), s.Finish.Format(time.RFC3339))
	}
	for _, st := range got.Steps {
		if st.ID == "" || st.Instance == "" {
			t.Errorf("step without id or instance: %+v", st)
		}
		if _, err := time.Parse(time.RFC3339, st.Start); err != nil {
			t.Errorf("step %s start %q: %v", st.ID, st.Start, err)
		}
		if _, err := time.Parse(time.RFC3339, st.End); err != nil {
			t.Errorf("step %s end %q: %v", st.ID, st.End, err)
		}
	}
	if len(got.ExtraNights) != 1 || got.ExtraNights[0].Cluster != "rm-a" || got.ExtraNights[0].Suggest != "02:00Z-03:00Z" {
		t.Errorf("extra nights %+v, want rm-a → 02:00Z-03:00Z", got.ExtraNights)
	}
}

// The SVG is well-formed XML at 1,000 clusters, with one row label per
// cluster and the axis repeated.
func TestScheduleSVGLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("defaults: {engine: MySQL, targetVersion: \"5.6\", effectiveTime: MaintainTime, status: Running}\ninstances:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  - {id: rm-big-%d, role: primary, region: cn-hangzhou, engineVersion: \"5.5\", maintainTime: \"%02d:00Z-%02d:30Z\"}\n", i, i%24, i%24)
	}
	inv, err := planner.Parse("big.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.Build(inv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Run(p, schedule.Options{From: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Concurrency: 50})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := render.ScheduleFor(render.SVG)
	var buf bytes.Buffer
	if err := r.RenderSchedule(&buf, p, s, render.Options{}); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&buf)
	texts := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
			texts++
		}
	}
	if axes := (1000 + render.AxisEvery - 1) / render.AxisEvery; texts < 1000+axes {
		t.Errorf("%d text elements, want a label per cluster and %d axes", texts, axes)
	}
}

func TestScheduleLimitAndFormat(t *testing.T) {
	p, s := sampleSchedule(t)
	r, _ := render.ScheduleFor(render.Table)
	var buf bytes.Buffer
	if err := r.RenderSchedule(&buf, p, s, render.Options{Limit: 2}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "… 3 more steps (use --format json)") {
		t.Errorf("limit 2 of 5 steps:\n%s", buf.String())
	}
	if _, err := render.ScheduleFor("markdown"); !errors.Is(err, render.ErrUnknownFormat) || !strings.Contains(err.Error(), "table, json, svg") {
		t.Errorf("markdown: %v, want an unknown-format error naming table, json, svg", err)
	}
}
