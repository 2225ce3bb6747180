// Command pngd serves the image API described by api/openapi.yaml.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/pngd/pngd/internal/tracing"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/buildinfo"
	"github.com/pngd/pngd/internal/httpapi"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/metrics"
	"github.com/pngd/pngd/internal/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pngd:", err)
		var c *configError
		if errors.As(err, &c) {
			os.Exit(exitConfig)
		}
		os.Exit(1)
	}
}

// exitConfig is pngd's exit code when its configuration cannot work: the
// store refuses it (sysexits.h's EX_CONFIG). Other failures exit 1.
const exitConfig = 78

// startProbeTimeout bounds the store probe at start.
const startProbeTimeout = 15 * time.Second

// configError is a failure that only a change of configuration mends.
type configError struct{ err error }

func (c *configError) Error() string { return c.err.Error() }
func (c *configError) Unwrap() error { return c.err }

// storeError describes a store that does not work for pngd: when it
// refuses, the cause first, in words, then the backend's error.
func storeError(err error) error {
	if errors.Is(err, store.ErrRefused) {
		return &configError{fmt.Errorf("the store refuses pngd: %w", err)}
	}
	return err
}

// run is pngd: it serves until ctx ends or SIGINT/SIGTERM arrives, then shuts
// down gracefully. It prints the address it listens on to stdout and logs to
// stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sign" {
		return runSign(args[1:], getenv, stdout, stderr)
	}
	if len(args) == 1 && (args[0] == "-version" || args[0] == "--version" || args[0] == "version") {
		fmt.Fprintln(stdout, buildinfo.Version("pngd"))
		return nil
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	// pngd's live heap is small and bounded (renders are capped), while each
	// request leaves ~200 KB of garbage: collecting at 300% instead of Go's
	// 100% costs a little memory and gains ~10% throughput (make loadtest).
	if cfg.GCPercent > 0 {
		debug.SetGCPercent(cfg.GCPercent)
	} else {
		debug.SetGCPercent(-1) // off: the soft memory limit below still collects
	}
	// The soft limit is nine tenths of the memory budget: the cache, the
	// baseline and the work admitted live within it, and garbage beyond it
	// makes the collector work harder instead of the heap grow. The tenth
	// left is for what RSS holds besides Go's heap accounting: the binary,
	// and pages freed but not yet returned to the OS (make attack checks
	// peak RSS against the budget).
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cfg.MemoryBudget / 10 * 9)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var logHandler slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.LogFormat == "json" {
		logHandler = slog.NewJSONHandler(stderr, nil)
	}
	// Every line logged for a request carries its X-Request-Id.
	logHandler = httpapi.RequestIDHandler(logHandler)
	log := slog.New(logHandler)
	// The access log, one line per request, is buffered (or off): errors
	// and the rest go out at once.
	accessLog := slog.New(slog.DiscardHandler)
	if cfg.AccessLog == "on" {
		buffered := newBufferedLog(stderr)
		defer buffered.Close()
		var h slog.Handler = slog.NewTextHandler(buffered, nil)
		if cfg.LogFormat == "json" {
			h = slog.NewJSONHandler(buffered, nil)
		}
		accessLog = slog.New(httpapi.RequestIDHandler(h))
	}

	st, err := store.Open(ctx, cfg.Storage)
	if err != nil {
		return storeError(err)
	}
	defer st.Close()
	// Before serving: the store must take a write, a read and a delete. A
	// refusal (permission, no bucket, bad credentials) will not mend, so
	// pngd stops and says why; an unreachable store may come back, so pngd
	// serves, with /readyz answering 503 until it does.
	probeCtx, cancelProbe := context.WithTimeout(ctx, startProbeTimeout)
	err = st.Probe(probeCtx)
	cancelProbe()
	switch {
	case errors.Is(err, store.ErrRefused):
		return storeError(err)
	case err != nil:
		log.Warn("the store cannot be reached yet; serving, with /readyz at 503 until it can", "storage", st.Name(), "err", err)
	}

	// One gate admits every CPU-heavy job: vector renders, uploads'
	// decoding, derived images.
	maxRenders, maxQueued := cfg.MaxRenders, cfg.MaxQueuedRenders
	memory := admit.NewBudget(cfg.WorkBytes(), maxQueued, cfg.QueueTimeout)
	renders := admit.New(maxRenders, maxQueued, cfg.QueueTimeout).WithMemory(memory)
	var signingKey []byte
	if cfg.SigningKey != "" {
		signingKey = []byte(cfg.SigningKey)
	}

	presets, err := cfg.presets()
	if err != nil {
		return err
	}
	// Tracing, when the OTEL_* variables name an exporter.
	tp, shutdownTracing, err := tracing.Setup(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	if tp != nil {
		log.Info("tracing", "exporter", cmp.Or(getenv("OTEL_TRACES_EXPORTER"), "otlp"))
	}

	// Metrics: the store's operations through a counting wrapper, the
	// image steps through imaging's observer; the rest the handler wires.
	m := metrics.New()
	imaging.Observe(m.Imaging())
	lib := library.New(m.Store(st), library.Options{
		CacheBytes: cfg.CacheBytes, MaxOutputPixels: cfg.MaxOutputPixels, MaxFramePixels: cfg.MaxFramePixels, Renders: renders, Logger: log,
		DerivedStoreBytes: cfg.DerivedStoreBytes,
		// A directory is this node's alone; a bucket may be shared.
		SmallOriginals: strings.HasPrefix(cfg.Storage, "file://"),
	})
	// Count the derived images already stored, so that the quota bounds
	// them too; in the background, since a large bucket lists slowly.
	go func() {
		if err := lib.ScanDerived(ctx); err != nil {
			log.Warn("derived images already in the store were not counted against -derived-store-bytes", "err", err)
		}
	}()

	// Compile the AVIF (and HEIC) decoders' WebAssembly now, not in the
	// first upload of each. It takes both cores for a second or more; the
	// log says when it is done (the load scripts wait for it).
	go func() {
		start := time.Now()
		imaging.WarmDecoders(cfg.HEIC)
		log.Info("image decoders compiled", "seconds", time.Since(start).Seconds())
	}()
	avifDecoder, heicDecoder := imaging.Decoders()
	log.Info("image decoders", "avif", avifDecoder, "heic", heicDecoder)
	if cfg.HEIC {
		log.Info("HEIC uploads are decoded (-heic): libheif and libde265 in WebAssembly; HEVC patents are the operator's matter (README)")
	}

	var draining atomic.Bool
	inFlight := &httpapi.Requests{}
	handler, err := httpapi.NewHandler(httpapi.Config{
		Requests:             inFlight,
		MaxBodyBytes:         cfg.MaxBodyBytes,
		Renders:              renders,
		MaxQueuedRenders:     maxQueued,
		QueueTimeout:         cfg.QueueTimeout, // for the upload queue too
		Memory:               memory,
		MaxJPEGScans:         cfg.MaxJPEGScans,
		MaxFrames:            cfg.MaxFrames,
		MaxFramePixels:       cfg.MaxFramePixels,
		HEIC:                 cfg.HEIC,
		MinBodyRate:          cfg.MinBodyRate,
		BodyGrace:            cfg.BodyGrace,
		StallTimeout:         cfg.WriteTimeout,
		SigningKey:           signingKey,
		Logger:               log,
		AccessLog:            accessLog,
		Library:              lib,
		Presets:              presets,
		PresetsOnly:          cfg.PresetsOnly,
		DerivedQuality:       cfg.DerivedQuality % 100, // 100 is lossless, as 0
		MaxUploadBytes:       cfg.MaxUploadBytes,
		MaxSourcePixels:      cfg.MaxSourcePixels,
		MaxConcurrentUploads: cfg.MaxUploads,
		APIKeys:              cfg.Keys(),
		Metrics:              m,
		TracerProvider:       tp,
		MetricsElsewhere:     cfg.MetricsAddr != "",
		Ready: func(context.Context) error {
			if draining.Load() {
				return errors.New("shutting down")
			}
			return nil
		},
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if err := checkWriteAccess(cfg, ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		// No WriteTimeout: it would count from the request's arrival and
		// cut answers that took long to make. -write-timeout is a deadline
		// that follows each write's progress (httpapi.Config.StallTimeout).
		IdleTimeout:    cfg.IdleTimeout,
		ConnContext:    httpapi.ConnContext, // with httpapi.Listener
		MaxHeaderBytes: 256 << 10,           // room for GET /vector_image's 4,096 values
		ErrorLog:       slog.NewLogLogger(logHandler, slog.LevelWarn),
		// No BaseContext from ctx: a signal must drain requests in flight,
		// not cancel them.
	}
	fmt.Fprintf(stdout, "pngd listening on http://%s (Swagger UI at http://%s/docs/)\n", ln.Addr(), ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "storage", st.Name(), "write_keys", len(cfg.Keys()), "signed_urls", signingKey != nil,
		"memory_budget", cfg.MemoryBudget, "cache_bytes", cfg.CacheBytes, "work_bytes", cfg.WorkBytes())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(httpapi.Listener(ln, m, accessLog)) }()
	if cfg.MetricsAddr != "" {
		// Metrics on their own listener, for a scraper on a network the
		// API's clients do not reach; it closes with the process.
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: cfg.ReadHeaderTimeout, IdleTimeout: cfg.IdleTimeout, ErrorLog: slog.NewLogLogger(logHandler, slog.LevelWarn)}
		defer msrv.Close()
		go msrv.Serve(mln)
		fmt.Fprintf(stdout, "pngd metrics on http://%s/metrics\n", mln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	// Graceful shutdown: fail readiness while still serving, so that a
	// load balancer sees 503 and stops sending; then close the listener
	// and finish requests in flight.
	draining.Store(true)
	log.Info("draining", "delay", cfg.DrainDelay)
	select {
	case <-time.After(cfg.DrainDelay):
	case err := <-served:
		return err
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// The requests still running end with the process: each gets
		// its access-log line now.
		inFlight.Abandon(errors.New("cut short: -shutdown-timeout passed before it finished"))
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// checkWriteAccess refuses to serve writes to anyone on a non-loopback
// address: without API keys, pngd listens beyond this machine only when
// told -allow-anonymous-writes. A mistake must not open the store to the
// internet.
func checkWriteAccess(cfg Config, addr net.Addr) error {
	if len(cfg.Keys()) > 0 || cfg.AllowAnonymousWrites {
		return nil
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without -api-keys: anyone who can reach it could upload and delete images; set -api-keys (PNGD_API_KEYS), listen on a loopback address, or pass -allow-anonymous-writes", addr)
}
