package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/internal/logcollapse"
	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/plans/render"
)

// simPollInterval is --simulate's poll interval unless --poll-interval is given.
const simPollInterval = 50 * time.Millisecond

// simQPS is --simulate's API rate unless --qps is given.
const simQPS = 1000

// unreachableFor is how long apply keeps retrying an endpoint it cannot
// reach at all (DNS failure, refused connection) before it ends the run;
// tests shorten it.
var unreachableFor = executor.DefaultUnreachableFor

// defaultTimeScale: two simulated hours per real second, so upgrades that
// wait for a maintenance window a day away still finish in seconds.
const defaultTimeScale = 7200

type applyOptions struct {
	limit     int // rows of the plan preview and the result table
	planPath  string
	inventory string
	out       string
	simulate  bool
	timeScale float64
	simPaths  []string // --upgrade-path, with --simulate
	endpoint  string
	profile   string
	yes       bool
	exec      executor.Options
	policy    policyOptions
	trust     trustOptions
	sel       selectionOptions // with -i
	state     stateOptions     // --state: a shared PostgreSQL store (apply_state.go)

	stdin          io.Reader
	stdinTerminal  func() bool
	stderrTerminal func() bool
}

func newApplyCmd() *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE | -i INVENTORY] [flags]",
		Short: "Apply a plan: upgrade every instance, replicas first, exactly once, resumably",
		Long: `Apply verifies a plan file (an edited plan is refused, a plan with denied
steps is refused), takes its lock (PLANFILE.lock), shows what it will do and asks
for confirmation on a terminal (--yes skips it; without a terminal and without
--yes apply refuses). It then upgrades the instances through the RDS OpenAPI:
a step starts as soon as every step it depends on succeeded, up to
--concurrency at once. Progress is journaled in PLANFILE.journal; running apply
again resumes: done steps are skipped, submitted ones polled, unconfirmed ones
re-sent with the same ClientToken, so no instance is ever upgraded twice (an
unconfirmed step whose instance is busy with something else is refused by the
API for its state: apply waits for the instance, then upgrades it).

Each step waits at most --step-timeout for its instance to be Running on the
target version: from the upgrade call (Immediate), or for MaintainTime
upgrades from when the cloud starts the upgrade and at the latest from the
opening of the instance's maintenance window, so an upgrade that never starts
fails instead of being waited on forever. A timed-out step is not spent: the
next apply polls it again.

Before any step starts, apply makes one authenticated read per region with
steps left: rejected credentials, an unknown region or an unreachable endpoint
end the run there with one message (exit 1), nothing changed. During the run an
endpoint that cannot be reached at all (DNS failure, refused connection) is
retried for 2 minutes, then apply stops as if interrupted and exits 1; run it
again to resume.

With -i INVENTORY, apply plans first (like rdsup plan, with its --only,
--exclude and --with-replicas), writes the plan to -o and applies it.

A plan made from an inventory with a rollout: section runs stage by stage: a
stage starts when every step of the stages before it succeeded and their
soak passed; maxConcurrentClusters bounds the clusters in flight in a stage;
more failed steps than a stage's maxFailures stop the campaign. --simulate runs everything against an in-process simulator of
the RDS API seeded from the plan's inventory snapshot, with accelerated time;
no account or network needed.

Credentials come from the Alibaba Cloud SDK's default chain: the environment
(ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
ALIBABA_CLOUD_SECURITY_TOKEN), the aliyun CLI profile (~/.aliyun/config.json,
--profile), or the instance's RAM role. They are never printed or journaled.

--no-wait never waits for a maintenance window, for unattended runs (cron):
a step outside its window is left pending, and a MaintainTime upgrade the
cloud accepted but starts only when the instance's window opens is journaled
with its task as scheduled (rdsup status shows when the window opens); its
primary is not started. A campaign whose stage soaks is left there too. Apply
exits 3 once nothing else can progress; the next apply polls the scheduled
upgrades (never re-sending them) and goes on.

Apply re-checks steps with the policy set the plan was judged with: given
another (-p, --data, --no-default-policies), it names what differs and
refuses, unless --allow-policy-change. --plan-id ID refuses any plan whose id
is not ID (the full id or its first 12 or more hex digits), so a scheduled
job runs only the plan approved in review.

With --state URL (or $RDSUP_STATE) the plan, its journal and the locks live in
PostgreSQL (rdsup state init creates the schema): apply PLANFILE stores the plan
by id, apply --plan-id ID runs a stored plan with no local file, and applies
started on several machines share the plan's steps (see README, "Team state").

Exit codes: 0 every step done, 1 a step failed (or an error), 2 the plan has
denied steps, 3 work left pending (window closed with --no-wait, interrupted).`,
		Example: `  rdsup apply --simulate -i testdata/fleet.yaml --yes
  rdsup apply rdsup-plan.json
  rdsup apply rdsup-plan.json --endpoint http://127.0.0.1:8790 --yes --poll-interval 200ms`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.planPath = args[0]
			}
			o.stdin = cmd.InOrStdin()
			if o.simulate && !cmd.Flags().Changed("poll-interval") {
				o.exec.PollInterval = simPollInterval
			}
			if o.simulate && !cmd.Flags().Changed("qps") {
				o.exec.QPS = simQPS // the in-process simulator has no rate limit to respect
			}
			return runApply(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inventory, "inventory", "i", "", "plan this inventory and apply the plan (instead of PLANFILE)")
	f.StringVarP(&o.out, "out", "o", "", "with -i: plan file to write (default "+defaultPlanFile+"; with --simulate a temporary file)")
	f.BoolVar(&o.simulate, "simulate", false, "apply against an in-process RDS simulator seeded from the plan (no cloud account needed)")
	f.Float64Var(&o.timeScale, "time-scale", defaultTimeScale, "with --simulate: simulated seconds per real second")
	deprecatedAlias(f, "sim-speed", "time-scale")
	f.StringSliceVar(&o.simPaths, "upgrade-path", nil, "with --simulate: the simulator's supported upgrades ENGINE:FROM:TO, repeatable, replacing its defaults (MySQL 5.5→5.6→5.7→8.0), e.g. to offer MySQL:8.0:8.4")
	f.StringVar(&o.endpoint, "endpoint", "", "RDS API endpoint URL (default: the region's public endpoint over HTTPS; http://127.0.0.1:PORT for rdsup sim)")
	f.StringVar(&o.profile, "profile", "", "profile of ~/.aliyun/config.json to take credentials from (default: the SDK's credential chain)")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	f.IntVar(&o.exec.Concurrency, "concurrency", executor.DefaultConcurrency, "steps in flight at once (independent clusters run in parallel)")
	f.Float64Var(&o.exec.QPS, "qps", executor.DefaultQPS, "API calls per second, all actions together")
	f.DurationVar(&o.exec.PollInterval, "poll-interval", executor.DefaultPollInterval, "between batched status reads of in-flight instances")
	f.DurationVar(&o.exec.StepTimeout, "step-timeout", executor.DefaultStepTimeout, "from the upgrade call to Running on the target version (MaintainTime upgrades: from when the upgrade starts, at the latest from the opening of the maintenance window); a timed-out step fails and the next apply polls it again")
	addLimitFlag(f, &o.limit)
	f.BoolVar(&o.exec.KeepGoing, "keep-going", false, "after a failure, keep starting steps of other clusters")
	f.BoolVar(&o.exec.NoWait, "no-wait", false, "never wait for a maintenance window: leave steps outside it pending, and MaintainTime upgrades the cloud accepted but starts only when the window opens scheduled (exit 3; the next apply polls them)")
	limitFloat(f, "time-scale", 0, 1e6, true)
	limitInt(f, "concurrency", 1, 1000)
	limitFloat(f, "qps", 0, 10000, true)
	limitDuration(f, "poll-interval", time.Millisecond, time.Hour)
	limitDuration(f, "step-timeout", time.Second, 30*24*time.Hour)
	_ = cmd.MarkFlagFilename("inventory", "yaml", "yml")
	o.policy.addFlags(f)
	o.trust.addFlags(f)
	o.sel.addFlags(f, "with -i: plan and apply")
	o.state.addFlags(f, true)
	return cmd
}

func runApply(ctx context.Context, stdout, stderr io.Writer, o *applyOptions) error {
	if o.state.resolved() != "" && (o.state.url != "" || !o.simulate) { // --simulate ignores $RDSUP_STATE
		return runApplyState(ctx, stdout, stderr, o)
	}
	if (o.planPath == "") == (o.inventory == "") {
		return errors.New("give either a PLANFILE or -i INVENTORY (see rdsup apply --help)")
	}
	if o.simulate && o.endpoint != "" {
		return errors.New("--simulate and --endpoint exclude each other")
	}
	if len(o.simPaths) > 0 && !o.simulate {
		return errors.New("--upgrade-path says what the --simulate simulator offers; the cloud's paths are its own (for rdsup sim, give it to rdsup sim)")
	}
	if _, err := parseUpgradePaths(o.simPaths); err != nil {
		return err
	}
	if o.inventory == "" && o.sel.given() {
		return errors.New("--only, --exclude and --with-replicas choose what -i INVENTORY plans; a PLANFILE keeps the selection it was planned with (see `rdsup show`)")
	}
	log, flush := o.runLogger(ctx, stderr)
	defer flush()
	planPath, stateDir, cleanup, err := o.preparePlan(ctx, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := o.trust.precheckPlanID(planPath); err != nil {
		return err
	}

	sess, err := executor.Open(planPath, stateDir)
	if err != nil {
		if errors.Is(err, executor.ErrDenied) {
			return denied(err.Error())
		}
		return err
	}
	defer sess.Close()
	if err := o.trust.checkPlanID(planPath, sess.Plan); err != nil {
		return err
	}
	eng, err := o.policy.engine(ctx)
	if err != nil {
		return err
	}
	if err := o.trust.checkPolicySet(planPath, sess.Plan, eng, log); err != nil {
		return err
	}
	var recheck *windowErrors
	o.exec.Window, recheck = policyWindow(ctx, eng, sess.Plan)
	if empty, err := writeNothingToDo(stdout, sess.Plan, render.Table); empty || err != nil {
		return err
	}
	if done, err := writeAllDone(stdout, sess); done || err != nil {
		return err // a finished plan needs no credentials, endpoint or confirmation
	}
	if err := preview(stdout, sess, renderOptions(stdout, o.limit)); err != nil {
		return err
	}
	if err := o.confirm(ctx, stderr, len(sess.Plan.Steps)); err != nil {
		return err
	}

	cloud, stopSim, err := o.cloud(sess.Plan, log)
	if err != nil {
		return err
	}
	defer stopSim()
	if err := executor.Preflight(ctx, sess.Plan, sess.Journal, cloud); err != nil {
		return err
	}

	stopSignals := exitOnSecondSignal(ctx, stderr, cleanup)
	defer stopSignals()
	prog := render.NewProgress(stderr, len(sess.Plan.Steps), o.isTerminal() && logFormatOf(ctx) == logText, log, o.exec.Clock)
	o.exec.OnEvent = prog.Event
	res, err := executor.Run(ctx, sess.Plan, cloud, sess.Journal, o.exec)
	prog.Finish()
	flush()
	if err != nil {
		return fmt.Errorf("apply %s: %w (the journal %s is intact: run apply again to resume)", planPath, err, sess.Journal.Path())
	}
	if err := render.Summary(stdout, res, renderOptions(stdout, o.limit), "`rdsup status PLANFILE --limit 0` lists them"); err != nil {
		return err
	}
	if err := recheck.err(); err != nil {
		return err
	}
	return applyOutcome(res, planPath)
}

// preparePlan returns the plan file to apply, planning it first with -i.
// With --simulate the lock and journal go to a temporary directory, so a
// simulated run never marks steps of a real plan done.
func (o *applyOptions) preparePlan(ctx context.Context, stderr io.Writer) (path, stateDir string, cleanup func(), err error) {
	cleanup = func() {}
	if o.simulate {
		dir, err := os.MkdirTemp("", "rdsup-simulate-")
		if err != nil {
			return "", "", cleanup, err
		}
		var once sync.Once // run by the deferred cleanup or on a second signal, whichever comes first
		cleanup = func() { once.Do(func() { os.RemoveAll(dir) }) }
		stateDir = dir
	}
	path = o.planPath
	if o.inventory != "" {
		p, err := makePlan(ctx, o.inventory, &o.policy, o.sel.selection())
		if err != nil {
			return "", "", cleanup, err
		}
		path = o.out
		switch {
		case path == "" && o.simulate:
			path = filepath.Join(stateDir, defaultPlanFile)
		case path == "":
			path = defaultPlanFile
		}
		if _, err := os.Stat(executor.JournalPath(path)); err == nil && !o.simulate {
			return "", "", cleanup, fmt.Errorf("%s already has an apply journal (%s): resume that plan with `rdsup apply %s`, or write the new plan elsewhere with -o", path, executor.JournalPath(path), path)
		}
		if err := plans.Write(path, p); err != nil {
			return "", "", cleanup, err
		}
		note := ""
		if o.simulate && o.out != "" {
			note = " (its journal is temporary: a simulated run is not recorded as progress of this plan)"
		}
		notef(ctx, stderr, slog.LevelInfo, "plan %s written to %s%s", shortPlanID(p.ID), path, note)
	}
	return path, stateDir, cleanup, nil
}

// preview shows the plan and what the journal says is already done.
func preview(w io.Writer, s *executor.Session, ro render.Options) error {
	if err := render.RenderWith(w, render.Table, s.Plan, ro); err != nil {
		return err
	}
	st := executor.StatusOf(s.Plan, s.Journal.Path(), s.Journal.Steps())
	if done := len(s.Plan.Steps) - st.Counts[executor.NotStarted]; done > 0 {
		delete(st.Counts, executor.NotStarted)
		fmt.Fprintf(w, "\nresuming from %s: %s\n", s.Journal.Path(), render.Counts(st.Counts))
	}
	return nil
}

// confirm asks on a terminal; without one it needs --yes and never reads stdin.
func (o *applyOptions) confirm(ctx context.Context, stderr io.Writer, steps int) error {
	if o.yes {
		return nil
	}
	isTTY := o.stdinTerminal
	if isTTY == nil {
		isTTY = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	}
	if !isTTY() {
		return errors.New("refusing to apply without confirmation: stdin is not a terminal; review the plan and pass --yes")
	}
	target := "the cloud"
	if o.simulate {
		target = "the simulator"
	} else if o.endpoint != "" {
		target = o.endpoint
	}
	if logFormatOf(ctx) == logJSON {
		notef(ctx, stderr, slog.LevelInfo, "Apply %d upgrade step(s) to %s? Only 'yes' is accepted", steps, target)
	} else {
		fmt.Fprintf(stderr, "\nApply %d upgrade step(s) to %s? Only 'yes' is accepted: ", steps, target)
	}
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(o.stdin).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		if strings.TrimSpace(line) == "yes" {
			return nil
		}
	case <-ctx.Done():
		if logFormatOf(ctx) == logText {
			fmt.Fprintln(stderr) // end the prompt's line
		}
	}
	return errors.New("apply cancelled: nothing was changed")
}

func (o *applyOptions) isTerminal() bool {
	if o.stderrTerminal != nil {
		return o.stderrTerminal()
	}
	return term.IsTerminal(int(os.Stderr.Fd()))
}

// cloud returns the RDS API client: the real endpoint, or an in-process
// simulator on loopback.
func (o *applyOptions) cloud(p *plans.Plan, log *slog.Logger) (executor.Cloud, func(), error) {
	if o.simulate {
		return startSimulator(p, o, log)
	}
	c, err := rdsapi.New(rdsapi.Config{Endpoint: o.endpoint, Profile: o.profile, MaxConns: max(4, o.exec.Concurrency+2)})
	if err != nil {
		return nil, nil, err
	}
	return c, func() {}, nil
}

// exitNow is os.Exit; tests replace it.
var exitNow = os.Exit

// exitOnSecondSignal: the first SIGINT/SIGTERM cancels ctx (main's
// NotifyContext) and apply stops gracefully; a second one runs cleanup
// (--simulate's temporary directory) and exits at once. The journal is
// fsynced per record, so both leave a resumable state.
func exitOnSecondSignal(ctx context.Context, stderr io.Writer, cleanup func()) func() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; {
			select {
			case <-ch:
				if n++; n >= 2 {
					notef(ctx, stderr, slog.LevelWarn, "rdsup: second signal: exiting now; the journal is intact, run apply again to resume")
					cleanup()
					exitNow(exitPending)
					return
				}
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// applyOutcome maps a run's result to the exit code.
func applyOutcome(res *executor.Result, planPath string) error {
	failed, blocked := res.Count(executor.Failed), res.Count(executor.Blocked)
	if failed+blocked > 0 {
		stopped := ""
		if note := render.StoppedNote(res.Stages); note != "" {
			stopped = note + "; "
		}
		return fmt.Errorf("%s%d step(s) failed, %d blocked behind them; see the summary; fix the cause and run `rdsup apply %s` again, or make a new plan", stopped, failed, blocked, planPath)
	}
	if !res.Done() {
		left := len(res.Steps) - res.Count(executor.Succeeded)
		why := "windows closed or --no-wait"
		if n := res.Count(executor.Scheduled); n > 0 {
			why = fmt.Sprintf("%d upgrade(s) accepted and scheduled for their maintenance window, see `rdsup status %s`", n, planPath)
		}
		if note := render.SoakNote(res.Stages); note != "" {
			why = note
		}
		if res.Interrupted {
			why = "interrupted"
		}
		return pending(fmt.Sprintf("%d step(s) left pending (%s); run `rdsup apply %s` again to resume", left, why, planPath))
	}
	return nil
}

func shortPlanID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// runLogger sets up apply's logger (repeated warnings collapsed, the
// request id left out when comparing them) and its defaults for a run;
// flush prints what the collapsing still holds.
func (o *applyOptions) runLogger(ctx context.Context, stderr io.Writer) (*slog.Logger, func()) {
	if o.exec.UnreachableFor == 0 {
		o.exec.UnreachableFor = unreachableFor
	}
	logs := logcollapse.New(newLogHandler(ctx, stderr, slog.LevelInfo),
		logcollapse.Options{Normalize: rdsapi.WithoutRequestID})
	log := slog.New(logs)
	o.exec.Logger = log
	return log, func() { logs.Flush(context.WithoutCancel(ctx)) }
}
