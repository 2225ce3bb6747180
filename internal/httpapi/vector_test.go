package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/contract"
)

func values(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i % 97)
	}
	return strings.Join(parts, ",")
}

// expect sends req and checks its status; a 200 must be a wantW×wantH PNG
// (the harness decodes it), and an error's detail must mention wantDetail.
func expect(t *testing.T, c *http.Client, req *http.Request, wantStatus, wantW, wantH int, wantDetail string) {
	t.Helper()
	if wantStatus == 200 {
		req = contract.WithSize(req, wantW, wantH)
	}
	resp, body := do(t, c, req)
	if resp.StatusCode != wantStatus {
		t.Fatalf("status = %d, want %d; body %.300s", resp.StatusCode, wantStatus, body)
	}
	if wantDetail != "" && !strings.Contains(string(body), wantDetail) {
		t.Errorf("detail %.300s does not mention %q", body, wantDetail)
	}
}

func TestGetVectorImage(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	tests := []struct {
		name       string
		query      string
		accept     string
		wantStatus int
		wantW      int
		wantH      int
		wantDetail string
	}{
		{name: "defaults", query: "values=1,2,3,4", wantStatus: 200, wantW: 256, wantH: 256},
		{name: "size", query: "values=1,2,3,4&width=100&height=50", wantStatus: 200, wantW: 100, wantH: 50},
		{name: "one pixel", query: "values=5&width=1&height=1", wantStatus: 200, wantW: 1, wantH: 1},
		{name: "largest side", query: "values=1,2&width=4096&height=1", wantStatus: 200, wantW: 4096, wantH: 1},
		{name: "bilinear turbo", query: "values=1,2,3,4,5,6&rows=2&colormap=turbo&interpolation=bilinear&width=64&height=32", wantStatus: 200, wantW: 64, wantH: 32},
		{name: "rows and cols", query: "values=1,2,3,4,5,6&rows=3&cols=2", wantStatus: 200, wantW: 256, wantH: 256},
		{name: "min max", query: "values=1,2,3&min=0&max=10&colormap=gray", wantStatus: 200, wantW: 256, wantH: 256},
		{name: "constant", query: "values=3,3,3,3", wantStatus: 200, wantW: 256, wantH: 256},
		{name: "4096 values", query: "values=" + values(4096) + "&width=64&height=64", wantStatus: 200, wantW: 64, wantH: 64},
		{name: "Accept image/png", query: "values=1", accept: "image/png", wantStatus: 200, wantW: 256, wantH: 256},
		{name: "Accept image/*", query: "values=1", accept: "text/html, image/*;q=0.8", wantStatus: 200, wantW: 256, wantH: 256},
		{name: "Accept */*", query: "values=1", accept: "*/*", wantStatus: 200, wantW: 256, wantH: 256},

		{name: "4097 values", query: "values=" + values(4097), wantStatus: 400, wantDetail: "values"},
		{name: "no values", query: "width=5", wantStatus: 400, wantDetail: "values"},
		{name: "empty values", query: "values=", wantStatus: 400, wantDetail: "values"},
		{name: "NaN", query: "values=1,NaN,3", wantStatus: 400, wantDetail: "values"},
		{name: "Infinity", query: "values=1,Inf", wantStatus: 400, wantDetail: "values"},
		{name: "huge number", query: "values=1,1e999", wantStatus: 400, wantDetail: "values"},
		{name: "string", query: "values=1,two,3", wantStatus: 400, wantDetail: "values"},
		{name: "width zero", query: "values=1&width=0", wantStatus: 400, wantDetail: "width"},
		{name: "height too large", query: "values=1&height=4097", wantStatus: 400, wantDetail: "height"},
		{name: "absurd width", query: "values=1&width=99999999999999999999", wantStatus: 400, wantDetail: "width"},
		{name: "unknown colormap", query: "values=1&colormap=jet", wantStatus: 400, wantDetail: "colormap"},
		{name: "unknown interpolation", query: "values=1&interpolation=cubic", wantStatus: 400, wantDetail: "interpolation"},
		{name: "min NaN", query: "values=1&min=NaN", wantStatus: 400, wantDetail: "min"},
		{name: "min above max", query: "values=1,2&min=5&max=1", wantStatus: 400, wantDetail: "min"},
		{name: "rows times cols", query: "values=1,2,3&rows=2&cols=2", wantStatus: 400, wantDetail: "rows×cols"},
		{name: "rows zero", query: "values=1&rows=0", wantStatus: 400, wantDetail: "rows"},
		{name: "Accept JSON only", query: "values=1", accept: "application/json", wantStatus: 406, wantDetail: "image/png"},
		{name: "Accept png refused", query: "values=1", accept: "image/png;q=0, */*", wantStatus: 406, wantDetail: "image/png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, "GET", srv.URL+"/vector_image?"+tt.query, "", "")
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			expect(t, c, req, tt.wantStatus, tt.wantW, tt.wantH, tt.wantDetail)
		})
	}
}

func TestRenderVectorImage(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantW       int
		wantH       int
		wantDetail  string
	}{
		{name: "defaults", body: `{"values":[1,2,3,4]}`, wantStatus: 200, wantW: 256, wantH: 256},
		{name: "nulls", body: `{"values":[1,null,3,null,5],"width":40,"height":30,"colormap":"magma"}`, wantStatus: 200, wantW: 40, wantH: 30},
		{name: "all null", body: `{"values":[null,null]}`, wantStatus: 200, wantW: 256, wantH: 256},
		{name: "everything", body: `{"values":[0,1,2,3,4,5],"rows":2,"cols":3,"width":300,"height":200,"colormap":"cividis","min":-1,"max":6,"interpolation":"bilinear"}`, wantStatus: 200, wantW: 300, wantH: 200},
		{name: "charset", contentType: "application/json; charset=utf-8", body: `{"values":[1]}`, wantStatus: 200, wantW: 256, wantH: 256},

		{name: "NaN", body: `{"values":[1,NaN]}`, wantStatus: 400, wantDetail: "no NaN or Infinity"},
		{name: "Infinity", body: `{"values":[Infinity]}`, wantStatus: 400, wantDetail: "no NaN or Infinity"},
		{name: "number too large for a double", body: `{"values":[1e999]}`, wantStatus: 400, wantDetail: "does not fit in a 64-bit float"},
		{name: "long number too large for a double", body: `{"values":[1` + strings.Repeat("0", 400) + `]}`, wantStatus: 400, wantDetail: "does not fit in a 64-bit float"},
		{name: "tiny and huge but finite", body: `{"values":[1e300,-1e300,1.5e-300]}`, wantStatus: 200, wantW: 256, wantH: 256},
		{name: "string value", body: `{"values":[1,"2"]}`, wantStatus: 400, wantDetail: "/values/1"},
		{name: "empty list", body: `{"values":[]}`, wantStatus: 400, wantDetail: "values"},
		{name: "values missing", body: `{"width":5}`, wantStatus: 400, wantDetail: "values"},
		{name: "too many values", body: `{"values":[` + strings.Repeat("0,", 1<<20) + `0]}`, wantStatus: 400, wantDetail: "values"},
		{name: "duplicate key", body: `{"values":[1],"values":[2]}`, wantStatus: 400, wantDetail: "values"},
		{name: "trailing data", body: `{"values":[1]} {"values":[2]}`, wantStatus: 400, wantDetail: "body"},
		{name: "unknown field", body: `{"values":[1],"colourmap":"gray"}`, wantStatus: 400, wantDetail: "colourmap"},
		{name: "width too large", body: `{"values":[1],"width":4097}`, wantStatus: 400, wantDetail: "width"},
		{name: "height fractional", body: `{"values":[1],"height":1.5}`, wantStatus: 400, wantDetail: "height"},
		{name: "min above max", body: `{"values":[1],"min":3,"max":2}`, wantStatus: 400, wantDetail: "min"},
		{name: "rows too many", body: `{"values":[1,2],"rows":3}`, wantStatus: 400, wantDetail: "rows"},
		{name: "truncated JSON", body: `{"values":[1,2`, wantStatus: 400, wantDetail: "not valid JSON"},
		{name: "not an object", body: `[1,2,3]`, wantStatus: 400, wantDetail: "body"},
		{name: "empty body", body: ``, wantStatus: 400, wantDetail: "body"},
		{name: "form body", contentType: "application/x-www-form-urlencoded", body: `values=1`, wantStatus: 415, wantDetail: "application/json"},
		{name: "lying content type", contentType: "image/png", body: `{"values":[1]}`, wantStatus: 415, wantDetail: "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			expect(t, c, newRequest(t, "POST", srv.URL+"/vector_image", ct, tt.body), tt.wantStatus, tt.wantW, tt.wantH, tt.wantDetail)
		})
	}
}

// TestRenderVectorImageLargest renders the largest vector the spec allows.
func TestRenderVectorImageLargest(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	vals := make([]float64, 1<<20)
	for i := range vals {
		vals[i] = float64(i % 1000)
	}
	body, _ := json.Marshal(map[string]any{"values": vals, "width": 1024, "height": 1024})
	req := contract.WithSize(newRequest(t, "POST", srv.URL+"/vector_image", "application/json", string(body)), 1024, 1024)
	if resp, b := do(t, c, req); resp.StatusCode != 200 {
		t.Fatalf("status = %d: %s", resp.StatusCode, b)
	}
}

func TestRenderVectorImageBodyLimit(t *testing.T) {
	srv, c := newTestServer(t, Config{MaxBodyBytes: 1000})
	big := `{"values":[` + strings.Repeat("1,", 600) + `1]}`
	// Declared length over the limit: refused before reading.
	resp, body := do(t, c, newRequest(t, "POST", srv.URL+"/vector_image", "application/json", big))
	if resp.StatusCode != 413 {
		t.Fatalf("status = %d, want 413; %s", resp.StatusCode, body)
	}
	// Chunked, so no declared length: refused while reading.
	req, err := http.NewRequest("POST", srv.URL+"/vector_image", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, body := do(t, c, req); resp.StatusCode != 413 {
		t.Fatalf("chunked: status = %d, want 413; %s", resp.StatusCode, body)
	}
}

func TestVectorImageConditional(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	url := srv.URL + "/vector_image?values=1,2,3&width=32&height=32"
	resp, _ := do(t, c, newRequest(t, "GET", url, "", ""))
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || resp.Header.Get("Cache-Control") != immutable {
		t.Fatalf("ETag %q, Cache-Control %q: want a strong tag and %q", etag, resp.Header.Get("Cache-Control"), immutable)
	}
	tests := []struct {
		name, ifNoneMatch string
		wantStatus        int
	}{
		{"same tag", etag, 304},
		{"weak form", "W/" + etag, 304},
		{"in a list", `"other", ` + etag, 304},
		{"star", "*", 304},
		{"other tag", `"vi-0000"`, 200},
		{"malformed", `nonsense`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, "GET", url, "", "")
			req.Header.Set("If-None-Match", tt.ifNoneMatch)
			resp, body := do(t, c, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if resp.Header.Get("ETag") != etag {
				t.Errorf("ETag = %q, want %q", resp.Header.Get("ETag"), etag)
			}
			if tt.wantStatus == 304 && len(body) != 0 {
				t.Errorf("304 with a %d-byte body", len(body))
			}
		})
	}

	// The tag names the image, not the spelling of the request.
	for _, other := range []string{
		"/vector_image?width=32&height=32&values=1,2,3&colormap=viridis&interpolation=nearest&min=1&max=3",
	} {
		resp, _ := do(t, c, newRequest(t, "GET", srv.URL+other, "", ""))
		if resp.Header.Get("ETag") != etag {
			t.Errorf("GET %s: ETag %q, want %q", other, resp.Header.Get("ETag"), etag)
		}
	}
	resp, _ = do(t, c, newRequest(t, "POST", srv.URL+"/vector_image", "application/json", `{"values":[1,2,3],"width":32,"height":32}`))
	if resp.Header.Get("ETag") != etag {
		t.Errorf("POST: ETag %q, want the GET's %q", resp.Header.Get("ETag"), etag)
	}
}

func TestVectorImageHEAD(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	for _, query := range []string{"values=1,2,3&width=77&height=9", "values=1,NaN"} {
		url := srv.URL + "/vector_image?" + query
		get, getBody := do(t, c, newRequest(t, "GET", url, "", ""))
		head, headBody := do(t, c, newRequest(t, "HEAD", url, "", ""))
		if head.StatusCode != get.StatusCode {
			t.Errorf("%s: HEAD status %d, GET %d", query, head.StatusCode, get.StatusCode)
		}
		if get.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", query, get.Header.Get("X-Content-Type-Options"))
		}
		for _, h := range []string{"Content-Type", "Content-Length", "ETag", "Cache-Control", "X-Content-Type-Options"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("%s: HEAD %s = %q, GET has %q", query, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		if len(headBody) != 0 || len(getBody) == 0 {
			t.Errorf("%s: HEAD body %d bytes, GET body %d bytes", query, len(headBody), len(getBody))
		}
	}
	req := newRequest(t, "HEAD", srv.URL+"/vector_image?values=1", "", "")
	req.Header.Set("If-None-Match", "*")
	if resp, _ := do(t, c, req); resp.StatusCode != 304 {
		t.Errorf("conditional HEAD: status %d, want 304", resp.StatusCode)
	}
}

// TestVectorImagePixels checks what is drawn, not only its size: the first
// and last values take the colormap's end colours, nulls are transparent.
func TestVectorImagePixels(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	resp, body := do(t, c, newRequest(t, "POST", srv.URL+"/vector_image", "application/json",
		`{"values":[0,null,10],"rows":1,"width":3,"height":1,"colormap":"viridis"}`))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x          int
		r, g, b, a uint32
	}{{0, 0x44, 0x01, 0x54, 0xff}, {1, 0, 0, 0, 0}, {2, 0xfd, 0xe7, 0x25, 0xff}} {
		r, g, b, a := img.At(c.x, 0).RGBA()
		if r>>8 != c.r || g>>8 != c.g || b>>8 != c.b || a>>8 != c.a {
			t.Errorf("pixel %d = %02x%02x%02x/%02x, want %02x%02x%02x/%02x", c.x, r>>8, g>>8, b>>8, a>>8, c.r, c.g, c.b, c.a)
		}
	}
}

// TestVectorImageClientGoesAway cancels a large render mid-flight; the
// server must shrug it off and keep serving.
func TestVectorImageClientGoesAway(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	req := newRequest(t, "GET", srv.URL+"/vector_image?values="+values(4096)+"&width=4096&height=4096&interpolation=bilinear", "", "")
	go cancel()
	if resp, err := c.Do(req.WithContext(ctx)); err == nil {
		resp.Body.Close()
	}
	if resp, _ := do(t, c, newRequest(t, "GET", srv.URL+"/healthz", "", "")); resp.StatusCode != 200 {
		t.Fatalf("healthz after a cancelled request: %d", resp.StatusCode)
	}
}
