package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/schedule"
)

// SVG is the schedule's Gantt-chart format (rdsup schedule --format svg).
const SVG = "svg"

// ScheduleRenderer writes a schedule preview (rdsup schedule) in one
// format. p is the plan the schedule was made from (instances' windows).
type ScheduleRenderer interface {
	RenderSchedule(w io.Writer, p *plans.Plan, s *schedule.Schedule, o Options) error
}

var scheduleRenderers = map[string]ScheduleRenderer{
	Table: scheduleTable{},
	JSON:  scheduleJSON{},
	SVG:   scheduleSVG{},
}

// ScheduleFormats lists the formats of rdsup schedule.
func ScheduleFormats() []string { return []string{Table, JSON, SVG} }

// ScheduleFormatHelp is ScheduleFormats joined for a flag's usage text.
func ScheduleFormatHelp() string { return strings.Join(ScheduleFormats(), "|") }

// ScheduleFor returns the schedule renderer of the named format; an
// unknown format is an error naming the allowed ones.
func ScheduleFor(format string) (ScheduleRenderer, error) {
	r, ok := scheduleRenderers[format]
	if !ok {
		return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, format, strings.Join(ScheduleFormats(), ", "))
	}
	return r, nil
}
