package policy

import "github.com/rdsup/rdsup/plans"

// Severity of a finding.
type Severity string

// Severities: a deny makes the plan inapplicable, a warn does not.
const (
	SeverityDeny Severity = "deny"
	SeverityWarn Severity = "warn"
)

// Report is the outcome of checking a plan against the policies, what
// `rdsup check` renders. Findings are results, not errors.
type Report struct {
	PlanFile     string       `json:"planFile"`
	PlanID       string       `json:"planId"`
	PolicyDigest string       `json:"policyDigest"` // "" when no policy ran
	At           string       `json:"at"`           // input.plan.at, RFC 3339 UTC
	Steps        []StepReport `json:"steps"`        // plan order
	Denied       int          `json:"denied"`       // steps with at least one deny
	Warnings     int          `json:"warnings"`     // warn findings in all
}

// StepReport holds one step's findings.
type StepReport struct {
	Step     string          `json:"step"`
	Instance string          `json:"instance"`
	Deny     []plans.Finding `json:"deny"` // never null
	Warn     []plans.Finding `json:"warn"` // never null
}

// Applicable reports whether no step is denied.
func (r *Report) Applicable() bool { return r.Denied == 0 }

// NewReport collects the verdicts of an evaluated plan.
func NewReport(planFile string, p *plans.Plan) *Report {
	r := &Report{
		PlanFile:     planFile,
		PlanID:       p.ID,
		PolicyDigest: p.Inputs.PolicyDigest,
		At:           p.Inputs.PolicyAt,
		Steps:        make([]StepReport, len(p.Steps)),
	}
	for i, s := range p.Steps {
		sr := StepReport{Step: s.ID, Instance: s.InstanceID, Deny: s.Policy.Deny, Warn: s.Policy.Warn}
		if sr.Deny == nil {
			sr.Deny = []plans.Finding{}
		}
		if sr.Warn == nil {
			sr.Warn = []plans.Finding{}
		}
		if len(sr.Deny) > 0 {
			r.Denied++
		}
		r.Warnings += len(sr.Warn)
		r.Steps[i] = sr
	}
	return r
}
