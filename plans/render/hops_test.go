package render_test

import (
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/plantest"
	"github.com/rdsup/rdsup/plans/render"
)

// A step that depends on one hop of a multi-hop upgrade names the hop
// (instance@version), not just the instance, in table and Markdown.
func TestDependsOnNamesTheHop(t *testing.T) {
	p := plantest.Sample()
	crm := p.Step("rm-crm-db")
	hop2 := *crm
	crm.ID, crm.ToVersion = "rm-crm-db@5.6", "5.6"
	hop2.ID, hop2.FromVersion, hop2.ToVersion, hop2.DependsOn, hop2.Wave = "rm-crm-db@5.7", "5.6", "5.7", []string{"rm-crm-db@5.6"}, 2
	p.Steps = append(p.Steps, hop2)
	plans.Summarize(p)
	for _, format := range []string{render.Table, render.Markdown} {
		out := renderString(t, format, p, render.Options{Limit: 0})
		if !strings.Contains(out, "rm-crm-db@5.6") {
			t.Errorf("%s: the dependency on hop rm-crm-db@5.6 is not named:\n%s", format, out)
		}
		if strings.Contains(out, "rm-crm-dr@") {
			t.Errorf("%s: a single-hop dependency shown with a version", format)
		}
	}
}
