package discover

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/rdsup/rdsup/planner"
)

// Defaults of Options.
const (
	DefaultQPS         = 20
	DefaultConcurrency = 8
	// DefaultAttempts: a throttled or transient call is tried this often.
	DefaultAttempts = 8
)

// Options say what to discover and how fast.
type Options struct {
	Regions     []string // regions to read; ignored with AllRegions
	AllRegions  bool     // read the region list first
	Filter      Filter
	QPS         float64 // API calls per second, all together; 0 → DefaultQPS
	Concurrency int     // calls in flight; 0 → DefaultConcurrency
	Attempts    int     // 0 → DefaultAttempts
	// Backoff is the first retry's wait (doubling, at most 32×); 0 → 200ms.
	Backoff time.Duration
	// Progress, when set, is called as work is done (from several goroutines, serialised).
	Progress func(Progress)
}

// Progress counts discovery's work so far.
type Progress struct {
	Regions, RegionsListed int
	Listed, Described      int
	Calls                  int64
}

// Result is what discovery found.
type Result struct {
	Regions   []string   // read, sorted
	Instances []Instance // sorted by id; Temp instances are left out
	Notes     []string   // things a person should know (skipped, outside the selection)
	Calls     int64      // API calls made, retries included
}

// withDefaults fills the zero fields of o with the defaults.
func (o Options) withDefaults() Options {
	if o.QPS <= 0 {
		o.QPS = DefaultQPS
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = 200 * time.Millisecond
	}
	return o
}

// Discover reads the account. Any region failing fails the whole: no
// partial result is returned.
func Discover(ctx context.Context, acct Account, o Options) (*Result, error) {
	o = o.withDefaults()
	if len(o.Filter.Tags) > MaxTagsIn {
		return nil, fmt.Errorf("%d --tag filters: the API filters on at most %d tags", len(o.Filter.Tags), MaxTagsIn)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	d := &run{acct: acct, o: o, lim: rate.NewLimiter(rate.Limit(o.QPS), max(1, int(o.QPS))), slots: make(chan struct{}, o.Concurrency)}
	regions, err := d.regions(ctx)
	if err != nil {
		return nil, err
	}
	d.prog.Regions = len(regions)
	d.report()
	found := make([][]Instance, len(regions))
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var errs []error
	for i, r := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			insts, err := d.region(ctx, r)
			if err != nil {
				errMu.Lock()
				if ctx.Err() == nil || len(errs) == 0 {
					errs = append(errs, fmt.Errorf("region %s: %w", r, err))
				}
				errMu.Unlock()
				cancel(err)
				return
			}
			found[i] = insts
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	res := &Result{Regions: regions, Calls: d.calls.Load()}
	for _, insts := range found {
		res.Instances = append(res.Instances, insts...)
	}
	slices.SortFunc(res.Instances, func(a, b Instance) int { return strings.Compare(a.ID, b.ID) })
	res.Instances, res.Notes = skipTemp(res.Instances)
	if err := d.checkMasters(ctx, res); err != nil {
		return nil, err
	}
	res.Calls = d.calls.Load()
	return res, nil
}

// run is one discovery in progress.
type run struct {
	acct  Account
	o     Options
	lim   *rate.Limiter
	slots chan struct{}
	calls atomic.Int64

	mu   sync.Mutex
	prog Progress
}

func (d *run) report() {
	if d.o.Progress == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.prog
	p.Calls = d.calls.Load()
	d.o.Progress(p)
}

func (d *run) count(f func(p *Progress)) {
	d.mu.Lock()
	f(&d.prog)
	d.mu.Unlock()
	d.report()
}

// call runs fn within the rate limit and the concurrency bound, retrying
// what the account marks ErrRetryable with a doubling backoff.
func (d *run) call(ctx context.Context, fn func() error) error {
	wait := d.o.Backoff
	for attempt := 1; ; attempt++ {
		if err := d.lim.Wait(ctx); err != nil {
			return cause(ctx, err)
		}
		select {
		case d.slots <- struct{}{}:
		case <-ctx.Done():
			return cause(ctx, ctx.Err())
		}
		d.calls.Add(1)
		err := fn()
		<-d.slots
		if err == nil || !errors.Is(err, ErrRetryable) || attempt >= d.o.Attempts {
			if err != nil && errors.Is(err, ErrRetryable) {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return cause(ctx, ctx.Err())
		}
		wait = min(wait*2, d.o.Backoff*32)
	}
}

func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil {
		return c
	}
	return err
}

// regions returns the regions to read, checked against the SDK's table.
func (d *run) regions(ctx context.Context) ([]string, error) {
	list := d.o.Regions
	if d.o.AllRegions {
		err := d.call(ctx, func() error {
			var err error
			list, err = d.acct.Regions(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list regions: %w", err)
		}
	}
	if len(list) == 0 {
		return nil, errors.New("no region to discover: give --region (repeatable) or --all-regions")
	}
	var errs []error
	for _, r := range list {
		if ok, hint := planner.KnownRegion(r); !ok && !d.o.AllRegions {
			errs = append(errs, fmt.Errorf("%w %q (%s)", ErrUnknownRegion, r, hint))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	list = slices.Clone(list)
	slices.Sort(list)
	return slices.Compact(list), nil
}

// region lists a region's instances, then reads their attributes and tags.
func (d *run) region(ctx context.Context, region string) ([]Instance, error) {
	var listed []Instance
	token := ""
	for {
		var page []Instance
		next := ""
		err := d.call(ctx, func() error {
			var err error
			page, next, err = d.acct.ListInstances(ctx, region, d.o.Filter, token)
			return err
		})
		if errors.Is(err, ErrUnknownRegion) {
			return nil, fmt.Errorf("list instances: the service does not offer RDS in %s (check --region; --all-regions reads the regions it offers): %w", region, err)
		}
		if err != nil {
			return nil, fmt.Errorf("list instances: %w", err)
		}
		listed = append(listed, page...)
		d.count(func(p *Progress) { p.Listed += len(page) })
		if token = next; token == "" {
			break
		}
	}
	d.count(func(p *Progress) { p.RegionsListed++ })
	ids := make([]string, len(listed))
	for i, in := range listed {
		ids[i] = in.ID
	}
	attrs := make(map[string]Instance, len(ids))
	tags := make(map[string]map[string]string, len(ids))
	var mu sync.Mutex
	err := d.batches(ctx, ids, MaxDescribe, func(chunk []string) error {
		var got []Instance
		err := d.call(ctx, func() error {
			var err error
			got, err = d.acct.Describe(ctx, region, chunk)
			return err
		})
		if err != nil {
			return fmt.Errorf("describe instances: %w", err)
		}
		mu.Lock()
		for _, a := range got {
			attrs[a.ID] = a
		}
		mu.Unlock()
		d.count(func(p *Progress) { p.Described += len(chunk) })
		return nil
	}, func(chunk []string) error {
		for token := ""; ; {
			var got map[string]map[string]string
			next := ""
			err := d.call(ctx, func() error {
				var err error
				got, next, err = d.acct.Tags(ctx, region, chunk, token)
				return err
			})
			if err != nil {
				return fmt.Errorf("list tags: %w", err)
			}
			mu.Lock()
			for id, kv := range got { // a page may carry part of an instance's tags
				if tags[id] == nil {
					tags[id] = map[string]string{}
				}
				maps.Copy(tags[id], kv)
			}
			mu.Unlock()
			if token = next; token == "" {
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]Instance, 0, len(listed))
	for _, l := range listed {
		a, ok := attrs[l.ID]
		if !ok {
			continue // deleted between the list and the describe
		}
		merged := l
		merged.MaintainTime, merged.StorageGB = a.MaintainTime, a.StorageGB
		if a.Status != "" {
			merged.Status = a.Status
		}
		if a.EngineVersion != "" {
			merged.EngineVersion = a.EngineVersion
		}
		if merged.Region == "" {
			merged.Region = region
		}
		merged.Tags = userTags(tags[l.ID])
		out = append(out, merged)
	}
	return out, nil
}

// batches runs describe over ids in chunks of size n and tags in chunks of
// MaxTags, concurrently; the first error cancels the rest.
func (d *run) batches(ctx context.Context, ids []string, n int, describe, tags func([]string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	spawn := func(chunk []string, fn func([]string) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ctx.Err() != nil {
				return
			}
			if err := fn(chunk); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		}()
	}
	for start := 0; start < len(ids); start += n {
		spawn(ids[start:min(start+n, len(ids))], describe)
	}
	for start := 0; start < len(ids); start += MaxTags {
		spawn(ids[start:min(start+MaxTags, len(ids))], tags)
	}
	wg.Wait()
	return first
}

// userTags drops the service's own tags (acs:…, aliyun…), which no one sets.
func userTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		if strings.HasPrefix(k, "acs:") || strings.HasPrefix(k, "aliyun") {
			continue
		}
		out[k] = v
	}
	return out
}

// skipTemp leaves out Temp instances (short-lived clones for a restore),
// with a note each.
func skipTemp(insts []Instance) ([]Instance, []string) {
	var notes []string
	out := insts[:0]
	for _, in := range insts {
		if strings.EqualFold(in.Type, TypeTemp) {
			notes = append(notes, fmt.Sprintf("skipped %s: a temporary instance (DBInstanceType Temp), not upgraded", in.ID))
			continue
		}
		out = append(out, in)
	}
	return out, notes
}
