package httpapi

import (
	"context"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pngd/pngd/internal/metrics"
)

// logRequests writes one slog line per request: method, path, the status
// the client received (or that the response was cut), bytes sent and
// duration. Each write to the client must make progress within
// stallTimeout (zero: no limit): a deadline that follows the bytes, so a
// slow but moving download finishes and a stalled one is cut, instead of
// one deadline for the whole response that cuts answers which merely took
// long to make. The deadline also moves while the client acknowledges
// bytes (progress), since one write can wait on the client's window.
func logRequests(log *slog.Logger, stallTimeout time.Duration, m *metrics.Metrics, live *Requests, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, stall: stallTimeout}
		rec.status.Store(http.StatusOK)
		if stallTimeout > 0 {
			rec.rc = http.NewResponseController(w)
			// The deadline a previous response on this connection left.
			_ = rec.rc.SetWriteDeadline(time.Time{})
		}
		op := &operation{}
		op.id.Store("unrouted")
		// finish writes the request's line, once: when the handler
		// returns, or when a shutdown abandons it (cut set).
		var once sync.Once
		finish := func(cut error) {
			once.Do(func() {
				took := time.Since(start)
				status, bytes := int(rec.status.Load()), rec.bytes.Load()
				if cut == nil {
					cut = rec.cutErr()
				}
				opID := op.id.Load().(string)
				if cut == nil || rec.committed() {
					m.Request(opID, status, bytes, took)
				}
				attrs := []slog.Attr{
					slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("operation", opID),
					slog.Int("status", status), slog.Int64("bytes", bytes),
					slog.Duration("duration", took),
				}
				level := slog.LevelInfo
				if cut != nil {
					// The status line may have gone out, but not the whole body.
					attrs = append(attrs, slog.Bool("cut", true), slog.String("err", cut.Error()))
					level = slog.LevelWarn
				}
				log.LogAttrs(r.Context(), level, "request", attrs...)
			})
		}
		handledRequest(r.Context())
		done := live.add(finish)
		defer done()
		// The acknowledged-bytes watch starts with the first large write:
		// small answers never pay for it.
		rec.watch = func() func() { return progress(r.Context(), stallTimeout, rec.extend) }
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), operationKey{}, op)))
		rec.unwatch()
		finish(nil)
	})
}

// Requests tracks the requests in flight, so that those a shutdown cuts
// short still get their access-log line (Abandon). Its zero value works;
// a nil one tracks nothing.
type Requests struct {
	mu   sync.Mutex
	live map[*func(error)]struct{}
}

// add tracks a request's finish function, until the returned func is
// called.
func (q *Requests) add(finish func(error)) (done func()) {
	if q == nil {
		return func() {}
	}
	key := &finish
	q.mu.Lock()
	if q.live == nil {
		q.live = map[*func(error)]struct{}{}
	}
	q.live[key] = struct{}{}
	q.mu.Unlock()
	return func() {
		q.mu.Lock()
		delete(q.live, key)
		q.mu.Unlock()
	}
}

// Abandon writes the access-log line of every request still in flight,
// marked cut with reason: the process is about to end under them (the
// shutdown's grace ran out). A request that finishes after still writes
// no second line.
func (q *Requests) Abandon(reason error) {
	if q == nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for f := range q.live {
		(*f)(reason)
	}
}

// operation is the spec's operation id for a request, which the spec gate
// fills in once it has routed it: the label of its metrics and a field of
// its log line. "unrouted" for paths the spec does not declare, "docs" for
// Swagger UI.
type operation struct{ id atomic.Value }

type operationKey struct{}

// setOperation records the request's operation id, if logRequests asked.
func setOperation(ctx context.Context, id string) {
	if op, ok := ctx.Value(operationKey{}).(*operation); ok {
		op.id.Store(id)
	}
	// Without tracing the span is a no-op: build no attributes for it.
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetName(id)
		span.SetAttributes(attribute.String("pngd.operation", id), attribute.String("pngd.request_id", RequestID(ctx)))
	}
}

// recorder notes the status and size of a response, and whether writing
// it failed. It moves the write deadline before every write, and passes
// ReadFrom through in chunks, so that a file body still reaches sendfile
// and the deadline still follows its progress. It unwraps for
// http.ResponseController.
type recorder struct {
	http.ResponseWriter
	// status, bytes, wrote and cut are read by Requests.Abandon while
	// the handler may still write.
	status atomic.Int32
	bytes  atomic.Int64
	wrote  atomic.Bool
	mu     sync.Mutex
	cut    error
	rc     *http.ResponseController
	stall  time.Duration
	// watch starts progress for a large body, once; stopWatch ends it.
	watch     func() (stop func())
	watchOnce sync.Once
	stopWatch func()
}

// startWatch starts following the client's acknowledged bytes (progress)
// for the rest of the response.
func (r *recorder) startWatch() {
	if r.watch != nil {
		r.watchOnce.Do(func() { r.stopWatch = r.watch() })
	}
}

// unwatch stops what startWatch started.
func (r *recorder) unwatch() {
	r.watchOnce.Do(func() {}) // none may start after
	if r.stopWatch != nil {
		r.stopWatch()
	}
}

// sendChunk is how much of a file one sendfile call sends before the
// write deadline moves on, and writeChunk how much of a body in memory one
// Write hands the connection. A body written whole is one write under one
// deadline, and a slow client that keeps reading would be cut when the
// deadline passes mid-body; in chunks, each must only move within the
// stall timeout. On a paced connection (PaceConn) the kernel holds little
// unsent data, so a chunk is accepted as soon as the client has read about
// as much.
const (
	sendChunk  = 256 << 10
	writeChunk = 64 << 10
)

func (r *recorder) extend() {
	if r.rc != nil {
		_ = r.rc.SetWriteDeadline(time.Now().Add(r.stall))
	}
}

func (r *recorder) WriteHeader(status int) {
	if status >= 200 {
		r.status.Store(int32(status))
		r.wrote.Store(true)
	}
	r.extend()
	r.ResponseWriter.WriteHeader(status)
}

// committed reports whether the response's status line has gone out, after
// which no other answer can be given.
func (r *recorder) committed() bool { return r.wrote.Load() }

// setCut records the first error writing the response met.
func (r *recorder) setCut(err error) {
	r.mu.Lock()
	if r.cut == nil {
		r.cut = err
	}
	r.mu.Unlock()
}

func (r *recorder) cutErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cut
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote.Store(true)
	if len(p) > writeChunk {
		r.startWatch()
	}
	var total int
	for {
		r.extend()
		chunk := p
		if r.rc != nil && len(chunk) > writeChunk {
			chunk = chunk[:writeChunk]
		}
		n, err := r.ResponseWriter.Write(chunk)
		r.bytes.Add(int64(n))
		total += n
		if err != nil {
			r.setCut(err)
			return total, err
		}
		p = p[n:]
		if len(p) == 0 {
			return total, nil
		}
	}
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	r.wrote.Store(true)
	r.startWatch()
	rf, ok := r.ResponseWriter.(io.ReaderFrom)
	lr, isFile := src.(*io.LimitedReader)
	if isFile {
		_, isFile = lr.R.(*os.File)
	}
	if !ok || !isFile || r.rc == nil {
		if ok && r.rc == nil {
			return r.count(rf.ReadFrom(src))
		}
		return io.CopyBuffer(writerOnly{r}, src, make([]byte, 32<<10)) // Write counts
	}
	// A file: sendfile(2) a chunk at a time, each under a fresh deadline.
	var total int64
	for lr.N > 0 {
		r.extend()
		chunk := &io.LimitedReader{R: lr.R, N: min(lr.N, sendChunk)}
		n, err := rf.ReadFrom(chunk)
		lr.N -= n
		total += n
		r.bytes.Add(n)
		if err != nil {
			r.setCut(err)
			return total, err
		}
		if n == 0 {
			break
		}
	}
	return total, nil
}

func (r *recorder) count(n int64, err error) (int64, error) {
	r.bytes.Add(n)
	if err != nil {
		r.setCut(err)
	}
	return n, err
}

// writerOnly hides the recorder's ReadFrom from io.CopyBuffer, so that the
// copy goes through Write and its deadlines.
type writerOnly struct{ io.Writer }

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
