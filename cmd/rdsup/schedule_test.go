package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

// scheduleJSONOut is the part of `rdsup schedule --format json` the tests read.
type scheduleJSONOut struct {
	Finish string `json:"finish"`
	Steps  []struct {
		ID, Instance, Start, End string
	} `json:"steps"`
	ExtraNights []struct{ Cluster, Suggest string } `json:"extraNights"`
}

func TestScheduleCommand(t *testing.T) {
	path, p := planFile(t, "../../testdata/fleet.yaml", "--at", "2026-01-05T19:00:00Z")
	out := filepath.Join(t.TempDir(), "schedule.svg")
	cliCase{name: "table", args: []string{"schedule", path, "--from", "2026-01-05T18:00:00Z", "--limit", "1"},
		stdout: []string{"Start:        2026-01-05T18:00:00Z (concurrency 10)", "Finish:", "Extra nights:", "more steps (use --format json)"}}.check(t)
	stdout, _ := cliCase{name: "json", args: []string{"schedule", path, "--from", "2026-01-05T18:00:00Z", "--concurrency", "1", "--format", "json"}}.check(t)
	var got scheduleJSONOut
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	if len(got.Steps) != len(p.Steps) {
		t.Errorf("%d steps, want %d", len(got.Steps), len(p.Steps))
	}
	finish, err := time.Parse(time.RFC3339, got.Finish)
	if err != nil || !finish.After(time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("finish %q: %v", got.Finish, err)
	}
	cliCase{name: "svg to a file", args: []string{"schedule", path, "--from", "2026-01-05T18:00:00Z", "--format", "svg", "-o", out},
		stdout: []string{"wrote the schedule to " + out}}.check(t)
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "<svg ") {
		t.Errorf("the SVG file: %v %.40q", err, b)
	}
}

func TestScheduleBadInput(t *testing.T) {
	path, _ := planFile(t, "../../testdata/fleet.yaml")
	edited := writeEdited(t, path, "edited.json", `"toVersion": "5.6"`, `"toVersion": "5.7"`)
	for _, c := range []cliCase{
		{name: "no plan", args: []string{"schedule"}, code: exitError, stderr: []string{"accepts 1 arg(s), received 0"}},
		{name: "missing plan", args: []string{"schedule", filepath.Join(t.TempDir(), "nope.json")}, code: exitError, stderr: []string{"nope.json"}},
		{name: "edited plan", args: []string{"schedule", edited}, code: exitError, stderr: []string{"edited.json"}},
		{name: "bad --from", args: []string{"schedule", path, "--from", "tomorrow"}, code: exitError,
			stderr: []string{`--from "tomorrow": not an RFC 3339 time; write it like 2026-01-05T18:00:00Z`}},
		{name: "--from without a zone", args: []string{"schedule", path, "--from", "2026-01-05T18:00:00"}, code: exitError, stderr: []string{"not an RFC 3339 time"}},
		{name: "bad format", args: []string{"schedule", path, "--format", "markdown"}, code: exitError, stderr: []string{`unknown format "markdown": use one of table, json, svg`}},
		{name: "concurrency 0", args: []string{"schedule", path, "--concurrency", "0"}, code: exitError, stderr: []string{"--concurrency"}},
		{name: "concurrency too high", args: []string{"schedule", path, "--concurrency", "5000"}, code: exitError, stderr: []string{"--concurrency"}},
		{name: "negative limit", args: []string{"schedule", path, "--limit", "-1"}, code: exitError, stderr: []string{"--limit"}},
		{name: "missing policy dir", args: []string{"schedule", path, "-p", filepath.Join(t.TempDir(), "nopolicies")}, code: exitError, stderr: []string{"nopolicies"}},
		{name: "unwritable -o", args: []string{"schedule", path, "-o", filepath.Join(t.TempDir(), "no", "dir", "s.txt")}, code: exitError, stderr: []string{"write "}},
	} {
		t.Run(c.name, func(t *testing.T) { c.check(t) })
	}
}

// TestScheduleJSONConsistent checks the JSON of `rdsup schedule` on a
// generated 1,000-instance fleet, with the built-in policies' window rule:
// no step starts before all its dependencies end; a MaintainTime step, and
// an Immediate step of a production instance (the rule's), starts inside
// its window; the steps holding a slot never exceed --concurrency; finish
// is the last end.
func TestScheduleJSONConsistent(t *testing.T) {
	for _, eff := range []string{"MaintainTime", "Immediate"} {
		t.Run(eff, func(t *testing.T) {
			dir := t.TempDir()
			inv, planPath := filepath.Join(dir, "fleet.yaml"), filepath.Join(dir, "plan.json")
			y := bytes.ReplaceAll(fleetgen.YAML(1000, 5), []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: "+eff))
			if err := os.WriteFile(inv, y, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, stderr, code := runCLI(t, "plan", "-i", inv, "-o", planPath, "--at", "2026-01-05T18:00:00Z"); code != exitOK && code != exitDenied {
				t.Fatalf("plan: exit %d: %s", code, stderr)
			}
			p, err := plans.Load(planPath)
			if err != nil {
				t.Fatal(err)
			}
			const c = 25
			stdout, stderr, code := runCLI(t, "schedule", planPath, "--from", "2026-01-05T18:00:00Z", "--concurrency", strconv.Itoa(c), "--format", "json")
			if code != exitOK {
				t.Fatalf("schedule: exit %d: %s", code, stderr)
			}
			var got struct {
				Finish string `json:"finish"`
				Steps  []struct {
					ID, Instance, Start, End string
					Slot                     bool
				} `json:"steps"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			parse := func(s string) time.Time {
				v, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatalf("time %q: %v", s, err)
				}
				return v
			}
			end := map[string]time.Time{}
			for _, st := range got.Steps {
				end[st.ID] = parse(st.End)
			}
			var edges []struct {
				at time.Time
				d  int
			}
			var last time.Time
			for i, st := range got.Steps {
				ps := p.Steps[i]
				start := parse(st.Start)
				if st.ID != ps.ID || st.Instance != ps.InstanceID {
					t.Fatalf("step %d is %s (%s), want the plan's %s (%s)", i, st.ID, st.Instance, ps.ID, ps.InstanceID)
				}
				for _, d := range ps.DependsOn {
					if start.Before(end[d]) {
						t.Errorf("%s starts %s, before its dependency %s ends %s", st.ID, st.Start, d, end[d])
					}
				}
				in := p.Instance(ps.InstanceID)
				if ps.EffectiveTime == plans.EffectiveMaintenance || in.Tags["env"] == "prod" {
					if open, _ := plans.NextOpen(in.MaintainTime, start); !open.Equal(start) {
						t.Errorf("%s (%s, env %s) starts %s, outside its window %s", st.ID, ps.EffectiveTime, in.Tags["env"], st.Start, in.MaintainTime)
					}
				}
				if st.Slot {
					edges = append(edges, struct {
						at time.Time
						d  int
					}{start, 1}, struct {
						at time.Time
						d  int
					}{end[st.ID], -1})
				}
				if end[st.ID].After(last) {
					last = end[st.ID]
				}
			}
			if !parse(got.Finish).Equal(last) {
				t.Errorf("finish %s, want the last end %s", got.Finish, last)
			}
			sort.Slice(edges, func(i, j int) bool {
				if !edges[i].at.Equal(edges[j].at) {
					return edges[i].at.Before(edges[j].at)
				}
				return edges[i].d < edges[j].d
			})
			inUse := 0
			for _, e := range edges {
				if inUse += e.d; inUse > c {
					t.Fatalf("%d slots in use at %s, concurrency %d", inUse, e.at, c)
				}
			}
		})
	}
}

// A staged plan previews its stages as apply gates them: production starts
// when canary is done and soaked 24 h, one cluster at a time; rest after
// production.
func TestScheduleStages(t *testing.T) {
	path, p := planFile(t, "../../testdata/rollout/fleet.yaml", "--at", "2026-01-05T10:00:00Z")
	stdout, _ := cliCase{name: "json", args: []string{"schedule", path, "--from", "2026-01-05T10:00:00Z", "--format", "json"}}.check(t)
	var got struct {
		Steps  []struct{ ID, Cluster, Start, End string } `json:"steps"`
		Stages []struct {
			Name       string
			Steps      int
			Start, End string
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Stages) != 3 || got.Stages[0].Name != "canary" || got.Stages[1].Name != "production" || got.Stages[2].Name != "rest" {
		t.Fatalf("stages %+v, want canary, production, rest", got.Stages)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("time %q: %v", s, err)
		}
		return v
	}
	canary, prod, rest := got.Stages[0], got.Stages[1], got.Stages[2]
	if want := at(canary.End).Add(24 * time.Hour); !at(prod.Start).Equal(want) {
		t.Errorf("production starts %s, want canary's end + 24h soak = %s", prod.Start, want)
	}
	if at(rest.Start).Before(at(prod.End)) {
		t.Errorf("rest starts %s, before production ends %s", rest.Start, prod.End)
	}
	// maxConcurrentClusters 1: production's clusters do not overlap
	span := map[string][2]time.Time{}
	for i, st := range got.Steps {
		if p.Steps[i].Stage != "production" {
			continue
		}
		s := span[st.Cluster]
		if s[0].IsZero() || at(st.Start).Before(s[0]) {
			s[0] = at(st.Start)
		}
		if at(st.End).After(s[1]) {
			s[1] = at(st.End)
		}
		span[st.Cluster] = s
	}
	for a, x := range span {
		for b, y := range span {
			if a < b && x[0].Before(y[1]) && y[0].Before(x[1]) {
				t.Errorf("production clusters %s (%s–%s) and %s (%s–%s) overlap", a, x[0], x[1], b, y[0], y[1])
			}
		}
	}
	cliCase{name: "table", args: []string{"schedule", path, "--from", "2026-01-05T10:00:00Z"},
		stdout: []string{"Stage canary: 2 steps, 2026-01-05T10:00:00Z", "Stage production: 4 steps", "Stage rest: 1 steps"}}.check(t)
}
