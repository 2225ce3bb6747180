// Package admit bounds CPU- and memory-heavy work: at most a fixed number of
// jobs run at once, a bounded queue waits behind them for a bounded time,
// and a waiter whose caller goes away leaves the queue at once.
package admit

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// ErrBusy means the queue was full, or no slot freed within the queue
// timeout. The caller should tell its client to come back later.
var ErrBusy = errors.New("admit: too much work queued")

// Gate admits at most Slots jobs at once. The zero value is not usable; call
// New.
type Gate struct {
	slots    chan struct{}
	maxQueue int64
	timeout  time.Duration
	waiting  atomic.Int64
}

// New returns a gate with slots running jobs and at most maxQueue waiting
// ones, each waiting at most timeout. maxQueue < 0 means no bound on the
// queue's length, and timeout <= 0 no bound on the wait.
func New(slots, maxQueue int, timeout time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, max(slots, 1)), maxQueue: int64(maxQueue), timeout: timeout}
}

// Enter waits for a slot. It returns ErrBusy when the queue is full or the
// timeout passes, and ctx.Err() when ctx ends first. A nil error must be
// paired with Leave.
func (g *Gate) Enter(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	if n := g.waiting.Add(1); g.maxQueue >= 0 && n > g.maxQueue {
		g.waiting.Add(-1)
		return ErrBusy
	}
	defer g.waiting.Add(-1)
	var expired <-chan time.Time
	if g.timeout > 0 {
		t := time.NewTimer(g.timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-expired:
		return ErrBusy
	}
}

// Leave frees the slot an Enter took.
func (g *Gate) Leave() { <-g.slots }

// Running is the number of jobs holding a slot.
func (g *Gate) Running() int { return len(g.slots) }

// Waiting is the number of callers in the queue.
func (g *Gate) Waiting() int { return int(g.waiting.Load()) }

// RetryAfter is the whole number of seconds, at least 1, that a client told
// ErrBusy should wait: the queue timeout, rounded up.
func (g *Gate) RetryAfter() int {
	return max(1, int((g.timeout+time.Second-1)/time.Second))
}
