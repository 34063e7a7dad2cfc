package plans

// Summarize recomputes the policy counts of the summary (denied steps,
// warnings, applicable) from the steps' verdicts. Call it after policies ran.
func Summarize(p *Plan) {
	p.Summary.Steps = len(p.Steps)
	p.Summary.Denied, p.Summary.Warnings = 0, 0
	for _, s := range p.Steps {
		if len(s.Policy.Deny) > 0 {
			p.Summary.Denied++
		}
		p.Summary.Warnings += len(s.Policy.Warn)
	}
	p.Summary.Applicable = p.Summary.Denied == 0
}
