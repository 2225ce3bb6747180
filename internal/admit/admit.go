// Package admit bounds CPU- and memory-heavy work. A Gate lets at most a
// fixed number of jobs run at once, and a Budget lets the bytes they
// reserve never exceed the memory budget. A bounded queue waits behind
// both for a bounded time, and a waiter whose caller goes away leaves the
// queue at once. It is the one place that says where pngd's memory goes:
// every allocation larger than a few kilobytes per request is reserved
// here first.
package admit

import (
	"context"
	"errors"
	"github.com/pngd/pngd/internal/tracing"
	"go.opentelemetry.io/otel/attribute"
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
	memory   *Budget // nil: bytes are not bounded
	observe  Observer
	name     string // for traces: "render", "upload"
}

// Named names the gate in traces. Call it before use.
func (g *Gate) Named(name string) *Gate {
	g.name = name
	return g
}

// Observer hears how each admission went: how long it waited (zero when a
// slot or the bytes were free at once) and its error (nil, ErrBusy, or the
// context's when the caller went away). It must be quick and safe for
// concurrent use: metrics.
type Observer func(waited time.Duration, err error)

// Observe makes the gate report every Enter to o. Call it before use.
func (g *Gate) Observe(o Observer) *Gate {
	g.observe = o
	return g
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
	ctx, span := tracing.Start(ctx, "admission", attribute.String("pngd.gate", g.name))
	err := g.enter(ctx, time.Time{})
	tracing.End(span, err)
	return err
}

// enter is Enter with a deadline (zero: the gate's timeout from now).
func (g *Gate) enter(ctx context.Context, deadline time.Time) error {
	select {
	case g.slots <- struct{}{}:
		if g.observe != nil {
			g.observe(0, nil)
		}
		return nil
	default:
	}
	if g.observe != nil {
		start := time.Now()
		err := g.wait(ctx, deadline)
		g.observe(time.Since(start), err)
		return err
	}
	return g.wait(ctx, deadline)
}

// wait queues for a slot.
func (g *Gate) wait(ctx context.Context, deadline time.Time) error {
	if n := g.waiting.Add(1); g.maxQueue >= 0 && n > g.maxQueue {
		g.waiting.Add(-1)
		return ErrBusy
	}
	defer g.waiting.Add(-1)
	var expired <-chan time.Time
	if deadline.IsZero() && g.timeout > 0 {
		deadline = time.Now().Add(g.timeout)
	}
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
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
func (g *Gate) RetryAfter() int { return retryAfter(g.timeout) }

func retryAfter(timeout time.Duration) int {
	return max(1, int((timeout+time.Second-1)/time.Second))
}

// WithMemory makes the gate's jobs reserve their bytes from b as well as a
// slot (Admit), and returns g.
func (g *Gate) WithMemory(b *Budget) *Gate {
	g.memory = b
	return g
}

// Memory is the budget Admit reserves from, or nil.
func (g *Gate) Memory() *Budget { return g.memory }

// Ticket is one admitted job: a slot and the bytes it reserved.
type Ticket struct {
	g     *Gate
	bytes int64
	slot  bool
}

// Admit waits for a slot and then for n bytes of the gate's memory budget,
// both within one queue timeout. It returns *TooLargeError at once when n
// exceeds the whole budget, ErrBusy when the queue is full or the timeout
// passes, and ctx.Err() when ctx ends first. A nil error must be paired
// with the ticket's Done.
func (g *Gate) Admit(ctx context.Context, n int64) (t *Ticket, err error) {
	if g.memory != nil && n > g.memory.size {
		return nil, &TooLargeError{Need: n, Budget: g.memory.size}
	}
	ctx, span := tracing.Start(ctx, "admission", attribute.String("pngd.gate", g.name), attribute.Int64("pngd.bytes", n))
	defer func() { tracing.End(span, err) }()
	var deadline time.Time
	if g.timeout > 0 {
		deadline = time.Now().Add(g.timeout)
	}
	if err := g.enter(ctx, deadline); err != nil {
		return nil, err
	}
	t = &Ticket{g: g, slot: true}
	if g.memory != nil {
		if err := g.memory.reserve(ctx, n, deadline); err != nil {
			g.Leave()
			return nil, err
		}
		t.bytes = n
	}
	return t, nil
}

// Keep frees the ticket's slot and all but n of its bytes, for a job whose
// CPU-heavy part is over but which still holds n bytes (an encoded image
// on its way to the store, say).
func (t *Ticket) Keep(n int64) {
	if t.slot {
		t.g.Leave()
		t.slot = false
	}
	if n < t.bytes && t.g.memory != nil {
		t.g.memory.Release(t.bytes - n)
		t.bytes = n
	}
}

// Done frees what the ticket still holds. It may be called more than once.
func (t *Ticket) Done() {
	t.Keep(0)
}
