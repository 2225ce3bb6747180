package httpapi

import (
	"context"
	"net"
)

// paceBytes is the unsent data a paced connection lets the kernel hold.
const paceBytes = 128 << 10

// PaceConn is an http.Server's ConnContext: it caps the data the kernel
// holds unsent on a connection (TCP_NOTSENT_LOWAT, Linux and macOS), so
// that a write waits for the client to read about as much as it adds, not
// for a third of a send buffer that autotuning grows to megabytes. Without
// it a client reading at 100 KB/s moves every byte on time and still sees
// a single write wait past the stall timeout for the socket to count as
// writable: -write-timeout would cut a download that keeps moving. Where
// the option does not exist it does nothing.
func PaceConn(ctx context.Context, c net.Conn) context.Context {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return ctx
	}
	if raw, err := tc.SyscallConn(); err == nil {
		_ = raw.Control(func(fd uintptr) { setNotSentLowat(fd, paceBytes) })
	}
	return ctx
}
