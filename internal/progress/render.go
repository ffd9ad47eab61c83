package progress

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Interval is how often a Renderer redraws its line by default: 4 times a second.
const Interval = 250 * time.Millisecond

// Control sequences: back to the start of the line, and erase to its end.
const (
	carriageReturn = "\r"
	eraseLine      = "\x1b[K"
)

// Options are what a Renderer draws from; tests inject the clock and the ticks.
type Options struct {
	Now      func() time.Time               // default time.Now
	Ticks    <-chan time.Time               // when to redraw; default every Interval
	Requests func() (sent, throttled int64) // requests sent and answered 429; nil: not shown
	Width    func() int                     // the terminal's columns; nil or 0: the line is not cut
}

// Renderer keeps one live line at the bottom of a terminal: Start draws it on each
// tick, Writer lets log lines through above it, Stop erases it.
type Renderer struct {
	w     io.Writer
	c     *Counters
	o     Options
	start time.Time

	mu    sync.Mutex // orders writes to w
	shown bool       // the live line is on the screen

	stop, stopped chan struct{}
	once          sync.Once
	running       atomic.Bool // Start ran: Stop waits for its goroutine
}

// NewRenderer returns a Renderer drawing c to w, which must be a terminal.
func NewRenderer(w io.Writer, c *Counters, o Options) *Renderer {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Renderer{w: w, c: c, o: o, start: o.Now(), stop: make(chan struct{}), stopped: make(chan struct{})}
}

// Start draws the line, then redraws it on each tick until Stop.
func (r *Renderer) Start() {
	r.Draw()
	ticks, halt := r.o.Ticks, func() {}
	if ticks == nil {
		t := time.NewTicker(Interval)
		ticks, halt = t.C, t.Stop
	}
	r.running.Store(true)
	go func() {
		defer close(r.stopped)
		defer halt()
		for {
			select {
			case <-r.stop:
				return
			case <-ticks:
				r.Draw()
			}
		}
	}()
}

// Stop stops the redrawing and erases the line. It may be called more than once,
// and without Start.
func (r *Renderer) Stop() {
	r.once.Do(func() { close(r.stop) })
	if r.running.Load() {
		<-r.stopped
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.erase()
}

// Draw writes the line now, over the previous one.
func (r *Renderer) Draw() {
	line := r.Line()
	if w := r.width(); w > 0 && len(line) >= w {
		line = line[:w-1]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = io.WriteString(r.w, carriageReturn+line+eraseLine)
	r.shown = true
}

func (r *Renderer) width() int {
	if r.o.Width == nil {
		return 0
	}
	return r.o.Width()
}

// erase clears the line if it is shown; r.mu is held.
func (r *Renderer) erase() {
	if r.shown {
		_, _ = io.WriteString(r.w, carriageReturn+eraseLine)
		r.shown = false
	}
}

// Writer returns a writer for log lines: each write erases the live line first,
// and the next tick draws it again below.
func (r *Renderer) Writer() io.Writer { return logWriter{r} }

type logWriter struct{ r *Renderer }

func (l logWriter) Write(p []byte) (int, error) {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	l.r.erase()
	return l.r.w.Write(p)
}

// Line is the text of the live line now.
func (r *Renderer) Line() string {
	s := r.c.Snapshot()
	line := fmt.Sprintf("repositories %s/%s listed, %s tags decided, %s PRs read, deletions %s/%s",
		count(s.Listed), count(s.Repositories), count(s.Decided), count(s.PRs), count(s.Deleted), count(s.Planned))
	if r.o.Requests != nil {
		sent, throttled := r.o.Requests()
		line += fmt.Sprintf(", %s requests (%s 429)", count(sent), count(throttled))
	}
	return line + ", " + r.o.Now().Sub(r.start).Round(time.Second).String()
}

// count writes n with thousands separators: 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
