package plans_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

// reseal recomputes a plan's id and client tokens with the real digest, as
// anyone can after editing a plan: the id proves nothing about the author.
func reseal(t *testing.T, p *plans.Plan) {
	t.Helper()
	if err := plans.Seal(p); err != nil {
		t.Fatal(err)
	}
}

func dependOn(p *plans.Plan, step string, deps ...string) {
	s := p.Step(step)
	s.DependsOn = append(s.DependsOn, deps...)
	slices.Sort(s.DependsOn)
}

// badPlans are sealed plans whose structure no planner writes, each made by
// editing plantest.Sample and sealing it again, with what the refusal must
// say.
var badPlans = []struct {
	name string
	edit func(p *plans.Plan)
	want []string
}{
	{"two-step dependsOn cycle", func(p *plans.Plan) { dependOn(p, "rm-crm-dr", "rm-crm-db") },
		[]string{"steps rm-crm-db, rm-crm-dr form a dependsOn cycle (rm-crm-db → rm-crm-dr → rm-crm-db)"}},
	{"three-step dependsOn cycle", func(p *plans.Plan) {
		dependOn(p, "rr-pay-ro1", "rr-pay-ro2")
		dependOn(p, "rr-pay-ro2", "rm-pay-db")
	}, []string{"steps rm-pay-db, rr-pay-ro1, rr-pay-ro2 form a dependsOn cycle (rm-pay-db → rr-pay-ro1 → rr-pay-ro2 → rm-pay-db)"}},
	{"two cycles, both named", func(p *plans.Plan) {
		dependOn(p, "rm-crm-dr", "rm-crm-db")
		dependOn(p, "rr-shop-ro1", "rm-shop-db")
	}, []string{"steps rm-crm-db, rm-crm-dr form a dependsOn cycle", "steps rm-shop-db, rr-shop-ro1 form a dependsOn cycle"}},
	{"self-dependency", func(p *plans.Plan) { dependOn(p, "rr-pay-ro1", "rr-pay-ro1") },
		[]string{"step rr-pay-ro1 depends on itself"}},
	{"dependency on a missing step", func(p *plans.Plan) { dependOn(p, "rm-crm-db", "rm-ghost") },
		[]string{"step rm-crm-db depends on rm-ghost, which is not a step of the plan"}},
	{"dependency listed twice", func(p *plans.Plan) { dependOn(p, "rm-crm-db", "rm-crm-dr") },
		[]string{"step rm-crm-db lists dependency rm-crm-dr twice"}},
	{"two steps for one instance", func(p *plans.Plan) { p.Step("rr-pay-ro2").InstanceID = "rr-pay-ro1" },
		[]string{"steps rr-pay-ro1 and rr-pay-ro2 both upgrade instance rr-pay-ro1"}},
	{"duplicate step id", func(p *plans.Plan) { p.Steps[4].ID = "rr-pay-ro1" },
		[]string{"step id rr-pay-ro1 is used by steps 3 and 4", "step rm-pay-db depends on rr-pay-ro2, which is not a step of the plan"}},
	{"empty step id", func(p *plans.Plan) { p.Steps[0].ID = "" },
		[]string{"step 0 has an empty id"}},
	{"step whose instance is missing from instances[]", func(p *plans.Plan) {
		p.Instances = slices.DeleteFunc(p.Instances, func(in plans.Instance) bool { return in.ID == "rr-shop-ro1" })
	}, []string{"step rr-shop-ro1 upgrades instance rr-shop-ro1, which is missing from instances[]"}},
	{"instance listed twice", func(p *plans.Plan) { p.Instances = append(p.Instances, p.Instances[0]) },
		[]string{"instances[] lists rm-crm-db twice"}},
	{"unknown role", func(p *plans.Plan) { p.Steps[0].Role = "master" },
		[]string{`step rm-crm-dr has role "master"`}},
	{"unknown effective time", func(p *plans.Plan) { p.Steps[0].EffectiveTime = "Now" },
		[]string{`step rm-crm-dr has effectiveTime "Now"`}},
	{"summary hides a denial", func(p *plans.Plan) { p.Summary.Denied, p.Summary.Applicable = 0, true },
		[]string{"summary says 8 steps, 0 denied, 1 warnings, applicable true, but the steps give 8, 1, 1, false"}},
	{"summary miscounts steps", func(p *plans.Plan) { p.Summary.Steps = 7 },
		[]string{"summary says 7 steps"}},
}

func TestResealedBadPlanRefused(t *testing.T) {
	for _, tc := range badPlans {
		t.Run(tc.name, func(t *testing.T) {
			p := plantest.Sample()
			tc.edit(p)
			reseal(t, p)
			path := writePlan(t, p)
			_, err := plans.Load(path)
			if !errors.Is(err, plans.ErrInvalid) {
				t.Fatalf("Load: error = %v, want ErrInvalid", err)
			}
			for _, want := range append(tc.want, path, "make a new plan with `rdsup plan`") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestBadClientTokenRefused: tokens are not part of the id, so no
// re-sealing is needed to change one; each is refused naming the step.
func TestBadClientTokenRefused(t *testing.T) {
	tests := []struct {
		name  string
		token func(good string) string
		want  string
	}{
		{"not the derived one", func(good string) string { return good[:len(good)-1] + "0" }, "expected"},
		{"longer than 64 characters", func(good string) string { return good + strings.Repeat("x", 10) }, "65 characters; the API takes 1 to 64"},
		{"not ASCII", func(good string) string { return good[:10] + "é" }, "not printable ASCII"},
		{"with a space", func(good string) string { return good[:10] + " x" }, "not printable ASCII"},
		{"empty", func(string) string { return "" }, "0 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plantest.Sample()
			p.Steps[2].ClientToken = tc.token(p.Steps[2].ClientToken)
			path := writePlan(t, p)
			_, err := plans.Load(path)
			if !errors.Is(err, plans.ErrModified) {
				t.Fatalf("Load: error = %v, want ErrModified", err)
			}
			for _, want := range []string{"step rm-pay-dr", tc.want, path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestValidateAcceptsPlannerShapes: the plans the tests build are valid.
func TestValidateAcceptsPlannerShapes(t *testing.T) {
	for name, p := range map[string]*plans.Plan{"sample": plantest.Sample(), "large": plantest.Large(1001), "empty": {}, "staged": plantest.Staged()} {
		plans.Summarize(p)
		if err := plans.Validate(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
