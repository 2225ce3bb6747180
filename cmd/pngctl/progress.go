package main

import (
	"io"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws bars on stderr with mpb: one per file in flight (name,
// bytes, rate, ETA), removed when the file is done, under a total. A nil
// *progress draws nothing, so callers need not ask.
type progress struct {
	p     *mpb.Progress
	total *mpb.Bar
}

// newProgress starts the bars for totalBytes over files, or returns nil
// when g draws none.
func newProgress(g *globals, files int, totalBytes int64) *progress {
	if !g.showProgress() {
		return nil
	}
	p := mpb.New(mpb.WithOutput(g.env.stderr), mpb.WithWidth(110), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh())
	name := "total"
	if files == 1 {
		name = "total (1 file)"
	} else if files > 1 {
		name = "total (" + strconv.Itoa(files) + " files)"
	}
	total := p.AddBar(totalBytes, mpb.BarWidth(30),
		mpb.PrependDecorators(decor.Name(name, decor.WC{C: decor.DindentRight | decor.DextraSpace, W: 24}), decor.CountersKibiByte("% .1f / % .1f")),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name(" "), decor.AverageSpeed(decor.SizeB1024(0), "% .1f"), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_MMSS)),
	)
	return &progress{p: p, total: total}
}

// file adds a bar for one file of size bytes, starting at done, and
// returns a function that wraps a reader so that bytes read through it
// advance both this bar and the total, and one that ends the bar.
func (p *progress) file(name string, size, done int64) (wrap func(io.Reader) io.Reader, finish func(ok bool)) {
	if p == nil {
		return func(r io.Reader) io.Reader { return r }, func(bool) {}
	}
	// Once the last byte is sent the server decodes and stores the file:
	// the bar says so until its answer comes, instead of a stopped ETA.
	sent := new(atomic.Bool)
	eta := decor.EwmaETA(decor.ET_STYLE_MMSS, 30)
	bar := p.p.AddBar(size, mpb.BarWidth(30),
		mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name(short(name), decor.WC{C: decor.DindentRight | decor.DextraSpace, W: 24}), decor.CountersKibiByte("% .1f / % .1f")),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name(" "), decor.EwmaSpeed(decor.SizeB1024(0), "% .1f", 30),
			decor.Any(func(st decor.Statistics) string {
				if sent.Load() {
					return " processing"
				}
				s, _ := eta.Decor(st)
				return " ETA " + s
			})),
	)
	if done > 0 {
		bar.SetCurrent(done)
		p.total.IncrInt64(done)
	}
	wrap = func(r io.Reader) io.Reader { return &counted{r: r, bar: bar, total: p.total, sent: sent} }
	finish = func(ok bool) {
		if !ok {
			bar.Abort(true) // the total then ends short of 100%
			return
		}
		bar.SetTotal(-1, true)
	}
	return wrap, finish
}

// counted advances a file's bar and the total by every byte read through
// it. The bar's rate is an EWMA over the time between reads, not the time
// in them: an upload's body is read from memory at once, and paced only by
// the socket the client writes it to.
type counted struct {
	r          io.Reader
	bar, total *mpb.Bar
	last       time.Time
	sent       *atomic.Bool // set at the body's end
}

func (c *counted) Read(b []byte) (int, error) {
	if c.last.IsZero() {
		c.last = time.Now()
	}
	n, err := c.r.Read(b)
	if n > 0 {
		now := time.Now()
		c.bar.EwmaIncrBy(n, now.Sub(c.last))
		c.last = now
		c.total.IncrBy(n)
	}
	if err == io.EOF {
		c.sent.Store(true)
	}
	return n, err
}

// wait ends the bars and waits for the last frame.
func (p *progress) wait() {
	if p == nil {
		return
	}
	p.total.SetTotal(-1, true)
	p.p.Wait()
}

// short is a file name that fits its column.
func short(name string) string {
	base := filepath.Base(name)
	if r := []rune(base); len(r) > 22 {
		return string(r[:10]) + "…" + string(r[len(r)-11:])
	}
	return base
}
