package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// cluster returns a small plan: primary rm-p with read-only rr-1 and
// disaster-recovery rm-dr, each with a step, replicas first; all pass
// the built-in policies at 19:00Z. Tests edit it to break one rule.
func cluster() *plans.Plan {
	p := &plans.Plan{
		Instances: []plans.Instance{
			instance("rm-dr", plans.RoleDisasterRecovery, "rm-p", 1),
			instance("rm-p", plans.RolePrimary, "", 1),
			instance("rr-1", plans.RoleReadOnly, "rm-p", 1),
		},
		Steps: []plans.Step{
			step("rm-dr", plans.RoleDisasterRecovery, "rm-p", 0, nil),
			step("rr-1", plans.RoleReadOnly, "rm-p", 0, nil),
			step("rm-p", plans.RolePrimary, "rm-p", 1, []string{"s-rm-dr", "s-rr-1"}),
		},
	}
	return p
}

func at(hhmm string) time.Time {
	t, err := time.Parse(time.RFC3339, "2026-03-04T"+hhmm+":00Z")
	if err != nil {
		panic(err)
	}
	return t
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBuiltinPolicies(t *testing.T) {
	type want struct {
		step, rule, msg string // msg: substring
	}
	tests := []struct {
		name  string
		edit  func(p *plans.Plan)
		at    string
		data  string // data file content, YAML
		deny  []want
		warn  []want
		clean bool
	}{
		{name: "clean cluster", at: "19:00", clean: true},
		{
			name: "state: stopped instance",
			edit: func(p *plans.Plan) { p.Instances[2].Status = "Stopped" },
			at:   "19:00",
			deny: []want{{"s-rr-1", "rdsup.state.deny", "instance rr-1 is Stopped, not Running"}},
		},
		{
			name: "state: upgrading instance",
			edit: func(p *plans.Plan) { p.Instances[1].Status = "EngineVersionUpgrading" },
			at:   "19:00",
			deny: []want{{"s-rm-p", "rdsup.state.deny", "is EngineVersionUpgrading, not Running"}},
		},
		{
			name: "state: empty status",
			edit: func(p *plans.Plan) { p.Instances[1].Status = "" },
			at:   "19:00",
			deny: []want{{"s-rm-p", "rdsup.state.deny", "no known state"}},
		},
		{
			name: "version: skipping 5.6",
			edit: func(p *plans.Plan) { allTo(p, "5.7") },
			at:   "19:00",
			deny: []want{
				{"s-rm-dr", "rdsup.version.deny", "MySQL 5.5 → 5.7 (instance rm-dr) is not an allowed upgrade path; allowed: MySQL 5.5 → 5.6"},
				{"s-rr-1", "rdsup.version.deny", "MySQL 5.5 → 5.7"},
				{"s-rm-p", "rdsup.version.deny", "the allowed hops reach it: make the plan again with `rdsup plan`, which plans one step per hop"},
			},
		},
		{
			name: "version: downgrade",
			edit: func(p *plans.Plan) {
				allTo(p, "5.5")
				for i := range p.Steps {
					p.Steps[i].FromVersion = "5.6"
				}
			},
			at: "19:00",
			deny: []want{
				{"s-rr-1", "rdsup.version.deny", "MySQL 5.6 → 5.5"},
				{"s-rm-dr", "rdsup.version.deny", "MySQL 5.6 → 5.5"},
				{"s-rm-p", "rdsup.version.deny", "MySQL 5.6 → 5.5"},
			},
		},
		{
			name: "version: other engine",
			edit: func(p *plans.Plan) { p.Steps[1].Engine = "PostgreSQL" },
			at:   "19:00",
			deny: []want{{"s-rr-1", "rdsup.version.deny", "--data"}},
		},
		{
			name:  "version: a data file allows 5.5 → 5.7",
			edit:  func(p *plans.Plan) { allTo(p, "5.7") },
			at:    "19:00",
			data:  "rdsup:\n  config:\n    versionPaths:\n      MySQL:\n        \"5.5\": [\"5.6\", \"5.7\"]\n",
			clean: true,
		},
		{
			name: "version: a data file can take the default path away",
			at:   "19:00",
			data: `{"rdsup": {"config": {"versionPaths": {"MySQL": {"5.5": [], "5.6": [], "5.7": []}}}}}`,
			deny: []want{
				{"s-rm-dr", "rdsup.version.deny", "allowed: none"},
				{"s-rr-1", "rdsup.version.deny", "allowed: none"},
				{"s-rm-p", "rdsup.version.deny", "allowed: none"},
			},
		},
		{
			name: "version: a missing hop is named with the data that adds it",
			at:   "19:00",
			data: `{"rdsup": {"config": {"versionPaths": {"MySQL": {"5.5": []}}}}}`,
			deny: []want{
				{"s-rm-p", "rdsup.version.deny", `allowed: MySQL 5.6 → 5.7, MySQL 5.7 → 8.0; to allow it, pass a data file with --data containing {"rdsup":{"config":{"versionPaths":{"MySQL":{"5.5":["5.6"]}}}}} (rdsup then plans one step per hop)`},
				{"s-rr-1", "rdsup.version.deny", "allowed: MySQL 5.6 → 5.7"},
				{"s-rm-dr", "rdsup.version.deny", "allowed: MySQL 5.6 → 5.7"},
			},
		},
		{
			name: "window: no maintainTime warns",
			edit: func(p *plans.Plan) { p.Instances[2].MaintainTime = "" },
			at:   "19:00",
			warn: []want{{"s-rr-1", "rdsup.window.warn", "instance rr-1 has no valid maintenance window"}},
		},
		{
			name: "window: production Immediate outside the window",
			edit: func(p *plans.Plan) { p.Instances[1].Tags["env"] = "prod" },
			at:   "23:30",
			deny: []want{{"s-rm-p", "rdsup.window.deny", "Immediate upgrade of production instance rm-p (env: prod) at 2026-03-04T23:30:00Z is outside its maintenance window 18:00Z-22:00Z, which opens 2026-03-05T18:00:00Z"}},
		},
		{
			name:  "window: production Immediate inside the window",
			edit:  func(p *plans.Plan) { p.Instances[1].Tags["env"] = "prod" },
			at:    "21:59",
			clean: true,
		},
		{
			name: "window: production window across midnight",
			edit: func(p *plans.Plan) {
				p.Instances[1].Tags["env"] = "prod"
				p.Instances[1].MaintainTime = "22:00Z-02:00Z"
			},
			at:    "01:30",
			clean: true,
		},
		{
			name: "window: production without a window",
			edit: func(p *plans.Plan) {
				p.Instances[1].Tags["env"] = "prod"
				p.Instances[1].MaintainTime = "later"
			},
			at:   "19:00",
			deny: []want{{"s-rm-p", "rdsup.window.deny", "needs a maintenance window"}},
			warn: []want{{"s-rm-p", "rdsup.window.warn", `maintainTime "later"`}},
		},
		{
			name: "window: MaintainTime is scheduled by the cloud",
			edit: func(p *plans.Plan) {
				p.Instances[1].Tags["env"] = "prod"
				p.Steps[2].EffectiveTime = plans.EffectiveMaintenance
			},
			at:    "03:00",
			clean: true,
		},
		{
			name: "window: production tag from a data file",
			edit: func(p *plans.Plan) { p.Instances[2].Tags["tier"] = "gold" },
			at:   "03:00",
			data: "rdsup:\n  config:\n    production: {tagKey: tier, tagValue: gold}\n",
			deny: []want{{"s-rr-1", "rdsup.window.deny", "(tier: gold)"}},
		},
		{
			name: "replicas: primary does not depend on a replica",
			edit: func(p *plans.Plan) { p.Steps[2].DependsOn = []string{"s-rr-1"} },
			at:   "19:00",
			deny: []want{{"s-rm-p", "rdsup.replicas.deny", "step s-rm-p upgrades primary rm-p but does not depend on step s-rm-dr of its replica rm-dr"}},
		},
		{
			name: "replicas: a replica left on the old version",
			edit: func(p *plans.Plan) {
				p.Steps = p.Steps[1:]
				p.Steps[1].DependsOn = []string{"s-rr-1"}
			},
			at:   "19:00",
			deny: []want{{"s-rm-p", "rdsup.replicas.deny", "replica rm-dr of primary rm-p stays on 5.5 while the primary goes to 5.6"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := cluster()
			if tc.edit != nil {
				tc.edit(p)
			}
			var opts Options
			if tc.data != "" {
				opts.DataFiles = []string{writeFile(t, t.TempDir(), "data.yaml", tc.data)}
			}
			e, err := New(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Evaluate(t.Context(), p, at(tc.at)); err != nil {
				t.Fatal(err)
			}
			if tc.clean != (len(tc.deny) == 0 && len(tc.warn) == 0) {
				t.Fatal("bad test case: clean must be set exactly when no finding is wanted")
			}
			if p.Summary.Applicable != (len(tc.deny) == 0) {
				t.Errorf("summary.applicable = %v with %d wanted denials", p.Summary.Applicable, len(tc.deny))
			}
			check := func(kind string, wants []want, got func(s plans.Step) []plans.Finding) {
				n := 0
				for _, s := range p.Steps {
					n += len(got(s))
				}
				if n != len(wants) {
					for _, s := range p.Steps {
						t.Logf("%s %s: %+v", s.ID, kind, got(s))
					}
					t.Fatalf("%d %s findings, want %d", n, kind, len(wants))
				}
				for _, w := range wants {
					s := p.Step(w.step)
					if s == nil {
						t.Fatalf("no step %s", w.step)
					}
					found := false
					for _, f := range got(*s) {
						found = found || (f.Rule == w.rule && strings.Contains(f.Message, w.msg))
					}
					if !found {
						t.Errorf("step %s: no %s finding of %s containing %q; got %+v", w.step, kind, w.rule, w.msg, got(*s))
					}
				}
			}
			check("deny", tc.deny, func(s plans.Step) []plans.Finding { return s.Policy.Deny })
			check("warn", tc.warn, func(s plans.Step) []plans.Finding { return s.Policy.Warn })
		})
	}
}

func TestEvaluateFillsInputs(t *testing.T) {
	p := cluster()
	e, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 4, 19, 0, 30, 999, time.FixedZone("x", 3600))
	if err := e.Evaluate(t.Context(), p, when); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Inputs.PolicyDigest, "sha256:") || len(p.Inputs.PolicyDigest) != len("sha256:")+64 {
		t.Errorf("policyDigest = %q", p.Inputs.PolicyDigest)
	}
	if p.Inputs.PolicyAt != "2026-03-04T18:00:30Z" {
		t.Errorf("policyAt = %q, want UTC whole seconds", p.Inputs.PolicyAt)
	}
	if p.Summary.Steps != 3 || !p.Summary.Applicable {
		t.Errorf("summary = %+v", p.Summary)
	}
	for _, s := range p.Steps {
		if s.Policy.Deny == nil || s.Policy.Warn == nil {
			t.Errorf("step %s: verdict lists must not be nil", s.ID)
		}
	}

	none, err := New(t.Context(), Options{NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := none.Evaluate(t.Context(), p, when); err != nil {
		t.Fatal(err)
	}
	if p.Inputs.PolicyDigest != "" || p.Inputs.PolicyAt != "" {
		t.Errorf("with no policies: digest %q at %q, want both empty", p.Inputs.PolicyDigest, p.Inputs.PolicyAt)
	}
}

func TestEvalStepWithLiveFacts(t *testing.T) {
	e, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := cluster()
	p.Instances[1].Tags["env"] = "prod"
	primary := 2
	tests := []struct {
		name     string
		live     plans.Instance
		at       string
		wantDeny []string // rules
	}{
		{"running, in window", plans.Instance{ID: "rm-p", Status: "Running"}, "19:00", nil},
		{"stopped since planning", plans.Instance{ID: "rm-p", Status: "Stopped"}, "19:00", []string{"rdsup.state.deny"}},
		{"window closed by now", plans.Instance{ID: "rm-p", Status: "Running"}, "22:00", []string{"rdsup.window.deny"}},
		{"tags missing from the API keep the snapshot's", plans.Instance{ID: "rm-p", Status: "Running", Tags: map[string]string{}}, "23:00", []string{"rdsup.window.deny"}},
		{"window moved live", plans.Instance{ID: "rm-p", Status: "Running", MaintainTime: "22:30Z-23:30Z"}, "23:00", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := e.EvalStep(t.Context(), p, primary, tc.live, at(tc.at))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range v.Deny {
				got = append(got, f.Rule)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantDeny, ",") {
				t.Errorf("deny rules = %v, want %v (%+v)", got, tc.wantDeny, v.Deny)
			}
		})
	}
	if p.Steps[primary].Policy.Deny != nil {
		t.Error("EvalStep modified the plan")
	}
	if _, err := e.EvalStep(t.Context(), p, 3, plans.Instance{}, at("19:00")); err == nil {
		t.Error("EvalStep accepted an index out of range")
	}
}

// TestParallelMatchesSerial evaluates a plan of many clusters with several
// workers and with one; the verdicts must be identical (run with -race).
func TestParallelMatchesSerial(t *testing.T) {
	p1 := syntheticPlan(1500)
	for i := range p1.Instances {
		if i%7 == 0 {
			p1.Instances[i].Status = "Stopped"
		}
	}
	p2 := syntheticPlan(1500)
	copy(p2.Instances, p1.Instances)
	serial, err := New(t.Context(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	par, err := New(t.Context(), Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := serial.Evaluate(t.Context(), p1, at("03:00")); err != nil {
		t.Fatal(err)
	}
	if err := par.Evaluate(t.Context(), p2, at("03:00")); err != nil {
		t.Fatal(err)
	}
	if p1.Summary.Denied == 0 {
		t.Fatal("expected denials in the test plan")
	}
	for i := range p1.Steps {
		a, b := p1.Steps[i].Policy, p2.Steps[i].Policy
		if len(a.Deny) != len(b.Deny) || len(a.Warn) != len(b.Warn) {
			t.Fatalf("step %s: serial %+v, parallel %+v", p1.Steps[i].ID, a, b)
		}
		for j := range a.Deny {
			if a.Deny[j].Message != b.Deny[j].Message {
				t.Fatalf("step %s: serial %+v, parallel %+v", p1.Steps[i].ID, a, b)
			}
		}
	}
}

// TestEvalStepConcurrent: apply re-checks steps from several workers at
// once against one engine and one plan (run with -race).
func TestEvalStepConcurrent(t *testing.T) {
	e, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := syntheticPlan(200)
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for i := w; i < len(p.Steps); i += 4 {
				v, err := e.EvalStep(t.Context(), p, i, plans.Instance{Status: "Running"}, at("19:00"))
				if err == nil && len(v.Deny) > 0 {
					err = fmt.Errorf("step %s denied: %+v", p.Steps[i].ID, v.Deny)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// allTo sends every step of p to version v (a cluster's steps stay one hop).
func allTo(p *plans.Plan, v string) {
	for i := range p.Steps {
		p.Steps[i].ToVersion = v
	}
}
