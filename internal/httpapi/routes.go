package httpapi

import (
	"context"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/pngd/pngd/gen"
)

// NewHandler returns pngd's whole HTTP surface; routes lists it.
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.Logger != nil {
		if _, ok := cfg.Logger.Handler().(requestIDHandler); !ok {
			cfg.Logger = slog.New(RequestIDHandler(cfg.Logger.Handler()))
		}
	}
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	srv, err := newServer(cfg, doc)
	if err != nil {
		return nil, err
	}
	return routes(srv, doc)
}

// routes mounts pngd's whole HTTP surface, with srv behind the spec gate:
//
//	/docs/          Swagger UI, served from the binary under a CSP
//	everything else the operations of api/openapi.yaml (vector_image,
//	                images, healthz, readyz, openapi.yaml, openapi.json),
//	                held to the spec by specGate; unknown paths get 404
//	                problem+json
func routes(srv *Server, doc *openapi3.T) (http.Handler, error) {
	cfg := srv.cfg
	errs := errorHandlers{log: cfg.Logger, retryAfter: srv.renders.RetryAfter(), minRate: cfg.MinBodyRate, probe: &srv.probe}
	api := gen.HandlerWithOptions(
		gen.NewStrictHandlerWithOptions(srv, []gen.StrictMiddlewareFunc{rawUploadBody, noteHead, noteURL, withInstance}, gen.StrictHTTPServerOptions{
			RequestErrorHandlerFunc:  errs.badRequest,
			ResponseErrorHandlerFunc: errs.internal,
		}),
		gen.StdHTTPServerOptions{ErrorHandlerFunc: errs.badRequest},
	)
	gate, err := newSpecGate(doc, gateLimits{body: cfg.MaxBodyBytes, upload: cfg.MaxUploadBytes, rate: bodyRate{cfg.MinBodyRate, cfg.BodyGrace}}, srv.memory, newAPIKeys(cfg.APIKeys), api)
	if err != nil {
		return nil, err
	}

	docs, err := withCSP(docsNotFound(v5emb.NewHandlerWithConfig(swgui.Config{
		Title: "pngd", SwaggerJSON: "/openapi.json", BasePath: "/docs/",
		SettingsUI: map[string]string{"validatorUrl": "null"},
	})))
	if err != nil {
		return nil, err
	}
	// Not a ServeMux: it answers a path with dot segments or doubled
	// slashes with a redirect in text/html, which the spec declares
	// nowhere. Such a path is not one of pngd's: the gate answers 404.
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; strings.HasPrefix(p, "/docs/") && (path.Clean(p) == p || path.Clean(p)+"/" == p) {
			setOperation(r.Context(), "docs")
			docs.ServeHTTP(w, r)
			return
		}
		gate.ServeHTTP(w, r)
	})
	access := cfg.AccessLog
	if access == nil {
		access = cfg.Logger
	}
	var h http.Handler = withRequestID(logRequests(access, cfg.StallTimeout, srv.metrics, cfg.Requests, noSniff(mux)))
	if cfg.TracerProvider != nil {
		// The server span is named by the route's operation id once the
		// spec gate has found it (setOperation), and carries the request id.
		h = otelhttp.NewHandler(h, "pngd", otelhttp.WithTracerProvider(cfg.TracerProvider))
	}
	return h, nil
}

// noSniff tells browsers to trust Content-Type on every response, so that no
// body is ever read as a type other than the one declared.
func noSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// rawUploadBody hands POST /images its raw body, and its declared length
// for sizing the buffer. The generated handler
// matches the Content-Type against the spec's "image/*" as a literal prefix,
// so "image/png" never matches and Body stays nil; the spec gate has
// already checked that the Content-Type is image/* or multipart/form-data.
func rawUploadBody(next gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	if operationID != "UploadImage" {
		return next
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		if req, ok := request.(gen.UploadImageRequestObject); ok && req.Body == nil && req.MultipartBody == nil {
			req.Body = r.Body
			request = req
		}
		return next(context.WithValue(ctx, bodyLengthKey{}, r.ContentLength), w, r, request)
	}
}

type bodyLengthKey struct{}

// bodyLength is the upload's declared Content-Length, or -1.
func bodyLength(ctx context.Context) int64 {
	n, ok := ctx.Value(bodyLengthKey{}).(int64)
	if !ok {
		return -1
	}
	return n
}

type headKey struct{}

// noteHead records in the context that the request is HEAD, which the
// strict handlers cannot otherwise see: they skip opening a body nobody
// will read, and ignore Range (RFC 9110 §14.2).
func noteHead(next gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		if r.Method == http.MethodHead {
			ctx = context.WithValue(ctx, headKey{}, true)
		}
		return next(ctx, w, r, request)
	}
}

func isHead(ctx context.Context) bool { return ctx.Value(headKey{}) != nil }

type urlKey struct{}

// noteURL records the request's URL in the context for GetImage (and
// HeadImage, which it answers), which checks a signature over its path and
// raw query.
func noteURL(next gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	if operationID != "GetImage" && operationID != "HeadImage" {
		return next
	}
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		return next(context.WithValue(ctx, urlKey{}, r.URL), w, r, request)
	}
}

// requestURL is the URL noteURL recorded, or nil.
func requestURL(ctx context.Context) *url.URL {
	u, _ := ctx.Value(urlKey{}).(*url.URL)
	return u
}
