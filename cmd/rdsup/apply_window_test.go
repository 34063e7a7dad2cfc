package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestApplyWaitsForAnyProductionWindow: whichever tag the policy data
// calls production, `apply --simulate` of an Immediate upgrade planned for
// inside the window, run while the window is closed, waits for it to open
// (the policy says when) and succeeds: tier: prod under
// `production: {tagKey: tier, tagValue: prod}` exactly like env: prod.
func TestApplyWaitsForAnyProductionWindow(t *testing.T) {
	tests := []struct {
		name, tag, data string
	}{
		{"env: prod", "env: prod", ""},
		{"tier: prod from --data", "tier: prod", "rdsup: {config: {production: {tagKey: tier, tagValue: prod}}}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// The window opens 60-61 simulated minutes from now (half a
			// second at the default --sim-speed) and stays open for 6 hours.
			opens := time.Now().UTC().Truncate(time.Minute).Add(61 * time.Minute)
			window := opens.Format("15:04") + "Z-" + opens.Add(6*time.Hour).Format("15:04") + "Z"
			inv := filepath.Join(dir, "prod.yaml")
			if err := os.WriteFile(inv, []byte(`defaults: {region: cn-hangzhou, engine: MySQL, targetVersion: "5.6", effectiveTime: Immediate}
instances:
  - {id: rm-prod, engineVersion: "5.5", role: primary, status: Running, maintainTime: "`+window+`", tags: {`+tc.tag+`}}
`), 0o644); err != nil {
				t.Fatal(err)
			}
			var policyFlags []string
			if tc.data != "" {
				data := filepath.Join(dir, "data.yaml")
				if err := os.WriteFile(data, []byte(tc.data), 0o644); err != nil {
					t.Fatal(err)
				}
				policyFlags = []string{"--data", data}
			}
			// Planned for inside the window, the step is allowed...
			path, _ := planFile(t, inv, append([]string{"--at", opens.Add(10 * time.Minute).Format(time.RFC3339)}, policyFlags...)...)
			// ...and outside it, the policy denies it now.
			_, stderr, code := runCLI(t, append([]string{"plan", "-i", inv, "-o", filepath.Join(dir, "now.json"), "--at", opens.Add(-time.Minute).Format(time.RFC3339)}, policyFlags...)...)
			if code != exitDenied {
				t.Fatalf("plan outside the window: exit %d, want %d (denied)\n%s", code, exitDenied, stderr)
			}
			start := time.Now()
			out, stderr, code := runCLI(t, append([]string{"apply", path, "--simulate", "--yes", "--poll-interval", "100ms"}, policyFlags...)...)
			if code != exitOK || !strings.Contains(out, "1 succeeded") {
				t.Fatalf("apply: exit %d, want 0 and 1 succeeded\n%s\n%s", code, out, stderr)
			}
			if d := time.Since(start); d < 400*time.Millisecond {
				t.Errorf("apply took %s: it did not wait for the window (opens in about 0.5s)", d)
			}
		})
	}
}

// TestApplyWaitsForATeamFreeze: a team policy's denial that says when it
// lifts (opensAt) holds the step until then, the way the window rule does;
// one without opensAt leaves it pending (exit 3).
func TestApplyWaitsForATeamFreeze(t *testing.T) {
	tests := []struct {
		name    string
		opensAt bool
		code    int
		out     string
	}{
		{"opensAt: waits, then succeeds", true, exitOK, "1 succeeded"},
		{"no opensAt: pending", false, exitPending, "1 pending"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ends := time.Now().UTC().Truncate(time.Minute).Add(61 * time.Minute).Format(time.RFC3339)
			finding := `"change freeze"`
			if tc.opensAt {
				finding = `{"msg": "change freeze", "opensAt": "` + ends + `"}`
			}
			team := filepath.Join(dir, "team")
			if err := os.MkdirAll(team, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(team, "freeze.rego"), []byte("package rdsup.team\n\ndeny contains "+finding+` if input.plan.at < "`+ends+"\"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			inv := filepath.Join(dir, "fleet.yaml")
			if err := os.WriteFile(inv, []byte(`defaults: {region: cn-hangzhou, engine: MySQL, targetVersion: "5.6", effectiveTime: Immediate, maintainTime: "00:00Z-23:59Z"}
instances:
  - {id: rm-dev, engineVersion: "5.5", role: primary, status: Running, tags: {env: dev}}
`), 0o644); err != nil {
				t.Fatal(err)
			}
			path, _ := planFile(t, inv, "-p", team, "--at", ends)
			start := time.Now()
			out, stderr, code := runCLI(t, "apply", path, "--simulate", "--yes", "--poll-interval", "100ms", "-p", team)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Fatalf("apply: exit %d, want %d and %q\n%s\n%s", code, tc.code, tc.out, out, stderr)
			}
			if d := time.Since(start); tc.opensAt && d < 400*time.Millisecond {
				t.Errorf("apply took %s: it did not wait for the freeze to lift (in about 0.5s)", d)
			}
		})
	}
}
