package policy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// OpensAtKey is the key of a deny finding (an object finding, see the
// package doc) that says when the denial lifts: an RFC 3339 time. The
// built-in window rule sets it to the opening of the instance's
// maintenance window; a team's policy may set it too ("not before
// Monday 08:00Z"). At apply time a step whose every denial carries an
// opensAt waits until the latest of them and is judged again then; a
// denial without one leaves the step pending.
const OpensAtKey = "opensAt"

// Decision is the policies' answer, at apply time, to "may this step start
// now, and if not, when may it?".
type Decision struct {
	// Open: no policy denies the step now.
	Open bool
	// OpensAt, when not Open, is when every denial says it lifts (the
	// latest of their opensAt); zero when some denial gives no time, or a
	// time that is not after the time judged: waiting would not help.
	OpensAt time.Time
	// Reason, when not Open, says why: the denials' messages.
	Reason string
	// Verdict is the full verdict the decision was made from.
	Verdict plans.Verdict
}

// Decide judges the step p.Steps[stepIndex] with live facts about its
// instance at time at (see EvalStep) and says whether it may start, and if
// not, when it may. An opensAt that is not an RFC 3339 time is an error
// wrapping ErrEval naming the rule: the step fails closed.
func (e *Engine) Decide(ctx context.Context, p *plans.Plan, stepIndex int, live plans.Instance, at time.Time) (Decision, error) {
	v, err := e.EvalStep(ctx, p, stepIndex, live, at)
	if err != nil {
		return Decision{}, err
	}
	return decide(v, at, &p.Steps[stepIndex])
}

func decide(v plans.Verdict, at time.Time, s *plans.Step) (Decision, error) {
	d := Decision{Open: len(v.Deny) == 0, Verdict: v}
	if d.Open {
		return d, nil
	}
	judged := at.UTC().Truncate(time.Second) // the time the policies saw (input.plan.at)
	msgs := make([]string, len(v.Deny))
	lifts := true
	for i, f := range v.Deny {
		msgs[i] = f.Message
		raw, ok := f.Metadata[OpensAtKey]
		if !ok {
			lifts = false
			continue
		}
		str, _ := raw.(string)
		t, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return Decision{}, fmt.Errorf("%w: %s: rule %s: %s %s is not an RFC 3339 time; give the time the denial lifts, e.g. %q", ErrEval, stepName(s), f.Rule, OpensAtKey, describe(raw), FormatAt(judged.Add(time.Hour)))
		}
		if !t.After(judged) {
			lifts = false
			continue
		}
		if t.After(d.OpensAt) {
			d.OpensAt = t.UTC()
		}
	}
	if !lifts {
		d.OpensAt = time.Time{}
	}
	d.Reason = "policy denies it now: " + strings.Join(msgs, "; ")
	return d, nil
}
