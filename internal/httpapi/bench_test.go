package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/library"
)

// BenchmarkRenderVectorImageHandler measures one POST /vector_image (1,024
// values → 512×512) through the whole handler: spec gate, validation,
// generated binding, render, encode. No network.
func BenchmarkRenderVectorImageHandler(b *testing.B) {
	h, err := NewHandler(Config{MaxBodyBytes: 32 << 20, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Library: library.New(openDirStore(b), library.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([]string, 64)
	for i := range bodies {
		vals := make([]string, 1024)
		for j := range vals {
			vals[j] = fmt.Sprintf("%.5f", rand.Float64()*100)
		}
		bodies[i] = `{"values":[` + strings.Join(vals, ",") + `],"width":512,"height":512}`
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest("POST", "/vector_image", strings.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}

// BenchmarkGetImageHandler measures GET /images/{id} of a stored PNG on
// local disk through the whole handler, without the network: spec gate,
// validation, store lookups, headers. The body goes to a discarding writer.
func BenchmarkGetImageHandler(b *testing.B) {
	st := openDirStore(b)
	lib := library.New(st, library.Options{})
	h, err := NewHandler(Config{MaxBodyBytes: 32 << 20, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Library: lib})
	if err != nil {
		b.Fatal(err)
	}
	p, err := library.Prepare(context.Background(), encodeAs(b, "png", testCard(300, 200)), imaging.Limits{MaxPixels: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := lib.Save(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := &discardWriter{h: http.Header{}}
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/images/"+p.ID, nil))
		if rec.status != http.StatusOK {
			b.Fatalf("status %d", rec.status)
		}
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header                 { return d.h }
func (d *discardWriter) WriteHeader(s int)                   { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error)         { return len(p), nil }
func (d *discardWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }
