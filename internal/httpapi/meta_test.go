package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pngd/pngd/api"
	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/library"
)

func TestHealthAndReadiness(t *testing.T) {
	var down error
	srv, c := newTestServer(t, Config{Ready: func(context.Context) error { return down }})
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := do(t, c, newRequest(t, "GET", srv.URL+path, "", "")); resp.StatusCode != 200 {
			t.Errorf("GET %s = %d %s, want 200", path, resp.StatusCode, body)
		}
	}
	down = errors.New("store unreachable: secret internal detail")
	resp, body := do(t, c, newRequest(t, "GET", srv.URL+"/readyz", "", ""))
	if resp.StatusCode != 503 {
		t.Fatalf("GET /readyz while down = %d, want 503", resp.StatusCode)
	}
	if strings.Contains(string(body), "secret") {
		t.Errorf("readiness leaked the internal error: %s", body)
	}
	if resp, _ := do(t, c, newRequest(t, "GET", srv.URL+"/healthz", "", "")); resp.StatusCode != 200 {
		t.Errorf("GET /healthz while not ready = %d, want 200", resp.StatusCode)
	}
}

func TestSpecEndpoints(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	resp, body := do(t, c, newRequest(t, "GET", srv.URL+"/openapi.yaml", "", ""))
	if resp.StatusCode != 200 || !bytes.Equal(body, api.Spec) {
		t.Errorf("GET /openapi.yaml: status %d, %d bytes; want 200 and api/openapi.yaml byte for byte", resp.StatusCode, len(body))
	}
	resp, body = do(t, c, newRequest(t, "GET", srv.URL+"/openapi.json", "", ""))
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET /openapi.json: status %d, %v", resp.StatusCode, err)
	}
	if doc["openapi"] != "3.0.3" || doc["paths"].(map[string]any)["/vector_image"] == nil {
		t.Errorf("/openapi.json is not the spec: openapi=%v", doc["openapi"])
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{"GET", "/nope", 404, ""},
		{"GET", "/vector_image/extra", 404, ""},
		{"POST", "/", 404, ""},
		{"DELETE", "/vector_image", 405, "GET, HEAD, POST"},
		{"PUT", "/healthz", 405, "GET, HEAD"},
		{"POST", "/openapi.yaml", 405, "GET, HEAD"},
	}
	for _, tt := range tests {
		resp, body := do(t, c, newRequest(t, tt.method, srv.URL+tt.path, "", ""))
		if resp.StatusCode != tt.wantStatus || resp.Header.Get("Allow") != tt.wantAllow {
			t.Errorf("%s %s = %d Allow %q, want %d Allow %q; %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Allow"), tt.wantStatus, tt.wantAllow, body)
		}
	}
}

func TestRenderVectorImageNotAcceptable(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	req := newRequest(t, "POST", srv.URL+"/vector_image", "application/json", `{"values":[1]}`)
	req.Header.Set("Accept", "application/json")
	if resp, body := do(t, c, req); resp.StatusCode != 406 {
		t.Fatalf("status %d, want 406: %s", resp.StatusCode, body)
	}
}

// TestDocsNotFound: a file Swagger UI does not have, under /docs/, gets the
// same problem+json 404 as any unknown path (the harness checks it), not
// the file server's text/plain one.
func TestDocsNotFound(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	for _, p := range []string{"/docs/index.html", "/docs/nope.js", "/docs/a/b/c.css"} {
		expect(t, c, newRequest(t, http.MethodGet, srv.URL+p, "", ""), 404, 0, 0, "Swagger UI is at /docs/")
		expect(t, c, newRequest(t, http.MethodHead, srv.URL+p, "", ""), 404, 0, 0, "")
	}
	resp, err := http.Get(srv.URL + "/docs/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /docs/ after them: %d", resp.StatusCode)
	}
}

// TestDocs checks Swagger UI is served from the binary. Its HTML and assets
// are not API operations, so they are outside the spec and the harness.
func TestDocs(t *testing.T) {
	srv, _ := newTestServer(t, Config{})
	resp, err := http.Get(srv.URL + "/docs/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "swagger-ui") {
		t.Fatalf("GET /docs/ = %d, want Swagger UI", resp.StatusCode)
	}
	for _, want := range []string{"/openapi.json", "validatorUrl: null"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("/docs/ page lacks %q", want)
		}
	}
	for _, cdn := range []string{"unpkg.com", "cdn.jsdelivr", "cdnjs"} {
		if strings.Contains(string(page), cdn) {
			t.Errorf("/docs/ loads from a CDN (%s)", cdn)
		}
	}
	// The browser tests run Swagger UI under this policy, so it is known
	// not to block the page's own scripts.
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self' 'sha256-", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("/docs/ Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("/docs/ allows any inline script: %q", csp)
	}
}

// TestGeneratedClient goes through the Go client generated from the spec,
// as an application would, and gets the PNG back as intact bytes.
func TestGeneratedClient(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(c))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, h, cmap := 120, 80, gen.Plasma
	one, two := 1.0, 2.0
	post, err := client.RenderVectorImageWithResponse(ctx, gen.VectorImageRequest{Values: []*float64{&one, nil, &two}, Width: &w, Height: &h, Colormap: &cmap})
	if err != nil {
		t.Fatal(err)
	}
	if post.StatusCode() != 200 || post.HTTPResponse.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("status %d, Content-Type %q", post.StatusCode(), post.HTTPResponse.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader(post.Body))
	if err != nil || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Fatalf("client body: %v, size %v", err, img.Bounds())
	}

	// The same image through the GET operation: byte for byte the same.
	get, err := client.GetVectorImageWithResponse(ctx, &gen.GetVectorImageParams{Values: []float64{1, 2}, Width: &w, Height: &h, Colormap: &cmap})
	if err != nil || get.StatusCode() != 200 {
		t.Fatalf("GET via client: %v %d", err, get.StatusCode())
	}
	direct, body := do(t, c, contract.WithSize(newRequest(t, "GET", srv.URL+"/vector_image?values=1,2&width=120&height=80&colormap=plasma", "", ""), w, h))
	if direct.StatusCode != 200 || !bytes.Equal(get.Body, body) {
		t.Errorf("client bytes (%d) differ from a plain GET's (%d)", len(get.Body), len(body))
	}

	// Errors arrive typed, as the spec declares them.
	bad := 0
	resp, err := client.RenderVectorImageWithResponse(ctx, gen.VectorImageRequest{Values: []*float64{&one}, Width: &bad})
	if err != nil || resp.StatusCode() != 400 || resp.ApplicationproblemJSON400 == nil || resp.ApplicationproblemJSON400.Detail == "" {
		t.Fatalf("bad request via client: err %v, status %d, problem %+v", err, resp.StatusCode(), resp.ApplicationproblemJSON400)
	}
}

// TestSpecDefaults holds the handler's defaults to the spec's.
func TestSpecDefaults(t *testing.T) {
	doc, err := contract.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	for name, want := range map[string]any{
		"PixelSize":     float64(defaultSide),
		"Colormap":      string(defaultColormap),
		"Interpolation": string(defaultInterpolation),
	} {
		if got := schemas[name].Value.Default; got != want {
			t.Errorf("spec default of %s = %v, handler uses %v", name, got, want)
		}
	}
}

// TestInternalErrorStaysInTheLog breaks the PNG encoder: both image
// operations must answer the 500 problem the spec declares, and the client
// must not learn the internal error's text, which goes to the log.
func TestInternalErrorStaysInTheLog(t *testing.T) {
	doc, err := contract.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	srv, err := newServer(Config{MaxBodyBytes: 1 << 20, Logger: slog.New(slog.NewTextHandler(&log, nil)), Library: library.New(openDirStore(t), library.Options{})}, doc)
	if err != nil {
		t.Fatal(err)
	}
	srv.encode = func(image.Image) (*bytes.Buffer, error) { return nil, errors.New("disk on fire at /secret/path") }
	h, err := routes(srv, doc)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	c := harness.Client(t)
	for _, req := range []*http.Request{
		newRequest(t, "GET", ts.URL+"/vector_image?values=1,2", "", ""),
		newRequest(t, "POST", ts.URL+"/vector_image", "application/json", `{"values":[1,2]}`),
	} {
		resp, body := do(t, c, req)
		if resp.StatusCode != 500 {
			t.Fatalf("%s: status %d, want 500", req.Method, resp.StatusCode)
		}
		if strings.Contains(string(body), "secret") || strings.Contains(string(body), "fire") {
			t.Errorf("%s: the internal error reached the client: %s", req.Method, body)
		}
	}
	if !strings.Contains(log.String(), "disk on fire") {
		t.Errorf("the internal error is not in the log:\n%s", log.String())
	}
}
