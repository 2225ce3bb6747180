package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pngd/pngd/internal/library"
)

// lockedBuffer is a log sink shared by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRequestIDs: a well-formed X-Request-Id is kept, anything else is
// replaced by a new id; either way it is echoed, it is the instance of a
// problem, and every log line of the request carries it.
func TestRequestIDs(t *testing.T) {
	var log lockedBuffer
	srv, c := newTestServer(t, Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	seen := map[string]bool{}
	for _, tt := range []struct {
		name, sent string
		keep       bool
	}{
		{"none", "", false},
		{"well-formed", "req-7f3a.2026_11~25", true},
		{"a space", "two words", false},
		{"a slash", "a/b", false},
		{"too long", strings.Repeat("x", 129), false},
		{"the longest", strings.Repeat("y", 128), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, srv.URL+"/images/not-an-id", "", "")
			if tt.sent != "" {
				req.Header.Set("X-Request-Id", tt.sent)
			}
			resp, body := do(t, c, req)
			id := resp.Header.Get("X-Request-Id")
			switch {
			case tt.keep && id != tt.sent:
				t.Errorf("sent %q, answered with %q", tt.sent, id)
			case !tt.keep && !generatedID.MatchString(id):
				t.Errorf("sent %q, answered with %q; want a new 32-hex id", tt.sent, id)
			}
			if seen[id] {
				t.Errorf("id %q given twice", id)
			}
			seen[id] = true
			var p struct{ Instance string }
			if err := json.Unmarshal(body, &p); err != nil || p.Instance != id {
				t.Errorf("problem instance %q (%v), want %q", p.Instance, err, id)
			}
			if !strings.Contains(log.String(), "request_id="+id) {
				t.Errorf("no log line carries request_id=%s:\n%s", id, log.String())
			}
		})
	}
	// A handler's own error log line (here a failing store) carries it too.
	var log2 lockedBuffer
	srv2, c2 := newTestServer(t, Config{Library: library.New(faultyStore{errors.New("disk on fire")}, library.Options{}), Logger: slog.New(slog.NewTextHandler(&log2, nil))})
	req := newRequest(t, http.MethodGet, srv2.URL+"/images", "", "")
	req.Header.Set("X-Request-Id", "trace-me-please")
	resp, _ := do(t, c2, req)
	if resp.StatusCode != 500 || !strings.Contains(log2.String(), `msg="request failed"`) || !regexp.MustCompile(`msg="request failed".*request_id=trace-me-please`).MatchString(log2.String()) {
		t.Errorf("status %d; the handler's error line lacks the request id:\n%s", resp.StatusCode, log2.String())
	}
}
