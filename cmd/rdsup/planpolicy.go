package main

import (
	"context"

	"github.com/rdsup/rdsup/plans"
	"github.com/spf13/pflag"
)

// STUB: owned by the policy issue. policyOptions are the flags that choose
// and parameterise the policies used by `rdsup plan` and `rdsup apply -i`.
type policyOptions struct{}

func (o *policyOptions) addFlags(fs *pflag.FlagSet) {}

// evaluate fills every step's policy verdict and p.Inputs.PolicyDigest /
// PolicyAt, then plans.Summarize(p). It is called before plans.Seal.
func (o *policyOptions) evaluate(ctx context.Context, p *plans.Plan) error {
	plans.Summarize(p)
	return nil
}
