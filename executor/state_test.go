package executor_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/rdsup/rdsup/executor"
)

func TestStateTransitions(t *testing.T) {
	tests := []struct {
		from, to State
		ok       bool
	}{
		{NotStarted, Checking, true},
		{Checking, Started, true},
		{Started, Upgrading, true},
		{Upgrading, Scheduled, true},
		{Scheduled, Upgrading, true},
		{Upgrading, Succeeded, true},
		{Checking, Waiting, true},
		{Waiting, Checking, true},
		{NotStarted, Blocked, true},
		{Succeeded, Checking, false},
		{Failed, Upgrading, false},
		{Scheduled, Checking, false},   // an accepted upgrade is never sent again
		{Upgrading, Started, false},    // nor journaled as about to be sent
		{Waiting, Upgrading, false},    // a waiting step sent nothing
		{NotStarted, Succeeded, false}, // only after a look at the instance
	}
	for _, tt := range tests {
		if got := tt.from.CanBecome(tt.to); got != tt.ok {
			t.Errorf("%s → %s allowed = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
	for _, s := range States {
		if !s.CanBecome(s) && !s.Final() {
			t.Errorf("%s: an unfinished state must allow staying in it (retries)", s)
		}
	}
}

// The journal keeps format 1's spellings: an accepted upgrade is
// "submitted", a scheduled one "pending" with its task; both read back as
// the states they were.
func TestJournalSpellings(t *testing.T) {
	opens := time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		rec   Record
		event string
	}{
		{Record{Event: Started, Step: "a"}, `"event":"started"`},
		{Record{Event: Upgrading, Step: "a", TaskID: "T"}, `"event":"submitted"`},
		{Record{Event: Scheduled, Step: "a", TaskID: "T", OpensAt: opens}, `"event":"pending"`},
		{Record{Event: Pending, Step: "a", Reason: "window closed"}, `"event":"pending"`},
		{Record{Event: Succeeded, Step: "a"}, `"event":"succeeded"`},
		{Record{Event: Failed, Step: "a", Unsettled: true}, `"event":"failed"`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.rec)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), tt.event) || strings.Count(string(b), `"event"`) != 1 {
			t.Errorf("%s written as %s, want one %s", tt.rec.Event, b, tt.event)
		}
		var back Record
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Event != tt.rec.Event || !back.OpensAt.Equal(tt.rec.OpensAt) {
			t.Errorf("%s read back as %s (%s)", tt.rec.Event, back.Event, back.OpensAt)
		}
	}
}
