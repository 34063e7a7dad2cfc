package planner

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rdsup/rdsup/internal/golden"
	"github.com/rdsup/rdsup/plans"
)

// hopFleet writes an inventory: defaults (MySQL, 5.5, cn-hangzhou,
// Immediate) and then the given instance lines.
func hopFleet(target string, lines ...string) string {
	return fmt.Sprintf("defaults:\n  region: cn-hangzhou\n  engine: MySQL\n  engineVersion: \"5.5\"\n  targetVersion: %q\n  effectiveTime: Immediate\n  status: Running\n  maintainTime: \"18:00Z-22:00Z\"\ninstances:\n  - %s\n", target, strings.Join(lines, "\n  - "))
}

// listing is the plan's steps, one line each: id, from → to, dependsOn, wave.
func listing(p *plans.Plan) string {
	var b strings.Builder
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "%-16s %s → %s  wave %d  after [%s]\n", s.ID, s.FromVersion, s.ToVersion, s.Wave, strings.Join(s.DependsOn, " "))
	}
	fmt.Fprintf(&b, "steps %d, clusters %d, waves %d\n", p.Summary.Steps, p.Summary.Clusters, p.Summary.Waves)
	return b.String()
}

func TestHopsGolden(t *testing.T) {
	with84 := DefaultPaths()
	with84["MySQL"]["8.0"] = []string{"8.4"}
	tests := []struct {
		name  string
		inv   string
		paths Paths
	}{
		{"single-hop", hopFleet("5.6", "{id: rm-a, role: primary}", "{id: rr-a1, role: readonly, primary: rm-a}"), nil},
		{"to-8.0", hopFleet("8.0", "{id: rm-a, role: primary}", "{id: rr-a1, role: readonly, primary: rm-a}",
			"{id: rm-a-dr, role: disaster-recovery, primary: rm-a}", "{id: rm-b, role: primary}"), nil},
		{"replica-already-one-ahead", hopFleet("8.0", "{id: rm-a, role: primary}", "{id: rr-a1, role: readonly, primary: rm-a, engineVersion: \"5.6\"}"), nil},
		{"mixed-starts", hopFleet("8.0", "{id: rm-a, role: primary, engineVersion: \"5.7\"}", "{id: rr-a1, role: readonly, primary: rm-a, engineVersion: \"5.7\"}",
			"{id: rm-b, role: primary, engineVersion: \"5.6\"}"), nil},
		{"to-8.4-with-data", hopFleet("8.4", "{id: rm-a, role: primary, engineVersion: \"5.7\"}", "{id: rr-a1, role: readonly, primary: rm-a, engineVersion: \"5.7\"}"), with84},
		{"no-path-one-step-for-the-policy", hopFleet("8.4", "{id: rm-a, role: primary, engineVersion: \"5.7\"}"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Parse("hops.yaml", []byte(tt.inv))
			if err != nil {
				t.Fatal(err)
			}
			p, err := BuildWith(inv, Options{Paths: tt.paths})
			if err != nil {
				t.Fatal(err)
			}
			if err := plans.Seal(p); err != nil {
				t.Fatalf("seal (validate) a planned multi-hop plan: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", "hops", tt.name+".txt"), []byte(listing(p)))
		})
	}
}

func TestHopsErrors(t *testing.T) {
	tests := []struct {
		name string
		inv  string
		want string
	}{
		{"replica two hops ahead of a primary that stays", hopFleet("8.0", "{id: rm-a, role: primary, targetVersion: \"5.5\"}", "{id: rr-a1, role: readonly, primary: rm-a}"),
			"instance rr-a1: hop 5.6 → 5.7 would run it two versions ahead of its primary rm-a, which stays on 5.5"},
		{"replica already past the primary's next hop", hopFleet("8.0", "{id: rm-a, role: primary}", "{id: rr-a1, role: readonly, primary: rm-a, engineVersion: \"5.7\"}"),
			"hop 5.5 → 5.6 needs its readonly instance rr-a1 on 5.6, but it runs 5.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Parse("hops.yaml", []byte(tt.inv))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Build(inv)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestPathsHops(t *testing.T) {
	ps := DefaultPaths()
	ps["MySQL"]["5.6"] = append(ps["MySQL"]["5.6"], "8.0") // a shortcut
	tests := []struct{ from, to, want string }{
		{"5.5", "5.6", "5.6"},
		{"5.5", "8.0", "5.6 8.0"}, // the shortest chain
		{"5.7", "8.0", "8.0"},
		{"5.5", "9.9", "9.9"}, // no chain: one step, for the policy to deny
		{"8.0", "5.5", "5.5"}, // downgrade: likewise
		{"5.5", "5.5", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(ps.Hops("MySQL", tt.from, tt.to), " "); got != tt.want {
			t.Errorf("Hops(%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
	for _, c := range [][2]string{{"5.7", "8.0"}, {"8.0", "8.4"}, {"5.10", "5.9"}} {
		if CompareVersions(c[0], c[1]) >= 0 && c[0] != "5.10" {
			t.Errorf("CompareVersions(%s, %s) >= 0", c[0], c[1])
		}
	}
	if CompareVersions("5.10", "5.9") <= 0 {
		t.Error("5.10 must sort after 5.9")
	}
}
