package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pngd/pngd/internal/metrics"
)

// paceBytes is the unsent data a paced connection lets the kernel hold.
const paceBytes = 128 << 10

// Listener wraps ln for pngd's http.Server, whose ConnContext must be
// ConnContext. Each connection it accepts:
//   - is paced: the kernel holds at most paceBytes unsent on it
//     (TCP_NOTSENT_LOWAT), so that a write waits for the client to read
//     about as much as it adds, not for a third of a send buffer that
//     autotuning grows to megabytes;
//   - lets a response's stall deadline follow what the client
//     acknowledges (see progress);
//   - counts in m, and logs, the answers net/http writes itself before
//     any handler runs (417 for an Expect it does not know, 400 for a
//     malformed request, 431 for headers too large): every answer pngd
//     sends is in the metrics.
func Listener(ln net.Listener, m *metrics.Metrics, log *slog.Logger) net.Listener {
	return &listener{Listener: ln, m: m, log: log}
}

type listener struct {
	net.Listener
	m   *metrics.Metrics
	log *slog.Logger
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc, _ := c.(*net.TCPConn)
	if tc != nil {
		if raw, err := tc.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) { setNotSentLowat(fd, paceBytes) })
		}
	}
	return &conn{Conn: c, tcp: tc, m: l.m, log: l.log}, nil
}

// conn is an accepted connection. handled counts the requests that reached
// logRequests, answered the final status lines written: one more answer
// than requests handled is net/http's own.
type conn struct {
	net.Conn
	tcp      *net.TCPConn // nil for another kind of connection
	m        *metrics.Metrics
	log      *slog.Logger
	handled  atomic.Int64
	answered atomic.Int64
}

type connKey struct{}

// ConnContext notes the connection Listener accepted in its requests'
// contexts.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*conn); ok {
		return context.WithValue(ctx, connKey{}, pc)
	}
	return ctx
}

// handledRequest tells the request's connection that a handler answers it.
func handledRequest(ctx context.Context) {
	if c, ok := ctx.Value(connKey{}).(*conn); ok {
		c.handled.Add(1)
	}
}

var statusLine = []byte("HTTP/1.")

func (c *conn) Write(p []byte) (int, error) {
	// A response starts a write: net/http flushes its buffer after each.
	if len(p) >= 12 && bytes.HasPrefix(p, statusLine) && p[8] == ' ' {
		if code, err := strconv.Atoi(string(p[9:12])); err == nil && code >= 200 {
			if c.answered.Add(1) > c.handled.Load() {
				c.handled.Add(1) // counted once
				c.m.Request("unrouted", code, 0, 0)
				c.log.Info("request", "operation", "unrouted", "status", code, "answered_by", "net/http")
			}
		}
	}
	return c.Conn.Write(p)
}

// ReadFrom keeps sendfile(2) for file bodies.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if c.tcp != nil {
		return c.tcp.ReadFrom(r)
	}
	return io.Copy(writerOnly{c}, r)
}

// CloseWrite half-closes a TCP connection, as net/http does before it
// closes one it answered with an error.
func (c *conn) CloseWrite() error {
	if c.tcp != nil {
		return c.tcp.CloseWrite()
	}
	return nil
}

// progress watches, while a response is written, the bytes the client has
// acknowledged on the request's connection, and moves the write deadline
// on whenever that count grows: the stall timeout then cuts only a client
// that accepts nothing for that long, however long one write (a sendfile
// chunk that waits on the client's window) takes. It returns the function
// that stops it; off a Listener's connection, or where the count cannot be
// read, it does nothing.
func progress(ctx context.Context, stall time.Duration, extend func()) (stop func()) {
	c, ok := ctx.Value(connKey{}).(*conn)
	if !ok || c.tcp == nil || stall <= 0 {
		return func() {}
	}
	raw, err := c.tcp.SyscallConn()
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
