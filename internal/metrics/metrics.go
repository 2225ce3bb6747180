// Package metrics is pngd's Prometheus instrumentation (client_golang):
// requests by operation id and status, admission, the memory budget, the
// caches, the store, the image steps, and Go's and the process's own
// metrics. Label values are bounded: operation ids from the spec, status
// codes, fixed step and store-operation names.
package metrics

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/store"
)

// Metrics holds pngd's collectors in their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	sent      *prometheus.CounterVec
	admitWait *prometheus.HistogramVec
	rejected  *prometheus.CounterVec
	storeOps  *prometheus.CounterVec
	storeTime *prometheus.HistogramVec
	written   *prometheus.CounterVec
	steps     *prometheus.HistogramVec
}

// latencyBuckets span a cached original (~100 µs) to a large derived image
// (seconds).
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New makes the collectors, with Go's runtime, the process's and build
// information among them.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pngd_http_requests_total", Help: "Requests answered, by the spec's operation id (unrouted, docs outside it) and status code.",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pngd_http_request_duration_seconds", Help: "Time from the request's arrival to the last byte of its answer, by operation.", Buckets: latencyBuckets,
		}, []string{"operation"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pngd_http_response_bytes_total", Help: "Body bytes sent, by operation.",
		}, []string{"operation"}),
		admitWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pngd_admission_wait_seconds", Help: "Time work waited to be admitted (0 when admitted at once), by gate: render and upload slots, and bytes of the memory budget (memory: waits only).", Buckets: latencyBuckets,
		}, []string{"gate"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pngd_admission_rejected_total", Help: "Work turned away, by gate and reason: busy (queue full or timed out: 503) or gone (the client left while waiting).",
		}, []string{"gate", "reason"}),
		storeOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pngd_store_operations_total", Help: "Store operations, by kind and outcome (ok, not_found, full, unavailable, refused, error).",
		}, []string{"op", "outcome"}),
		storeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pngd_store_operation_duration_seconds", Help: "Time of store operations, by kind (open: until the object is ready to read).", Buckets: latencyBuckets,
		}, []string{"op"}),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pngd_store_written_bytes_total", Help: "Bytes written to the store, by kind of object: image (originals), derived (derived images and pyramid levels), probe.",
		}, []string{"kind"}),
		steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pngd_image_step_duration_seconds", Help: "Time of image steps: decode (by input format), resample, encode (png).", Buckets: latencyBuckets,
		}, []string{"step", "format"}),
	}
	r.MustRegister(m.requests, m.latency, m.sent, m.admitWait, m.rejected, m.storeOps, m.storeTime, m.written, m.steps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewBuildInfoCollector())
	return m
}

// Request records one answered request.
func (m *Metrics) Request(operation string, code int, bytes int64, took time.Duration) {
	m.requests.WithLabelValues(operation, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(operation).Observe(took.Seconds())
	m.sent.WithLabelValues(operation).Add(float64(bytes))
}

// Gate reports g's slots in use and its queue, and observes its waits.
func (m *Metrics) Gate(name string, g *admit.Gate) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pngd_admission_in_flight", Help: "Work holding a slot.", ConstLabels: prometheus.Labels{"gate": name}}, func() float64 { return float64(g.Running()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pngd_admission_queued", Help: "Work waiting for a slot.", ConstLabels: prometheus.Labels{"gate": name}}, func() float64 { return float64(g.Waiting()) }),
	)
	g.Observe(m.observer(name))
}

// Budget reports the memory budget's size, what is reserved and the
// highest reservation so far, and observes waits for bytes.
func (m *Metrics) Budget(b *admit.Budget) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pngd_memory_budget_bytes", Help: "Bytes of the memory budget for work in flight (-memory-budget less the cache and the baseline)."}, func() float64 { return float64(b.Size()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pngd_memory_reserved_bytes", Help: "Bytes of the budget reserved by work in flight now."}, func() float64 { return float64(b.Held()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pngd_memory_reserved_peak_bytes", Help: "The most bytes reserved at once since start."}, func() float64 { return float64(b.Peak()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pngd_memory_waiting", Help: "Work waiting for bytes of the budget."}, func() float64 { return float64(b.Waiting()) }),
	)
	b.Observe(m.observer("memory"))
}

func (m *Metrics) observer(gate string) admit.Observer {
	wait := m.admitWait.WithLabelValues(gate)
	busy, gone := m.rejected.WithLabelValues(gate, "busy"), m.rejected.WithLabelValues(gate, "gone")
	return func(waited time.Duration, err error) {
		wait.Observe(waited.Seconds())
		switch {
		case errors.Is(err, admit.ErrBusy):
			busy.Inc()
		case err != nil:
			gone.Inc()
		}
	}
}

// Library reports the in-memory cache and the store's derived images:
// hits, misses, evictions and bytes, read from the library when scraped.
func (m *Metrics) Library(l *library.Library) {
	stat := func(name, help, cache string, kind prometheus.ValueType, f func(library.CacheStats) int64) prometheus.Collector {
		opts := prometheus.Opts{Name: name, Help: help, ConstLabels: prometheus.Labels{"cache": cache}}
		if kind == prometheus.CounterValue {
			return prometheus.NewCounterFunc(prometheus.CounterOpts(opts), func() float64 { return float64(f(l.CacheStats())) })
		}
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts), func() float64 { return float64(f(l.CacheStats())) })
	}
	const (
		hits   = "Lookups that found the value: memory (derived images, decoded sources and levels) or store (derived images persisted)."
		misses = "Lookups that did not: a memory miss goes to the store; a store miss is a render."
		evicts = "Values evicted: from memory by -cache-bytes, from the store by -derived-store-bytes."
		size   = "Bytes held: in memory, and by derived images in the store."
	)
	m.Registry.MustRegister(
		stat("pngd_cache_hits_total", hits, "memory", prometheus.CounterValue, func(s library.CacheStats) int64 { return s.MemoryHits }),
		stat("pngd_cache_misses_total", misses, "memory", prometheus.CounterValue, func(s library.CacheStats) int64 { return s.MemoryMisses }),
		stat("pngd_cache_evictions_total", evicts, "memory", prometheus.CounterValue, func(s library.CacheStats) int64 { return s.MemoryEvictions }),
		stat("pngd_cache_bytes", size, "memory", prometheus.GaugeValue, func(s library.CacheStats) int64 { return s.MemoryBytes }),
		stat("pngd_cache_hits_total", hits, "store", prometheus.CounterValue, func(s library.CacheStats) int64 { return s.StoreHits }),
		stat("pngd_cache_misses_total", misses, "store", prometheus.CounterValue, func(s library.CacheStats) int64 { return s.StoreMisses }),
		stat("pngd_cache_evictions_total", evicts, "store", prometheus.CounterValue, func(s library.CacheStats) int64 { return s.StoreEvictions }),
		stat("pngd_cache_bytes", size, "store", prometheus.GaugeValue, func(s library.CacheStats) int64 { return s.StoreBytes }),
	)
}

// Imaging observes the image steps' times.
func (m *Metrics) Imaging() imaging.Observer {
	return func(step, format string, took time.Duration) {
		m.steps.WithLabelValues(step, format).Observe(took.Seconds())
	}
}

// store records one store operation.
func (m *Metrics) store(op string, start time.Time, err error) {
	m.storeTime.WithLabelValues(op).Observe(time.Since(start).Seconds())
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		outcome = "not_found"
	case errors.Is(err, store.ErrFull):
		outcome = "full"
	case errors.Is(err, store.ErrRefused):
		outcome = "refused"
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		outcome = "unavailable"
	case errors.Is(err, context.Canceled):
		outcome = "canceled"
	default:
		outcome = "error"
	}
	m.storeOps.WithLabelValues(op, outcome).Inc()
}

// Handler serves the registry in the Prometheus formats (text, OpenMetrics,
// gzip), for -metrics-addr.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Text is the registry in the Prometheus text format (version 0.0.4), for
// GET /metrics on the API's own listener.
func (m *Metrics) Text() ([]byte, error) {
	families, err := m.Registry.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}
