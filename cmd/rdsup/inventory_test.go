package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
)

// discoverSim serves the example fleet (cn-hangzhou, cn-beijing,
// cn-shenzhen) behind wrap, with the test keys in the environment.
func discoverSim(t *testing.T, insts []plans.Instance, wrap func(http.Handler) http.Handler) (*rdssim.Sim, string) {
	t.Helper()
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", rdssimtest.AccessKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", rdssimtest.AccessKeySecret)
	if insts == nil {
		inv, err := planner.Load("../../executor/testdata/example-fleet.yaml")
		if err != nil {
			t.Fatal(err)
		}
		insts = inv.Instances
	}
	sim, err := rdssim.NewChecked(insts, rdssim.Options{AccessKeyID: rdssimtest.AccessKeyID, AccessKeySecret: rdssimtest.AccessKeySecret, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// TestDiscoverThenPlan is the contract item: discover two regions with a
// target version, then plan the written inventory.
func TestDiscoverThenPlan(t *testing.T) {
	_, url := discoverSim(t, nil, nil)
	dir := t.TempDir()
	disc, plan := filepath.Join(dir, "disc.yaml"), filepath.Join(dir, "disc.json")
	cliCase{name: "discover", args: []string{"inventory", "discover", "--endpoint", url, "--region", "cn-hangzhou", "--region", "cn-beijing",
		"--region", "cn-shenzhen", "--target-version", "5.6", "-o", disc},
		stderr: []string{"instance(s) of cn-beijing, cn-hangzhou, cn-shenzhen written to " + disc}}.check(t)
	_, _, code := runCLI(t, "plan", "-i", disc, "--no-default-policies", "--format", "json", "-o", plan)
	if code != 0 {
		t.Fatalf("plan of the discovered inventory: exit %d", code)
	}
	p, err := plans.Load(plan)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Step("rm-shop-db")
	if s == nil || strings.Join(s.DependsOn, ",") != "rm-shop-dr,rr-shop-ro1" {
		t.Errorf("rm-shop-db step %+v: want it to depend on rm-shop-dr and rr-shop-ro1", s)
	}
}

// TestDiscoverDraftAndMerge: without --target-version plan says what to
// set; a merge keeps the hand-set target, override and extra tag, adds,
// removes and changes what the cloud reports.
func TestDiscoverDraftAndMerge(t *testing.T) {
	_, url := discoverSim(t, nil, nil)
	dir := t.TempDir()
	disc := filepath.Join(dir, "fleet.yaml")
	cliCase{name: "draft", args: []string{"inventory", "discover", "--endpoint", url, "--region", "cn-hangzhou", "-o", disc},
		stderr: []string{"note: rm-shop-db: its replica rm-shop-dr is outside the selection", "next: set targetVersion under defaults: in " + disc}}.check(t)
	cliCase{name: "plan draft", args: []string{"plan", "-i", disc, "-o", filepath.Join(dir, "p.json")}, code: 1,
		stderr: []string{"targetVersion is not set for any instance (set `targetVersion:` under `defaults:` (or per instance)"}}.check(t)

	edited := `defaults:
  region: cn-hangzhou
  engine: MySQL
  targetVersion: "5.6"
  effectiveTime: MaintainTime
instances:
  - id: rm-shop-db
    role: primary
    engineVersion: "5.1"
    status: Running
    tags: {team: shop, owner: alice}
  - id: rr-shop-ro1
    role: readonly
    primary: rm-shop-db
    engineVersion: "5.5"
    status: Running
    targetVersion: "5.6"
    effectiveTime: Immediate
  - id: rm-gone
    role: primary
    engineVersion: "5.5"
    status: Running
  - id: rm-far
    region: eu-central-1
    role: primary
    engineVersion: "5.5"
    status: Running
`
	if err := os.WriteFile(disc, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	cliCase{name: "merge", args: []string{"inventory", "discover", "--endpoint", url, "--region", "cn-hangzhou", "--region", "cn-shenzhen", "--merge", disc},
		stdout: []string{"added:   rm-crm-db", "added:   rm-shop-dr", "removed: rm-gone", "changed: rm-shop-db: engineVersion 5.1 → 5.5",
			"changed: rm-shop-db: maintainTime (none) → 00:00Z-23:59Z", "changed: rm-shop-db: storageGB (none) → ", "kept as written: 1 instance(s)"}}.check(t)
	inv, err := planner.Load(disc)
	if err != nil {
		t.Fatalf("the merged inventory does not plan: %v", err)
	}
	got := map[string]plans.Instance{}
	for _, in := range inv.Instances {
		got[in.ID] = in
	}
	checks := []struct{ what, got, want string }{
		{"rm-shop-db target", got["rm-shop-db"].TargetVersion, "5.6"},
		{"rm-shop-db effective time", got["rm-shop-db"].EffectiveTime, "MaintainTime"},
		{"rr-shop-ro1 override", got["rr-shop-ro1"].EffectiveTime, "Immediate"},
		{"extra tag", got["rm-shop-db"].Tags["owner"], "alice"},
		{"cloud tag", got["rm-shop-db"].Tags["team"], "shop"},
		{"added gets the default target", got["rm-shop-dr"].TargetVersion, "5.6"},
		{"added dr primary", got["rm-shop-dr"].Primary, "rm-shop-db"},
		{"kept instance", got["rm-far"].Region, "eu-central-1"},
		{"removed", fmt.Sprint(got["rm-gone"].ID == ""), "true"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	cliCase{name: "merge again", args: []string{"inventory", "discover", "--endpoint", url, "--region", "cn-hangzhou", "--region", "cn-shenzhen", "--merge", disc},
		stdout: []string{"no changes"}}.check(t)
}

// TestDiscoverRefusals: bad flags, an unknown region, no credentials, and
// a region failing write nothing and leave a merged file as it was.
func TestDiscoverRefusals(t *testing.T) {
	failBeijing := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			if r.Form.Get("RegionId") == "cn-beijing" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				json.NewEncoder(w).Encode(map[string]string{"Code": "Forbidden.RAM", "Message": "User not authorized to operate on the specified resource.", "RequestId": "T-2"})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	_, url := discoverSim(t, nil, failBeijing)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.yaml")
	merged := filepath.Join(dir, "merged.yaml")
	const keep = "defaults:\n  targetVersion: \"5.6\"\ninstances:\n  - id: rm-x\n    region: cn-hangzhou\n    engine: MySQL\n    engineVersion: \"5.5\"\n    role: primary\n    status: Running\n"
	if err := os.WriteFile(merged, []byte(keep), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"inventory", "discover", "--endpoint", url}
	tests := []cliCase{
		{name: "no region", args: append(base, "-o", out), code: 1, stderr: []string{"--region REGION (repeatable) or --all-regions"}},
		{name: "both", args: append(base, "--all-regions", "--region", "cn-hangzhou", "-o", out), code: 1, stderr: []string{"--all-regions and --region exclude each other"}},
		{name: "bad tag", args: append(base, "--region", "cn-hangzhou", "--tag", "env", "-o", out), code: 1, stderr: []string{`--tag "env": write KEY=VALUE`}},
		{name: "tag twice", args: append(base, "--region", "cn-hangzhou", "--tag", "env=a", "--tag", "env=b", "-o", out), code: 1, stderr: []string{"--tag env is given twice"}},
		{name: "six tags", args: append(base, "--region", "cn-hangzhou", "--tag", "a=1", "--tag", "b=1", "--tag", "c=1", "--tag", "d=1", "--tag", "e=1", "--tag", "f=1", "-o", out), code: 1, stderr: []string{"at most 5 tags"}},
		{name: "bad effective time", args: append(base, "--region", "cn-hangzhou", "--effective-time", "Later", "-o", out), code: 1, stderr: []string{`--effective-time "Later": use Immediate or MaintainTime`}},
		{name: "qps 0", args: append(base, "--region", "cn-hangzhou", "--qps", "0", "-o", out), code: 1, stderr: []string{"--qps 0: must be more than 0"}},
		{name: "unknown region", args: append(base, "--region", "cn-hangzou", "-o", out), code: 1, stderr: []string{`unknown region "cn-hangzou" (did you mean cn-hangzhou?)`, "nothing was written"}},
		{name: "region failing", args: append(base, "--region", "cn-hangzhou", "--region", "cn-beijing", "-o", out), code: 1,
			stderr: []string{"region cn-beijing", "lacks rds:DescribeDBInstances", "nothing was written"}},
		{name: "region failing, merge", args: append(base, "--region", "cn-beijing", "--merge", merged), code: 1, stderr: []string{"lacks rds:DescribeDBInstances"}},
		{name: "bad merge file", args: append(base, "--region", "cn-hangzhou", "--merge", filepath.Join(dir, "none.yaml")), code: 1, stderr: []string{"--merge: read inventory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t)
			if _, err := os.Stat(out); err == nil {
				t.Fatalf("%s was written", out)
			}
			if b, _ := os.ReadFile(merged); string(b) != keep {
				t.Fatalf("the --merge file changed:\n%s", b)
			}
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
		t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
		t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", "")
		t.Setenv("HOME", t.TempDir())
		cliCase{args: append(base, "--region", "cn-hangzhou", "-o", out), code: 1, stderr: []string{"resolve Alibaba Cloud credentials", "ALIBABA_CLOUD_ACCESS_KEY_ID"}}.check(t)
	})
}

// TestPlanRefresh: plan --refresh plans with the live facts, prints the
// drift, records inputs.refreshedAt; a deleted instance is an error naming it.
func TestPlanRefresh(t *testing.T) {
	const invPath = "../../executor/testdata/example-fleet.yaml"
	inv, err := planner.Load(invPath)
	if err != nil {
		t.Fatal(err)
	}
	live := make([]plans.Instance, 0, len(inv.Instances)+1)
	for _, in := range inv.Instances {
		switch in.ID {
		case "rr-shop-ro1":
			in.EngineVersion = "5.6" // upgraded by hand since
		case "rm-crm-db":
			in.Status, in.MaintainTime = "Restarting", "03:00Z-04:00Z"
		}
		live = append(live, in)
	}
	extra := live[0]
	extra.ID, extra.Role, extra.Primary, extra.Region = "rr-shop-new", plans.RoleReadOnly, "rm-shop-db", "cn-hangzhou"
	live = append(live, extra)
	_, url := discoverSim(t, live, nil)
	out := filepath.Join(t.TempDir(), "p.json")
	cliCase{args: []string{"plan", "-i", invPath, "--refresh", "--endpoint", url, "--no-default-policies", "--format", "json", "-o", out},
		stderr: []string{"refresh: 4 difference(s)", "rm-crm-db", "Restarting", "03:00Z-04:00Z", "rr-shop-ro1", "rr-shop-new (new in the cluster: not planned)"}}.check(t)
	p, err := plans.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if p.Inputs.RefreshedAt == "" || p.Step("rr-shop-ro1") != nil || p.Instance("rm-crm-db").Status != "Restarting" || p.Instance("rm-crm-db").StorageGB <= 0 {
		t.Errorf("refreshedAt %q, rr-shop-ro1 step %v, rm-crm-db %+v: want the live facts planned", p.Inputs.RefreshedAt, p.Step("rr-shop-ro1"), p.Instance("rm-crm-db"))
	}
	if s := p.Step("rm-shop-db"); s == nil || strings.Join(s.DependsOn, ",") != "rm-shop-dr" {
		t.Errorf("rm-shop-db step %+v: want it to depend on rm-shop-dr alone (rr-shop-ro1 is done)", s)
	}

	_, gone := discoverSim(t, live[1:], nil) // live[0] deleted
	cliCase{args: []string{"plan", "-i", invPath, "--refresh", "--endpoint", gone, "-o", out}, code: 1,
		stderr: []string{"instance not found in the account: " + live[0].ID, "remove it from the inventory"}}.check(t)
}

// TestDiscoverProgressOnlyOnATerminal: the progress line is drawn on a
// terminal and never written to a log or pipe.
func TestDiscoverProgressOnlyOnATerminal(t *testing.T) {
	_, url := discoverSim(t, nil, nil)
	for _, tty := range []bool{false, true} {
		var stdout, stderr strings.Builder
		o := &discoverOptions{regions: []string{"cn-hangzhou"}, endpoint: url, out: filepath.Join(t.TempDir(), "f.yaml"), qps: 100, concurrency: 4,
			stderrTerminal: func() bool { return tty }}
		if err := runDiscover(t.Context(), &stdout, &stderr, o); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(stderr.String(), "\r\033[Kdiscovering:"); got != tty {
			t.Errorf("terminal %v: progress line shown %v:\n%q", tty, got, stderr.String())
		}
	}
}
