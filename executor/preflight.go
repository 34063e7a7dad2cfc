package executor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// ErrPreflight: the read apply makes before any step starts failed; no
// step was started and the journal is untouched.
var ErrPreflight = errors.New("preflight failed")

// Pinger is a Cloud that can make one cheap authenticated read of a
// region; *Client implements it (DescribeDBInstances, one row).
type Pinger interface {
	Ping(ctx context.Context, region string) error
}

// preflightAttempts bounds the tries per region when the API throttles or
// answers with a 5xx; bad credentials and an unreachable endpoint end the
// preflight at once.
const preflightAttempts = 6

// Preflight makes one authenticated read per region the plan's steps
// not yet done (by j, which may be nil) touch, in region order, before
// anything is changed: wrong credentials,
// an unknown region or an unreachable endpoint come back as one error
// (ErrPreflight) naming the region and what to check, instead of as many
// failed steps. A Cloud that is not a Pinger is read with Describe of one
// of the region's instances (not found is fine: the step reports it).
func Preflight(ctx context.Context, p *plans.Plan, j StepLog, cloud Cloud) error {
	var recs map[string]StepRecord
	if j != nil {
		recs = j.Steps()
	}
	first := map[string]string{} // region → an instance of it
	for _, s := range p.Steps {
		if recs[s.ID].State == Succeeded {
			continue
		}
		if _, ok := first[s.Region]; !ok {
			first[s.Region] = s.InstanceID
		}
	}
	regions := make([]string, 0, len(first))
	for r := range first {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, region := range regions {
		if err := preflightRegion(ctx, cloud, region, first[region]); err != nil {
			return err
		}
	}
	return nil
}

func preflightRegion(ctx context.Context, cloud Cloud, region, id string) error {
	for attempt := 0; ; attempt++ {
		var err error
		if pg, ok := cloud.(Pinger); ok {
			err = pg.Ping(ctx, region)
		} else if _, err = cloud.Describe(ctx, region, []string{id}); errors.Is(err, ErrNotFound) {
			err = nil
		}
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrUnreachable):
			return fmt.Errorf("%w: region %s: %v: %w; check the region id, the network and DNS (and --endpoint); nothing was changed",
				ErrPreflight, region, ErrUnreachable, err)
		case errors.Is(err, ErrCredentials):
			return fmt.Errorf("%w: region %s: %v: %w; check ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or --profile) and that the key may call the RDS API; nothing was changed",
				ErrPreflight, region, ErrCredentials, err)
		case (errors.Is(err, ErrThrottled) || errors.Is(err, ErrTransient)) && attempt+1 < preflightAttempts:
			if sleep(ctx, backoff(attempt, 200*time.Millisecond, 5*time.Second)) != nil {
				return ctx.Err()
			}
		default:
			return fmt.Errorf("%w: region %s: %w; nothing was changed", ErrPreflight, region, err)
		}
	}
}
