package admit

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := NewBudget(100, 1, 50*time.Millisecond)

	if err := b.Reserve(ctx, 101); !IsTooLarge(err) {
		t.Fatalf("Reserve(101) of 100: err = %v, want *TooLargeError", err)
	}
	if err := b.Reserve(ctx, 60); err != nil {
		t.Fatalf("Reserve(60): %v", err)
	}
	// 50 more does not fit: one waiter queues, a second is turned away.
	queued := make(chan error)
	go func() { queued <- b.Reserve(ctx, 50) }()
	for b.Waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	if err := b.Reserve(ctx, 50); !errors.Is(err, ErrBusy) {
		t.Fatalf("Reserve with the queue full: err = %v, want ErrBusy", err)
	}
	if err := <-queued; !errors.Is(err, ErrBusy) {
		t.Fatalf("Reserve past the timeout: err = %v, want ErrBusy", err)
	}
	// Freed bytes go to the waiter.
	go func() { queued <- b.Reserve(ctx, 50) }()
	for b.Waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	b.Release(60)
	if err := <-queued; err != nil {
		t.Fatalf("Reserve after Release: %v", err)
	}
	if got, want := b.Held(), int64(50); got != want {
		t.Errorf("Held = %d, want %d", got, want)
	}
	if got, want := b.Peak(), int64(60); got != want {
		t.Errorf("Peak = %d, want %d", got, want)
	}
	// A waiter whose context ends leaves with ctx.Err().
	cctx, cancel := context.WithCancel(ctx)
	go func() { queued <- b.Reserve(cctx, 60) }()
	for b.Waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Reserve: err = %v, want context.Canceled", err)
	}
	b.Release(50)
	if b.Held() != 0 {
		t.Errorf("Held = %d after every Release, want 0", b.Held())
	}
}

func TestAdmit(t *testing.T) {
	ctx := context.Background()
	g := New(2, 4, 50*time.Millisecond).WithMemory(NewBudget(100, 4, time.Second))
	if _, err := g.Admit(ctx, 1000); !IsTooLarge(err) {
		t.Fatalf("Admit(1000) of 100: err = %v, want *TooLargeError", err)
	}
	a, err := g.Admit(ctx, 80)
	if err != nil {
		t.Fatal(err)
	}
	// A slot is free but the bytes are not: the gate's queue timeout
	// bounds the whole wait, and the slot taken meanwhile is given back.
	start := time.Now()
	if _, err := g.Admit(ctx, 30); !errors.Is(err, ErrBusy) {
		t.Fatalf("Admit(30) with 20 free: err = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Admit waited %v; the gate's timeout is 50ms", d)
	}
	if g.Running() != 1 {
		t.Errorf("Running = %d after a failed Admit, want 1", g.Running())
	}
	// Keep frees the slot and the bytes beyond what is kept.
	a.Keep(10)
	if g.Running() != 0 || g.Memory().Held() != 10 {
		t.Errorf("after Keep(10): Running = %d, Held = %d; want 0, 10", g.Running(), g.Memory().Held())
	}
	a.Done()
	a.Done()
	if g.Running() != 0 || g.Memory().Held() != 0 {
		t.Errorf("after Done: Running = %d, Held = %d; want 0, 0", g.Running(), g.Memory().Held())
	}
}
