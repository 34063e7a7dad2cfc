package plans_test

import (
	"slices"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
)

func TestDiffPolicySets(t *testing.T) {
	f := func(path, digest string) plans.PolicyFile { return plans.PolicyFile{Path: path, Digest: digest} }
	tests := []struct {
		name string
		edit func(s *plans.PolicySet)
		want []string
	}{
		{"same", func(*plans.PolicySet) {}, nil},
		{"file removed", func(s *plans.PolicySet) { s.Files = s.Files[:4] },
			[]string{"policy file team/freeze.rego removed (the plan was judged with it)"}},
		{"file added", func(s *plans.PolicySet) { s.Files = append(s.Files, f("team/more.rego", "sha256:aa")) },
			[]string{"policy file team/more.rego added (the plan was judged without it)"}},
		{"file changed", func(s *plans.PolicySet) { s.Files[4].Digest = "sha256:bb" },
			[]string{"policy file team/freeze.rego changed"}},
		{"built-in file changed", func(s *plans.PolicySet) { s.Files[0].Digest = "sha256:bb" },
			[]string{"policy file builtin/replicas.rego changed (this rdsup's built-in file differs from that of the rdsup that made the plan)"}},
		{"second file of the same path", func(s *plans.PolicySet) { s.Files = append(s.Files, f("team/freeze.rego", "sha256:cc")) },
			[]string{"policy file team/freeze.rego changed"}},
		{"built-ins off", func(s *plans.PolicySet) { s.Builtin, s.Files = false, s.Files[4:] },
			[]string{"built-in policies turned off (--no-default-policies; the plan was judged with them)"}},
		{"data removed, file added", func(s *plans.PolicySet) {
			s.Data = s.Data[:1]
			s.Files = append(s.Files, f("z.rego", "sha256:dd"))
		}, []string{"policy file z.rego added (the plan was judged without it)", "data file paths.yaml removed (the plan was judged with it)"}},
		{"data reordered", func(s *plans.PolicySet) { s.Data[0], s.Data[1] = s.Data[1], s.Data[0] },
			[]string{"data files merged in another order: [builtin/data.yaml, paths.yaml] in the plan, [paths.yaml, builtin/data.yaml] now"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, now := plantest.PolicySet(), plantest.PolicySet()
			tc.edit(&now)
			got := plans.DiffPolicySets(plan, now)
			if !slices.Equal(got, tc.want) {
				t.Errorf("diff:\n got %q\nwant %q", got, tc.want)
			}
			if plan.Equal(now) != (tc.want == nil) {
				t.Errorf("Equal = %t with differences %q", plan.Equal(now), got)
			}
		})
	}
	// The other way round: built-ins turned on.
	plan := plantest.PolicySet()
	plan.Builtin, plan.Files = false, plan.Files[4:]
	if got := plans.DiffPolicySets(plan, plantest.PolicySet()); !slices.Equal(got, []string{"built-in policies turned on (the plan was judged without them: --no-default-policies)"}) {
		t.Errorf("built-ins on: %q", got)
	}
}
