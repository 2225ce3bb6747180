package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/metrics"
	"github.com/pngd/pngd/internal/store"
)

// scrape GETs /metrics through the harness (so the answer is held to the
// spec) and parses it as Prometheus would.
func scrape(t *testing.T, c *http.Client, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := do(t, c, newRequest(t, http.MethodGet, base+"/metrics", "", ""))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return families
}

// value is the value of the family's metric whose labels include labels
// (name=value pairs), or -1 when there is none.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f, ok := families[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsCountASession runs a scripted session and checks that
// /metrics counts exactly what happened, labelled by the spec's operation
// ids, with the store, cache, admission and image-step metrics, and Go's
// and the process's own.
func TestMetricsCountASession(t *testing.T) {
	m := metrics.New()
	imaging.Observe(m.Imaging())
	defer imaging.Observe(nil)
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, c := newTestServer(t, Config{Metrics: m, Library: library.New(m.Store(st), library.Options{})})
	get := func(path string, want int, header ...string) {
		t.Helper()
		req := newRequest(t, http.MethodGet, srv.URL+path, "", "")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		if resp, body := do(t, c, req); resp.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, resp.StatusCode, want, body)
		}
	}
	get("/vector_image?values=1,2,3", 200)
	get("/vector_image?values=1,2,3", 304, "If-None-Match", "*")
	get("/vector_image?values=1,x", 400)
	png := encodeAs(t, "png", testCard(64, 48))
	im := upload(t, c, srv.URL, "image/png", png, 201)
	upload(t, c, srv.URL, "image/png", png, 200)
	get(im.Url, 200)
	get(im.Url+"?w=32", 200) // rendered
	get(im.Url+"?w=32", 200) // from memory
	get("/nowhere", 404)
	resp, _ := do(t, c, newRequest(t, http.MethodHead, srv.URL+im.Url, "", ""))
	if resp.StatusCode != 200 {
		t.Fatalf("HEAD: %d", resp.StatusCode)
	}
	resp, _ = do(t, c, newRequest(t, http.MethodDelete, srv.URL+im.Url, "", ""))
	if resp.StatusCode != 204 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	get("/readyz", 200)

	f := scrape(t, c, srv.URL)
	for _, want := range []struct {
		name   string
		labels []string
		value  float64
	}{
		{"pngd_http_requests_total", []string{"operation", "getVectorImage", "code", "200"}, 1},
		{"pngd_http_requests_total", []string{"operation", "getVectorImage", "code", "304"}, 1},
		{"pngd_http_requests_total", []string{"operation", "getVectorImage", "code", "400"}, 1},
		{"pngd_http_requests_total", []string{"operation", "uploadImage", "code", "201"}, 1},
		{"pngd_http_requests_total", []string{"operation", "uploadImage", "code", "200"}, 1},
		{"pngd_http_requests_total", []string{"operation", "getImage", "code", "200"}, 3},
		{"pngd_http_requests_total", []string{"operation", "headImage", "code", "200"}, 1},
		{"pngd_http_requests_total", []string{"operation", "deleteImage", "code", "204"}, 1},
		{"pngd_http_requests_total", []string{"operation", "getReady", "code", "200"}, 1},
		{"pngd_http_requests_total", []string{"operation", "unrouted", "code", "404"}, 1},
		{"pngd_http_request_duration_seconds", []string{"operation", "getImage"}, 3},
		{"pngd_cache_misses_total", []string{"cache", "store"}, 1}, // one render
		{"pngd_cache_hits_total", []string{"cache", "store"}, 0},
		{"pngd_admission_wait_seconds", []string{"gate", "upload"}, 2},
		{"pngd_admission_rejected_total", []string{"gate", "render", "reason", "busy"}, 0},
		{"pngd_store_operations_total", []string{"op", "delete", "outcome", "ok"}, -2},
		{"pngd_image_step_duration_seconds", []string{"step", "decode", "format", "png"}, -2},
		{"pngd_image_step_duration_seconds", []string{"step", "resample"}, -2},
		{"pngd_image_step_duration_seconds", []string{"step", "encode", "format", "png"}, -2},
		{"pngd_store_written_bytes_total", []string{"kind", "image"}, -2},
		{"pngd_memory_budget_bytes", nil, -2},
		{"go_goroutines", nil, -2},
		{"process_resident_memory_bytes", nil, -2},
		{"go_build_info", nil, 1},
	} {
		got := value(f, want.name, want.labels...)
		switch {
		case want.value == -2 && got <= 0: // present and positive
			t.Errorf("%s%v = %v, want > 0", want.name, want.labels, got)
		case want.value >= -1 && got != want.value:
			t.Errorf("%s%v = %v, want %v", want.name, want.labels, got, want.value)
		}
	}
	if hits := value(f, "pngd_cache_hits_total", "cache", "memory"); hits < 1 {
		t.Errorf("the second derive was not a memory hit: hits %v", hits)
	}
	// The operation label takes only the spec's operation ids, and three
	// names for what is outside the spec.
	for _, series := range f["pngd_http_requests_total"].GetMetric() {
		for _, l := range series.GetLabel() {
			if l.GetName() == "operation" && strings.ContainsAny(l.GetValue(), "/?") {
				t.Errorf("operation label %q is a path", l.GetValue())
			}
		}
	}
}

// TestMetricsElsewhere: with the metrics on their own listener, GET
// /metrics on the API's answers 404 problem+json.
func TestMetricsElsewhere(t *testing.T) {
	srv, c := newTestServer(t, Config{MetricsElsewhere: true})
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/metrics", "", ""), 404, 0, 0, "--metrics-addr")
}
