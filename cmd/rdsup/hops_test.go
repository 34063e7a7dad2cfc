package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const hopsInventory = `defaults:
  region: cn-hangzhou
  engine: MySQL
  engineVersion: "5.5"
  targetVersion: "8.0"
  effectiveTime: Immediate
  status: Running
  maintainTime: "00:00Z-23:59Z"
instances:
  - {id: rm-a, role: primary}
  - {id: rr-a1, role: readonly, primary: rm-a}
`

// A deny for a missing hop gives the data to add; following it gives a
// plan with one step per hop that the simulator (default paths) applies.
func TestVersionAdviceGivesAnApplicablePlan(t *testing.T) {
	dir := t.TempDir()
	inv := filepath.Join(dir, "fleet.yaml")
	gap := filepath.Join(dir, "gap.json") // a site that took 5.6 → 5.7 away
	write := func(path, s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(inv, hopsInventory)
	write(gap, `{"rdsup": {"config": {"versionPaths": {"MySQL": {"5.6": []}}}}}`)
	denied := filepath.Join(dir, "denied.json")
	if _, stderr, code := runCLI(t, "plan", "-i", inv, "--data", gap, "-o", denied, "--at", checkAt); code != exitDenied {
		t.Fatalf("plan with a gap: exit %d, want %d: %s", code, exitDenied, stderr)
	}
	p := loadPlan(t, denied)
	if len(p.Steps) != 2 || len(p.Steps[0].Policy.Deny) == 0 {
		t.Fatalf("want two denied 5.5 → 8.0 steps, got %+v", p.Steps)
	}
	msg := p.Steps[0].Policy.Deny[0].Message
	for _, want := range []string{"allowed: MySQL 5.5 → 5.6, MySQL 5.7 → 8.0 (from 5.5 the hops reach 5.6)", `{"MySQL":{"5.6":["5.7"]}}`} {
		if !strings.Contains(msg, want) {
			t.Errorf("deny %q lacks %q", msg, want)
		}
	}
	_, advice, ok := strings.Cut(msg, "--data containing ")
	advice, _, _ = strings.Cut(advice, " (rdsup then plans")
	if !ok {
		t.Fatalf("no data to add in %q", msg)
	}
	fix := filepath.Join(dir, "fix.json")
	write(fix, advice)
	fixed := filepath.Join(dir, "plan.json")
	if _, stderr, code := runCLI(t, "plan", "-i", inv, "--data", gap, "--data", fix, "-o", fixed, "--at", checkAt); code != exitOK {
		t.Fatalf("plan following the advice: exit %d: %s", code, stderr)
	}
	var hops []string
	for _, s := range loadPlan(t, fixed).Steps {
		hops = append(hops, s.ID+":"+s.FromVersion+"→"+s.ToVersion)
	}
	want := "rr-a1@5.6:5.5→5.6 rm-a@5.6:5.5→5.6 rr-a1@5.7:5.6→5.7 rm-a@5.7:5.6→5.7 rr-a1@8.0:5.7→8.0 rm-a@8.0:5.7→8.0"
	if got := strings.Join(hops, " "); got != want {
		t.Errorf("steps %s\nwant  %s", got, want)
	}
	if out, stderr, code := runCLI(t, "apply", fixed, "--simulate", "--yes", "--data", gap, "--data", fix); code != exitOK {
		t.Fatalf("apply --simulate: exit %d\n%s\n%s", code, out, stderr)
	}
}
