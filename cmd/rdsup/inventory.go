package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/planner/discover"
	"github.com/rdsup/rdsup/plans"
)

// defaultInventoryFile is where discovery writes without -o or --merge.
const defaultInventoryFile = "fleet.yaml"

type discoverOptions struct {
	regions       []string
	allRegions    bool
	tags          []string
	engine        string
	targetVersion string
	effectiveTime string
	endpoint      string
	profile       string
	out           string
	merge         string
	qps           float64
	concurrency   int

	now            func() time.Time
	stderrTerminal func() bool
}

func newInventoryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Work with inventories: discover one from the account",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDiscoverCmd())
	return cmd
}

func newDiscoverCmd() *cobra.Command {
	o := &discoverOptions{}
	cmd := &cobra.Command{
		Use:   "discover --region REGION... [flags]",
		Short: "Read the fleet from the account and write it as an inventory",
		Long: `Discover reads the RDS instances of the given regions (or of every region with
--all-regions) through the RDS OpenAPI: the instance list (paged, filtered by
the API with --tag and --engine), each instance's attributes (in batches of
30) and tags (ListTagResources). It maps the instance types to roles
(Primary → primary, Readonly → readonly, Guard → disaster-recovery; Temp
instances are skipped with a note), fills primary from the master and guard
links, and writes an inventory: clusters together, primaries first, common
values under defaults:, a header naming the source.

Without --target-version the inventory leaves targetVersion for you to set
(rdsup plan says so). --merge FILE updates an inventory you edited: what the
cloud reports (versions, status, roles, windows, storage, its tags) is
refreshed; what you wrote (targetVersion, effectiveTime, tags the cloud does
not report) is kept; instances no longer found are removed (only in the
regions and filters discovered); added, removed and changed instances are
printed.

Calls are concurrent (--concurrency), rate-limited (--qps) and retried when
throttled. Any region failing fails the command and nothing is written; the
file is written atomically.

RAM permissions needed: rds:DescribeDBInstances, rds:DescribeDBInstanceAttribute,
rds:ListTagResources, and with --all-regions rds:DescribeRegions (the
AliyunRDSReadOnlyAccess policy has them).`,
		Example: `  rdsup inventory discover --region cn-hangzhou --region cn-shanghai --tag env=prod -o fleet.yaml
  rdsup inventory discover --all-regions --engine MySQL --target-version 8.0 -o fleet.yaml
  rdsup inventory discover --region cn-hangzhou --merge fleet.yaml
  rdsup inventory discover --endpoint http://127.0.0.1:8790 --region cn-hangzhou -o fleet.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDiscover(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.regions, "region", nil, "region to read (repeatable), e.g. cn-hangzhou")
	f.BoolVar(&o.allRegions, "all-regions", false, "read every region DescribeRegions lists")
	f.StringArrayVar(&o.tags, "tag", nil, "only instances with this tag, KEY=VALUE (repeatable, at most 5; the API filters)")
	f.StringVar(&o.engine, "engine", "", "only instances of this engine, e.g. MySQL")
	f.StringVar(&o.targetVersion, "target-version", "", "write this targetVersion under defaults: (with --merge: only for instances without one)")
	f.StringVar(&o.effectiveTime, "effective-time", "", "write this effectiveTime (Immediate or MaintainTime) for instances without one")
	f.StringVar(&o.endpoint, "endpoint", "", "RDS API endpoint URL (default: the region's public endpoint over HTTPS; http://127.0.0.1:PORT for rdsup sim)")
	f.StringVar(&o.profile, "profile", "", "profile of ~/.aliyun/config.json to take credentials from (default: the SDK's credential chain)")
	f.StringVarP(&o.out, "out", "o", "", "inventory file to write (default "+defaultInventoryFile+", or the --merge file)")
	f.StringVar(&o.merge, "merge", "", "inventory to update: keep what a person wrote, refresh what the cloud reports")
	f.Float64Var(&o.qps, "qps", discover.DefaultQPS, "API calls per second, all actions together")
	f.IntVar(&o.concurrency, "concurrency", discover.DefaultConcurrency, "API calls in flight at once")
	limitFloat(f, "qps", 0, 10000, true)
	limitInt(f, "concurrency", 1, 256)
	_ = cmd.MarkFlagFilename("out", "yaml", "yml")
	_ = cmd.MarkFlagFilename("merge", "yaml", "yml")
	completeFlag(cmd, "region", completeRegions)
	completeFlag(cmd, "effective-time", fixedCompletion(plans.EffectiveImmediate, plans.EffectiveMaintenance))
	return cmd
}

func runDiscover(ctx context.Context, stdout, stderr io.Writer, o *discoverOptions) error {
	dopts, err := o.discoverOptions()
	if err != nil {
		return err
	}
	out := o.out
	if out == "" {
		out = o.merge
	}
	if out == "" {
		out = defaultInventoryFile
	}
	var old *planner.Inventory
	if o.merge != "" {
		if old, err = planner.LoadDraft(o.merge); err != nil {
			return fmt.Errorf("--merge: %w", err)
		}
	}
	c, err := rdsapi.New(rdsapi.Config{Endpoint: o.endpoint, Profile: o.profile, MaxConns: o.concurrency})
	if err != nil {
		return err
	}
	prog := newDiscoverProgress(stderr, o.isTerminal())
	dopts.Progress = prog.update
	start := time.Now()
	res, err := discover.Discover(ctx, c.Discovery(), dopts)
	prog.finish()
	if err != nil {
		return fmt.Errorf("inventory discover: %w; nothing was written", err)
	}
	found := res.InventoryInstances()
	for i := range found {
		found[i].TargetVersion, found[i].EffectiveTime = o.targetVersion, o.effectiveTime
	}
	insts := found
	var ch discover.Changes
	if old != nil {
		insts, ch = discover.Merge(old.Instances, old.Defaults, found, res.Regions, dopts.Filter)
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	h := discover.Header{Source: o.endpoint, Profile: o.profile, Regions: res.Regions, Filter: dopts.Filter,
		At: now().UTC().Truncate(time.Second), Version: rdsupVersion(), Notes: res.Notes}
	data := discover.Encode(insts, h)
	if _, err := planner.ParseDraft(out, data); err != nil { // never write what plan would refuse to read
		return fmt.Errorf("inventory discover: the inventory to write does not validate (nothing was written): %w", err)
	}
	if err := plans.WriteFileAtomic(out, data, 0o644); err != nil {
		return fmt.Errorf("write inventory: %w", err)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	if old != nil {
		printChanges(stdout, &ch)
	}
	fmt.Fprintf(stderr, "%d instance(s) of %s written to %s (%d API calls in %s)\n", len(insts), strings.Join(res.Regions, ", "), out,
		res.Calls, time.Since(start).Round(time.Millisecond))
	if slicesContainsEmptyTarget(insts) {
		fmt.Fprintf(stderr, "next: set targetVersion under defaults: in %s (or per instance), then run `rdsup plan -i %s`\n", out, out)
	}
	return nil
}

func (o *discoverOptions) discoverOptions() (discover.Options, error) {
	d := discover.Options{Regions: o.regions, AllRegions: o.allRegions, QPS: o.qps, Concurrency: o.concurrency}
	if o.allRegions && len(o.regions) > 0 {
		return d, errors.New("--all-regions and --region exclude each other")
	}
	if !o.allRegions && len(o.regions) == 0 {
		return d, errors.New("say which regions to read: --region REGION (repeatable) or --all-regions")
	}
	switch o.effectiveTime {
	case "", plans.EffectiveImmediate, plans.EffectiveMaintenance:
	default:
		return d, fmt.Errorf("--effective-time %q: use Immediate or MaintainTime", o.effectiveTime)
	}
	d.Filter.Engine = o.engine
	for _, t := range o.tags {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return d, fmt.Errorf("--tag %q: write KEY=VALUE, e.g. --tag env=prod", t)
		}
		if d.Filter.Tags == nil {
			d.Filter.Tags = map[string]string{}
		}
		if prev, dup := d.Filter.Tags[k]; dup && prev != v {
			return d, fmt.Errorf("--tag %s is given twice (%s and %s): an instance has one value per tag", k, prev, v)
		}
		d.Filter.Tags[k] = v
	}
	if len(d.Filter.Tags) > discover.MaxTagsIn {
		return d, fmt.Errorf("%d --tag filters: the API filters on at most %d tags", len(d.Filter.Tags), discover.MaxTagsIn)
	}
	return d, nil
}

func slicesContainsEmptyTarget(insts []plans.Instance) bool {
	for _, in := range insts {
		if in.TargetVersion == "" {
			return true
		}
	}
	return false
}

func printChanges(w io.Writer, ch *discover.Changes) {
	if ch.Empty() {
		fmt.Fprintln(w, "no changes")
	}
	for _, id := range ch.Added {
		fmt.Fprintln(w, "added:  ", id)
	}
	for _, id := range ch.Removed {
		fmt.Fprintln(w, "removed:", id)
	}
	for _, c := range ch.Changed {
		fmt.Fprintln(w, "changed:", c)
	}
	if ch.Kept > 0 {
		fmt.Fprintf(w, "kept as written: %d instance(s) outside the regions or filters discovered\n", ch.Kept)
	}
}

func (o *discoverOptions) isTerminal() bool {
	if o.stderrTerminal != nil {
		return o.stderrTerminal()
	}
	return term.IsTerminal(int(os.Stderr.Fd()))
}

// rdsupVersion is the version `rdsup version` prints.
func rdsupVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// discoverProgress is one updating line on a terminal, nothing otherwise.
type discoverProgress struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newDiscoverProgress(w io.Writer, tty bool) *discoverProgress {
	return &discoverProgress{w: w, tty: tty}
}

func (p *discoverProgress) update(pr discover.Progress) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.shown = time.Now(), true
	fmt.Fprintf(p.w, "\r\033[Kdiscovering: %d/%d regions listed, %d instances, %d described, %d API calls",
		pr.RegionsListed, pr.Regions, pr.Listed, pr.Described, pr.Calls)
}

func (p *discoverProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
