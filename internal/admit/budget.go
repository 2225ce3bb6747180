package admit

import (
	"context"
	"errors"
	"fmt"
	"github.com/pngd/pngd/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// TooLargeError means work that needs more bytes than the whole budget, so
// it could never start however long it waited.
type TooLargeError struct {
	Need, Budget int64
}

func (e *TooLargeError) Error() string {
	return "admit: " + e.Describe()
}

// Describe says how much was needed and how much there is, in MiB, for a
// client's message.
func (e *TooLargeError) Describe() string {
	return fmt.Sprintf("%.0f MiB needed, %.0f MiB available", float64(e.Need)/(1<<20), float64(e.Budget)/(1<<20))
}

// Budget is a memory budget in bytes: work reserves its estimated peak
// before it starts and releases it when done, so that the bytes held by
// work in flight never exceed Size. Waiters queue in order (a large
// reservation is not starved by small ones), at most MaxQueue of them, each
// for at most the timeout. The zero value is not usable; call NewBudget.
type Budget struct {
	sem      *semaphore.Weighted
	size     int64
	maxQueue int64
	timeout  time.Duration
	held     atomic.Int64
	waiting  atomic.Int64
	peak     atomic.Int64
	observe  Observer
}

// Observe makes the budget report every wait for bytes to o (a Reserve
// that found them free at once is not reported: most are). Call it before
// use.
func (b *Budget) Observe(o Observer) *Budget {
	b.observe = o
	return b
}

// NewBudget returns a budget of size bytes whose waiters wait at most
// timeout (<= 0: no bound) and number at most maxQueue (< 0: no bound).
func NewBudget(size int64, maxQueue int, timeout time.Duration) *Budget {
	return &Budget{sem: semaphore.NewWeighted(size), size: size, maxQueue: int64(maxQueue), timeout: timeout}
}

// Reserve waits until n bytes are free and takes them. It returns
// *TooLargeError at once when n exceeds the whole budget, ErrBusy when the
// queue is full or the timeout passes, and ctx.Err() when ctx ends first.
// A nil error must be paired with Release(n).
func (b *Budget) Reserve(ctx context.Context, n int64) error {
	ctx, span := tracing.Start(ctx, "admission", attribute.String("pngd.gate", "memory"), attribute.Int64("pngd.bytes", n))
	err := b.reserve(ctx, n, time.Time{})
	tracing.End(span, err)
	return err
}

// reserve is Reserve with a deadline shared with an earlier wait (zero:
// the budget's own timeout from now).
func (b *Budget) reserve(ctx context.Context, n int64, deadline time.Time) error {
	if n <= 0 {
		return nil
	}
	if n > b.size {
		return &TooLargeError{Need: n, Budget: b.size}
	}
	if b.sem.TryAcquire(n) {
		b.took(n)
		return nil
	}
	if b.observe != nil {
		start := time.Now()
		err := b.wait(ctx, n, deadline)
		b.observe(time.Since(start), err)
		return err
	}
	return b.wait(ctx, n, deadline)
}

// wait queues for n bytes.
func (b *Budget) wait(ctx context.Context, n int64, deadline time.Time) error {
	if w := b.waiting.Add(1); b.maxQueue >= 0 && w > b.maxQueue {
		b.waiting.Add(-1)
		return ErrBusy
	}
	defer b.waiting.Add(-1)
	if deadline.IsZero() && b.timeout > 0 {
		deadline = time.Now().Add(b.timeout)
	}
	wctx := ctx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrBusy
	}
	b.took(n)
	return nil
}

func (b *Budget) took(n int64) {
	h := b.held.Add(n)
	for p := b.peak.Load(); h > p && !b.peak.CompareAndSwap(p, h); p = b.peak.Load() {
	}
}

// Release gives back n bytes that Reserve took.
func (b *Budget) Release(n int64) {
	if n <= 0 {
		return
	}
	b.held.Add(-n)
	b.sem.Release(n)
}

// Size is the whole budget in bytes.
func (b *Budget) Size() int64 { return b.size }

// Held is the number of bytes reserved now.
func (b *Budget) Held() int64 { return b.held.Load() }

// Peak is the most bytes ever reserved at once.
func (b *Budget) Peak() int64 { return b.peak.Load() }

// Waiting is the number of reservations waiting for bytes.
func (b *Budget) Waiting() int { return int(b.waiting.Load()) }

// RetryAfter is the whole number of seconds, at least 1, that a client told
// ErrBusy should wait: the queue timeout, rounded up.
func (b *Budget) RetryAfter() int { return retryAfter(b.timeout) }

// IsTooLarge reports whether err is a *TooLargeError.
func IsTooLarge(err error) bool {
	var e *TooLargeError
	return errors.As(err, &e)
}
