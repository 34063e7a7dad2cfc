package planner

import (
	"errors"
	"fmt"
	"time"
)

// ParseWindow parses a maintenance window "HH:MMZ-HH:MMZ" (UTC) into its
// start and end as offsets since midnight. The end may be before the start
// when the window crosses midnight ("22:00Z-02:00Z").
func ParseWindow(s string) (start, end time.Duration, err error) {
	var h1, m1, h2, m2 int
	var rest string
	n, _ := fmt.Sscanf(s, "%2d:%2dZ-%2d:%2dZ%s", &h1, &m1, &h2, &m2, &rest)
	if n != 4 || len(s) != len("00:00Z-00:00Z") {
		return 0, 0, errors.New(`expected "HH:MMZ-HH:MMZ"`)
	}
	if h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0 {
		return 0, 0, errors.New("hours are 00-23 and minutes 00-59")
	}
	start = time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute
	end = time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute
	if start == end {
		return 0, 0, errors.New("the window is empty: start and end are equal")
	}
	return start, end, nil
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
