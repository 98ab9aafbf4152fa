package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/indus-platform/indus/internal/analysis"
)

// isTerminal reports whether w is a terminal, where a progress bar can
// redraw itself; elsewhere (logs, CI) progress is printed as plain lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressPrinter renders import progress with rows/s and an ETA.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	last     time.Time
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, terminal: isTerminal(w)}
}

func (p *progressPrinter) update(ev analysis.Progress) {
	if !ev.Done && !p.terminal && time.Since(p.last) < 5*time.Second {
		return
	}
	p.last = time.Now()
	rate := 0.0
	if s := ev.Elapsed.Seconds(); s > 0 {
		rate = float64(ev.Rows) / s
	}
	frac := 0.0
	if ev.TotalBytes > 0 {
		frac = float64(ev.Bytes) / float64(ev.TotalBytes)
	}
	eta := ""
	if frac > 0 && frac < 1 {
		eta = fmt.Sprintf(" ETA %s", (time.Duration(float64(ev.Elapsed) * (1 - frac) / frac)).Round(time.Second))
	}
	line := fmt.Sprintf("%s %3.0f%% %s rows %s rows/s%s", ev.File, 100*frac, formatCount(ev.Rows), formatCount(int64(rate)), eta)
	if p.terminal {
		const width = 24
		filled := int(frac * width)
		bar := "[" + strings.Repeat("#", filled) + strings.Repeat("-", width-filled) + "] "
		fmt.Fprintf(p.w, "\r\033[K%s%s", bar, line)
		if ev.Done {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintln(p.w, line)
}
