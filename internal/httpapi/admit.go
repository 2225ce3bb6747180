package httpapi

import "context"

// gate admits at most cap(slots) CPU- and memory-heavy jobs (render plus
// encode) at once, so memory stays bounded however many clients connect.
// Waiting ends early when the client goes away.
type gate chan struct{}

func newGate(n int) gate { return make(gate, n) }

// enter waits for a slot; it returns ctx.Err() if ctx ends first. A nil
// error must be paired with leave.
func (g gate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g gate) leave() { <-g }
