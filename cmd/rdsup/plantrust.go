package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/policy"
	"github.com/spf13/pflag"
)

// What check and apply trust in a plan file: the id approved in review
// (--plan-id), and the policy set it was judged with (inputs.policySet),
// unless --allow-policy-change asks to judge it by another one.

// minPlanIDPrefix is the shortest --plan-id accepted: the 12 hex digits
// rdsup prints as a plan's short id.
const minPlanIDPrefix = 12

// trustOptions are the flags check and apply share.
type trustOptions struct {
	planID            string
	allowPolicyChange bool
}

func (o *trustOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.planID, "plan-id", "", "refuse the plan unless its id is this one (the full id or its first 12 or more hex digits, as approved in review)")
	fs.BoolVar(&o.allowPolicyChange, "allow-policy-change", false, "judge the plan by the policy set given now even if it differs from the one the plan records")
}

// checkPlanID refuses p unless --plan-id is empty or a prefix of p's id of
// at least minPlanIDPrefix hex digits.
func (o *trustOptions) checkPlanID(planFile string, p *plans.Plan) error {
	want := o.planID
	if want == "" {
		return nil
	}
	if len(want) < minPlanIDPrefix || len(want) > 64 || strings.Trim(want, "0123456789abcdef") != "" {
		return fmt.Errorf("--plan-id %q: give the plan id (64 lowercase hex digits) or at least its first %d, as `rdsup plan` and `rdsup show` print it", want, minPlanIDPrefix)
	}
	if !strings.HasPrefix(p.ID, want) {
		return fmt.Errorf("refusing %s: its plan id is %s, but --plan-id is %s; only the plan approved in review may run: give that plan file, or approve this plan", planFile, p.ID, want)
	}
	return nil
}

// precheckPlanID refuses a plan file whose top-level id, read without
// loading the whole plan, does not match --plan-id: apply refuses it before
// taking its lock or creating its journal. It is only a shortcut:
// checkPlanID on the plan apply loaded is what decides.
func (o *trustOptions) precheckPlanID(planFile string) error {
	if o.planID == "" || planFile == "" {
		return nil
	}
	f, err := os.Open(planFile)
	if err != nil {
		return nil // the real load reports it
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		var id string
		if key == "id" && json.Unmarshal(v, &id) == nil {
			return o.checkPlanID(planFile, &plans.Plan{ID: id})
		}
	}
	return nil
}

// policySetDiff lists how e's policy set differs from the one p records;
// nil when it is the same.
func policySetDiff(p *plans.Plan, e *policy.Engine) []string {
	diffs := plans.DiffPolicySets(p.Inputs.PolicySet, e.Set())
	if len(diffs) == 0 && p.Inputs.PolicyDigest != e.Digest() {
		diffs = []string{fmt.Sprintf("policy digest %s in the plan, %s now (the same files: was the plan made by another rdsup?)", p.Inputs.PolicyDigest, e.Digest())}
	}
	return diffs
}

// checkPolicySet refuses a policy set other than the plan's, naming what
// differs, unless --allow-policy-change; then it logs the differences.
func (o *trustOptions) checkPolicySet(planFile string, p *plans.Plan, e *policy.Engine, log *slog.Logger) error {
	diffs := policySetDiff(p, e)
	if len(diffs) == 0 {
		return nil
	}
	if o.allowPolicyChange {
		log.Warn("judging the plan by a policy set other than the one it was made with (--allow-policy-change)", "plan", planFile, "differences", strings.Join(diffs, "; "))
		return nil
	}
	return fmt.Errorf("the policy set differs from the one %s was judged with:\n  - %s\npass the -p, --data and --no-default-policies flags the plan was made with, or --allow-policy-change to judge the plan by this set",
		planFile, strings.Join(diffs, "\n  - "))
}

// recordedDenials is the ids of the steps the plan itself records as
// denied, whatever the policies say now.
func recordedDenials(p *plans.Plan) []string {
	var ids []string
	for _, s := range p.Steps {
		if len(s.Policy.Deny) > 0 {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// recordedDenialMsg explains why a plan with recorded denials never passes.
func recordedDenialMsg(planFile string, ids []string) string {
	shown := ids
	if len(shown) > 5 {
		shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(ids)-5))
	}
	return fmt.Sprintf("%s records %d denied step(s) (%s): a plan made with denials never passes check, whatever the policies given now say; fix the findings and run `rdsup plan` again",
		planFile, len(ids), strings.Join(shown, ", "))
}
