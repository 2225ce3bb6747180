package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/library"
)

// TestRendersWaitForASlot fills every render slot by hand: a render then
// waits, gives up when its client does, and runs once a slot frees.
func TestRendersWaitForASlot(t *testing.T) {
	doc, err := contract.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(Config{MaxConcurrentRenders: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Library: library.New(openDirStore(t), library.Options{})}, doc)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.renders.Enter(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	req := gen.GetVectorImageRequestObject{Params: gen.GetVectorImageParams{Values: []float64{1, 2}}}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.GetVectorImage(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("render with every slot taken: err = %v, want it to wait until its context ends", err)
	}

	s.renders.Leave()
	resp, err := s.GetVectorImage(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resp.(gen.GetVectorImage200ImagepngResponse); !ok {
		t.Fatalf("response %T, want a PNG", resp)
	}
	if s.renders.Running() != 1 {
		t.Errorf("%d slots taken after the render, want 1 (the render must give its slot back)", s.renders.Running())
	}
}
