package main

import (
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/olekukonko/tablewriter"

	"github.com/rdsup/rdsup/executor"
)

// progress shows a run as it goes: one updating status line on a terminal,
// plain log lines otherwise.
type progress struct {
	w     io.Writer
	total int
	tty   bool
	log   *slog.Logger

	mu      sync.Mutex
	counts  map[string]int
	state   map[string]string // step → last kind
	last    string
	lastOut time.Time
}

func newProgress(w io.Writer, total int, tty bool, log *slog.Logger) *progress {
	return &progress{w: w, total: total, tty: tty, log: log, counts: map[string]int{}, state: map[string]string{}}
}

// event is executor.Options.OnEvent.
func (p *progress) event(ev executor.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.state[ev.Step]; ok {
		p.counts[prev]--
	}
	kind := ev.Kind
	if kind == "retry" || kind == "resumed" {
		kind = p.state[ev.Step]
		if kind == "" {
			kind = "checking"
		}
	}
	p.state[ev.Step] = kind
	p.counts[kind]++
	if !p.tty {
		switch ev.Kind {
		case "checking":
			return // the next transition says more
		case executor.StateFailed:
			p.log.Error("step "+ev.Kind, "step", ev.Step, "instance", ev.Instance, "detail", ev.Detail)
		case "retry":
			p.log.Warn("step retry", "step", ev.Step, "instance", ev.Instance, "detail", ev.Detail)
		default:
			p.log.Info("step "+ev.Kind, "step", ev.Step, "instance", ev.Instance, "detail", ev.Detail)
		}
		return
	}
	if ev.Kind == executor.StateFailed {
		fmt.Fprintf(p.w, "\r\033[K✗ %s (%s): %s\n", ev.Step, ev.Instance, ev.Detail)
	}
	if time.Since(p.lastOut) < 100*time.Millisecond && ev.Kind != executor.StateSucceeded {
		return
	}
	p.draw()
}

func (p *progress) draw() {
	done := p.counts[executor.StateSucceeded]
	width := 30
	filled := 0
	if p.total > 0 {
		filled = done * width / p.total
	}
	line := fmt.Sprintf("[%s%s] %d/%d done  %d upgrading  %d checking  %d waiting  %d failed",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, p.total,
		p.counts["submitted"]+p.counts["started"], p.counts["checking"], p.counts["waiting"]+p.counts[executor.StatePending]+p.counts[executor.StateScheduled],
		p.counts[executor.StateFailed])
	if line != p.last {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.last, p.lastOut = line, time.Now()
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw()
		fmt.Fprintln(p.w)
	}
}

// writeSummary prints one row per step and the totals.
func writeSummary(w io.Writer, res *executor.Result) error {
	fmt.Fprintln(w)
	t := tablewriter.NewTable(w)
	t.Header("STEP", "INSTANCE", "CLUSTER", "RESULT", "TASK", "TIME", "DETAIL")
	for _, s := range res.Steps {
		d := ""
		if s.Duration > 0 {
			d = s.Duration.Round(time.Millisecond).String()
		}
		if err := t.Append([]string{s.Step, s.Instance, s.Cluster, s.State, s.TaskID, d, s.Detail}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	counts := map[string]int{}
	for _, s := range res.Steps {
		counts[s.State]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	fmt.Fprintf(w, "%d steps: %s in %s; %d API calls (%.1f per step)\n", len(res.Steps), strings.Join(parts, ", "),
		res.Finished.Sub(res.Started).Round(time.Millisecond), res.APICalls, float64(res.APICalls)/float64(max(1, len(res.Steps))))
	return nil
}
