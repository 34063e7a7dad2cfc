package discover

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"github.com/rdsup/rdsup/plans"
)

// ErrGone marks inventory instances the account no longer has.
var ErrGone = errors.New("instance not found in the account")

// Drift is one difference between the inventory and the live instance.
type Drift struct {
	Instance  string
	Field     string // status, engineVersion, role, primary, maintainTime, replica
	Inventory string // as the inventory says ("" for none)
	Live      string // as the API reports ("" for none)
}

// Refresh reads the live state of every instance of insts (attributes in
// batches of MaxDescribe per region, concurrently, rate-limited, retried)
// and returns the instances with their live status, engine version, role,
// primary, maintenance window and storage, and the differences found,
// sorted by instance and field. Replicas a live primary reports that the
// inventory does not list are drift of field "replica". An instance the
// account does not have is an ErrGone error naming it.
func Refresh(ctx context.Context, acct Account, insts []plans.Instance, o Options) ([]plans.Instance, []Drift, error) {
	o = o.withDefaults()
	d := &run{acct: acct, o: o, lim: rate.NewLimiter(rate.Limit(o.QPS), max(1, int(o.QPS))), slots: make(chan struct{}, o.Concurrency)}
	byRegion := map[string][]string{}
	for _, in := range insts {
		byRegion[in.Region] = append(byRegion[in.Region], in.ID)
	}
	live := make(map[string]Instance, len(insts))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		ids := byRegion[region]
		for start := 0; start < len(ids); start += MaxDescribe {
			chunk := ids[start:min(start+MaxDescribe, len(ids))]
			wg.Add(1)
			go func() {
				defer wg.Done()
				var got []Instance
				err := d.call(ctx, func() error {
					var err error
					got, err = acct.Describe(ctx, region, chunk)
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("region %s: describe instances: %w", region, err))
					return
				}
				for _, a := range got {
					live[a.ID] = a
				}
			}()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, nil, errs[0]
	}
	var gone []error
	for _, in := range insts {
		if _, ok := live[in.ID]; !ok {
			gone = append(gone, fmt.Errorf("%w: %s (%s, %s): it was deleted or is in another region; remove it from the inventory, or refresh the inventory with `rdsup inventory discover --merge`", ErrGone, in.ID, in.Region, in.Role))
		}
	}
	if len(gone) > 0 {
		return nil, nil, errors.Join(gone...)
	}
	return applyLive(insts, live)
}

// applyLive returns insts with the live facts, and the drift.
func applyLive(insts []plans.Instance, live map[string]Instance) ([]plans.Instance, []Drift, error) {
	guardOf := map[string]string{}
	listed := make(map[string]bool, len(insts))
	for _, in := range insts {
		listed[in.ID] = true
	}
	for _, l := range live {
		if l.Guard != "" {
			guardOf[l.Guard] = l.ID
		}
	}
	var drift []Drift
	var errs []error
	out := make([]plans.Instance, len(insts))
	for i, in := range insts {
		l := live[in.ID]
		cur := in
		role, ok := roleOf(l.Type)
		if !ok {
			errs = append(errs, fmt.Errorf("instance %s: the API reports DBInstanceType %q, which cannot be planned", in.ID, l.Type))
			continue
		}
		primary := ""
		if role != plans.RolePrimary {
			primary = primaryOf(l, guardOf)
		}
		add := func(field, was, now string) {
			if was != now {
				drift = append(drift, Drift{Instance: in.ID, Field: field, Inventory: was, Live: now})
			}
		}
		add("status", in.Status, l.Status)
		add("engineVersion", in.EngineVersion, l.EngineVersion)
		add("role", in.Role, role)
		add("primary", in.Primary, primary)
		add("maintainTime", in.MaintainTime, l.MaintainTime)
		cur.Status, cur.EngineVersion, cur.Role, cur.Primary, cur.MaintainTime = l.Status, l.EngineVersion, role, primary, l.MaintainTime
		if l.StorageGB > 0 {
			cur.StorageGB = l.StorageGB
		}
		if role == plans.RolePrimary {
			for _, r := range append(slices.Clone(l.ReadOnly), l.Guard) {
				if r != "" && !listed[r] {
					drift = append(drift, Drift{Instance: in.ID, Field: "replica", Live: r})
				}
			}
		}
		out[i] = cur
	}
	roles := make(map[string]string, len(out))
	for _, in := range out {
		roles[in.ID] = in.Role
	}
	for _, in := range out {
		if in.ID == "" || in.Role == plans.RolePrimary {
			continue
		}
		switch r, ok := roles[in.Primary]; {
		case in.Primary == "":
			errs = append(errs, fmt.Errorf("instance %s: the API names no primary for this %s instance", in.ID, in.Role))
		case !ok:
			errs = append(errs, fmt.Errorf("instance %s: it now replicates from %s, which is not in the inventory: add it (`rdsup inventory discover --merge`)", in.ID, in.Primary))
		case r != plans.RolePrimary:
			errs = append(errs, fmt.Errorf("instance %s: it now replicates from %s, a %s instance", in.ID, in.Primary, r))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(drift, func(a, b Drift) int {
		return cmp.Or(strings.Compare(a.Instance, b.Instance), strings.Compare(a.Field, b.Field), strings.Compare(a.Live, b.Live))
	})
	return out, drift, nil
}
