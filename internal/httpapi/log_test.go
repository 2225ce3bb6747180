package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/metrics"
)

// TestAbandonLogsCutRequests: a request still running when the shutdown's
// grace ends gets its access-log line, marked cut, and only one.
func TestAbandonLogsCutRequests(t *testing.T) {
	var out lockedBuffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	live := &Requests{}
	entered, release := make(chan struct{}), make(chan struct{})
	h := logRequests(log, 0, metrics.New(), live, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	<-entered
	live.Abandon(errors.New("cut short: -shutdown-timeout passed"))
	line := out.String()
	if !strings.Contains(line, `"path":"/slow"`) || !strings.Contains(line, `"cut":true`) || !strings.Contains(line, "shutdown-timeout") {
		t.Errorf("no cut line for the abandoned request: %s", line)
	}
	close(release)
	<-got
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && live.n() > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if n := strings.Count(out.String(), `"path":"/slow"`); n != 1 {
		t.Errorf("%d lines for one request:\n%s", n, out.String())
	}
}

func (q *Requests) n() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.live)
}
