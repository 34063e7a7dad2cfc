package render

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rdsup/rdsup/executor"
)

// Progress shows an apply as it goes: on a terminal one status line,
// redrawn, that counts steps by state and says what the run waits for
// ("rm-pay-primary: window opens 18:00Z, in 3h12m", on the run's clock);
// otherwise one log line per event. Its Event method is
// executor.Options.OnEvent.
type Progress struct {
	w     io.Writer
	total int
	tty   bool
	log   *slog.Logger
	clock executor.Clock

	mu      sync.Mutex
	state   map[string]executor.State // step → state
	counts  map[executor.State]int
	waits   map[string]time.Time // instance → window opening, of waiting and scheduled steps
	last    string
	lastOut time.Time
	stop    chan struct{}
	stopped sync.WaitGroup
}

// NewProgress returns a progress display for total steps. clock is the
// run's clock (nil: the wall clock); on a terminal the line is redrawn
// every second so that waits count down.
func NewProgress(w io.Writer, total int, tty bool, log *slog.Logger, clock executor.Clock) *Progress {
	p := &Progress{w: w, total: total, tty: tty, log: log, clock: clock,
		state: map[string]executor.State{}, counts: map[executor.State]int{}, waits: map[string]time.Time{}, stop: make(chan struct{})}
	if tty {
		p.stopped.Add(1)
		go p.tick()
	}
	return p
}

func (p *Progress) now() time.Time {
	if p.clock == nil {
		return time.Now()
	}
	return p.clock.Now()
}

func (p *Progress) tick() {
	defer p.stopped.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// Event takes one step event (executor.Options.OnEvent).
func (p *Progress) Event(ev executor.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !ev.Retry {
		if prev, ok := p.state[ev.Step]; ok {
			p.counts[prev]--
		}
		p.state[ev.Step] = ev.State
		p.counts[ev.State]++
		delete(p.waits, ev.Instance)
		if (ev.State == executor.Waiting || ev.State == executor.Scheduled) && !ev.Until.IsZero() {
			p.waits[ev.Instance] = ev.Until
		}
	}
	if !p.tty {
		p.logEvent(ev)
		return
	}
	if ev.State == executor.Failed && !ev.Retry {
		fmt.Fprintf(p.w, "\r\033[K✗ %s (%s): %s\n", ev.Step, ev.Instance, ev.Detail)
	}
	if time.Since(p.lastOut) < 100*time.Millisecond && ev.State != executor.Succeeded {
		return
	}
	p.draw()
}

// logEvent writes one log line per event; a failure's reason is logged
// once, here (the summary shows it again on stdout, in its table).
func (p *Progress) logEvent(ev executor.Event) {
	switch {
	case ev.State == executor.Checking && !ev.Retry:
		return // the next event says more
	case ev.Retry:
		p.log.Warn("step retry", "step", ev.Step, "instance", ev.Instance, "state", string(ev.State), "detail", ev.Detail)
	case ev.State == executor.Failed:
		p.log.Error("step failed", "step", ev.Step, "instance", ev.Instance, "reason", ev.Detail)
	case !ev.Until.IsZero():
		p.log.Info("step "+string(ev.State), "step", ev.Step, "instance", ev.Instance, "until", ev.Until.UTC().Format(time.RFC3339), "detail", ev.Detail)
	default:
		p.log.Info("step "+string(ev.State), "step", ev.Step, "instance", ev.Instance, "detail", ev.Detail)
	}
}

// Line is the status line for the current counts.
func (p *Progress) line() string {
	done := p.counts[executor.Succeeded]
	width := 30
	filled := 0
	if p.total > 0 {
		filled = done * width / p.total
	}
	line := fmt.Sprintf("[%s%s] %d/%d done  %d upgrading  %d checking  %d waiting  %d failed",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, p.total,
		p.counts[executor.Upgrading]+p.counts[executor.Started], p.counts[executor.Checking],
		p.counts[executor.Waiting]+p.counts[executor.Scheduled]+p.counts[executor.Pending], p.counts[executor.Failed])
	if id, until := p.nextWindow(); id != "" {
		line += "  " + id + ": " + WindowOpens(until, p.now())
	}
	return line
}

// nextWindow is the waiting instance whose window opens first.
func (p *Progress) nextWindow() (string, time.Time) {
	var id string
	var at time.Time
	for in, u := range p.waits {
		if id == "" || u.Before(at) || u.Equal(at) && in < id {
			id, at = in, u
		}
	}
	return id, at
}

func (p *Progress) draw() {
	if !p.tty {
		return
	}
	line := p.line()
	if line != p.last {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.last, p.lastOut = line, time.Now()
	}
}

// Finish draws the last line and ends it.
func (p *Progress) Finish() {
	if p.tty {
		close(p.stop)
		p.stopped.Wait()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw()
		fmt.Fprintln(p.w)
	}
}
