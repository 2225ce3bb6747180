package httpapi

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/library"
)

// BenchmarkRenderVectorImageHandler measures one POST /vector_image (1,024
// values → 512×512) through the whole handler: spec gate, validation,
// generated binding, render, encode. No network.
func BenchmarkRenderVectorImageHandler(b *testing.B) {
	h, err := NewHandler(Config{MaxBodyBytes: 32 << 20, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Library: library.New(openDirStore(b))})
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
