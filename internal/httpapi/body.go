package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// errTooSlow means a request body arrived slower than the minimum rate and
// was cut; the client gets 408.
var errTooSlow = errors.New("the request body arrived slower than the minimum rate")

// bodyRate is the slowest a request body may arrive: after grace, at least
// rate bytes a second on average. Zero rate means no minimum.
type bodyRate struct {
	rate  int64
	grace time.Duration
}

// minRateBody cuts a body that arrives slower than its bodyRate, so that a
// slow sender cannot hold an upload slot, or the bytes reserved for its
// body, for long (a slowloris on the body rather than the headers). Before
// each Read it moves the connection's read deadline to start + grace +
// received/rate: a client keeping up never meets it, and one that stalls
// meets it within grace of falling behind. Reads past it fail with
// errTooSlow.
type minRateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	rate  bodyRate
	start time.Time
	n     int64
}

// wrap returns body under the minimum rate, and the request's context
// with the wrapper in it for writeTooSlow. The clock starts at the first
// Read, so that time spent waiting for an upload slot is not the sender's.
func (b bodyRate) wrap(ctx context.Context, w http.ResponseWriter, body io.ReadCloser) (io.ReadCloser, context.Context) {
	if b.rate <= 0 {
		return body, ctx
	}
	mb := &minRateBody{ReadCloser: body, rc: http.NewResponseController(w), rate: b}
	return mb, context.WithValue(ctx, minRateKey{}, mb)
}

type minRateKey struct{}

func (b *minRateBody) Read(p []byte) (int, error) {
	if b.start.IsZero() {
		b.start = time.Now()
	}
	due := b.start.Add(b.rate.grace + time.Duration(float64(b.n)/float64(b.rate.rate)*float64(time.Second)))
	// Unsupported (a test's recorder) means no deadline, which is fine.
	_ = b.rc.SetReadDeadline(due)
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, errTooSlow
	}
	return n, err
}

// writeTooSlow answers 408 for a body cut by minRateBody, and closes the
// connection (RFC 9110 §15.5.9). It lingers first, as nginx's
// lingering_close does: closing a connection with unread bytes makes the
// kernel send a reset, which can destroy the answer before the client has
// read it, so the answer goes out first and what the client is still
// sending is read and dropped for a second.
func writeTooSlow(w http.ResponseWriter, r *http.Request, rate int64) {
	w.Header().Set("Connection", "close")
	writeProblem(w, r, http.StatusRequestTimeout, fmt.Sprintf("the request body arrived slower than %d bytes a second, so it was cut; send it faster, or in smaller pieces", rate))
	// Send the answer now, then read and drop what the client still sends
	// for up to lingerTime (at most lingerBytes) before the connection
	// closes.
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	if mb, ok := r.Context().Value(minRateKey{}).(*minRateBody); ok {
		_ = rc.SetReadDeadline(time.Now().Add(lingerTime))
		io.Copy(io.Discard, io.LimitReader(mb.ReadCloser, lingerBytes))
	}
}

// How long, and how much, writeTooSlow reads after its answer.
const (
	lingerTime  = time.Second
	lingerBytes = 1 << 20
)

// writeBusy answers 503 with Retry-After for work that found no room in
// time.
func writeBusy(w http.ResponseWriter, r *http.Request, retryAfter int) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	writeProblem(w, r, http.StatusServiceUnavailable, "the server has more work queued than it can start in time; try again after Retry-After seconds")
}
