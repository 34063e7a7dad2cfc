package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
