package executor_test

// The "done when" proof of multi-hop campaigns (issue 11): a generated
// fleet of several clusters (read-only replicas, disaster-recovery
// instances) on MySQL 5.5 taken to 8.0 through every major version, against
// the simulator through the real SDK, checked from the simulator's call log
// alone — clean, under throttling and 5xx, and killed with SIGKILL at
// chosen points of a hop and resumed.

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/plans"
)

// campaignRank orders the versions of the default paths: each hop goes
// one up.
var campaignRank = map[string]int{"5.5": 0, "5.6": 1, "5.7": 2, "8.0": 3}

// campaignPlan plans a generated fleet of n instances to MySQL 8.0 with
// Immediate upgrades: one step per hop along the default paths. It checks
// that the fleet has what the proof needs (clusters with read-only
// replicas and with a disaster-recovery instance, instances starting from
// 5.5 and from a later version).
func campaignPlan(t testing.TB, n int, seed int64) *plans.Plan {
	t.Helper()
	y := fleetgen.YAML(n, seed)
	y = bytes.Replace(y, []byte(`targetVersion: "5.6"`), []byte(`targetVersion: "8.0"`), 1)
	y = bytes.ReplaceAll(y, []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: Immediate"))
	p := PlanFromYAML(t, fmt.Sprintf("campaign-%d-%d.yaml", n, seed), y)
	var ro, dr, clusters int
	starts := map[string]bool{}
	for _, in := range p.Instances {
		starts[in.EngineVersion] = true
		switch in.Role {
		case plans.RoleReadOnly:
			ro++
		case plans.RoleDisasterRecovery:
			dr++
		case plans.RolePrimary:
			clusters++
		}
	}
	hops := 0
	for _, in := range p.Instances {
		hops += campaignRank["8.0"] - campaignRank[in.EngineVersion]
	}
	if ro == 0 || dr == 0 || clusters < 5 || len(starts) < 2 || len(p.Steps) != hops {
		t.Fatalf("fleet %d/%d: %d clusters, %d read-only, %d DR, starts %v, %d steps for %d hops: not the fleet this proof needs",
			n, seed, clusters, ro, dr, slices.Sorted(maps.Keys(starts)), len(p.Steps), hops)
	}
	return p
}

// campaignLog is what the call log says about a campaign.
type campaignLog struct {
	applied map[[2]string]rdssim.Call // (instance, toVersion) → its applied call
	dedup   int                       // upgrade calls answered from their ClientToken
	retried int                       // upgrade calls refused by throttling or 5xx
}

// checkCampaignLog checks the simulator's call log against the rules of a
// campaign, using the versions the simulator recorded at each upgrade
// call: every applied upgrade is one hop of a step of the plan (its
// ClientToken, instance and version), no hop of an instance is applied
// twice (a ClientToken retry of the same hop is answered with the same
// task, not applied again), for every hop all replicas of a cluster are
// on the hop's version before their primary's upgrade is sent, and a
// replica's upgrade never takes it more than one hop ahead of its
// primary. The API never had to refuse an upgrade for its order or path.
func checkCampaignLog(t testing.TB, p *plans.Plan, calls []rdssim.Call) campaignLog {
	t.Helper()
	byToken := map[string]plans.Step{}
	for _, s := range p.Steps {
		byToken[s.ClientToken] = s
	}
	inst := map[string]plans.Instance{}
	replicas := map[string][]string{}
	for _, in := range p.Instances {
		inst[in.ID] = in
		if in.Role != plans.RolePrimary {
			replicas[in.Primary] = append(replicas[in.Primary], in.ID)
		}
	}
	log := campaignLog{applied: map[[2]string]rdssim.Call{}}
	for _, c := range calls {
		if c.Action != "UpgradeDBInstanceEngineVersion" {
			continue
		}
		key := [2]string{c.InstanceID, c.EngineVersion}
		switch c.Outcome {
		case "applied":
			if prev, twice := log.applied[key]; twice {
				t.Errorf("hop %s → %s applied twice: token %s at %s, then token %s at %s",
					c.InstanceID, c.EngineVersion, prev.ClientToken, prev.Time.Format(time.StampMilli), c.ClientToken, c.Time.Format(time.StampMilli))
			}
			log.applied[key] = c
			checkHopCall(t, c, byToken, inst[c.InstanceID], replicas[c.InstanceID])
		case "deduplicated":
			log.dedup++
			if prev, ok := log.applied[key]; !ok || prev.ClientToken != c.ClientToken {
				t.Errorf("upgrade of %s to %s answered from token %s, which applied no upgrade of that hop before", c.InstanceID, c.EngineVersion, c.ClientToken)
			}
		case "error:Throttling.User", "error:ServiceUnavailable", "error:InternalError":
			log.retried++
		case "error:IncorrectDBInstanceState":
			// an instance busy with the upgrade an earlier, killed run sent
		default:
			t.Errorf("upgrade of %s to %s (token %s) at %s: %s — the executor sent an upgrade the API refused",
				c.InstanceID, c.EngineVersion, c.ClientToken, c.Time.Format(time.StampMilli), c.Outcome)
		}
	}
	return log
}

// checkHopCall checks one applied upgrade call against the plan and the
// cluster's versions when it was handled.
func checkHopCall(t testing.TB, c rdssim.Call, byToken map[string]plans.Step, in plans.Instance, replicas []string) {
	t.Helper()
	s, ok := byToken[c.ClientToken]
	if !ok || s.InstanceID != c.InstanceID || s.ToVersion != c.EngineVersion {
		t.Errorf("applied upgrade of %s to %s with token %q: no such step in the plan", c.InstanceID, c.EngineVersion, c.ClientToken)
	}
	from := c.Versions[c.InstanceID]
	if campaignRank[c.EngineVersion] != campaignRank[from]+1 || from == "" {
		t.Errorf("upgrade of %s applied from %q to %s: not one hop", c.InstanceID, from, c.EngineVersion)
	}
	if in.Role == plans.RolePrimary {
		for _, r := range replicas {
			if v, ok := c.Versions[r]; !ok || campaignRank[v] < campaignRank[c.EngineVersion] {
				t.Errorf("primary %s sent to %s at %s while its replica %s was on %q", c.InstanceID, c.EngineVersion, c.Time.Format(time.StampMilli), r, v)
			}
		}
		return
	}
	pv, ok := c.Versions[in.Primary]
	if !ok || campaignRank[c.EngineVersion]-campaignRank[pv] > 1 {
		t.Errorf("replica %s sent to %s at %s while its primary %s was on %q: more than one hop ahead", c.InstanceID, c.EngineVersion, c.Time.Format(time.StampMilli), in.Primary, pv)
	}
}

// checkCampaignDone checks that every instance runs 8.0 and got exactly
// the hops from its starting version, each applied once.
func checkCampaignDone(t testing.TB, p *plans.Plan, sim *rdssim.Sim, log campaignLog) {
	t.Helper()
	for _, in := range p.Instances {
		v, _ := sim.Instance(in.ID)
		if v.EngineVersion != "8.0" || v.Status != "Running" {
			t.Errorf("instance %s is %s on %s, want Running on 8.0", in.ID, v.Status, v.EngineVersion)
		}
		var got []string
		for _, to := range []string{"5.6", "5.7", "8.0"} {
			if _, ok := log.applied[[2]string{in.ID, to}]; ok {
				got = append(got, to)
			}
		}
		var want []string
		for _, to := range []string{"5.6", "5.7", "8.0"} {
			if campaignRank[to] > campaignRank[in.EngineVersion] {
				want = append(want, to)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("instance %s from %s: hops applied to %v, want %v", in.ID, in.EngineVersion, got, want)
		}
		if v.Upgrades != len(want) {
			t.Errorf("instance %s: the simulator accepted %d upgrade tasks, want %d", in.ID, v.Upgrades, len(want))
		}
	}
}

func campaignOptions() Options {
	o := fastOptions()
	o.Window = alwaysOpen
	o.Concurrency = 6
	return o
}

// campaignDuration gives each hop 30–90 ms: long enough for a killed run's
// successor to find some hops still in flight.
func campaignDuration(id string) time.Duration { return 30*time.Millisecond + durationOf(id)*3/2 }

var campaignFaults = []struct {
	name   string
	faults rdssim.Faults
}{
	{"clean", rdssim.Faults{}},
	{"throttling and 5xx", rdssim.Faults{ThrottleRate: 0.15, ServerErrorRate: 0.15}},
	{"lost upgrade responses", rdssim.Faults{DropResponseRate: 0.3, DropActions: []string{"UpgradeDBInstanceEngineVersion"}, ThrottleRate: 0.05}},
}

// TestCampaign55To80 applies a 5.5 → 8.0 campaign in one run.
func TestCampaign55To80(t *testing.T) {
	for i, fc := range campaignFaults {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			seed := int64(40 + i)
			p := campaignPlan(t, 30, seed)
			env := startSim(t, p, rdssim.Options{Seed: seed, Faults: fc.faults, DurationFor: campaignDuration})
			path := writePlan(t, p)
			res, err := apply(t, t.Context(), path, env.cloud, campaignOptions())
			if err != nil || !res.Done() {
				t.Fatalf("apply: %v %s", err, summarize(res))
			}
			log := checkCampaignLog(t, p, env.sim.Calls())
			checkCampaignDone(t, p, env.sim, log)
			if fc.faults.ThrottleRate > 0 && log.retried == 0 {
				t.Errorf("faults injected but no upgrade call was throttled or failed: the case proves nothing")
			}
			if len(fc.faults.DropActions) > 0 && log.dedup == 0 {
				t.Errorf("upgrade responses were dropped but no hop was re-sent with its ClientToken")
			}
			t.Logf("%d instances, %d hops, %d upgrade calls retried, %d answered by ClientToken", len(p.Instances), len(p.Steps), log.retried, log.dedup)
		})
	}
}

// Clusters are independent: a hop that fails stops its own cluster (the
// primary's hop and every later hop of the cluster never sent) while with
// KeepGoing every other cluster reaches 8.0.
func TestCampaignClustersIndependent(t *testing.T) {
	p := campaignPlan(t, 30, 40)
	var failing plans.Instance // a read-only replica of a cluster starting on 5.5
	for _, in := range p.Instances {
		if in.Role == plans.RoleReadOnly && in.EngineVersion == "5.5" {
			failing = in
			break
		}
	}
	env := startSim(t, p, rdssim.Options{Faults: rdssim.Faults{FailUpgrade: []string{failing.ID}}, DurationFor: campaignDuration})
	opts := campaignOptions()
	opts.KeepGoing = true
	res, err := apply(t, t.Context(), writePlan(t, p), env.cloud, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done() {
		t.Fatalf("the run finished everything although %s's upgrades fail", failing.ID)
	}
	log := checkCampaignLog(t, p, env.sim.Calls())
	for _, in := range p.Instances {
		v, _ := env.sim.Instance(in.ID)
		cluster := in.ID
		if in.Role != plans.RolePrimary {
			cluster = in.Primary
		}
		switch {
		case cluster != failing.Primary:
			if v.EngineVersion != "8.0" {
				t.Errorf("instance %s of another cluster is on %s, want 8.0", in.ID, v.EngineVersion)
			}
		case in.ID == failing.ID || in.Role == plans.RolePrimary:
			if v.EngineVersion != "5.5" {
				t.Errorf("instance %s of the failed cluster is on %s, want 5.5", in.ID, v.EngineVersion)
			}
		default: // a sibling replica: at most its first hop
			if campaignRank[v.EngineVersion] > 1 {
				t.Errorf("replica %s of the failed cluster reached %s: ahead of its primary on 5.5 by more than one hop", in.ID, v.EngineVersion)
			}
		}
	}
	if _, ok := log.applied[[2]string{failing.Primary, "5.6"}]; ok {
		t.Errorf("primary %s was upgraded although its replica %s failed", failing.Primary, failing.ID)
	}
	var failed []string
	for _, s := range res.Steps {
		if s.State == Failed {
			failed = append(failed, s.Step)
		}
	}
	if want := []string{failing.ID + "@5.6"}; !slices.Equal(failed, want) {
		t.Errorf("failed steps %v, want %v", failed, want)
	}
	if !strings.HasPrefix(failing.ID, "rr-") {
		t.Fatalf("fleet changed: %s is not a read-only replica", failing.ID)
	}
}

// errRecorder is a testing.TB that keeps what Errorf reports.
type errRecorder struct {
	testing.TB
	errs []string
}

func (r *errRecorder) Helper() {}
func (r *errRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// The campaign checker catches each way a call log can break the rules.
func TestCampaignCheckerCatches(t *testing.T) {
	p := PlanFromYAML(t, "hops.yaml", []byte(hopsFleet)) // rm-pay-db with rr-pay-ro1, 5.5 → 8.0
	token := func(id string) string { return p.Step(id).ClientToken }
	up := func(id, to, tok, outcome string, versions map[string]string) rdssim.Call {
		return rdssim.Call{Action: "UpgradeDBInstanceEngineVersion", InstanceID: id, EngineVersion: to, ClientToken: tok, Outcome: outcome, Versions: versions}
	}
	v := func(primary, replica string) map[string]string {
		return map[string]string{"rm-pay-db": primary, "rr-pay-ro1": replica}
	}
	good := []rdssim.Call{
		up("rr-pay-ro1", "5.6", token("rr-pay-ro1@5.6"), "applied", v("5.5", "5.5")),
		up("rr-pay-ro1", "5.6", token("rr-pay-ro1@5.6"), "deduplicated", v("5.5", "5.6")),
		up("rm-pay-db", "5.6", token("rm-pay-db@5.6"), "error:Throttling.User", nil),
		up("rm-pay-db", "5.6", token("rm-pay-db@5.6"), "applied", v("5.5", "5.6")),
		up("rr-pay-ro1", "5.7", token("rr-pay-ro1@5.7"), "applied", v("5.6", "5.6")),
	}
	tests := []struct {
		name  string
		calls []rdssim.Call
		want  string // in the first error; "" → no error
	}{
		{"in order", good, ""},
		{"a hop applied twice with another token", append(slices.Clone(good),
			up("rr-pay-ro1", "5.6", "rdsup-other", "applied", v("5.6", "5.6"))), "applied twice"},
		{"primary before its replica", []rdssim.Call{
			up("rm-pay-db", "5.6", token("rm-pay-db@5.6"), "applied", v("5.5", "5.5"))}, "while its replica rr-pay-ro1 was on \"5.5\""},
		{"replica two hops ahead", []rdssim.Call{
			up("rr-pay-ro1", "5.6", token("rr-pay-ro1@5.6"), "applied", v("5.5", "5.5")),
			up("rr-pay-ro1", "5.7", token("rr-pay-ro1@5.7"), "applied", v("5.5", "5.6"))}, "more than one hop ahead"},
		{"two majors at once", []rdssim.Call{
			up("rr-pay-ro1", "5.7", token("rr-pay-ro1@5.7"), "applied", v("5.5", "5.5"))}, "not one hop"},
		{"a token of no step", []rdssim.Call{
			up("rr-pay-ro1", "5.6", "rdsup-unknown", "applied", v("5.5", "5.5"))}, "no such step"},
		{"a retry that applied nothing before", []rdssim.Call{
			up("rr-pay-ro1", "5.6", token("rr-pay-ro1@5.6"), "deduplicated", v("5.5", "5.5"))}, "applied no upgrade of that hop before"},
		{"an upgrade the API refused for its order", []rdssim.Call{
			up("rm-pay-db", "5.6", token("rm-pay-db@5.6"), "error:UnsupportedReadOrBakReadState", v("5.5", "5.5"))}, "the API refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &errRecorder{TB: t}
			checkCampaignLog(r, p, tt.calls)
			switch {
			case tt.want == "" && len(r.errs) > 0:
				t.Errorf("errors for a good log: %q", r.errs)
			case tt.want != "" && (len(r.errs) == 0 || !strings.Contains(r.errs[0], tt.want)):
				t.Errorf("errors %q, want one with %q", r.errs, tt.want)
			}
		})
	}
}
