package main

import (
	"fmt"
	"io"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
)

// nothingToDo is what plan, show and apply print for a plan without steps,
// instead of an empty table.
const nothingToDo = "nothing to do: every instance is already on its target"

// writeNothingToDo says so for a plan without steps in a format meant for
// people (JSON still gets the plan) and reports whether it did.
func writeNothingToDo(w io.Writer, p *plans.Plan, format string) (bool, error) {
	if len(p.Steps) > 0 || format == render.JSON {
		return false, nil
	}
	_, err := fmt.Fprintf(w, "%s (%d instances, plan %s)\n", nothingToDo, p.Summary.Instances, shortPlanID(p.ID))
	return true, err
}
