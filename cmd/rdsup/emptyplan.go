package main

import (
	"fmt"
	"github.com/rdsup/rdsup/executor"
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

// writeAllDone says so when the journal records every step of the plan
// as succeeded: a scheduled run after the campaign finished exits 0 at
// once, without reading credentials or calling the API.
func writeAllDone(w io.Writer, sess *executor.Session) (bool, error) {
	recs := sess.Journal.Steps()
	for _, s := range sess.Plan.Steps {
		if recs[s.ID].State != executor.Succeeded {
			return false, nil
		}
	}
	_, err := fmt.Fprintf(w, "plan %s is done: all %d steps succeeded (journal %s); nothing to apply\n",
		shortPlanID(sess.Plan.ID), len(sess.Plan.Steps), sess.Journal.Path())
	return true, err
}
