package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/pngd/pngd/internal/admit"
)

// specGate holds every request to api/openapi.yaml before it reaches the
// generated handler. It answers, as problem+json:
//   - 404 for a path the spec does not declare, 405 with Allow for a method
//     it does not declare there (RFC 9110 §15.5.5, §15.5.6);
//   - 406 when Accept rules out the only media type an image operation has;
//   - 401 with WWW-Authenticate for an operation under a security
//     requirement without a valid key, before any body is read;
//   - 413 for a body over the limit, 415 for an undeclared media type;
//   - 400 for anything else the spec's schemas reject.
type specGate struct {
	router   routers.Router
	limits   gateLimits
	keys     apiKeys
	imageOps map[*openapi3.Operation]bool // 200 is image/png: Accept must allow it
	secured  map[*openapi3.Operation]bool // under a security requirement
	rawOps   map[*openapi3.Operation]bool // the body may be raw image bytes
	// streamed operations have their JSON body decoded as it arrives,
	// under the memory budget (readVectorBody), not by the validator.
	streamed map[*openapi3.Operation]bool
	memory   *admit.Budget
	opts     *openapi3filter.Options
	// rawOpts validate operations that take raw image bytes: everything but
	// the body, which the handler reads once, whole, and the validator
	// would read into a second copy.
	rawOpts *openapi3filter.Options
	next    http.Handler
}

// gateLimits are the body size limits: upload for bodies of raw image bytes,
// body for the rest.
type gateLimits struct {
	body, upload int64
	rate         bodyRate
}

func init() {
	// kin-openapi's JSON decoder is encoding/json with UseNumber. This one
	// is encoding/json/v2's prototype: faster, and it rejects duplicate
	// keys, which v1 silently resolves to the last one.
	openapi3filter.RegisterBodyDecoder("application/json", decodeJSONBody)
}

// numbersAsText keeps JSON numbers as json.Number, their text, which is what
// both kin-openapi and the generated binding (runtime.BindJSONValue) want:
// each parses a number once, and nobody formats a float back into text.
var numbersAsText = jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
	if dec.PeekKind() != '0' {
		return jsonv2.SkipFunc
	}
	raw, err := dec.ReadValue()
	if err != nil {
		return err
	}
	// Only a long number or one with an exponent can overflow a float64.
	if len(raw) > 24 || bytes.ContainsAny(raw, "eE") {
		if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
			return fmt.Errorf("number %.40s does not fit in a 64-bit float", raw)
		}
	}
	*v = json.Number(raw)
	return nil
}))

func decodeJSONBody(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	var v any
	if err := jsonv2.UnmarshalRead(body, &v, numbersAsText); err != nil {
		return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
	}
	return v, nil
}

func newSpecGate(doc *openapi3.T, limits gateLimits, memory *admit.Budget, keys apiKeys, next http.Handler) (*specGate, error) {
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the spec: %w", err)
	}
	g := &specGate{
		router: router, limits: limits, keys: keys, next: next,
		imageOps: operations(doc, isImageOp),
		secured:  operations(doc, func(op *openapi3.Operation) bool { return needsAuth(doc, op) }),
		rawOps:   operations(doc, takesRawImage),
		streamed: operations(doc, func(op *openapi3.Operation) bool { return op.OperationID == "renderVectorImage" }),
		memory:   memory,
		// Defaults are resolved by the handlers; letting the validator write
		// them would re-encode every body. KeepValidatedValue hands the
		// decoded body on, and the generated binding (runtime.BindJSONBody)
		// binds that value instead of parsing the JSON a second time.
		opts: &openapi3filter.Options{SkipSettingDefaults: true, KeepValidatedValue: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		// Authentication happens before the body is read (ServeHTTP).
		rawOpts: &openapi3filter.Options{SkipSettingDefaults: true, ExcludeRequestBody: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	return g, nil
}

// operations returns the set of the spec's operations that match.
func operations(doc *openapi3.T, match func(*openapi3.Operation) bool) map[*openapi3.Operation]bool {
	ops := map[*openapi3.Operation]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if match(op) {
				ops[op] = true
			}
		}
	}
	return ops
}

// isImageOp reports whether op's 200 response is image/png.
func isImageOp(op *openapi3.Operation) bool {
	ok := op.Responses.Status(http.StatusOK)
	return ok != nil && ok.Value.Content.Get("image/png") != nil
}

// isStoredImage reports whether path is /images/{id} with a well-formed id.
func isStoredImage(path string) bool {
	const prefix = "/images/"
	if len(path) != len(prefix)+64 || path[:len(prefix)] != prefix {
		return false
	}
	for _, c := range []byte(path[len(prefix):]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (g *specGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The fast path for the most frequent request, a stored original: GET
	// or HEAD of /images/{id} with no query and no body. The spec declares
	// nothing here the generic validation below could refuse (the id's
	// pattern is checked here; its header parameters are free strings), so
	// routing and validating it through kin-openapi, most of such a
	// request's CPU, would only repeat this.
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.RawQuery == "" && r.ContentLength == 0 &&
		r.Header.Get("Transfer-Encoding") == "" && isStoredImage(r.URL.Path) {
		if r.Method == http.MethodHead {
			setOperation(r.Context(), "headImage")
		} else {
			setOperation(r.Context(), "getImage")
		}
		if !acceptsPNG(r.Header.Values("Accept")) {
			writeProblem(w, r, http.StatusNotAcceptable, "this operation answers only image/png, which the Accept header rules out")
			return
		}
		g.next.ServeHTTP(w, r)
		return
	}
	// HEAD is GET without the body (RFC 9110 §9.3.2), so it is routed and
	// validated as GET.
	asGet := r
	if r.Method == http.MethodHead {
		c := *r
		c.Method = http.MethodGet
		asGet = &c
	}
	route, pathParams, err := g.router.FindRoute(asGet)
	if err == nil {
		id := route.Operation.OperationID
		if r.Method == http.MethodHead {
			// The spec's own HEAD operation, where it declares one.
			if head, _, herr := g.router.FindRoute(r); herr == nil {
				id = head.Operation.OperationID
			}
		}
		setOperation(r.Context(), id)
	}
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		allow := g.allowed(r)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s", quoted(r.Method), quoted(r.URL.Path), strings.Join(allow, ", ")))
		return
	case err != nil:
		writeProblem(w, r, http.StatusNotFound, fmt.Sprintf("no operation at %s; the API is described at /openapi.yaml", quoted(r.URL.Path)))
		return
	}

	if g.imageOps[route.Operation] && !acceptsPNG(r.Header.Values("Accept")) {
		writeProblem(w, r, http.StatusNotAcceptable, "this operation answers only image/png, which the Accept header rules out")
		return
	}

	if g.secured[route.Operation] && !g.keys.allows(r) {
		// RFC 6750 §3: a missing key gets the bare challenge, a wrong one
		// error="invalid_token".
		challenge := `Bearer realm="pngd"`
		detail := "this operation needs an API key: send Authorization: Bearer <key>"
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
			detail = "the Authorization header does not carry a valid API key (Authorization: Bearer <key>)"
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeProblem(w, r, http.StatusUnauthorized, detail)
		return
	}

	raw := g.rawOps[route.Operation]
	limit := g.limits.body
	if raw {
		limit = g.limits.upload
	}
	if body := route.Operation.RequestBody; body != nil && r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > limit {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, tooLarge(limit))
			return
		}
		// In place: asGet, which the validator reads, is r itself.
		rb, ctx := g.limits.rate.wrap(r.Context(), w, r.Body)
		*r = *r.WithContext(ctx)
		r.Body = http.MaxBytesReader(w, rb, limit)
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); body.Value.Content.Get(mt) == nil {
			writeProblem(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %s is not accepted here; send %s", quoted(r.Header.Get("Content-Type")), strings.Join(slices.Sorted(maps.Keys(body.Value.Content)), " or ")))
			return
		}
	}

	opts := g.opts
	streamed := g.streamed[route.Operation]
	if raw || streamed {
		// The handler (or readVectorBody) reads the body, once; the
		// validator must not, and its security check would read it whole.
		opts = g.rawOpts
		c := *asGet
		c.Body = http.NoBody
		asGet = &c
	}
	in := &openapi3filter.RequestValidationInput{Request: asGet, PathParams: pathParams, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, tooLarge(limit))
			return
		}
		writeProblem(w, r, http.StatusBadRequest, validationDetail(err))
		return
	}
	switch {
	case streamed:
		g.readVectorBody(w, r, func(r *http.Request) { g.next.ServeHTTP(w, r) })
	case raw:
		g.next.ServeHTTP(w, r)
	default:
		r.Body = asGet.Body // the validator read the body and left the validated value
		g.next.ServeHTTP(w, r)
	}
}

// takesRawImage reports whether op's body may be raw image bytes: the spec
// declares an image/* media type for it.
func takesRawImage(op *openapi3.Operation) bool {
	if op.RequestBody == nil {
		return false
	}
	for mt := range op.RequestBody.Value.Content {
		if strings.HasPrefix(mt, "image/") {
			return true
		}
	}
	return false
}

func tooLarge(limit int64) string {
	return fmt.Sprintf("the request body is larger than this server accepts (%d bytes)", limit)
}

// allowed lists the methods the spec declares at r's path, with HEAD
// wherever GET is.
func (g *specGate) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := *r
		probe.Method = m
		if m == http.MethodHead {
			probe.Method = http.MethodGet
		}
		if _, _, err := g.router.FindRoute(&probe); err == nil {
			allow = append(allow, m)
		}
	}
	return allow
}

// validationDetail names where a request broke the spec and how, in words
// for the caller: kin-openapi's schema reasons are written for people, its
// parse errors' causes (strconv's, say) are not and are left out.
func validationDetail(err error) string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return "the request does not match this API; it is described at /openapi.yaml"
	}
	where := "request"
	switch {
	case re.Parameter != nil:
		where = fmt.Sprintf("%s parameter %q", re.Parameter.In, re.Parameter.Name)
	case re.RequestBody != nil:
		where = "request body"
	}
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		if ptr := se.JSONPointer(); len(ptr) > 0 {
			where += " at /" + strings.Join(ptr, "/")
		}
		return where + ": " + se.Reason
	}
	if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
		return where + " is required"
	}
	var syntax *jsontext.SyntacticError
	if errors.As(re.Err, &syntax) {
		return syntaxDetail(where, syntax)
	}
	var pe *openapi3filter.ParseError
	if errors.As(re.Err, &pe) {
		if pe.Value != nil {
			return fmt.Sprintf("%s: %.60q is not in the form the spec declares for it", where, fmt.Sprint(pe.Value))
		}
		return where + " is not in the form the spec declares for it"
	}
	if re.Err == nil && re.Reason != "" {
		return where + ": " + re.Reason
	}
	return where + " does not match this API; it is described at /openapi.yaml"
}

// syntaxDetail says where JSON broke, without the parser's own words.
func syntaxDetail(where string, e *jsontext.SyntacticError) string {
	if errors.Is(e.Err, jsontext.ErrDuplicateName) {
		return fmt.Sprintf("%s is not valid JSON: the name %s appears twice in one object", where, quoted(e.JSONPointer.LastToken()))
	}
	at := ""
	if e.JSONPointer != "" {
		at = " in " + string(e.JSONPointer)
	}
	return fmt.Sprintf("%s is not valid JSON at byte %d%s (RFC 8259, which has no NaN or Infinity; send null for a missing value)", where, e.ByteOffset, at)
}
