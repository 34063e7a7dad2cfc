package executor

import (
	"container/heap"
	"slices"
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

// The ready queue pops the step with the longest estimated remaining path
// first, ties in plan order.
func TestReadyQueueLongestPathFirst(t *testing.T) {
	p := PlanFromYAML(t, "order.yaml", []byte(`defaults: {engine: MySQL, targetVersion: "5.6", effectiveTime: Immediate, status: Running}
instances:
  - {id: rm-lone, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-04:00Z", storageGB: 2000}
  - {id: rm-a, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-04:00Z", storageGB: 20}
  - {id: rr-a-small, role: readonly, primary: rm-a, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-04:00Z", storageGB: 20}
  - {id: rr-a-big, role: readonly, primary: rm-a, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-04:00Z", storageGB: 1000}
  - {id: rm-b, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-04:00Z", storageGB: 20}
  - {id: rm-c, role: primary, region: cn-hangzhou, engineVersion: "5.5", maintainTime: "00:00Z-04:00Z", storageGB: 20}
`))
	r := newRunner(p, nil, nil, Options{QPS: 1, PollInterval: time.Second})
	var q readyQueue
	for _, n := range r.nodes {
		if len(n.deps) == 0 {
			heap.Push(&q, n)
		}
	}
	var got []string
	for q.Len() > 0 {
		got = append(got, heap.Pop(&q).(*node).step.ID)
	}
	// rm-lone: 40m; rr-a-big + rm-a: 18m20s + 15m15s; rr-a-small + rm-a: 10m10s + 15m15s; rm-b, rm-c: 15m15s (plan order)
	want := []string{"rm-lone", "rr-a-big", "rr-a-small", "rm-b", "rm-c"}
	if !slices.Equal(got, want) {
		t.Errorf("ready order %v, want %v", got, want)
	}
}

// On the model of BenchmarkMakespanModel1000 (no tool overhead; true
// durations the estimates ±20%), longest-path-first stays within 5% of
// the lower bound at concurrency 20, 50 and 100. The model is
// deterministic: no clock is involved.
func TestModelMakespanWithinTarget(t *testing.T) {
	p := FleetPlan(t, 1000, 42)
	dur := BenchDuration(p)
	for _, c := range []int{20, 50, 100} {
		lb, _, _ := LowerBound(p, dur, c)
		r := newRunner(p, nil, nil, Options{QPS: 1, PollInterval: time.Second})
		ours := modelMakespan(r.nodes, c, dur, func(ready []*node) (*node, []*node) {
			q := readyQueue(ready)
			heap.Init(&q)
			n := heap.Pop(&q).(*node)
			return n, q
		})
		if ratio := float64(ours) / float64(lb); ratio > 1.05 {
			t.Errorf("concurrency %d: makespan %.3f × the lower bound, want ≤ 1.05", c, ratio)
		}
	}
}
