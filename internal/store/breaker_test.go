package store_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/miniotest"
	"github.com/pngd/pngd/internal/store"
)

// outage is a TCP proxy in front of MinIO that refuses connections
// (closing each at once) while down is set, as a store in an outage does.
type outage struct {
	ln    net.Listener
	down  atomic.Bool
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

// cut starts the outage: new connections are refused, and those open are
// closed.
func (o *outage) cut() {
	o.down.Store(true)
	o.mu.Lock()
	defer o.mu.Unlock()
	for c := range o.conns {
		c.Close()
	}
}

func newOutage(t *testing.T, target string) *outage {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &outage{ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); o.cut(); o.wg.Wait() })
	o.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if o.down.Load() {
				c.Close()
				continue
			}
			o.mu.Lock()
			o.conns[c] = true
			o.mu.Unlock()
			o.wg.Go(func() {
				defer func() {
					o.mu.Lock()
					delete(o.conns, c)
					o.mu.Unlock()
					c.Close()
				}()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { io.Copy(up, c); up.Close() }()
				io.Copy(c, up)
			})
		}
	})
	return o
}

// TestBreaker: in an outage the first call finds the store unreachable,
// and the calls after it answer ErrUnavailable at once, not after the
// SDK's retries; once the store is back, a call after a second reaches it
// and all are served again, and a probe reaches it at any time.
func TestBreaker(t *testing.T) {
	minio := miniotest.Start(t)
	raw := minio.Bucket(t, "breaker")
	u, _ := url.Parse(raw)
	q := u.Query()
	endpoint, _ := url.Parse(q.Get("endpoint"))
	o := newOutage(t, endpoint.Host)
	endpoint.Host = o.ln.Addr().String()
	q.Set("endpoint", endpoint.String())
	u.RawQuery = q.Encode()
	st, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, _, err := st.Put(ctx, "images/a.png", []byte("a"), "image/png"); err != nil {
		t.Fatal(err)
	}

	o.cut()
	start := time.Now()
	if _, err := st.Stat(ctx, "images/a.png"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Stat in an outage: %v", err)
	}
	first := time.Since(start)
	var slowest time.Duration
	for range 50 {
		start := time.Now()
		_, err := st.Stat(ctx, "images/a.png")
		slowest = max(slowest, time.Since(start))
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Stat in an outage: %v", err)
		}
	}
	if _, err := st.OpenRange(ctx, "images/a.png", 0, -1); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("OpenRange in an outage: %v", err)
	}
	if st.Healthy() {
		t.Error("Healthy in an outage")
	}
	t.Logf("outage: the first call took %v, the next 50 at most %v each", first.Round(time.Millisecond), slowest)
	if slowest > 50*time.Millisecond {
		t.Errorf("calls after the first took up to %v in an outage; want at once", slowest)
	}

	o.down.Store(false)
	if err := st.Probe(ctx); err != nil { // goes through the open breaker
		t.Fatalf("Probe after the outage: %v", err)
	}
	if !st.Healthy() {
		t.Error("not Healthy after a probe that reached the store")
	}
	if _, err := st.Stat(ctx, "images/a.png"); err != nil {
		t.Fatalf("Stat after the outage: %v", err)
	}

	// Without a probe: the breaker lets a call try after a second.
	o.cut()
	st.Stat(ctx, "images/a.png")
	o.down.Store(false)
	if _, err := st.Stat(ctx, "images/a.png"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("within the second: %v, want refused at once", err)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := st.Stat(ctx, "images/a.png"); err != nil {
		t.Fatalf("a second later: %v", err)
	}
	if !st.Healthy() {
		t.Error("not Healthy after a call reached the store")
	}
}
