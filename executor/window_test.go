package executor_test

import (
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

func TestDefaultWindow(t *testing.T) {
	at := func(hhmm string) time.Time {
		tt, _ := time.Parse("2006-01-02 15:04", "2026-01-05 "+hhmm)
		return tt
	}
	prod := map[string]string{"env": "prod"}
	tests := []struct {
		name      string
		effective string
		tags      map[string]string
		window    string
		now       time.Time
		open      bool
		opens     string // RFC 3339, "" for zero
	}{
		{"not prod", plans.EffectiveImmediate, nil, "02:00Z-03:00Z", at("12:00"), true, ""},
		{"maintain time", plans.EffectiveMaintenance, prod, "02:00Z-03:00Z", at("12:00"), true, ""},
		{"inside", plans.EffectiveImmediate, prod, "02:00Z-03:00Z", at("02:30"), true, ""},
		{"before", plans.EffectiveImmediate, prod, "18:00Z-22:00Z", at("12:00"), false, "2026-01-05T18:00:00Z"},
		{"after: tomorrow", plans.EffectiveImmediate, prod, "02:00Z-03:00Z", at("12:00"), false, "2026-01-06T02:00:00Z"},
		{"across midnight inside", plans.EffectiveImmediate, prod, "22:00Z-02:00Z", at("01:00"), true, ""},
		{"across midnight outside", plans.EffectiveImmediate, prod, "22:00Z-02:00Z", at("12:00"), false, "2026-01-05T22:00:00Z"},
		{"no window", plans.EffectiveImmediate, prod, "", at("12:00"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := plans.Step{EffectiveTime: tt.effective}
			in := plans.Instance{MaintainTime: tt.window, Tags: tt.tags}
			open, opens, why := DefaultWindow(s, in, tt.now)
			if open != tt.open {
				t.Fatalf("open = %v (%s), want %v", open, why, tt.open)
			}
			got := ""
			if !opens.IsZero() {
				got = opens.Format(time.RFC3339)
			}
			if got != tt.opens {
				t.Errorf("opens = %q, want %q", got, tt.opens)
			}
			if !open && why == "" {
				t.Error("closed without a reason")
			}
		})
	}
}
