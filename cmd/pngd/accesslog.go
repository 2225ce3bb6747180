package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// bufferedLog is the access log's writer: lines gather in a 64 KiB buffer
// that is written out every flushEvery, when it fills, and at exit, so that
// a busy server makes one write(2) per many requests instead of one each.
// Error lines do not pass through it.
type bufferedLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

const flushEvery = 200 * time.Millisecond

func newBufferedLog(w io.Writer) *bufferedLog {
	b := &bufferedLog{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flusher()
	return b
}

// Write takes one whole log line (slog writes each record at once), so a
// flush never splits a line.
func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w.Available() < len(p) {
		b.w.Flush()
	}
	return b.w.Write(p)
}

func (b *bufferedLog) flusher() {
	defer close(b.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.mu.Lock()
			b.w.Flush()
			b.mu.Unlock()
		case <-b.stop:
			return
		}
	}
}

// Close writes out what is buffered and stops the flusher.
func (b *bufferedLog) Close() error {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}
