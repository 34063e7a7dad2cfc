package policy

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// TestWindowBuiltins: the rdsup.window.* built-ins, called from a team's
// policy loaded through the sandbox (so a user policy may call them). The
// arithmetic itself is plans.NextOpen's, tested there; this tests the
// Rego side: types, undefined, errors.
func TestWindowBuiltins(t *testing.T) {
	tests := []struct {
		name, expr string
		want       string // the value, printed with %v; "" = undefined
		err        string // an evaluation error containing this
	}{
		{"valid", `rdsup.window.valid("18:00Z-22:00Z")`, "true", ""},
		{"valid across midnight", `rdsup.window.valid("22:00Z-02:00Z")`, "true", ""},
		{"not valid: no Z", `rdsup.window.valid("18:00-22:00")`, "false", ""},
		{"not valid: empty window", `rdsup.window.valid("00:00Z-00:00Z")`, "false", ""},
		{"not valid: a number", `rdsup.window.valid(1800)`, "false", ""},
		{"not valid: null", `rdsup.window.valid(null)`, "false", ""},
		{"open inside", `rdsup.window.open("18:00Z-22:00Z", "2026-03-04T19:00:00Z")`, "true", ""},
		{"open at the start", `rdsup.window.open("18:00Z-22:00Z", "2026-03-04T18:00:00Z")`, "true", ""},
		{"closed at the end", `rdsup.window.open("18:00Z-22:00Z", "2026-03-04T22:00:00Z")`, "false", ""},
		{"open with an offset", `rdsup.window.open("18:00Z-22:00Z", "2026-03-05T03:00:00+08:00")`, "true", ""},
		{"open after midnight", `rdsup.window.open("22:00Z-02:00Z", "2026-03-05T01:00:00Z")`, "true", ""},
		{"an invalid window is never open", `rdsup.window.open("soon", "2026-03-04T19:00:00Z")`, "false", ""},
		{"next_open inside is at", `rdsup.window.next_open("18:00Z-22:00Z", "2026-03-04T19:00:00Z")`, "2026-03-04T19:00:00Z", ""},
		{"next_open later today", `rdsup.window.next_open("18:00Z-22:00Z", "2026-03-04T03:00:00Z")`, "2026-03-04T18:00:00Z", ""},
		{"next_open tomorrow", `rdsup.window.next_open("18:00Z-22:00Z", "2026-03-04T22:00:00Z")`, "2026-03-05T18:00:00Z", ""},
		{"next_open in UTC", `rdsup.window.next_open("18:00Z-22:00Z", "2026-03-05T08:00:00+08:00")`, "2026-03-05T18:00:00Z", ""},
		{"next_open keeps sub-seconds", `rdsup.window.next_open("18:00Z-22:00Z", "2026-03-04T19:00:00.5Z")`, "2026-03-04T19:00:00.5Z", ""},
		{"next_open of an invalid window is undefined", `rdsup.window.next_open("18:00Z", "2026-03-04T03:00:00Z")`, "", ""},
		{"next_open of a number is undefined", `rdsup.window.next_open(18, "2026-03-04T03:00:00Z")`, "", ""},
		{"at not a time", `rdsup.window.next_open("18:00Z-22:00Z", "tonight")`, "", `"tonight" is not an RFC 3339 time`},
		{"at without a zone", `rdsup.window.open("18:00Z-22:00Z", "2026-03-04T19:00:00")`, "", "is not an RFC 3339 time"},
		{"at not a string", `rdsup.window.open("18:00Z-22:00Z", input.step.wave)`, "", "operand 2 must be an RFC 3339 time string, not number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "team.rego", fmt.Sprintf("package rdsup.team\n\nwarn contains sprintf(\"%%v\", [x]) if {\n\tx := %s\n}\n", tc.expr))
			e, err := New(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true})
			if err != nil {
				t.Fatal(err)
			}
			p := cluster()
			err = e.Evaluate(t.Context(), p, at("19:00"))
			if tc.err != "" {
				if !errors.Is(err, ErrEval) || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "team.rego:4") {
					t.Fatalf("error = %v, want ErrEval at team.rego:4 containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range p.Steps[0].Policy.Warn {
				got = append(got, f.Message)
			}
			want := []string{tc.want}
			if tc.want == "" {
				want = nil
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s = %q, want %q", tc.expr, got, want)
			}
		})
	}
}

// TestWindowBuiltinsInSandbox: the built-ins are in the capabilities the
// compiler gets, and `rdsup policy test` runs a team's test that calls them.
func TestWindowBuiltinsInSandbox(t *testing.T) {
	for _, name := range []string{"rdsup.window.valid", "rdsup.window.open", "rdsup.window.next_open"} {
		if !capabilities().ContainsBuiltin(name) {
			t.Errorf("capabilities lack %s", name)
		}
	}
	dir := t.TempDir()
	writeFile(t, dir, "team_test.rego", `package rdsup.team_test

test_next_open if {
	rdsup.window.next_open("22:00Z-02:00Z", "2026-03-04T12:00:00Z") == "2026-03-04T22:00:00Z"
}
`)
	res, err := RunTests(t.Context(), Options{Dirs: []string{dir}, NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !res[0].Pass {
		t.Fatalf("results = %+v, want one pass", res)
	}
}

// TestDecide: the policies' answer to "may this step start now, and if
// not, when?": the built-in window rule for any production tag, and a
// team's denial that says when it lifts.
func TestDecide(t *testing.T) {
	tier := "rdsup: {config: {production: {tagKey: tier, tagValue: prod}}}\n"
	tests := []struct {
		name   string
		tags   map[string]string
		window string
		data   string // data file, YAML
		team   string // a team policy, Rego
		at     string // HH:MM on 2026-03-04
		open   bool
		opens  string // RFC 3339; "" for zero
		reason string
		err    string
	}{
		{name: "not production", tags: map[string]string{}, window: "18:00Z-22:00Z", at: "12:00", open: true},
		{name: "env: prod inside", tags: map[string]string{"env": "prod"}, window: "18:00Z-22:00Z", at: "19:00", open: true},
		{name: "env: prod before the window", tags: map[string]string{"env": "prod"}, window: "18:00Z-22:00Z", at: "12:00",
			opens: "2026-03-04T18:00:00Z", reason: "outside its maintenance window 18:00Z-22:00Z"},
		{name: "tier: prod from data waits like env: prod", tags: map[string]string{"tier": "prod"}, window: "18:00Z-22:00Z", data: tier, at: "12:00",
			opens: "2026-03-04T18:00:00Z", reason: "(tier: prod)"},
		{name: "env: prod is not production with tier data", tags: map[string]string{"env": "prod"}, window: "18:00Z-22:00Z", data: tier, at: "12:00", open: true},
		{name: "window across midnight, after its end", tags: map[string]string{"env": "prod"}, window: "22:00Z-02:00Z", at: "02:00",
			opens: "2026-03-04T22:00:00Z", reason: "outside"},
		{name: "no window: pending", tags: map[string]string{"env": "prod"}, window: "", at: "12:00", reason: "needs a maintenance window"},
		{name: "team freeze lifts at a time", tags: map[string]string{}, window: "18:00Z-22:00Z", at: "12:00",
			team:  `deny contains {"msg": "change freeze", "opensAt": "2026-03-05T08:00:00Z"} if input.plan.at < "2026-03-05T08:00:00Z"`,
			opens: "2026-03-05T08:00:00Z", reason: "change freeze"},
		{name: "the latest opensAt wins", tags: map[string]string{"env": "prod"}, window: "18:00Z-22:00Z", at: "12:00",
			team:  `deny contains {"msg": "change freeze", "opensAt": "2026-03-05T08:00:00+01:00"} if true`,
			opens: "2026-03-05T07:00:00Z", reason: "change freeze"},
		{name: "a denial without opensAt: pending", tags: map[string]string{"env": "prod"}, window: "18:00Z-22:00Z", at: "12:00",
			team: `deny contains "never on this one" if true`, reason: "never on this one"},
		{name: "an opensAt not after now: pending", tags: map[string]string{}, window: "18:00Z-22:00Z", at: "12:00",
			team: `deny contains {"msg": "stuck", "opensAt": "2026-03-04T12:00:00Z"} if true`, reason: "stuck"},
		{name: "an opensAt that is no time fails closed", tags: map[string]string{}, window: "18:00Z-22:00Z", at: "12:00",
			team: `deny contains {"msg": "m", "opensAt": "monday"} if true`, err: `rule rdsup.team.deny: opensAt a string ("monday") is not an RFC 3339 time`},
		{name: "an opensAt that is a number fails closed", tags: map[string]string{}, window: "18:00Z-22:00Z", at: "12:00",
			team: `deny contains {"msg": "m", "opensAt": 1} if true`, err: "opensAt a number (1) is not an RFC 3339 time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts Options
			dir := t.TempDir()
			if tc.data != "" {
				opts.DataFiles = []string{writeFile(t, dir, "data.yaml", tc.data)}
			}
			if tc.team != "" {
				opts.Dirs = []string{filepath.Dir(writeFile(t, dir, "team/team.rego", "package rdsup.team\n\n"+tc.team+"\n"))}
			}
			e, err := New(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			p := cluster()
			const primary = 2
			live := plans.Instance{ID: "rm-p", Status: "Running", Tags: tc.tags, MaintainTime: tc.window}
			p.Instances[1].Tags, p.Instances[1].MaintainTime = tc.tags, tc.window // tags: the plan's snapshot
			d, err := e.Decide(t.Context(), p, primary, live, at(tc.at).Add(300*time.Millisecond))
			if tc.err != "" {
				if !errors.Is(err, ErrEval) || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "step s-rm-p") {
					t.Fatalf("error = %v, want ErrEval naming the step, containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			opens := ""
			if !d.OpensAt.IsZero() {
				opens = d.OpensAt.Format(time.RFC3339)
			}
			if d.Open != tc.open || opens != tc.opens || !strings.Contains(d.Reason, tc.reason) || tc.open != (d.Reason == "") {
				t.Errorf("decision = open %v, opens %q, reason %q; want open %v, opens %q, reason containing %q", d.Open, opens, d.Reason, tc.open, tc.opens, tc.reason)
			}
		})
	}
}
