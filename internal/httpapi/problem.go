package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/pngd/pngd/gen"
)

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
	path := r.URL.Path
	p.Instance = &path
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
type errorHandlers struct{ log *slog.Logger }

// badRequest answers parameters or bodies that the generated binding could
// not decode. The validator normally catches these first.
func (e errorHandlers) badRequest(w http.ResponseWriter, r *http.Request, err error) {
	writeProblem(w, r, http.StatusBadRequest, err.Error())
}

// internal answers an error a handler returned with a 500 problem. Work
// abandoned because the client went away is logged quietly; the answer is
// still written, since writing nothing would send an empty 200.
func (e errorHandlers) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		e.log.InfoContext(r.Context(), "client went away", "method", r.Method, "path", r.URL.Path)
	} else {
		e.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, r, http.StatusInternalServerError, internalDetail)
}
