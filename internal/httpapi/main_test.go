package httpapi

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/store"
)

// harness checks every response of this package's tests against the spec.
var harness = func() *contract.Harness {
	h, err := contract.New()
	if err != nil {
		panic(err)
	}
	return h
}()

// exempt lists declared (operation, status) pairs no test can reach, each
// with the reason. It is empty: the 500s are reached by breaking the encoder
// (TestInternalErrorStaysInTheLog).
var exempt = map[contract.Key]string{}

// TestMain runs the tests, then fails the package if any (operation,
// status) the spec declares was never exercised: the spec-coverage test. It
// runs only when the whole package does (no -run or -skip filter).
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	filtered := flag.Lookup("test.run").Value.String() != "" || flag.Lookup("test.skip").Value.String() != ""
	if code == 0 && !filtered {
		if missing := harness.Unexercised(exempt); len(missing) > 0 {
			fmt.Printf("--- FAIL: spec coverage: declared but never exercised: %v\n", missing)
			code = 1
		} else {
			fmt.Printf("spec coverage: all %d declared (operation, status) pairs exercised, %d exempt with a reason\n", len(harness.Declared())-len(exempt), len(exempt))
		}
	}
	os.Exit(code)
}

// newTestServer starts pngd's handler on a real TCP port and returns it with
// a client whose every exchange the harness checks.
func newTestServer(t *testing.T, cfg Config) (*httptest.Server, *http.Client) {
	t.Helper()
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 32 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.Library == nil {
		cfg.Library = library.New(openDirStore(t), library.Options{})
	}
	if cfg.ProbeEvery == 0 {
		cfg.ProbeEvery = time.Nanosecond // each /readyz probes: tests change the store between them
	}
	h, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, harness.Client(t)
}

// openDirStore opens a store in a fresh temporary directory.
func openDirStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// do sends one request and returns the response with its body read.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func newRequest(t *testing.T, method, url, contentType, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}
