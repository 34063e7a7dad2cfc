package plans_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// badStagedPlans are plantest.Staged edited into shapes no planner writes,
// sealed again, with what the refusal must say.
var badStagedPlans = []struct {
	name string
	edit func(p *plans.Plan)
	want []string
}{
	{"step naming an unknown stage", func(p *plans.Plan) { p.Step("rm-shop-db").Stage = "prod"; p.Step("rr-shop-ro1").Stage = "prod" },
		[]string{"step rm-shop-db names stage prod, which is not a stage of the plan", "step rr-shop-ro1 names stage prod"}},
	{"step without a stage", func(p *plans.Plan) { p.Step("rm-pay-dr").Stage = "" },
		[]string{"step rm-pay-dr has no stage, but the plan has stages"}},
	{"stage on a plan without stages", func(p *plans.Plan) {
		p.Stages = nil
		for i := range p.Steps {
			p.Steps[i].Stage = ""
		}
		p.Step("rm-crm-dr").Stage = "canary"
	}, []string{"step rm-crm-dr names stage canary, but the plan has no stages"}},
	{"dependency on a later stage", func(p *plans.Plan) {
		p.Step("rm-crm-dr").Stage = "rest"
	}, []string{"step rm-crm-db (stage canary) depends on step rm-crm-dr of the later stage rest", "cluster rm-crm-db has steps in stages rest and canary"}},
	{"duplicate stage name", func(p *plans.Plan) { p.Stages[2].Name = "canary" },
		[]string{"stage name canary is used by stages 0 and 2"}},
	{"empty stage name", func(p *plans.Plan) { p.Stages[1].Name = "" },
		[]string{"stage 1 has an empty name"}},
	{"empty select", func(p *plans.Plan) { p.Stages[2].Select = "" },
		[]string{"stage rest has an empty select"}},
	{"soak that does not parse", func(p *plans.Plan) { p.Stages[0].Soak = "a day" },
		[]string{`stage canary: soak "a day": write a duration such as 24h, 90m or 2d`}},
	{"negative soak", func(p *plans.Plan) { p.Stages[0].Soak = "-1h" },
		[]string{`stage canary: soak "-1h" is negative`}},
	{"negative maxConcurrentClusters", func(p *plans.Plan) { p.Stages[1].MaxConcurrentClusters = -2 },
		[]string{"stage payments has maxConcurrentClusters -2; want 0 (no limit) or more"}},
	{"negative maxFailures", func(p *plans.Plan) { n := -1; p.Stages[1].MaxFailures = &n },
		[]string{"stage payments has maxFailures -1; want 0 or more"}},
}

func TestResealedBadStagesRefused(t *testing.T) {
	for _, tc := range badStagedPlans {
		t.Run(tc.name, func(t *testing.T) {
			p := plantest.Staged()
			tc.edit(p)
			reseal(t, p)
			path := writePlan(t, p)
			_, err := plans.Load(path)
			if !errors.Is(err, plans.ErrInvalid) {
				t.Fatalf("Load: error = %v, want ErrInvalid", err)
			}
			for _, want := range append(tc.want, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestStagesStrict: the strict reader knows the stage fields and refuses
// unknown or misspelt ones inside a stage.
func TestStagesStrict(t *testing.T) {
	b, err := plans.Encode(plantest.Staged())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"stages": [`, `"soak": "24h"`, `"maxConcurrentClusters": 1`, `"maxFailures": 1`, `"stage": "canary"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("encoded staged plan lacks %s", want)
		}
	}
	tests := []struct{ name, old, new, want string }{
		{"unknown stage key", `"soak": "24h"`, `"soak": "24h", "pause": "1h"`, `unknown key "pause" at $.stages[0]`},
		{"stage key in another case", `"maxFailures": 1`, `"MaxFailures": 1`, `key "MaxFailures" differs from "maxFailures" only in case`},
		{"stage without a name", `"name": "canary",`, ``, `missing key(s) name at $.stages[0]`},
		{"null stage", `"stage": "canary"`, `"stage": null`, `null where a string, number or boolean belongs at $.steps[0].stage`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeBytes(t, replaceOnce(t, b, tc.old, tc.new))
			_, err := plans.Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestPlanWithoutStagesHasNoStageKeys: a plan without a rollout keeps
// the bytes of plans from before stages.
func TestPlanWithoutStagesHasNoStageKeys(t *testing.T) {
	b, err := plans.Encode(plantest.Sample())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`"stage`)) {
		t.Errorf("a plan without stages mentions stages:\n%s", b)
	}
}

func TestParseSoak(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"24h", 24 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"2d", 48 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"0", 0, ""},
		{"soon", 0, "write a duration"},
		{"1.5d", 0, "write a duration"},
		{"-5m", 0, "negative"},
		{"-1d", 0, "negative"},
	}
	for _, tc := range tests {
		got, err := plans.ParseSoak(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSoak(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSoak(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for d, want := range map[time.Duration]string{0: "", 24 * time.Hour: "24h", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s", time.Hour + time.Second: "1h0m1s"} {
		if got := plans.FormatSoak(d); got != want {
			t.Errorf("FormatSoak(%v) = %q, want %q", d, got, want)
		}
	}
}

func writeBytes(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDiffShowsStages: diff names stages added, removed or whose gates
// changed, and steps that moved to another stage.
func TestDiffShowsStages(t *testing.T) {
	old, new := plantest.Staged(), plantest.Staged()
	new.Stages[0].Soak = "48h"
	new.Stages = append(new.Stages[:1], new.Stages[2])
	for i := range new.Steps {
		if new.Steps[i].Stage == "payments" {
			new.Steps[i].Stage = "rest"
		}
	}
	d := plans.Compare(old, new)
	got := map[string][2]string{}
	for _, c := range d.Inputs {
		got[c.Field] = [2]string{c.Old, c.New}
	}
	want := map[string][2]string{
		"stages[canary]":   {"#1 select=team=crm soak=24h", "#1 select=team=crm soak=48h"},
		"stages[payments]": {"#2 select=team=payments maxConcurrentClusters=1 maxFailures=1", ""},
		"stages[rest]":     {"#3 select=*", "#2 select=*"},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("input change %s = %q, want %q", k, got[k], w)
		}
	}
	moved := 0
	for _, c := range d.Changed {
		for _, f := range c.Fields {
			if f.Field == "stage" && f.Old == "payments" && f.New == "rest" {
				moved++
			}
		}
	}
	if moved != 4 {
		t.Errorf("%d steps shown moving from payments to rest, want 4: %+v", moved, d.Changed)
	}
	if d := plans.Compare(plantest.Sample(), plantest.Sample()); !d.Empty() {
		t.Errorf("unstaged plans compare with changes: %+v", d)
	}
}
