package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
	"github.com/spf13/pflag"
)

// policyOptions are the flags that choose and parameterise the policies
// used by `rdsup plan`, `rdsup check` and `rdsup apply -i`.
type policyOptions struct {
	dirs       []string
	data       []string
	noDefaults bool
	at         string
	timeout    time.Duration
}

// defaultPolicyTimeout bounds the policies' judgement of a whole plan (and
// each re-check of a step by apply): the built-in policies judge a
// 100,000-instance plan in 1.5–3.5s on 2 busy cores, so 30s leaves team
// policies room while a policy that loops fails a CI job in half a minute.
const defaultPolicyTimeout = 30 * time.Second

func (o *policyOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&o.dirs, "policy", "p", nil, "directory of Rego policies (package rdsup.*) added to the built-in ones; repeatable")
	fs.StringArrayVar(&o.data, "data", nil, "YAML or JSON data file merged over the built-in policy data; repeatable")
	fs.BoolVar(&o.noDefaults, "no-default-policies", false, "leave out the built-in policies")
	fs.StringVar(&o.at, "at", "", "time the policies judge the plan at (input.plan.at), RFC 3339; default now")
	fs.DurationVar(&o.timeout, "policy-timeout", defaultPolicyTimeout, "longest the policies may take to judge the plan (with apply: to re-check one step); past it the command fails naming the rule and step")
	limitDuration(fs, "policy-timeout", time.Millisecond, 24*time.Hour)
}

// options turns the flags into the policy package's options.
func (o *policyOptions) options() policy.Options {
	timeout := o.timeout
	if timeout == 0 { // options built without flags
		timeout = defaultPolicyTimeout
	}
	return policy.Options{Dirs: o.dirs, DataFiles: o.data, NoDefaults: o.noDefaults, Timeout: timeout}
}

// engine loads and prepares the chosen policies once.
func (o *policyOptions) engine(ctx context.Context) (*policy.Engine, error) {
	return policy.New(ctx, o.options())
}

// evalErr adds what to do to an evaluation that timed out.
func evalErr(err error) error {
	if errors.Is(err, policy.ErrTimeout) {
		return fmt.Errorf("%w; if the policies are only slow, raise --policy-timeout", err)
	}
	return err
}

// atTime is --at, or now (UTC) when not given, truncated to the minute:
// windows are judged to the minute, and two plans of one inventory made in
// the same minute keep the same id.
func (o *policyOptions) atTime() (time.Time, error) {
	if o.at == "" {
		return time.Now().UTC().Truncate(time.Minute), nil
	}
	t, err := time.Parse(time.RFC3339, o.at)
	if err != nil {
		return time.Time{}, fmt.Errorf("--at %q: not an RFC 3339 time; write it like 2026-01-02T19:00:00Z", o.at)
	}
	return t.UTC(), nil
}

// evaluate fills every step's policy verdict and p.Inputs.PolicyDigest /
// PolicyAt, then plans.Summarize(p). It is called before plans.Seal.
func (o *policyOptions) evaluate(ctx context.Context, p *plans.Plan) error {
	at, err := o.atTime()
	if err != nil {
		return err
	}
	e, err := o.engine(ctx)
	if err != nil {
		return err
	}
	defer tuneGC()()
	return evalErr(e.Evaluate(ctx, p, at))
}

// GC settings while a whole plan is evaluated; see tuneGC.
const (
	evalGCPercent = 400
	memoryLimit   = 380 << 20
)

// tuneGC trades memory for speed while the policies judge a plan: they
// allocate about 10 KB of short-lived terms per step, and with the default
// GC target every doubling of the heap re-marks the whole plan held in
// memory (at 100,000 instances a third of the evaluation's CPU time). It
// raises the GC target to evalGCPercent until the returned function is
// called, under a soft memory limit that also stays for the rest of the
// command (sealing and encoding a 100,000-instance plan peak above 500 MB
// without it). GOGC and GOMEMLIMIT in the environment win over both.
func tuneGC() (restore func()) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(evalGCPercent)
	return func() { debug.SetGCPercent(old) }
}
