package render

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// On a terminal the progress line says what the run waits for: the
// instance whose window opens first, when, and in how long on the run's
// clock (the simulator's with --simulate).
func TestProgressLineSaysWhatIsWaitedFor(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 48, 0, 0, time.UTC)
	tests := []struct {
		name   string
		events []executor.Event
		want   string
		absent string
	}{
		{name: "scheduled upgrade", events: []executor.Event{
			{Step: "a", Instance: "rm-pay-primary", State: executor.Scheduled, Until: now.Add(3*time.Hour + 12*time.Minute)},
		}, want: "rm-pay-primary: window opens 18:00Z, in 3h12m"},
		{name: "the earliest window of several", events: []executor.Event{
			{Step: "a", Instance: "rm-late", State: executor.Waiting, Until: now.Add(5 * time.Hour)},
			{Step: "b", Instance: "rm-soon", State: executor.Scheduled, Until: now.Add(20 * time.Minute)},
		}, want: "rm-soon: window opens 15:08Z, in 20m00s"},
		{name: "tomorrow has a date", events: []executor.Event{
			{Step: "a", Instance: "rm-x", State: executor.Waiting, Until: now.Add(20 * time.Hour)},
		}, want: "rm-x: window opens 2026-12-02 10:48Z, in 20h00m"},
		{name: "a started upgrade waits for no window", events: []executor.Event{
			{Step: "a", Instance: "rm-x", State: executor.Scheduled, Until: now.Add(time.Hour)},
			{Step: "a", Instance: "rm-x", State: executor.Upgrading},
		}, want: "1 upgrading", absent: "window opens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := NewProgress(&buf, 4, true, slog.New(slog.DiscardHandler), fixedClock(now))
			for _, ev := range tt.events {
				p.Event(ev)
			}
			p.Finish()
			out := buf.String()
			last := out[strings.LastIndex(out, "\r")+1:]
			if !strings.Contains(last, tt.want) {
				t.Errorf("progress line %q does not say %q", last, tt.want)
			}
			if tt.absent != "" && strings.Contains(last, tt.absent) {
				t.Errorf("progress line %q says %q", last, tt.absent)
			}
		})
	}
}

// Without a terminal a failed step's reason is logged once, and retries
// of a step do not move its count.
func TestProgressLogsAFailureOnce(t *testing.T) {
	var logs bytes.Buffer
	p := NewProgress(&logs, 1, false, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	reason := "not eligible: instance rm-a refused the upgrade"
	p.Event(executor.Event{Step: "a", Instance: "rm-a", State: executor.Checking})
	p.Event(executor.Event{Step: "a", Instance: "rm-a", State: executor.Started, Detail: "upgrading"})
	p.Event(executor.Event{Step: "a", Instance: "rm-a", State: executor.Started, Detail: "throttled", Retry: true})
	p.Event(executor.Event{Step: "a", Instance: "rm-a", State: executor.Failed, Detail: reason})
	p.Finish()
	if n := strings.Count(logs.String(), reason); n != 1 {
		t.Errorf("the reason appears %d times in the logs, want once:\n%s", n, logs.String())
	}
	if p.counts[executor.Failed] != 1 || p.counts[executor.Started] != 0 {
		t.Errorf("counts %v, want 1 failed and nothing else", p.counts)
	}
}

func TestStateLabel(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		state executor.State
		until time.Time
		now   time.Time
		want  string
	}{
		{executor.Succeeded, time.Time{}, now, "succeeded"},
		{executor.Scheduled, now.Add(90 * time.Minute), now, "scheduled (window opens 11:30Z, in 1h30m)"},
		{executor.Scheduled, now.Add(90 * time.Minute), time.Time{}, "scheduled (window opens 2026-12-01T11:30:00Z)"},
		{executor.Failed, now.Add(time.Hour), now, "failed"},
		{executor.Waiting, now.Add(30 * time.Second), now, "waiting (window opens 10:00Z, in 30s)"},
	}
	for _, tt := range tests {
		if got := StateLabel(tt.state, tt.until, tt.now); got != tt.want {
			t.Errorf("StateLabel(%s, %s) = %q, want %q", tt.state, tt.until, got, tt.want)
		}
	}
}
