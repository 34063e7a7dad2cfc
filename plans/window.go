package plans

import (
	"errors"
	"time"
)

// ParseWindow parses an instance's maintainTime, a maintenance window "HH:MMZ-HH:MMZ" (UTC) into its
// start and end as offsets since midnight. The end may be before the start
// when the window crosses midnight ("22:00Z-02:00Z").
func ParseWindow(s string) (start, end time.Duration, err error) {
	// layout: 0 1 : 3 4 Z - 7 8 : 10 11 Z
	if len(s) != len("00:00Z-00:00Z") || s[2] != ':' || s[5] != 'Z' || s[6] != '-' || s[9] != ':' || s[12] != 'Z' {
		return 0, 0, errors.New(`expected "HH:MMZ-HH:MMZ"`)
	}
	h1, ok1 := twoDigits(s[0:2])
	m1, ok2 := twoDigits(s[3:5])
	h2, ok3 := twoDigits(s[7:9])
	m2, ok4 := twoDigits(s[10:12])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return 0, 0, errors.New(`expected "HH:MMZ-HH:MMZ"`)
	}
	if h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 {
		return 0, 0, errors.New("hours are 00-23 and minutes 00-59")
	}
	start = time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute
	end = time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute
	if start == end {
		return 0, 0, errors.New("the window is empty: start and end are equal")
	}
	return start, end, nil
}

func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// NextWindowStart returns the first instant at or after t at which the
// window starting at start (offset since midnight UTC) opens.
func NextWindowStart(t time.Time, start time.Duration) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	at := day.Add(start)
	if at.Before(t) {
		at = at.Add(24 * time.Hour)
	}
	return at
}

// WindowStart is when something asked for at now may start in the daily
// maintenance window (an instance's maintainTime): now if now lies inside
// it, else its next opening; now for a window that cannot be parsed.
func WindowStart(window string, now time.Time) time.Time {
	from, to, err := ParseWindow(window)
	if err != nil || InWindow(now, from, to) {
		return now
	}
	return NextWindowStart(now, from)
}

// InWindow reports whether t (any zone) falls inside the window given by
// ParseWindow's start and end.
func InWindow(t time.Time, start, end time.Duration) bool {
	t = t.UTC()
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	if start < end {
		return d >= start && d < end
	}
	return d >= start || d < end
}
