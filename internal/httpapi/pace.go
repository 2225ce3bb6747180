package httpapi

import (
	"context"
	"net"
	"time"
)

// paceBytes is the unsent data a paced connection lets the kernel hold.
const paceBytes = 128 << 10

type connKey struct{}

// PaceConn is an http.Server's ConnContext. It caps the data the kernel
// holds unsent on a connection (TCP_NOTSENT_LOWAT), so that a write waits
// for the client to read about as much as it adds, not for a third of a
// send buffer that autotuning grows to megabytes; and it notes the
// connection in the context, so that a response's stall deadline can
// follow what the client acknowledges (see progress). Without it the
// deadline follows only the writes pngd makes, and a sendfile(2) chunk can
// wait past -write-timeout for a client that reads steadily.
func PaceConn(ctx context.Context, c net.Conn) context.Context {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return ctx
	}
	if raw, err := tc.SyscallConn(); err == nil {
		_ = raw.Control(func(fd uintptr) { setNotSentLowat(fd, paceBytes) })
	}
	return context.WithValue(ctx, connKey{}, tc)
}

// progress watches, while a response is written, the bytes the client has
// acknowledged on the connection PaceConn noted, and moves the write
// deadline on whenever that count grows: the stall timeout then cuts only
// a client that accepts nothing for that long, however long one write (a
// sendfile chunk) takes. It returns the function that stops it; without a
// noted connection, or where the count cannot be read, it does nothing.
func progress(ctx context.Context, stall time.Duration, extend func()) (stop func()) {
	tc, ok := ctx.Value(connKey{}).(*net.TCPConn)
	if !ok || stall <= 0 {
		return func() {}
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return func() {}
	}
	acked := func() (n uint64, ok bool) {
		_ = raw.Control(func(fd uintptr) { n, ok = ackedBytes(fd) })
		return n, ok
	}
	last, ok := acked()
	if !ok {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(min(max(stall/4, 20*time.Millisecond), time.Second))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if n, ok := acked(); ok && n > last {
					last = n
					extend()
				}
			}
		}
	}()
	return func() { close(done) }
}
