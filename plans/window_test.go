package plans

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York below, on any machine
)

// TestNextOpen is the one table of window arithmetic: the planner, the
// policies (rdsup.window.* built-ins), the executor and the simulator all
// use NextOpen.
func TestNextOpen(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York") // DST starts 2026-03-08 02:00 local
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, window string
		at           time.Time
		want         string // RFC 3339 (nanoseconds); "" when the window is invalid
	}{
		{"inside", "02:00Z-06:00Z", utc("2026-11-26T03:00:00Z"), "2026-11-26T03:00:00Z"},
		{"exactly at the start is inside", "02:00Z-06:00Z", utc("2026-11-26T02:00:00Z"), "2026-11-26T02:00:00Z"},
		{"a nanosecond before the start", "02:00Z-06:00Z", utc("2026-11-26T01:59:59.999999999Z"), "2026-11-26T02:00:00Z"},
		{"a nanosecond before the end is inside", "02:00Z-06:00Z", utc("2026-11-26T05:59:59.999999999Z"), "2026-11-26T05:59:59.999999999Z"},
		{"exactly at the end is outside: tomorrow", "02:00Z-06:00Z", utc("2026-11-26T06:00:00Z"), "2026-11-27T02:00:00Z"},
		{"before, same day", "18:00Z-22:00Z", utc("2026-01-05T10:00:00Z"), "2026-01-05T18:00:00Z"},
		{"after, next day", "18:00Z-22:00Z", utc("2026-01-05T23:00:00Z"), "2026-01-06T18:00:00Z"},
		{"next day crosses a month and a year", "18:00Z-22:00Z", utc("2026-12-31T23:00:00Z"), "2027-01-01T18:00:00Z"},
		{"crosses midnight, late part", "22:00Z-02:00Z", utc("2026-01-05T23:30:00Z"), "2026-01-05T23:30:00Z"},
		{"crosses midnight, at midnight", "22:00Z-02:00Z", utc("2026-01-06T00:00:00Z"), "2026-01-06T00:00:00Z"},
		{"crosses midnight, early part", "22:00Z-02:00Z", utc("2026-01-06T01:59:59Z"), "2026-01-06T01:59:59Z"},
		{"crosses midnight, at its end", "22:00Z-02:00Z", utc("2026-01-06T02:00:00Z"), "2026-01-06T22:00:00Z"},
		{"crosses midnight, outside", "22:00Z-02:00Z", utc("2026-01-06T12:00:00Z"), "2026-01-06T22:00:00Z"},
		{"ends at midnight", "23:00Z-00:00Z", utc("2026-01-06T23:59:59Z"), "2026-01-06T23:59:59Z"},
		{"ends at midnight, at midnight", "23:00Z-00:00Z", utc("2026-01-07T00:00:00Z"), "2026-01-07T23:00:00Z"},
		{"starts at midnight", "00:00Z-01:00Z", utc("2026-01-06T23:00:00Z"), "2026-01-07T00:00:00Z"},
		{"almost the whole day", "00:01Z-00:00Z", utc("2026-01-06T00:00:30Z"), "2026-01-06T00:01:00Z"},
		{"after a DST switch, judged in UTC", "07:00Z-08:00Z", time.Date(2026, 3, 8, 3, 30, 0, 0, ny), "2026-03-08T07:30:00Z"},
		{"before a DST switch, the next opening is in UTC", "07:00Z-08:00Z", time.Date(2026, 3, 7, 3, 30, 0, 0, ny), "2026-03-08T07:00:00Z"},
		{"an offset is judged in UTC", "18:00Z-22:00Z", time.Date(2026, 1, 2, 3, 0, 0, 0, time.FixedZone("", 8*3600)), "2026-01-01T19:00:00Z"},
		{"00:00Z-00:00Z is empty", "00:00Z-00:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"equal start and end", "02:00Z-02:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"no Z", "02:00-06:00", utc("2026-01-05T10:00:00Z"), ""},
		{"hour 24", "24:00Z-02:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"minute 60", "02:60Z-03:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"end hour 24", "22:00Z-24:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"trailing text", "02:00Z-06:00Zx", utc("2026-01-05T10:00:00Z"), ""},
		{"leading space", " 02:00Z-06:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"one digit hour", "2:00Z-06:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"signs", "+2:00Z--6:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"lowercase z", "02:00z-06:00z", utc("2026-01-05T10:00:00Z"), ""},
		{"a start only", "18:00Z", utc("2026-01-05T10:00:00Z"), ""},
		{"empty", "", utc("2026-01-05T10:00:00Z"), ""},
		{"words", "soon, please", utc("2026-01-05T10:00:00Z"), ""},
		{"non-ASCII digits", "０２:00Z-06:00Z", utc("2026-01-05T10:00:00Z"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NextOpen(tc.window, tc.at)
			if tc.want == "" {
				if !errors.Is(err, ErrWindow) {
					t.Fatalf("NextOpen(%q) = %v, %v; want an ErrWindow", tc.window, got, err)
				}
				if _, _, err := ParseWindow(tc.window); !errors.Is(err, ErrWindow) {
					t.Errorf("ParseWindow(%q) accepted it", tc.window)
				}
				if ws := WindowStart(tc.window, tc.at); !ws.Equal(tc.at) {
					t.Errorf("WindowStart of an invalid window = %v, want now (%v)", ws, tc.at)
				}
				return
			}
			if err != nil {
				t.Fatalf("NextOpen(%q): %v", tc.window, err)
			}
			if s := got.Format(time.RFC3339Nano); s != tc.want || got.Location() != time.UTC {
				t.Errorf("NextOpen(%q, %s) = %s (%s), want %s in UTC", tc.window, tc.at.Format(time.RFC3339Nano), s, got.Location(), tc.want)
			}
			if ws := WindowStart(tc.window, tc.at); !ws.Equal(got) {
				t.Errorf("WindowStart = %v, want NextOpen's %v", ws, got)
			}
		})
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}
