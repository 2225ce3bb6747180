package httpapi

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/contract"
)

// TestDetailsCarryNoInternals sends every kind of malformed request pngd
// can be sent and holds each answer's detail to contract.GoInternal (the
// harness checks every problem in every test the same way; this table is
// where the malformed requests are gathered). The binder, JSON, multipart,
// decoder and socket errors stay in the log.
func TestDetailsCarryNoInternals(t *testing.T) {
	srv, c := newTestServer(t, Config{MaxBodyBytes: 1 << 20, MaxUploadBytes: 1 << 20})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(20, 10)), 201)
	png := encodeAs(t, "png", testCard(20, 10))
	jpg := encodeAs(t, "jpeg", testCard(20, 10))

	form := func(field, filename string, data []byte, cut int) (string, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		p, _ := w.CreateFormFile(field, filename)
		p.Write(data)
		w.Close()
		b := buf.String()
		if cut > 0 {
			b = b[:len(b)-cut]
		}
		return w.FormDataContentType(), b
	}
	ctForm, goodForm := form("file", "a.png", png, 0)
	_, cutForm := form("file", "a.png", png, 30)
	_, otherField := form("image", "a.png", png, 0)

	type req struct {
		method, path, contentType, body string
		header                          []string
	}
	reqs := []req{
		{method: "GET", path: "/vector_image?values=1,two"},
		{method: "GET", path: "/vector_image?values=1&width=abc"},
		{method: "GET", path: "/vector_image?values=1&width=1.0"},
		{method: "GET", path: "/vector_image?values=1&width=1e999"},
		{method: "GET", path: "/vector_image?values=1,NaN"},
		{method: "GET", path: "/vector_image?values=1&values=2"},
		{method: "GET", path: "/vector_image?values=%zz"},
		{method: "GET", path: "/vector_image?values=1&min=abc"},
		{method: "GET", path: "/vector_image?values=1", header: []string{"If-None-Match", "W/"}},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":[1,"two"]}`},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":{}}`},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":[1],"width":"wide"}`},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":[1}`},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: "{\"values\":[1],\"colormap\":\"\xff\"}"},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":[1],"min":"0"}`},
		{method: "POST", path: "/vector_image", contentType: "text/plain", body: `{"values":[1]}`},
		{method: "POST", path: "/vector_image", contentType: "application/json; charset=utf-16", body: `{"values":[1]}`},
		{method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":[` + strings.Repeat("1,", 600_000) + `1]}`},
		{method: "POST", path: "/images", contentType: "image/png", body: string(png[:len(png)/2])},
		{method: "POST", path: "/images", contentType: "image/jpeg", body: string(jpg[:len(jpg)/2])},
		{method: "POST", path: "/images", contentType: "image/png", body: "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100)},
		{method: "POST", path: "/images", contentType: "image/gif", body: "GIF89a" + strings.Repeat("\x00", 40)},
		{method: "POST", path: "/images", contentType: "image/webp", body: "RIFF\x20\x00\x00\x00WEBPVP8 " + strings.Repeat("\x00", 30)},
		{method: "POST", path: "/images", contentType: "image/bmp", body: "BM" + strings.Repeat("\xff", 60)},
		{method: "POST", path: "/images", contentType: "image/tiff", body: "II*\x00" + strings.Repeat("\x08", 60)},
		{method: "POST", path: "/images", contentType: "image/png", body: "plain text"},
		{method: "POST", path: "/images", contentType: ctForm, body: cutForm},
		{method: "POST", path: "/images", contentType: ctForm, body: otherField},
		{method: "POST", path: "/images", contentType: "multipart/form-data", body: goodForm},
		{method: "POST", path: "/images", contentType: "multipart/form-data; boundary=x", body: "garbage"},
		{method: "POST", path: "/images", contentType: "application/json", body: "{}"},
		{method: "GET", path: "/images?limit=abc"},
		{method: "GET", path: "/images?limit=0"},
		{method: "GET", path: "/images?cursor=%%%"},
		{method: "GET", path: "/images?cursor=AAAA"},
		{method: "GET", path: "/images/not-an-id"},
		{method: "GET", path: "/images/" + strings.Repeat("0", 64)},
		{method: "GET", path: im.Url + "?w=abc"},
		{method: "GET", path: im.Url + "?w=1.0"},
		{method: "GET", path: im.Url + "?rotate=45"},
		{method: "GET", path: im.Url + "?fit=squash&w=2&h=2"},
		{method: "GET", path: im.Url + "?blur=NaN"},
		{method: "GET", path: im.Url + "?dpr=1e999"},
		{method: "GET", path: im.Url + "?grayscale=maybe"},
		{method: "GET", path: im.Url + "?sig=!!!"},
		{method: "GET", path: im.Url, header: []string{"Range", "bytes=999999-"}},
		{method: "GET", path: im.Url, header: []string{"Accept", "text/html"}},
		{method: "GET", path: im.Url + "/info/extra"},
		{method: "PUT", path: im.Url},
		{method: "DELETE", path: "/images/" + strings.Repeat("f", 64)},
		{method: "GET", path: "/no/such/path"},
	}
	for _, r := range reqs {
		hreq := newRequest(t, r.method, srv.URL+r.path, r.contentType, r.body)
		for i := 0; i+1 < len(r.header); i += 2 {
			hreq.Header.Set(r.header[i], r.header[i+1])
		}
		resp, body := do(t, c, hreq)
		if resp.StatusCode >= 500 {
			t.Errorf("%s %.80s: status %d for a malformed request; %s", r.method, r.path, resp.StatusCode, body)
		}
		if bad := contract.GoInternal(string(body)); bad != "" {
			t.Errorf("%s %.80s: %d detail carries %q: %s", r.method, r.path, resp.StatusCode, bad, body)
		}
	}
}

// TestDetailsQuoteABoundedPrefix: a detail quotes at most quoteMax bytes of
// what the client sent, however long it was.
func TestDetailsQuoteABoundedPrefix(t *testing.T) {
	srv, c := newTestServer(t, Config{MaxBodyBytes: 1 << 20, MaxUploadBytes: 1 << 20})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(20, 10)), 201)
	long := strings.Repeat("z", 10_000)
	for _, r := range []struct {
		name, method, path, contentType, body string
		header                                []string
	}{
		{name: "a 10 KB Content-Type", method: "POST", path: "/vector_image", contentType: "application/" + long, body: "{}"},
		{name: "a lying 10 KB Content-Type", method: "POST", path: "/images", contentType: "image/" + long, body: "plain text"},
		{name: "a 10 KB path", method: "GET", path: "/" + long},
		{name: "a 10 KB property name", method: "POST", path: "/vector_image", contentType: "application/json", body: `{"values":[1],"` + long + `":1}`},
		{name: "a 10 KB range", method: "GET", path: im.Url, header: []string{"Range", "bytes=" + strings.Repeat("999999-,", 1250) + "999999-"}},
		{name: "a 10 KB preset", method: "GET", path: im.Url + "?preset=" + long},
	} {
		t.Run(r.name, func(t *testing.T) {
			hreq := newRequest(t, r.method, srv.URL+r.path, r.contentType, r.body)
			for i := 0; i+1 < len(r.header); i += 2 {
				hreq.Header.Set(r.header[i], r.header[i+1])
			}
			resp, body := do(t, c, hreq)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("status %d", resp.StatusCode)
			}
			if len(body) > 600 {
				t.Errorf("a %d-byte answer quotes more than %d bytes of the request: %.300s", len(body), quoteMax, body)
			}
		})
	}
}
