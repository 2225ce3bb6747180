package tracing

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSetupFollowsTheEnvironment: no exporter named, no tracing; console
// prints the spans; an endpoint alone means OTLP; what pngd cannot do is
// refused with a reason.
func TestSetupFollowsTheEnvironment(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	ctx := context.Background()
	if tp, _, err := Setup(ctx, env(), nil); tp != nil || err != nil {
		t.Errorf("no OTEL_* variables: %v, %v; want tracing off", tp, err)
	}
	if tp, _, err := Setup(ctx, env("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"), nil); tp != nil || err != nil {
		t.Errorf("OTEL_TRACES_EXPORTER=none: %v, %v; want tracing off", tp, err)
	}
	var out bytes.Buffer
	tp, shutdown, err := Setup(ctx, env("OTEL_TRACES_EXPORTER", "console", "OTEL_SERVICE_NAME", "pngd-test"), &out)
	if err != nil || tp == nil {
		t.Fatalf("console: %v, %v", tp, err)
	}
	_, span := Start(ctx, "a-step")
	span.End()
	if err := shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Name":"a-step"`) || !strings.Contains(out.String(), "pngd-test") {
		t.Errorf("console exporter wrote:\n%s", out.String())
	}
	if tp, shutdown, err := Setup(ctx, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"), nil); err != nil || tp == nil {
		t.Errorf("an OTLP endpoint alone: %v, %v; want OTLP tracing", tp, err)
	} else {
		shutdown(ctx)
	}
	for _, bad := range [][]string{
		{"OTEL_TRACES_EXPORTER", "zipkin"},
		{"OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
	} {
		if _, _, err := Setup(ctx, env(bad...), nil); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	Install(nil)
}
