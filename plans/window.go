package plans

import (
	"errors"
	"time"
)

// This file is the one implementation of maintenance-window arithmetic.
// The planner validates maintainTime with ParseWindow, the policies ask
// NextOpen through the Rego built-ins rdsup.window.* (policy/window.go),
// and the executor and the simulator use WindowStart. Windows are daily,
// in UTC (no daylight saving time), half-open [start, end), and may cross
// midnight ("22:00Z-02:00Z").

// ErrWindow marks a maintainTime that is not a window "HH:MMZ-HH:MMZ".
var ErrWindow = errors.New("not a maintenance window")

// windowError is an ErrWindow that says only what is wrong: callers name
// the field ("malformed maintainTime %q: %v").
type windowError string

func (e windowError) Error() string      { return string(e) }
func (windowError) Is(target error) bool { return target == ErrWindow }

// ParseWindow parses an instance's maintainTime, a maintenance window "HH:MMZ-HH:MMZ" (UTC) into its
// start and end as offsets since midnight. The end may be before the start
// when the window crosses midnight ("22:00Z-02:00Z"). A window whose start
// and end are equal ("00:00Z-00:00Z") is refused as empty: it is ambiguous
// (nothing, or the whole day) and the RDS API never returns one.
func ParseWindow(s string) (start, end time.Duration, err error) {
	// layout: 0 1 : 3 4 Z - 7 8 : 10 11 Z
	if len(s) != len("00:00Z-00:00Z") || s[2] != ':' || s[5] != 'Z' || s[6] != '-' || s[9] != ':' || s[12] != 'Z' {
		return 0, 0, windowError(`expected "HH:MMZ-HH:MMZ"`)
	}
	h1, ok1 := twoDigits(s[0:2])
	m1, ok2 := twoDigits(s[3:5])
	h2, ok3 := twoDigits(s[7:9])
	m2, ok4 := twoDigits(s[10:12])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, 0, windowError(`expected "HH:MMZ-HH:MMZ"`)
	}
	if h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 {
		return 0, 0, windowError("hours are 00-23 and minutes 00-59")
	}
	start = time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute
	end = time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute
	if start == end {
		return 0, 0, windowError("the window is empty: start and end are equal")
	}
	return start, end, nil
}

func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// NextOpen is the first instant at or after t at which the daily window
// (an instance's maintainTime) is open: t itself, in UTC, when the window
// is open at t, else the window's next opening. The end of a window is
// outside it. An error wraps ErrWindow when window is not a window.
func NextOpen(window string, t time.Time) (time.Time, error) {
	start, end, err := ParseWindow(window)
	if err != nil {
		return time.Time{}, err
	}
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	since := t.Sub(day) // offset since midnight UTC, sub-second precision
	if inside(since, start, end) {
		return t, nil
	}
	at := day.Add(start)
	if at.Before(t) {
		at = at.Add(24 * time.Hour)
	}
	return at, nil
}

// inside reports whether the offset since midnight d lies in [start, end),
// a window that may cross midnight (end < start).
func inside(d, start, end time.Duration) bool {
	if start < end {
		return d >= start && d < end
	}
	return d >= start || d < end
}

// WindowStart is when something asked for at now may start in the daily
// maintenance window (an instance's maintainTime): NextOpen, and now for a
// window that cannot be parsed.
func WindowStart(window string, now time.Time) time.Time {
	at, err := NextOpen(window, now)
	if err != nil {
		return now
	}
	return at
}
