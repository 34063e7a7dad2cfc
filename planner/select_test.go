package planner

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/plans"
)

const selectFleet = `defaults:
  region: cn-hangzhou
  engine: MySQL
  engineVersion: "5.5"
  targetVersion: "5.6"
  effectiveTime: Immediate
  status: Running
  maintainTime: "18:00Z-22:00Z"
instances:
  - {id: rm-pay-db, role: primary, tags: {env: prod, team: payments}}
  - {id: rr-pay-ro1, role: readonly, primary: rm-pay-db, tags: {env: prod, team: payments}}
  - {id: rm-pay-stg, role: primary, tags: {env: staging, team: payments}}
  - {id: rm-shop-db, role: primary, region: cn-beijing, tags: {env: prod, team: shop}}
  - {id: rm-crm-db, role: primary, tags: {env: staging}}
`

func TestSelection(t *testing.T) {
	tests := []struct {
		name   string
		sel    plans.Selection
		steps  string // step ids, sorted, space-separated
		errHas []string
	}{
		{name: "an id", sel: plans.Selection{Only: []string{"rm-crm-db"}}, steps: "rm-crm-db"},
		{name: "a glob and a replica-less primary", sel: plans.Selection{Only: []string{"rm-pay-s*"}}, steps: "rm-pay-stg"},
		{name: "glob with replicas", sel: plans.Selection{Only: []string{"rm-pay-*"}, WithReplicas: true}, steps: "rm-pay-db rm-pay-stg rr-pay-ro1"},
		{name: "tag", sel: plans.Selection{Only: []string{"env=staging"}}, steps: "rm-crm-db rm-pay-stg"},
		{name: "tag not equal matches instances without the tag", sel: plans.Selection{Only: []string{"team!=payments"}}, steps: "rm-crm-db rm-shop-db"},
		{name: "terms joined by commas all hold", sel: plans.Selection{Only: []string{"env=prod,team!=payments"}}, steps: "rm-shop-db"},
		{name: "repeated --only: any", sel: plans.Selection{Only: []string{"rm-crm-db", "region=cn-beijing"}}, steps: "rm-crm-db rm-shop-db"},
		{name: "region glob", sel: plans.Selection{Only: []string{"region=cn-b*"}}, steps: "rm-shop-db"},
		{name: "exclude alone", sel: plans.Selection{Exclude: []string{"team=payments"}}, steps: "rm-crm-db rm-shop-db"},
		{name: "only then exclude", sel: plans.Selection{Only: []string{"env=staging"}, Exclude: []string{"rm-crm-*"}}, steps: "rm-pay-stg"},
		{name: "a replica alone goes one hop ahead", sel: plans.Selection{Only: []string{"rr-pay-ro1"}}, steps: "rr-pay-ro1"},
		{name: "primary without its replica", sel: plans.Selection{Only: []string{"rm-pay-db"}},
			errHas: []string{"instance rm-pay-db: is selected but its replicas rr-pay-ro1 are not, and they are not on 5.6", "--with-replicas"}},
		{name: "exclude wins over --with-replicas", sel: plans.Selection{Only: []string{"team=payments"}, Exclude: []string{"rr-*"}, WithReplicas: true},
			errHas: []string{"its replicas rr-pay-ro1 are not"}},
		{name: "a selector that matches nothing", sel: plans.Selection{Only: []string{"rm-nope", "env=prod"}, Exclude: []string{"team=ghosts"}},
			errHas: []string{`--only "rm-nope" matches no instance of sel.yaml`, `--exclude "team=ghosts" matches no instance`}},
		{name: "bad glob", sel: plans.Selection{Only: []string{"rm-[pay"}}, errHas: []string{`"rm-[pay" is not a valid glob`}},
		{name: "empty selector", sel: plans.Selection{Only: []string{""}}, errHas: []string{"an empty selector"}},
		{name: "no key", sel: plans.Selection{Only: []string{"=prod"}}, errHas: []string{`has no key before the =`}},
		{name: "empty term", sel: plans.Selection{Only: []string{"env=prod,,team=shop"}}, errHas: []string{"has an empty term"}},
	}
	inv, err := Parse("sel.yaml", []byte(selectFleet))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := tt.sel
			p, err := BuildWith(inv, Options{Selection: &sel})
			if tt.errHas != nil {
				if err == nil {
					t.Fatalf("no error; want one containing %q", tt.errHas)
				}
				if !errors.Is(err, ErrSelection) && !errors.Is(err, ErrInvalid) {
					t.Errorf("error %v is neither ErrSelection nor ErrInvalid", err)
				}
				for _, w := range tt.errHas {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range p.Steps {
				ids = append(ids, s.ID)
			}
			slices.Sort(ids)
			if got := strings.Join(ids, " "); got != tt.steps {
				t.Errorf("steps %q, want %q", got, tt.steps)
			}
			if p.Inputs.Selection == nil || !slices.Equal(p.Inputs.Selection.Only, tt.sel.Only) {
				t.Errorf("plan records selection %+v, want %+v", p.Inputs.Selection, tt.sel)
			}
		})
	}
}
