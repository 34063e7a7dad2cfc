package executor

import "github.com/rdsup/rdsup/plans"

// The ready queue's order. A ready step's priority is its remaining
// critical path: its own estimated duration plus the longest estimated
// chain of steps that wait on it (plans.RemainingPath, from the steps'
// estimateSeconds). The step with the longest path starts first, ties in
// plan order (plans.StartsFirst): the chains that decide when the run
// ends start early, and short independent steps fill the slots that are
// left. `rdsup schedule` previews a run with the same order.

// rank sets each node's priority (nodes are in plan order).
func rank(p *plans.Plan, nodes []*node) {
	rem := plans.RemainingPath(p)
	for i, n := range nodes {
		n.rank = rem[i]
	}
}
