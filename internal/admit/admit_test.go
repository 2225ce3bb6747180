package admit

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	g := New(2, 1, 50*time.Millisecond)
	ctx := context.Background()
	for range 2 {
		if err := g.Enter(ctx); err != nil {
			t.Fatalf("Enter with a free slot: %v", err)
		}
	}

	// One waiter fits in the queue; a second is turned away at once.
	queued := make(chan error)
	go func() { queued <- g.Enter(ctx) }()
	for g.Waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := g.Enter(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("Enter with the queue full: err = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > 25*time.Millisecond {
		t.Errorf("Enter with the queue full waited %v, want an immediate ErrBusy", d)
	}
	// The queued one times out.
	if err := <-queued; !errors.Is(err, ErrBusy) {
		t.Fatalf("queued Enter past the timeout: err = %v, want ErrBusy", err)
	}
	if g.Waiting() != 0 {
		t.Fatalf("Waiting = %d after the waiter left, want 0", g.Waiting())
	}

	// A waiter whose context ends leaves the queue with ctx.Err().
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(5 * time.Millisecond); cancel() }()
	if err := New(1, -1, 0).withFull().Enter(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Enter whose context is cancelled: err = %v, want context.Canceled", err)
	}

	// A slot freed while waiting is taken.
	go func() { time.Sleep(5 * time.Millisecond); g.Leave() }()
	if err := g.Enter(ctx); err != nil {
		t.Fatalf("Enter as a slot frees: %v", err)
	}
	if g.Running() != 2 {
		t.Fatalf("Running = %d, want 2", g.Running())
	}
	if got := g.RetryAfter(); got != 1 {
		t.Errorf("RetryAfter with a 50ms timeout = %d, want 1", got)
	}
	if got := New(1, 1, 2500*time.Millisecond).RetryAfter(); got != 3 {
		t.Errorf("RetryAfter with a 2.5s timeout = %d, want 3", got)
	}
}

// withFull takes every slot, for tests that need a caller to wait.
func (g *Gate) withFull() *Gate {
	for range cap(g.slots) {
		g.slots <- struct{}{}
	}
	return g
}
