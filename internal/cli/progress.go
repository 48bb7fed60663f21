package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

var timeNow = time.Now

// progress draws a bar on a terminal; on anything else it stays silent, so
// logs and pipes get only the result.
type progress struct {
	w     io.Writer
	label string
	total int64
	on    bool
	last  time.Time
	start time.Time
}

func newProgress(w io.Writer, label string, total int64) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, total: total, on: ok && term.IsTerminal(int(f.Fd())), start: time.Now()}
}

func (p *progress) set(done int64) { p.draw(done, p.total) }

func (p *progress) draw(done, total int64) {
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	if total <= 0 {
		fmt.Fprintf(p.w, "\r%s: %d", p.label, done)
		return
	}
	frac := min(float64(done)/float64(total), 1)
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %s", p.label, strings.Repeat("█", n), strings.Repeat("·", width-n), 100*frac, time.Since(p.start).Round(time.Second))
}

func (p *progress) finish() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
