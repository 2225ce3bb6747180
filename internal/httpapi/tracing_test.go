package httpapi

import (
	"net/http"
	"slices"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pngd/pngd/internal/tracing"
)

// TestTracing records the spans of an upload and of a derived image with
// the SDK's in-memory recorder: a server span named by the operation id
// and carrying the request id, and under it, in the same trace, spans for
// admission, the store, decoding, each transform step and encoding.
func TestTracing(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracing.Install(tp)
	defer tracing.Install(sdktrace.NewTracerProvider()) // spans after this test go nowhere
	srv, c := newTestServer(t, Config{TracerProvider: tp})

	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(120, 90)), 201)
	req := newRequest(t, http.MethodGet, srv.URL+im.Url+"?w=50&rotate=90&grayscale=true&blur=1", "", "")
	req.Header.Set("X-Request-Id", "trace-this-one")
	if resp, _ := do(t, c, req); resp.StatusCode != 200 {
		t.Fatalf("derived: %d", resp.StatusCode)
	}

	// One trace per request: its spans by name.
	traces := map[string][]sdktrace.ReadOnlySpan{}
	var serverSpans []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		id := s.SpanContext().TraceID().String()
		traces[id] = append(traces[id], s)
		if !s.Parent().IsValid() {
			serverSpans = append(serverSpans, s)
		}
	}
	names := func(op string) []string {
		for _, root := range serverSpans {
			if root.Name() != op {
				continue
			}
			var out []string
			for _, s := range traces[root.SpanContext().TraceID().String()] {
				out = append(out, s.Name())
			}
			return out
		}
		t.Fatalf("no server span named %s among %d", op, len(serverSpans))
		return nil
	}
	for op, want := range map[string][]string{
		"uploadImage": {"uploadImage", "admission", "decode", "encode", "pyramid", "store.put"},
		"getImage":    {"getImage", "admission", "store.open", "decode", "resample", "rotate", "grayscale", "blur", "encode", "store.put"},
	} {
		got := names(op)
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s's trace lacks a %q span: %v", op, w, got)
			}
		}
	}
	for _, root := range serverSpans {
		if root.Name() != "getImage" {
			continue
		}
		found := false
		for _, a := range root.Attributes() {
			if a.Key == "pngd.request_id" && a.Value.AsString() == "trace-this-one" {
				found = true
			}
		}
		if !found {
			t.Errorf("the server span lacks the request id: %v", root.Attributes())
		}
	}
}
