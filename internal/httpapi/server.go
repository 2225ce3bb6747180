// Package httpapi is pngd's HTTP layer: the implementation of the generated
// strict server, the middleware that holds requests to the spec, and the one
// list of routes. It translates between generated types and the domain
// packages, which never see HTTP.
package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/trace"
	"image"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pngd/pngd/api"
	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/metrics"
	"github.com/pngd/pngd/internal/store"
)

// Config is what the HTTP layer needs from the process.
type Config struct {
	// MaxBodyBytes caps every request body but an upload's (MaxUploadBytes);
	// larger ones get 413.
	MaxBodyBytes int64
	// MaxConcurrentRenders caps CPU-heavy work in progress (rendering,
	// decoding, resampling, encoding); others wait their turn. Zero means
	// runtime.GOMAXPROCS(0).
	MaxConcurrentRenders int
	// MaxQueuedRenders caps the work waiting for a slot; more gets 503.
	// Zero means 64 per slot; negative, no cap.
	MaxQueuedRenders int
	// QueueTimeout is how long work waits for a slot before it gets 503
	// with Retry-After. Zero means no limit.
	QueueTimeout time.Duration
	// Renders, when set, is the gate itself, shared with the Library's
	// Options.Renders; the three fields above are then unused.
	Renders *admit.Gate
	// SigningKey, when set, makes every request for a derived image carry
	// a valid sig (package sign); others get 403.
	SigningKey []byte
	// Ready reports whether the server should take traffic; nil means always.
	// Its error is logged, not sent.
	Ready func(context.Context) error
	// Logger receives one line per request and every internal error.
	Logger *slog.Logger

	// Library holds the stored images; the image operations need it.
	Library *library.Library
	// MaxUploadBytes caps an uploaded image (POST /images); larger ones get
	// 413. Zero means MaxBodyBytes.
	MaxUploadBytes int64
	// MaxSourcePixels caps an uploaded image's width×height, read from its
	// header before decoding; larger ones get 422.
	MaxSourcePixels int64
	// MaxConcurrentUploads caps uploads whose bodies are being read. Zero
	// means 4. Others wait in a queue bounded like the render queue.
	MaxConcurrentUploads int
	// HEIC decodes HEIC uploads (libheif and libde265 in WebAssembly);
	// without it they get 415. HEVC is patent-encumbered: see the README.
	HEIC bool
	// MaxFrames and MaxFramePixels cap an uploaded animation's frames,
	// and its frames × canvas pixels; more get 422 before decoding. Zero
	// means imaging's defaults.
	MaxFrames      int
	MaxFramePixels int64
	// MaxJPEGScans caps a JPEG's scans; more get 422 before decoding.
	// Zero means imaging.DefaultMaxScans.
	MaxJPEGScans int
	// Memory is the memory budget for work in flight: request bodies,
	// decoding, rendering, encoding. Nil means the Renders gate's, or a
	// budget of DefaultWorkBytes.
	Memory *admit.Budget
	// MinBodyRate is the slowest a request body may arrive, in bytes a
	// second on average after BodyGrace; slower ones are cut with 408.
	// Zero means no minimum.
	MinBodyRate int64
	// BodyGrace is how long a body may take before MinBodyRate applies.
	BodyGrace time.Duration
	// AccessLog, when set, takes the one line per request that Logger
	// takes otherwise (slog.DiscardHandler turns it off).
	AccessLog *slog.Logger
	// Metrics collects the server's metrics (nil: a registry of its own,
	// with the request metrics only).
	Metrics *metrics.Metrics
	// MetricsElsewhere says the metrics are served on their own listener
	// (-metrics-addr): GET /metrics here answers 404.
	MetricsElsewhere bool
	// TracerProvider, when set, traces every request (otelhttp), with
	// spans for admission, the store, decoding, each transform step and
	// encoding; nil: no tracing.
	TracerProvider trace.TracerProvider
	// ProbeEvery is how long /readyz reuses a probe of the store (zero:
	// DefaultProbeEvery).
	ProbeEvery time.Duration
	// Presets are named transforms (name → query, "w=256&h=256&fit=cover"),
	// asked for with ?preset=name and never needing a sig.
	Presets map[string]string
	// PresetsOnly serves unsigned requests presets only: other transform
	// parameters need a valid sig (and so a SigningKey), or get 403.
	PresetsOnly bool
	// DerivedQuality, 1 to 99, is the quality every derived image gets
	// that asks for no colors, quality or max_bytes of its own (a
	// palette; see the spec's quality); 0 leaves them lossless.
	DerivedQuality int
	// Requests, when set, tracks the requests in flight, so that the
	// caller can log those a shutdown cuts short (Requests.Abandon).
	Requests *Requests
	// StallTimeout cuts a response whose client has accepted no bytes for
	// this long; a slow one that keeps reading finishes. Zero means no
	// limit.
	StallTimeout time.Duration
	// APIKeys may upload and delete ("Authorization: Bearer <key>"). Empty
	// means anyone may: the caller decides whether that is safe.
	APIKeys []string
}

// DefaultWorkBytes is the memory budget for work in flight when
// Config.Memory is nil.
const DefaultWorkBytes = 768 << 20

// Server implements the operations of api/openapi.yaml.
type Server struct {
	cfg      Config
	specJSON map[string]any
	renders  *admit.Gate
	uploads  *admit.Gate
	memory   *admit.Budget
	presets  presets
	lib      *library.Library
	encode   func(image.Image) (*bytes.Buffer, error) // imaging.EncodePNG; a seam for tests
	probe    probeCache
	metrics  *metrics.Metrics
}

var _ gen.StrictServerInterface = (*Server)(nil)

// loadSpec parses and validates the embedded spec.
func loadSpec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		return nil, fmt.Errorf("loading api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml is invalid: %w", err)
	}
	return doc, nil
}

func newServer(cfg Config, doc *openapi3.T) (*Server, error) {
	raw, err := doc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if cfg.MaxConcurrentRenders <= 0 {
		cfg.MaxConcurrentRenders = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = cfg.MaxBodyBytes
	}
	if cfg.MaxConcurrentUploads <= 0 {
		cfg.MaxConcurrentUploads = 4
	}
	if cfg.MaxSourcePixels <= 0 {
		cfg.MaxSourcePixels = 50_000_000
	}
	if cfg.Library == nil {
		return nil, errors.New("httpapi: Config.Library is required")
	}
	if cfg.MaxQueuedRenders == 0 {
		cfg.MaxQueuedRenders = 64 * cfg.MaxConcurrentRenders
	}
	if cfg.Renders == nil {
		cfg.Renders = admit.New(cfg.MaxConcurrentRenders, cfg.MaxQueuedRenders, cfg.QueueTimeout)
	}
	if cfg.Memory == nil {
		cfg.Memory = cfg.Renders.Memory()
	}
	if cfg.Memory == nil {
		cfg.Memory = admit.NewBudget(DefaultWorkBytes, cfg.MaxQueuedRenders, cfg.QueueTimeout)
	}
	if cfg.Renders.Memory() == nil {
		cfg.Renders.WithMemory(cfg.Memory)
	}
	s := &Server{
		cfg: cfg, renders: cfg.Renders, memory: cfg.Memory,
		uploads: admit.New(cfg.MaxConcurrentUploads, cfg.MaxQueuedRenders, cfg.QueueTimeout),
		lib:     cfg.Library, encode: imaging.EncodePNG,
		probe:   probeCache{every: cmp.Or(cfg.ProbeEvery, DefaultProbeEvery)},
		metrics: cfg.Metrics,
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	s.metrics.Gate("render", s.renders)
	s.metrics.Gate("upload", s.uploads)
	s.metrics.Budget(s.memory)
	if s.lib != nil {
		s.metrics.Library(s.lib)
	}
	if err := json.Unmarshal(raw, &s.specJSON); err != nil {
		return nil, err
	}
	if s.presets, err = newPresets(doc, cfg.Presets); err != nil {
		return nil, err
	}
	return s, nil
}

// GetHealth answers while the process serves requests.
func (s *Server) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return gen.GetHealth200JSONResponse{Status: gen.Ok}, nil
}

// readyTimeout bounds how long /readyz waits for the store.
const readyTimeout = 2 * time.Second

// DefaultProbeEvery is how long a probe of the store answers /readyz: a
// load balancer asking every second costs the store one write, read and
// delete per probe, not one per question.
const DefaultProbeEvery = 3 * time.Second

// probeCache holds the last probe of the store and when it ran. One probe
// runs at a time; others asking meanwhile wait for it. A request that
// meets the store unreachable or refusing tells it (failed), and that
// answers /readyz until the next probe, which then runs after every: an
// outage shows at once, not when the cached probe expires.
type probeCache struct {
	every time.Duration
	mu    sync.Mutex
	at    time.Time
	err   error
	// seen is the last store failure a request met, and when.
	seen atomic.Pointer[seenFailure]
}

type seenFailure struct {
	at  time.Time
	err error
}

// failed records a store failure a request met. It does not wait for a
// probe running meanwhile.
func (p *probeCache) failed(err error) {
	p.seen.Store(&seenFailure{time.Now(), err})
}

func (p *probeCache) get(ctx context.Context, probe func(context.Context) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f := p.seen.Load(); f != nil && f.at.After(p.at) {
		// Newer than the last probe: it answers until a probe runs,
		// which is at once when the failure is older than every.
		if time.Since(f.at) < p.every {
			return f.err
		}
		p.at = time.Time{}
	}
	if !p.at.IsZero() && time.Since(p.at) < p.every {
		return p.err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	p.err, p.at = probe(ctx), time.Now()
	return p.err
}

// GetReady answers 200 while the store takes a probe's write, read and
// delete; 503 with Retry-After while Config.Ready fails (shutting down) or
// the store cannot be reached; 500, naming the cause, while the store
// refuses pngd for a reason that needs an operator.
func (s *Server) GetReady(ctx context.Context, _ gen.GetReadyRequestObject) (gen.GetReadyResponseObject, error) {
	unavailable := func(detail string) gen.GetReadyResponseObject {
		return gen.GetReady503ApplicationProblemPlusJSONResponse{Body: problem(http.StatusServiceUnavailable, detail), Headers: gen.GetReady503ResponseHeaders{RetryAfter: max(1, int(s.probe.every/time.Second))}}
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			s.cfg.Logger.WarnContext(ctx, "not ready", "err", err)
			return unavailable("not ready to serve traffic: the server is shutting down or starting"), nil
		}
	}
	err := s.probe.get(ctx, s.lib.Probe)
	switch {
	case err == nil:
		return gen.GetReady200JSONResponse{Status: gen.Ok}, nil
	case errors.Is(err, store.ErrRefused):
		s.cfg.Logger.ErrorContext(ctx, "not ready: the store refuses pngd", "err", err)
		return gen.GetReady500ApplicationProblemPlusJSONResponse(problem(http.StatusInternalServerError, "the image store refuses this server: "+store.RefusedCause(err)+"; its configuration must be fixed")), nil
	default:
		s.cfg.Logger.WarnContext(ctx, "not ready: the store is unreachable", "err", err)
		return unavailable("the image store cannot be reached"), nil
	}
}

// GetOpenAPIYAML sends api/openapi.yaml byte for byte.
func (s *Server) GetOpenAPIYAML(context.Context, gen.GetOpenAPIYAMLRequestObject) (gen.GetOpenAPIYAMLResponseObject, error) {
	return gen.GetOpenAPIYAML200ApplicationyamlResponse{Body: bytes.NewReader(api.Spec), ContentLength: int64(len(api.Spec))}, nil
}

// GetOpenAPIJSON sends the spec as JSON, for Swagger UI and JSON tools.
func (s *Server) GetOpenAPIJSON(context.Context, gen.GetOpenAPIJSONRequestObject) (gen.GetOpenAPIJSONResponseObject, error) {
	return gen.GetOpenAPIJSON200JSONResponse(s.specJSON), nil
}
