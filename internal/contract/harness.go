// Package contract holds every HTTP response in pngd's tests to
// api/openapi.yaml. Tests send their requests through Harness.Client; the
// harness validates each request/response pair with kin-openapi (statuses
// included), decodes every image/png body, checks Content-Length and
// chunking, and records which (operation, status) pairs were exercised.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/pngd/pngd/api"
)

// Unrouted names the responses to requests that match no operation (404,
// 405); their bodies are validated against the Problem schema.
const Unrouted = "(no operation)"

// Key is one (operation, status) pair.
type Key struct {
	Operation string // operationId, or Unrouted
	Status    int
}

func (k Key) String() string { return fmt.Sprintf("%s %d", k.Operation, k.Status) }

// Harness validates traffic against the spec and records coverage. It is
// safe for concurrent use.
type Harness struct {
	Doc    *openapi3.T
	router routers.Router

	mu   sync.Mutex
	seen map[Key]int
}

func init() {
	// kin-openapi has no decoder for PNG; the body is opaque bytes to it.
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
}

// LoadSpec parses and validates api/openapi.yaml.
func LoadSpec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
}

// New returns a harness for api/openapi.yaml.
func New() (*Harness, error) {
	doc, err := LoadSpec()
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Harness{Doc: doc, router: router, seen: map[Key]int{}}, nil
}

// Client returns an HTTP client whose every exchange is checked; violations
// fail t. It never asks for compression, so bodies arrive as sent.
func (h *Harness) Client(t testing.TB) *http.Client {
	return &http.Client{Transport: &transport{h: h, t: t, base: &http.Transport{DisableCompression: true}}}
}

type transport struct {
	h    *Harness
	t    testing.TB
	base http.RoundTripper
}

type sizeKey struct{}

// WithSize asks the harness to check that the image/png answer to req is
// w×h pixels.
func WithSize(req *http.Request, w, h int) *http.Request {
	return req.WithContext(context.WithValue(req.Context(), sizeKey{}, image.Pt(w, h)))
}

func (rt *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	for _, problem := range rt.h.Check(req, resp, body) {
		rt.t.Errorf("contract: %s %s → %d: %s", req.Method, req.URL.RequestURI(), resp.StatusCode, problem)
	}
	return resp, nil
}

// Check holds one exchange to the spec and returns what is wrong with it.
func (h *Harness) Check(req *http.Request, resp *http.Response, body []byte) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	head := req.Method == http.MethodHead
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))

	// Framing: an exact Content-Length, never chunked for an image.
	if cl := resp.Header.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || (!head && n != len(body)) {
			fail("Content-Length %q, but the body has %d bytes", cl, len(body))
		}
	}
	if mt == "image/png" {
		if resp.Header.Get("Content-Length") == "" {
			fail("image response without Content-Length")
		}
		if slices.Contains(resp.TransferEncoding, "chunked") {
			fail("image response sent chunked")
		}
		switch {
		case head:
		case resp.StatusCode == http.StatusPartialContent:
			// A range of a PNG does not decode; it must be the range its
			// Content-Range names.
			problems = append(problems, checkContentRange(resp.Header.Get("Content-Range"), len(body))...)
		default:
			problems = append(problems, checkPNG(req, body)...)
		}
	}
	if head && len(body) > 0 {
		fail("HEAD response has a %d-byte body", len(body))
	}
	// Every answer names its request (X-Request-Id), the client's own id
	// when it sent a well-formed one.
	if id := resp.Header.Get("X-Request-Id"); id == "" {
		fail("no X-Request-Id")
	} else if sent := req.Header.Get("X-Request-Id"); sent != "" && len(sent) <= 128 && !strings.ContainsAny(sent, " /\"\t%") && id != sent {
		fail("X-Request-Id %q, but the request sent %q", id, sent)
	}

	// HEAD is held to the spec's HEAD operation where it declares one (the
	// image operations), and elsewhere to GET's: GET without a body.
	routed := req
	route, pathParams, err := h.router.FindRoute(routed)
	if head && err != nil {
		routed = req.Clone(req.Context())
		routed.Method = http.MethodGet
		route, pathParams, err = h.router.FindRoute(routed)
	}
	if err != nil {
		h.record(Key{Unrouted, resp.StatusCode})
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			fail("unrouted request answered %d, want 404 or 405", resp.StatusCode)
		}
		if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "" {
			fail("405 without an Allow header")
		}
		if head {
			return problems
		}
		return append(problems, h.checkProblem(resp, mt, body)...)
	}
	h.record(Key{route.Operation.OperationID, resp.StatusCode})

	opts := &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: head, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: routed, PathParams: pathParams, Route: route, Options: opts},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		fail("does not match the spec: %v", err)
	}
	if resp.StatusCode >= 400 && !head {
		problems = append(problems, h.checkProblem(resp, mt, body)...)
	}
	return problems
}

// checkPNG decodes body fully and compares its size with WithSize's.
func checkPNG(req *http.Request, body []byte) []string {
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		return []string{fmt.Sprintf("image/png body does not decode: %v", err)}
	}
	if want, ok := req.Context().Value(sizeKey{}).(image.Point); ok && img.Bounds().Size() != want {
		return []string{fmt.Sprintf("image is %v, want %v", img.Bounds().Size(), want)}
	}
	return nil
}

// checkContentRange checks that "bytes first-last/size" describes n bytes
// within size (RFC 9110 §14.4).
func checkContentRange(field string, n int) []string {
	var first, last, size int64
	if _, err := fmt.Sscanf(field, "bytes %d-%d/%d", &first, &last, &size); err != nil {
		return []string{fmt.Sprintf("206 with Content-Range %q, want bytes first-last/size", field)}
	}
	if first < 0 || last < first || last >= size || last-first+1 != int64(n) {
		return []string{fmt.Sprintf("Content-Range %q does not describe the %d bytes sent", field, n)}
	}
	return nil
}

// checkProblem holds an error body to RFC 9457 and the spec's Problem.
func (h *Harness) checkProblem(resp *http.Response, mt string, body []byte) []string {
	if mt != "application/problem+json" {
		return []string{fmt.Sprintf("error with Content-Type %q, want application/problem+json", mt)}
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("problem body is not JSON: %v", err)}
	}
	if err := h.Doc.Components.Schemas["Problem"].Value.VisitJSON(v); err != nil {
		return []string{fmt.Sprintf("problem body does not match Problem: %v", err)}
	}
	d, _ := v.(map[string]any)["detail"].(string)
	if len(d) < 10 {
		return []string{fmt.Sprintf("problem detail %q is too thin to help", d)}
	}
	if bad := GoInternal(d); bad != "" {
		return []string{fmt.Sprintf("problem detail %q carries Go-internal text (%q): details are written for the caller", d, bad)}
	}
	if in, _ := v.(map[string]any)["instance"].(string); in == "" || in != resp.Header.Get("X-Request-Id") {
		return []string{fmt.Sprintf("problem instance %q, want the request's id, X-Request-Id %q", in, resp.Header.Get("X-Request-Id"))}
	}
	return nil
}

// goInternal matches text that only a Go error carries, never a sentence
// written for a caller: a package's error prefix ("strconv.ParseFloat:",
// "json:", "multipart:", "png:"), a socket address, a file path or source
// line, a Go type, and the runtime's own words.
var goInternal = regexp.MustCompile(`\b(json|jsontext|strconv(\.\w+)?|multipart|mime|http|net|runtime|io|os|tls|zlib|flate|png|jpeg|gif|tiff|bmp|webp|vp8l?|blob|fileblob|s3|smithy|operation error)\s*:` +
	`|\d+\.\d+\.\d+\.\d+:\d+|\[::1?\]:\d+|->` +
	`|(^|\s)/(tmp|home|root|proc|var|usr|work)/|\.go:\d+` +
	`|interface \{\}|\*[a-z0-9]+\.[A-Z]\w*|\bGo \*|` +
	`unexpected EOF|\bEOF\b|%!|<nil>|goroutine|panic|i/o timeout|broken pipe|connection reset`)

// GoInternal returns the part of detail that looks like Go-internal text,
// or "".
func GoInternal(detail string) string {
	return goInternal.FindString(detail)
}

func (h *Harness) record(k Key) {
	h.mu.Lock()
	h.seen[k]++
	h.mu.Unlock()
}

// Declared lists every (operation, status) pair the spec declares.
func (h *Harness) Declared() []Key {
	var keys []Key
	for _, item := range h.Doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue // "default" and ranges have no single status to exercise
				}
				keys = append(keys, Key{op.OperationID, status})
			}
		}
	}
	return keys
}

// Unexercised lists the declared pairs that no checked exchange produced,
// leaving out those in exempt.
func (h *Harness) Unexercised(exempt map[Key]string) []Key {
	h.mu.Lock()
	defer h.mu.Unlock()
	var missing []Key
	for _, k := range h.Declared() {
		if _, ok := exempt[k]; !ok && h.seen[k] == 0 {
			missing = append(missing, k)
		}
	}
	slices.SortFunc(missing, func(a, b Key) int {
		if a.Operation != b.Operation {
			if a.Operation < b.Operation {
				return -1
			}
			return 1
		}
		return a.Status - b.Status
	})
	return missing
}

// Middleware checks, on the server's side, every response next gives to a
// path under one of prefixes, for clients the harness cannot wrap (a
// browser). Violations fail t.
func (h *Harness) Middleware(t testing.TB, next http.Handler, prefixes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.URL.Path, p) }) {
			next.ServeHTTP(w, r)
			return
		}
		rec := &capture{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		resp := &http.Response{StatusCode: rec.status, Header: w.Header(), Request: r}
		for _, problem := range h.Check(r, resp, rec.body.Bytes()) {
			t.Errorf("contract (server side): %s %s → %d: %s", r.Method, r.URL.RequestURI(), rec.status, problem)
		}
	})
}

// capture tees a response's status and body.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *capture) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(p []byte) (int, error) {
	c.body.Write(p)
	return c.ResponseWriter.Write(p)
}
