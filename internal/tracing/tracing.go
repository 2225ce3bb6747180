// Package tracing sets up OpenTelemetry tracing from the standard OTEL_*
// variables, and gives pngd's packages one way to start spans. Tracing is
// off (a no-op tracer, which costs next to nothing) unless the variables
// name an exporter.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Setup installs a tracer provider when the environment asks for one:
// OTEL_TRACES_EXPORTER=otlp (OTLP over HTTP, to OTEL_EXPORTER_OTLP_ENDPOINT
// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or console (JSON on console), or,
// with OTEL_TRACES_EXPORTER unset, an OTLP endpoint variable. It returns
// nil and a no-op shutdown otherwise. The SDK reads the rest of OTEL_*
// itself (service name and resource attributes, sampler, headers).
func Setup(ctx context.Context, getenv func(string) string, console io.Writer) (trace.TracerProvider, func(context.Context) error, error) {
	noop := func(context.Context) error { return nil }
	exporter := getenv("OTEL_TRACES_EXPORTER")
	if exporter == "" && (getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "") {
		exporter = "otlp"
	}
	var exp sdktrace.SpanExporter
	var err error
	switch exporter {
	case "", "none":
		return nil, noop, nil
	case "otlp":
		if p := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"); p != "" && p != "http/protobuf" {
			return nil, noop, fmt.Errorf("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=%s: pngd sends traces over http/protobuf only", p)
		} else if p := getenv("OTEL_EXPORTER_OTLP_PROTOCOL"); p != "" && p != "http/protobuf" && getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") == "" {
			return nil, noop, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: pngd sends traces over http/protobuf only", p)
		}
		exp, err = otlptracehttp.New(ctx)
	case "console":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(console))
	default:
		return nil, noop, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: pngd knows otlp, console and none", exporter)
	}
	if err != nil {
		return nil, noop, fmt.Errorf("tracing: %w", err)
	}
	// The service is "pngd" unless OTEL_SERVICE_NAME says otherwise;
	// OTEL_RESOURCE_ATTRIBUTES adds to it.
	res := resource.Default()
	if env, err := resource.New(ctx, resource.WithFromEnv()); err == nil {
		if merged, err := resource.Merge(res, env); err == nil {
			res = merged
		}
	}
	name := getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = "pngd"
	}
	res, err = resource.Merge(res, resource.NewSchemaless(semconv.ServiceName(name)))
	if err != nil {
		return nil, noop, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	Install(tp)
	return tp, tp.Shutdown, nil
}

// Install makes tp the provider pngd's spans go to, with W3C trace
// context and baggage propagation.
func Install(tp trace.TracerProvider) {
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}

// Start begins a span named name under ctx's, from pngd's tracer.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return otel.Tracer("github.com/pngd/pngd").Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed when err is not nil (a client that went
// away is not a failure).
func End(span trace.Span, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
