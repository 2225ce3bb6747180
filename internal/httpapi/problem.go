package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/store"
)

// quoteMax is how much of a value the client sent a detail quotes.
const quoteMax = 64

// quoted is a value the client sent, quoted for a detail: at most
// quoteMax bytes of it (cut at a character), with "…" after a cut, so
// that a 10 KB header is not sent back, nor written to the log.
func quoted(s string) string {
	if len(s) <= quoteMax {
		return strconv.Quote(s)
	}
	cut := quoteMax
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// problem builds an RFC 9457 problem details object. detail is sent to the
// client, so it must say what was wrong with the request and never carry an
// internal error's text.
func problem(status int, detail string) gen.Problem {
	return gen.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

// writeProblem answers with an application/problem+json body (RFC 9457 §3)
// and an exact Content-Length.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := problem(status, detail)
	if id := RequestID(r.Context()); id != "" {
		p.Instance = &id
	}
	body, _ := json.Marshal(p) // a Problem always marshals
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// internalDetail is all a client learns of an unexpected failure; the log has
// the real error.
const internalDetail = "the server failed to answer this request; the error is in its log"

// errorHandlers are the strict server's hooks, replaced so that every error
// is problem+json and internal errors stay in the log.
type errorHandlers struct {
	log        *slog.Logger
	retryAfter int   // seconds a client turned away by a full render queue waits
	minRate    int64 // the slowest body accepted, in bytes a second
	// probe learns of the store failures requests meet, for /readyz.
	probe *probeCache
}

// storeFailed tells /readyz of a store failure a request met.
func (e errorHandlers) storeFailed(err error) {
	if e.probe != nil {
		e.probe.failed(err)
	}
}

// badRequest answers parameters or bodies that the generated binding could
// not decode. The validator normally catches these first; the binder's own
// words (strconv's, encoding/json's) go to the log, not to the client.
func (e errorHandlers) badRequest(w http.ResponseWriter, r *http.Request, err error) {
	e.log.InfoContext(r.Context(), "request not bound", "method", r.Method, "path", r.URL.Path, "err", err)
	detail := "the request's parameters or body are not in the form this API declares; it is described at /openapi.yaml"
	var format *gen.InvalidParamFormatError
	var required *gen.RequiredParamError
	switch {
	case errors.Is(err, http.ErrMissingBoundary), errors.Is(err, http.ErrNotMultipart):
		detail = "the multipart/form-data Content-Type needs a boundary parameter (multipart/form-data; boundary=…) that the body uses"
	case errors.As(err, &format):
		detail = fmt.Sprintf("parameter %q is not in the form the spec declares for it", format.ParamName)
	case errors.As(err, &required):
		detail = fmt.Sprintf("parameter %q is required", required.ParamName)
	}
	writeProblem(w, r, http.StatusBadRequest, detail)
}

// internal answers an error a handler returned. A store that cannot be
// reached, or a render queue too long to wait in, gets 503 and a full one 507, which every operation that touches
// the store declares; anything else gets 500. Work abandoned because the
// client went away is logged quietly; the answer is still written, since
// writing nothing would send an empty 200. An error after the response
// began (a client gone mid-body) can only be logged.
func (e errorHandlers) internal(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if c, ok := w.(interface{ committed() bool }); ok && c.committed() {
		e.log.InfoContext(ctx, "response cut short", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		e.log.InfoContext(ctx, "client went away", "method", r.Method, "path", r.URL.Path)
	case errors.Is(err, errTooSlow):
		e.log.InfoContext(ctx, "request body too slow", "method", r.Method, "path", r.URL.Path)
		writeTooSlow(w, r, e.minRate)
		return
	case errors.Is(err, store.ErrRefused):
		e.storeFailed(err)
		e.log.ErrorContext(ctx, "the store refuses pngd", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, r, http.StatusInternalServerError, "the image store refuses this server's requests; its operator must fix the configuration (GET /readyz names the cause)")
		return
	case errors.Is(err, store.ErrUnavailable):
		e.storeFailed(err)
		e.log.ErrorContext(ctx, "store unreachable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, http.StatusServiceUnavailable, "the image store cannot be reached; try again shortly")
		return
	case errors.Is(err, admit.ErrBusy):
		e.log.WarnContext(ctx, "work queue full", "method", r.Method, "path", r.URL.Path)
		writeBusy(w, r, e.retryAfter)
		return
	case errors.Is(err, store.ErrFull):
		e.log.ErrorContext(ctx, "store full", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, r, http.StatusInsufficientStorage, "the image store is full; nothing was stored")
		return
	default:
		e.log.ErrorContext(ctx, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, r, http.StatusInternalServerError, internalDetail)
}

// tooLargeFor describes an *admit.TooLargeError in err for a client.
func tooLargeFor(err error) string {
	var e *admit.TooLargeError
	if errors.As(err, &e) {
		return e.Describe()
	}
	return "more than it has"
}

// withInstance sets the problem's instance, the request's id (the
// X-Request-Id it answers with), on every problem+json a handler returns,
// as writeProblem does for the errors raised before a handler runs. The generated response types wrap a
// Problem in a type per operation and status (some beside headers), so it
// finds the Problem by reflection rather than by a switch that every new
// status would have to join.
func withInstance(next gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		resp, err := next(ctx, w, r, request)
		if id := RequestID(ctx); resp != nil && id != "" {
			resp = setInstance(resp, id)
		}
		return resp, err
	}
}

var problemType = reflect.TypeFor[gen.Problem]()

// setInstance returns resp with instance set on the Problem it carries, if
// it carries one without.
func setInstance(resp any, instance string) any {
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Struct || !mayCarryProblem(v.Type()) {
		return resp
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	if !fillInstance(c, instance) {
		return resp
	}
	return c.Interface()
}

// carriesProblem caches, per response type, whether it can hold a Problem:
// a success (most answers) is then passed by without reflection's copy.
var carriesProblem sync.Map // reflect.Type → bool

// mayCarryProblem reports whether values of t (a struct) can hold a Problem:
// it is one, or has one among its fields, or is HEAD's wrapper of GET's
// answer (headOf, whose Get may hold one).
func mayCarryProblem(t reflect.Type) bool {
	if v, ok := carriesProblem.Load(t); ok {
		return v.(bool)
	}
	var walk func(reflect.Type, int) bool
	walk = func(t reflect.Type, depth int) bool {
		switch {
		case t.Kind() != reflect.Struct || depth > 4:
			return false
		case t.ConvertibleTo(problemType):
			return true
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Type.Kind() == reflect.Interface && f.Name == "Get" || walk(f.Type, depth+1) {
				return true // headOf's Get: GET's answer, which may be a problem
			}
		}
		return false
	}
	yes := walk(t, 0)
	carriesProblem.Store(t, yes)
	return yes
}

// fillInstance sets Instance on the first Problem in v (v itself, or a
// field, depth first) and reports whether it found one.
func fillInstance(v reflect.Value, path string) bool {
	if v.Type().ConvertibleTo(problemType) {
		in := v.FieldByName("Instance")
		if in.IsNil() {
			in.Set(reflect.ValueOf(&path))
		}
		return true
	}
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case !f.CanSet():
		case f.Kind() == reflect.Struct:
			if fillInstance(f, path) {
				return true
			}
		case f.Kind() == reflect.Interface && !f.IsNil() && f.Elem().Kind() == reflect.Struct:
			// HEAD's answer wraps GET's response object.
			c := reflect.New(f.Elem().Type()).Elem()
			c.Set(f.Elem())
			if fillInstance(c, path) {
				f.Set(c)
				return true
			}
		}
	}
	return false
}
