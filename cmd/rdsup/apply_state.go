package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/state/postgres"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
)

// runApplyState is apply with --state: the plan is stored in (or, with
// --plan-id alone, read from) the shared PostgreSQL store, and this process
// is one of the plan's workers: it claims ready steps with a lease,
// journals every transition in the store, and goes on while other
// workers hold steps whose dependents it could take up next.
func runApplyState(ctx context.Context, stdout, stderr io.Writer, o *applyOptions) error {
	switch {
	case o.inventory != "":
		return errors.New("-i and --state exclude each other: write the plan with `rdsup plan -o PLANFILE`, then `rdsup apply PLANFILE --state URL`")
	case o.simulate:
		return errors.New("--simulate and --state exclude each other: a simulated run is never recorded as progress of a plan (use `rdsup sim` and --endpoint to try a shared store)")
	case o.planPath == "" && o.trust.planID == "":
		return errors.New("with --state give the PLANFILE to store and apply, or --plan-id ID of a plan already stored (see `rdsup status --state URL`)")
	}
	log, flush := o.runLogger(ctx, stderr)
	defer flush()

	store, err := o.state.connect(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Check(ctx); err != nil {
		return err
	}
	p, ref, err := o.storedPlan(ctx, stderr, store)
	if err != nil {
		return err
	}
	if err := executor.CheckApplicable(p); err != nil {
		if errors.Is(err, executor.ErrDenied) {
			return denied(err.Error())
		}
		return err
	}
	eng, err := o.policy.engine(ctx)
	if err != nil {
		return err
	}
	if err := o.trust.checkPolicySet(ref, p, eng, log); err != nil {
		return err
	}
	var recheck *windowErrors
	o.exec.Window, recheck = policyWindow(ctx, eng, p)
	if empty, err := writeNothingToDo(stdout, p, render.Table); empty || err != nil {
		return err
	}
	w, err := store.OpenWorker(ctx, p)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := previewStored(stdout, p, w, renderOptions(stdout, o.limit)); err != nil {
		return err
	}
	if err := o.confirm(ctx, stderr, len(p.Steps)); err != nil {
		return err
	}
	cloud, stopSim, err := o.cloud(p, log)
	if err != nil {
		return err
	}
	defer stopSim()
	if err := executor.Preflight(ctx, p, w, cloud); err != nil {
		return err
	}
	notef(ctx, stderr, slog.LevelInfo, "worker %s applies plan %s from %s", w.ID, shortPlanID(p.ID), store.Name())
	stopSignals := exitOnSecondSignal(ctx, stderr, func() {})
	defer stopSignals()
	prog := render.NewProgress(stderr, len(p.Steps), o.isTerminal() && logFormatOf(ctx) == logText, log, o.exec.Clock)
	o.exec.OnEvent = prog.Event
	retry := min(max(o.exec.PollInterval, 100*time.Millisecond), 5*time.Second)
	res, err := executor.RunShared(ctx, p, cloud, w, o.exec, retry)
	prog.Finish()
	flush()
	resume := "--state URL --plan-id " + shortPlanID(p.ID)
	if err != nil {
		return fmt.Errorf("apply plan %s: %w (the journal in %s is intact: run `rdsup apply %s` again to resume)", shortPlanID(p.ID), err, store.Name(), resume)
	}
	if err := render.Summary(stdout, res, renderOptions(stdout, o.limit), "`rdsup status --state URL --plan-id "+shortPlanID(p.ID)+" --limit 0` lists them"); err != nil {
		return err
	}
	if err := recheck.err(); err != nil {
		return err
	}
	if fenced := fencedSteps(res); fenced != "" && res.Count(executor.Failed)+res.Count(executor.Blocked) == 0 {
		return pending(fenced)
	}
	return applyOutcome(res, resume)
}

// storedPlan stores the plan file given (and checks --plan-id against it),
// or loads the stored plan --plan-id names.
func (o *applyOptions) storedPlan(ctx context.Context, stderr io.Writer, store *postgres.Store) (*plans.Plan, string, error) {
	if o.planPath == "" {
		p, err := store.LoadPlan(ctx, o.trust.planID)
		if err != nil {
			return nil, "", err
		}
		return p, store.JournalName(p.ID), nil
	}
	if err := o.trust.precheckPlanID(o.planPath); err != nil {
		return nil, "", err
	}
	p, err := plans.Load(o.planPath)
	if err != nil {
		return nil, "", err
	}
	if err := o.trust.checkPlanID(o.planPath, p); err != nil {
		return nil, "", err
	}
	created, err := store.SavePlan(ctx, p, o.state.maxConcurrency)
	if err != nil {
		return nil, "", err
	}
	if created {
		notef(ctx, stderr, slog.LevelInfo, "plan %s stored in %s; other workers join with `rdsup apply --state URL --plan-id %s`", shortPlanID(p.ID), store.Name(), shortPlanID(p.ID))
	}
	return p, o.planPath, nil
}

// previewStored shows the plan and what the store says is already done.
func previewStored(w io.Writer, p *plans.Plan, log executor.StepLog, ro render.Options) error {
	if err := render.RenderWith(w, render.Table, p, ro); err != nil {
		return err
	}
	st := executor.StatusOf(p, log.Path(), log.Steps())
	if done := len(p.Steps) - st.Counts[executor.NotStarted]; done > 0 {
		delete(st.Counts, executor.NotStarted)
		fmt.Fprintf(w, "\nresuming from %s: %s\n", log.Path(), render.Counts(st.Counts))
	}
	return nil
}

// fencedSteps says which steps were not started because another plan
// holds their instance, "" when none.
func fencedSteps(res *executor.Result) string {
	var msgs []string
	for _, s := range res.Steps {
		if s.State == executor.NotStarted && s.Fenced {
			msgs = append(msgs, "step "+s.Step+": "+s.Detail)
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d step(s) not started, their instance held by another plan:\n  %s", len(msgs), strings.Join(msgs, "\n  "))
}
