package contract

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func pngBytes(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHarnessCatches serves deliberately broken answers and checks that the
// harness reports each one: a harness that passes everything proves nothing.
func TestHarnessCatches(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	good := pngBytes(t, 4, 4)
	etag := func(w http.ResponseWriter) {
		w.Header().Set("ETag", `"vi-1"`)
		w.Header().Set("Cache-Control", "public")
	}
	fileHeaders := func(w http.ResponseWriter) {
		etag(w)
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Last-Modified", "Wed, 25 Nov 2026 08:00:00 GMT")
		w.Header().Set("Accept-Ranges", "bytes")
	}
	tests := []struct {
		name    string
		path    string
		size    image.Point
		handler http.HandlerFunc
		want    string
	}{
		{"chunked image", "/vector_image?values=1", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			etag(w)
			w.Header().Set("Content-Type", "image/png")
			w.Write(good[:10])
			w.(http.Flusher).Flush()
			w.Write(good[10:])
		}, "Content-Length"},
		{"no request id", "/healthz", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status":"ok"}`))
		}, "no X-Request-Id"},
		{"instance not the request id", "/images/x/info", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"type":"about:blank","title":"Bad Request","status":400,"detail":"the id is not 64 hex digits","instance":"/images/x/info"}`))
		}, "problem instance"},
		{"not a PNG", "/vector_image?values=1", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			etag(w)
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("GIF89a not really"))
		}, "does not decode"},
		{"wrong size", "/vector_image?values=1", image.Pt(5, 4), func(w http.ResponseWriter, r *http.Request) {
			etag(w)
			w.Header().Set("Content-Type", "image/png")
			w.Write(good)
		}, "want (5,4)"},
		{"stray JSON", "/vector_image?values=1", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			etag(w)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		}, "does not match the spec"},
		{"undeclared status", "/vector_image?values=1", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(418)
			w.Write([]byte(`{"type":"about:blank","title":"t","status":418,"detail":"a teapot, it seems"}`))
		}, "does not match the spec"},
		{"missing ETag", "/vector_image?values=1", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(good)
		}, "does not match the spec"},
		{"plain-text 404", "/nope", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			http.NotFound(w, r)
		}, "application/problem+json"},
		{"problem without detail", "/nope", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(404)
			w.Write([]byte(`{"type":"about:blank","title":"Not Found","status":404}`))
		}, "Problem"},
		{"lying Content-Length", "/healthz", image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "15")
			w.Write([]byte(`{"status":"ok"}`))
			w.Write([]byte(` `))
		}, ""}, // net/http refuses to send more than declared; the client sees 15 bytes
		{"range longer than its Content-Range", "/images/" + strings.Repeat("a", 64), image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			fileHeaders(w)
			w.Header().Set("Content-Range", "bytes 0-3/100")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(good[:8])
		}, "does not describe the 8 bytes"},
		{"a range that fits", "/images/" + strings.Repeat("a", 64), image.Point{}, func(w http.ResponseWriter, r *http.Request) {
			fileHeaders(w)
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-7/%d", len(good)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(good[:8])
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.name != "no request id" {
					w.Header().Set("X-Request-Id", "req-1")
				}
				tt.handler(w, r)
			}))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			if tt.size != (image.Point{}) {
				req = WithSize(req, tt.size.X, tt.size.Y)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := strings.Join(h.Check(req, resp, body), "\n")
			if tt.want == "" {
				if got != "" {
					t.Errorf("harness complained: %s", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("harness said %q, want a complaint mentioning %q", got, tt.want)
			}
		})
	}
}
