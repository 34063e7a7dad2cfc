package executor

import (
	"container/heap"
	"sort"
	"strconv"
	"testing"
	"time"
)

// BenchmarkMakespanModel1000 list-schedules the fleet of
// BenchmarkMakespan1000 on a model with no tool overhead at all (no API
// latency, no polling, no journal): what the ready-queue priority alone
// achieves. "model" is the scheduler's order (longest estimated remaining
// path first); "roles" the order before estimates (primaries whose
// replicas are done, then replicas, then lone primaries); "clairvoyant"
// orders by the true remaining critical path, a floor no priority that
// only knows estimates reaches. durations=estimates: the true durations
// are the estimates with ±20% noise (BenchDuration, as the simulator
// draws them); durations=hash: unrelated to the estimates (HashDuration).
// Run with: go test -run '^$' -bench MakespanModel ./executor/
func BenchmarkMakespanModel1000(b *testing.B) {
	p := FleetPlan(b, 1000, 42)
	for _, m := range []struct {
		name string
		dur  func(string) time.Duration
	}{{"estimates", BenchDuration(p)}, {"hash", HashDuration(p)}} {
		dur := m.dur
		for _, c := range []int{20, 50, 100} {
			b.Run("durations="+m.name+"/concurrency="+strconv.Itoa(c), func(b *testing.B) {
				lb, _, _ := LowerBound(p, dur, c)
				for range b.N {
					r := newRunner(p, nil, nil, Options{QPS: 1, PollInterval: time.Second})
					ours := modelMakespan(r.nodes, c, dur, func(ready []*node) (*node, []*node) {
						q := readyQueue(ready)
						heap.Init(&q)
						n := heap.Pop(&q).(*node)
						return n, q
					})
					roles := modelMakespan(r.nodes, c, dur, func(ready []*node) (*node, []*node) {
						sort.SliceStable(ready, func(i, j int) bool { return rolePriority(ready[i]) > rolePriority(ready[j]) })
						return ready[0], ready[1:]
					})
					remain := map[*node]time.Duration{}
					var crit func(n *node) time.Duration
					crit = func(n *node) time.Duration {
						if d, ok := remain[n]; ok {
							return d
						}
						var after time.Duration
						for _, d := range n.dependents {
							after = max(after, crit(d))
						}
						remain[n] = dur(n.step.InstanceID) + after
						return remain[n]
					}
					oracle := modelMakespan(r.nodes, c, dur, func(ready []*node) (*node, []*node) {
						sort.SliceStable(ready, func(i, j int) bool { return crit(ready[i]) > crit(ready[j]) })
						return ready[0], ready[1:]
					})
					b.ReportMetric(float64(ours)/float64(lb), "model/LB")
					b.ReportMetric(float64(roles)/float64(lb), "roles/LB")
					b.ReportMetric(float64(oracle)/float64(lb), "clairvoyant/LB")
				}
			})
		}
	}
}

// rolePriority is the scheduler's order before it knew estimates, kept for
// comparison: a primary whose replicas are done, then replicas, then lone
// primaries (ties: plan order, as ready lists are in it here).
func rolePriority(n *node) int {
	switch {
	case len(n.deps) > 0:
		return 3
	case len(n.dependents) > 0:
		return 2
	}
	return 1
}

// modelMakespan simulates list scheduling with c slots: whenever a slot is
// free, the step pop chooses from the ready ones starts and takes dur.
func modelMakespan(nodes []*node, c int, dur func(string) time.Duration, pop func(ready []*node) (*node, []*node)) time.Duration {
	waiting := map[*node]int{}
	var ready []*node
	for _, n := range nodes {
		waiting[n] = len(n.deps)
		if len(n.deps) == 0 {
			ready = append(ready, n)
		}
	}
	type running struct {
		end time.Duration
		n   *node
	}
	var now time.Duration
	var inflight []running
	for len(ready) > 0 || len(inflight) > 0 {
		for len(inflight) < c && len(ready) > 0 {
			var n *node
			n, ready = pop(ready)
			inflight = append(inflight, running{now + dur(n.step.InstanceID), n})
		}
		sort.Slice(inflight, func(i, j int) bool { return inflight[i].end < inflight[j].end })
		done := inflight[0]
		inflight = inflight[1:]
		now = done.end
		for _, d := range done.n.dependents {
			if waiting[d]--; waiting[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	return now
}
