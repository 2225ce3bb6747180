package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/miniotest"
	"github.com/pngd/pngd/internal/store"
)

// imageBackends opens one store of each kind, a directory and a bucket on a
// real MinIO, so that every image test runs on both.
func imageBackends(t *testing.T) []struct {
	name  string
	store *store.Store
} {
	minio := miniotest.Start(t)
	s3, err := store.Open(context.Background(), minio.Bucket(t, "images"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s3.Close() })
	return []struct {
		name  string
		store *store.Store
	}{{"file", openDirStore(t)}, {"s3", s3}}
}

// upload POSTs body and checks the status; a 200 or 201 returns the image.
func upload(t *testing.T, c *http.Client, base, contentType string, body []byte, wantStatus int) gen.Image {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/images", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return sendUpload(t, c, req, wantStatus)
}

func sendUpload(t *testing.T, c *http.Client, req *http.Request, wantStatus int) gen.Image {
	t.Helper()
	resp, body := do(t, c, req)
	if resp.StatusCode != wantStatus {
		t.Fatalf("upload: status %d, want %d; body %.300s", resp.StatusCode, wantStatus, body)
	}
	var im gen.Image
	if wantStatus == 200 || wantStatus == 201 {
		if err := json.Unmarshal(body, &im); err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Location") != im.Url || resp.Header.Get("ETag") != im.Etag {
			t.Errorf("Location %q, ETag %q; want %q, %q", resp.Header.Get("Location"), resp.Header.Get("ETag"), im.Url, im.Etag)
		}
	}
	return im
}

// fetch GETs an image and decodes it (the harness checks it too).
func fetch(t *testing.T, c *http.Client, base string, im gen.Image) image.Image {
	t.Helper()
	req := contract.WithSize(newRequest(t, http.MethodGet, base+im.Url, "", ""), im.Width, im.Height)
	resp, body := do(t, c, req)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %.200s", im.Url, resp.StatusCode, body)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImages(t *testing.T) {
	for _, b := range imageBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, c := newTestServer(t, Config{Library: library.New(b.store, library.Options{}), MaxUploadBytes: 4 << 20, MaxSourcePixels: 1 << 20})
			base := srv.URL
			t.Run("six formats", func(t *testing.T) { testFormats(t, c, base) })
			t.Run("EXIF orientation", func(t *testing.T) { testOrientation(t, c, base) })
			t.Run("same picture, same id", func(t *testing.T) { testSameID(t, c, base) })
			t.Run("multipart form", func(t *testing.T) { testMultipart(t, c, base) })
			t.Run("hostile uploads", func(t *testing.T) { testHostileUploads(t, c, base) })
			t.Run("conditional and range requests", func(t *testing.T) { testFileSemantics(t, c, base) })
			t.Run("HEAD parity", func(t *testing.T) { testHeadParity(t, c, base) })
			t.Run("info, list and delete", func(t *testing.T) { testInfoListDelete(t, c, base) })
		})
	}
}

func testFormats(t *testing.T, c *http.Client, base string) {
	for i, tt := range []struct {
		format      string
		contentType string
		tolerance   int // per channel, for lossy formats
	}{
		{"png", "image/png", 0},
		{"jpeg", "image/jpeg", 24},
		{"gif", "image/gif", 40}, // Plan 9 palette
		{"webp", "image/webp", 0},
		{"bmp", "image/bmp", 0},
		{"tiff", "image/tiff", 0},
	} {
		t.Run(tt.format, func(t *testing.T) {
			// A card of its own per format: lossless formats of the same
			// pixels would store the same PNG.
			w := 64 + i
			card := testCard(w, 48)
			im := upload(t, c, base, tt.contentType, encodeAs(t, tt.format, card), 201)
			if im.Width != w || im.Height != 48 {
				t.Fatalf("stored %d×%d, want %d×48", im.Width, im.Height, w)
			}
			got := fetch(t, c, base, im)
			for _, p := range []image.Point{{8, 8}, {w - 8, 8}, {8, 40}, {w - 8, 40}} {
				if !near(got.At(p.X, p.Y), card.At(p.X, p.Y), tt.tolerance) {
					t.Errorf("pixel %v = %v, want %v ± %d", p, got.At(p.X, p.Y), card.At(p.X, p.Y), tt.tolerance)
				}
			}
		})
	}
}

func testOrientation(t *testing.T, c *http.Client, base string) {
	plain := encodeAs(t, "jpeg", testCard(40, 20))
	for _, tt := range []struct {
		orientation          uint16
		w, h                 int
		topLeft, bottomRight color.Color
	}{
		{1, 40, 20, red, yellow},
		{2, 40, 20, blue, green},
		{3, 40, 20, yellow, red},
		{4, 40, 20, green, blue},
		{5, 20, 40, red, yellow},
		{6, 20, 40, green, blue},
		{7, 20, 40, yellow, red},
		{8, 20, 40, blue, green},
	} {
		t.Run(fmt.Sprint(tt.orientation), func(t *testing.T) {
			im := upload(t, c, base, "image/jpeg", withOrientation(plain, tt.orientation), 201)
			if im.Width != tt.w || im.Height != tt.h {
				t.Fatalf("stored %d×%d, want %d×%d", im.Width, im.Height, tt.w, tt.h)
			}
			got := fetch(t, c, base, im)
			if tl := got.At(2, 2); !near(tl, tt.topLeft, 24) {
				t.Errorf("top left = %v, want %v", tl, tt.topLeft)
			}
			if br := got.At(tt.w-3, tt.h-3); !near(br, tt.bottomRight, 24) {
				t.Errorf("bottom right = %v, want %v", br, tt.bottomRight)
			}
		})
	}
}

func testSameID(t *testing.T, c *http.Client, base string) {
	data := encodeAs(t, "png", testCard(30, 30))
	first := upload(t, c, base, "image/png", data, 201)
	again := upload(t, c, base, "image/png", data, 200)
	if first.Id != again.Id || first.Etag != again.Etag || !first.Created.Equal(again.Created) {
		t.Errorf("second upload = %+v, want the first's id, ETag and created: %+v", again, first)
	}
	// The same pixels from BMP are the same stored PNG.
	if bmp := upload(t, c, base, "image/bmp", encodeAs(t, "bmp", testCard(30, 30)), 200); bmp.Id != first.Id {
		t.Errorf("the same picture as BMP got id %s, want %s", bmp.Id, first.Id)
	}
}

func testMultipart(t *testing.T, c *http.Client, base string) {
	form := func(field string, data []byte) *http.Request {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("note", "ignored")
		fw, _ := mw.CreateFormFile(field, "card.gif")
		fw.Write(data)
		mw.Close()
		req := newRequest(t, http.MethodPost, base+"/images", mw.FormDataContentType(), body.String())
		return req
	}
	im := sendUpload(t, c, form("file", encodeAs(t, "gif", testCard(16, 16))), 201)
	if im.Width != 16 {
		t.Errorf("stored width %d, want 16", im.Width)
	}
	expect(t, c, form("picture", []byte("x")), 400, 0, 0, "has no")
	expect(t, c, newRequest(t, http.MethodPost, base+"/images", "multipart/form-data", "x"), 400, 0, 0, "multipart")
}

func testHostileUploads(t *testing.T, c *http.Client, base string) {
	good := encodeAs(t, "png", testCard(20, 20))
	jpg := encodeAs(t, "jpeg", testCard(20, 20))
	post := func(contentType string, body []byte) *http.Request {
		return newRequest(t, http.MethodPost, base+"/images", contentType, string(body))
	}
	for _, tt := range []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantDetail string
	}{
		{"pixel flood PNG", post("image/png", pngClaiming(100000, 100000)), 422, "100000×100000"},
		{"pixel flood GIF", post("image/gif", gifClaiming(65535, 65535)), 422, "65535×65535"},
		{"just over the pixel limit", post("image/png", pngClaiming(1025, 1024)), 422, "at most"},
		{"truncated PNG", post("image/png", good[:len(good)/2]), 422, "does not decode"},
		{"truncated JPEG", post("image/jpeg", jpg[:len(jpg)/2]), 422, "does not decode"},
		{"header only", post("image/png", good[:40]), 422, "does not decode"},
		{"zero-sized PNG", post("image/png", pngClaiming(0, 5)), 422, "does not decode"},
		{"text labelled PNG", post("image/png", []byte("hello, this is not an image")), 415, "not PNG, JPEG"},
		{"SVG", post("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)), 415, "not PNG, JPEG"},
		{"declared text/plain", post("text/plain", good), 415, "Content-Type"},
		{"no Content-Type", post("", good), 415, "Content-Type"},
		{"empty body", post("image/png", nil), 400, "empty"},
		{"over the upload limit", post("image/png", make([]byte, 4<<20+1)), 413, "larger than"},
		{"over the limit, chunked", chunked(post("image/png", make([]byte, 4<<20+1))), 413, "larger than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, c, tt.req, tt.wantStatus, 0, 0, tt.wantDetail)
		})
	}
	// A JPEG sent as image/png is read as the JPEG it is.
	if im := upload(t, c, base, "image/png", jpg, 201); im.Width != 20 {
		t.Errorf("JPEG labelled PNG stored as %d wide, want 20", im.Width)
	}
}

// chunked hides req's length, so that the body arrives chunked.
func chunked(req *http.Request) *http.Request {
	body := req.Body
	req.Body = io.NopCloser(struct{ io.Reader }{body})
	req.ContentLength = -1
	req.GetBody = nil
	return req
}

func testFileSemantics(t *testing.T, c *http.Client, base string) {
	im := upload(t, c, base, "image/png", encodeAs(t, "png", testCard(300, 200)), 201)
	resp, full := do(t, c, newRequest(t, http.MethodGet, base+im.Url, "", ""))
	size := int64(len(full))
	if resp.Header.Get("Content-Length") != fmt.Sprint(size) || size != im.Size {
		t.Fatalf("Content-Length %s, body %d, info %d", resp.Header.Get("Content-Length"), size, im.Size)
	}
	for h, want := range map[string]string{"ETag": im.Etag, "Cache-Control": "public, max-age=31536000, immutable", "Accept-Ranges": "bytes", "Content-Type": "image/png"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	lastMod := resp.Header.Get("Last-Modified")
	modTime, err := http.ParseTime(lastMod)
	if err != nil {
		t.Fatalf("Last-Modified %q: %v", lastMod, err)
	}
	date := func(d time.Duration) string { return modTime.Add(d).Format(http.TimeFormat) }

	tests := []struct {
		name       string
		headers    map[string]string
		wantStatus int
		wantRange  string // Content-Range
		wantBody   []byte // nil: no body check
	}{
		{name: "plain", wantStatus: 200, wantBody: full},
		{name: "If-None-Match matches", headers: map[string]string{"If-None-Match": im.Etag}, wantStatus: 304},
		{name: "If-None-Match weak", headers: map[string]string{"If-None-Match": "W/" + im.Etag}, wantStatus: 304},
		{name: "If-None-Match in a list", headers: map[string]string{"If-None-Match": `"x", ` + im.Etag}, wantStatus: 304},
		{name: "If-None-Match star", headers: map[string]string{"If-None-Match": "*"}, wantStatus: 304},
		{name: "If-None-Match other", headers: map[string]string{"If-None-Match": `"other"`}, wantStatus: 200, wantBody: full},
		{name: "If-Modified-Since equal", headers: map[string]string{"If-Modified-Since": lastMod}, wantStatus: 304},
		{name: "If-Modified-Since later", headers: map[string]string{"If-Modified-Since": date(time.Hour)}, wantStatus: 304},
		{name: "If-Modified-Since earlier", headers: map[string]string{"If-Modified-Since": date(-time.Hour)}, wantStatus: 200, wantBody: full},
		{name: "If-Modified-Since garbage", headers: map[string]string{"If-Modified-Since": "yesterday"}, wantStatus: 200, wantBody: full},
		{name: "If-None-Match beats If-Modified-Since", headers: map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": date(time.Hour)}, wantStatus: 200, wantBody: full},
		{name: "first 100 bytes", headers: map[string]string{"Range": "bytes=0-99"}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 0-99/%d", size), wantBody: full[:100]},
		{name: "one byte", headers: map[string]string{"Range": "bytes=0-0"}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 0-0/%d", size), wantBody: full[:1]},
		{name: "from 100", headers: map[string]string{"Range": "bytes=100-"}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 100-%d/%d", size-1, size), wantBody: full[100:]},
		{name: "last byte", headers: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size-1)}, wantStatus: 206, wantRange: fmt.Sprintf("bytes %d-%d/%d", size-1, size-1, size), wantBody: full[size-1:]},
		{name: "suffix", headers: map[string]string{"Range": "bytes=-50"}, wantStatus: 206, wantRange: fmt.Sprintf("bytes %d-%d/%d", size-50, size-1, size), wantBody: full[size-50:]},
		{name: "suffix longer than the file", headers: map[string]string{"Range": "bytes=-99999999"}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 0-%d/%d", size-1, size), wantBody: full},
		{name: "end past the file", headers: map[string]string{"Range": "bytes=10-99999999999999999999"}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 10-%d/%d", size-1, size), wantBody: full[10:]},
		{name: "spaces and case", headers: map[string]string{"Range": "Bytes= 5-9 "}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 5-9/%d", size), wantBody: full[5:10]},
		{name: "two ranges: whole image", headers: map[string]string{"Range": "bytes=0-9,20-29"}, wantStatus: 200, wantBody: full},
		{name: "other unit", headers: map[string]string{"Range": "items=0-9"}, wantStatus: 200, wantBody: full},
		{name: "malformed", headers: map[string]string{"Range": "bytes=abc"}, wantStatus: 200, wantBody: full},
		{name: "backwards", headers: map[string]string{"Range": "bytes=9-5"}, wantStatus: 200, wantBody: full},
		{name: "starts at the end", headers: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)}, wantStatus: 416, wantRange: fmt.Sprintf("bytes */%d", size)},
		{name: "empty suffix", headers: map[string]string{"Range": "bytes=-0"}, wantStatus: 416, wantRange: fmt.Sprintf("bytes */%d", size)},
		{name: "none satisfiable", headers: map[string]string{"Range": fmt.Sprintf("bytes=%d-,%d-", size, size+10)}, wantStatus: 416, wantRange: fmt.Sprintf("bytes */%d", size)},
		{name: "If-Range ETag matches", headers: map[string]string{"Range": "bytes=0-9", "If-Range": im.Etag}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 0-9/%d", size), wantBody: full[:10]},
		{name: "If-Range ETag differs", headers: map[string]string{"Range": "bytes=0-9", "If-Range": `"other"`}, wantStatus: 200, wantBody: full},
		{name: "If-Range weak ETag", headers: map[string]string{"Range": "bytes=0-9", "If-Range": "W/" + im.Etag}, wantStatus: 200, wantBody: full},
		{name: "If-Range date matches", headers: map[string]string{"Range": "bytes=0-9", "If-Range": lastMod}, wantStatus: 206, wantRange: fmt.Sprintf("bytes 0-9/%d", size), wantBody: full[:10]},
		{name: "If-Range date differs", headers: map[string]string{"Range": "bytes=0-9", "If-Range": date(-time.Hour)}, wantStatus: 200, wantBody: full},
		{name: "If-Range unsatisfiable range ignored", headers: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size), "If-Range": `"other"`}, wantStatus: 200, wantBody: full},
		{name: "304 before Range", headers: map[string]string{"Range": "bytes=0-9", "If-None-Match": im.Etag}, wantStatus: 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, http.MethodGet, base+im.Url, "", "")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, body := do(t, c, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %.200s", resp.StatusCode, tt.wantStatus, body)
			}
			if got := resp.Header.Get("Content-Range"); got != tt.wantRange {
				t.Errorf("Content-Range = %q, want %q", got, tt.wantRange)
			}
			if tt.wantBody != nil && !bytes.Equal(body, tt.wantBody) {
				t.Errorf("body is %d bytes, want the %d expected", len(body), len(tt.wantBody))
			}
			if tt.wantStatus == 304 {
				if len(body) != 0 || resp.Header.Get("ETag") != im.Etag || resp.Header.Get("Last-Modified") != lastMod {
					t.Errorf("304 with %d body bytes, ETag %q, Last-Modified %q", len(body), resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"))
				}
			}
		})
	}

	expect(t, c, newRequest(t, http.MethodGet, base+"/images/"+strings.Repeat("0", 64), "", ""), 404, 0, 0, "no image has the id")
	expect(t, c, newRequest(t, http.MethodGet, base+"/images/not-an-id", "", ""), 400, 0, 0, "path parameter")
	notPNG := newRequest(t, http.MethodGet, base+im.Url, "", "")
	notPNG.Header.Set("Accept", "application/json")
	expect(t, c, notPNG, 406, 0, 0, "image/png")
}

// testHeadParity: HEAD gets GET's status and headers, without a body, for
// every kind of answer. Range is the exception RFC 9110 §14.2 makes: it is
// defined for GET only, so HEAD ignores it.
func testHeadParity(t *testing.T, c *http.Client, base string) {
	im := upload(t, c, base, "image/png", encodeAs(t, "png", testCard(50, 50)), 201)
	for _, tt := range []struct {
		name    string
		path    string
		headers map[string]string
	}{
		{"whole", im.Url, nil},
		{"not modified", im.Url, map[string]string{"If-None-Match": im.Etag}},
		{"not modified since", im.Url, map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}},
		{"not found", "/images/" + strings.Repeat("1", 64), nil},
		{"bad id", "/images/x", nil},
		{"info", im.Url + "/info", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			get := newRequest(t, http.MethodGet, base+tt.path, "", "")
			head := newRequest(t, http.MethodHead, base+tt.path, "", "")
			for k, v := range tt.headers {
				get.Header.Set(k, v)
				head.Header.Set(k, v)
			}
			headLikeGet(t, c, get, head)
		})
	}
	head := newRequest(t, http.MethodHead, base+im.Url, "", "")
	head.Header.Set("Range", "bytes=0-9")
	if resp, _ := do(t, c, head); resp.StatusCode != 200 || resp.Header.Get("Content-Length") != fmt.Sprint(im.Size) {
		t.Errorf("HEAD with Range: %d, Content-Length %s; want 200, %d", resp.StatusCode, resp.Header.Get("Content-Length"), im.Size)
	}
}

// headLikeGet sends get and head, and checks that HEAD answers GET's status
// and headers (but Date) with no body. It returns GET's answer.
func headLikeGet(t *testing.T, c *http.Client, get, head *http.Request) (*http.Response, []byte) {
	t.Helper()
	gresp, gbody := do(t, c, get)
	hresp, hbody := do(t, c, head)
	if hresp.StatusCode != gresp.StatusCode || len(hbody) != 0 {
		t.Fatalf("%s: HEAD %d with %d body bytes; GET %d", get.URL, hresp.StatusCode, len(hbody), gresp.StatusCode)
	}
	gresp.Header.Del("Date")
	gresp.Header.Del("X-Request-Id") // one per request
	hresp.Header.Del("Date")
	hresp.Header.Del("X-Request-Id")
	if fmt.Sprint(gresp.Header) != fmt.Sprint(hresp.Header) {
		t.Errorf("%s: headers differ:\nGET  %v\nHEAD %v", get.URL, gresp.Header, hresp.Header)
	}
	return gresp, gbody
}

func testInfoListDelete(t *testing.T, c *http.Client, base string) {
	im := upload(t, c, base, "image/png", encodeAs(t, "png", testCard(77, 33)), 201)
	resp, body := do(t, c, newRequest(t, http.MethodGet, base+im.Url+"/info", "", ""))
	var info gen.Image
	if resp.StatusCode != 200 || json.Unmarshal(body, &info) != nil {
		t.Fatalf("info: %d %s", resp.StatusCode, body)
	}
	if !reflect.DeepEqual(info, im) {
		t.Errorf("info = %+v, want the upload's %+v", info, im)
	}
	expect(t, c, newRequest(t, http.MethodGet, base+"/images/"+strings.Repeat("2", 64)+"/info", "", ""), 404, 0, 0, "no image")
	expect(t, c, newRequest(t, http.MethodGet, base+"/images/XYZ/info", "", ""), 400, 0, 0, "path parameter")

	// Page through everything, one at a time.
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("listing does not end")
		}
		u := base + "/images?limit=1"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		resp, body := do(t, c, newRequest(t, http.MethodGet, u, "", ""))
		var list gen.ImageList
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		if len(list.Items) > 1 {
			t.Fatalf("limit=1 gave %d items", len(list.Items))
		}
		for _, it := range list.Items {
			if seen[it.Id] {
				t.Errorf("%s listed twice", it.Id)
			}
			seen[it.Id] = true
		}
		if list.Next == nil {
			break
		}
		cursor = *list.Next
	}
	if !seen[im.Id] || len(seen) < 10 {
		t.Errorf("listed %d images, without %s: %v", len(seen), im.Id, seen)
	}
	expect(t, c, newRequest(t, http.MethodGet, base+"/images?limit=1001", "", ""), 400, 0, 0, "limit")
	expect(t, c, newRequest(t, http.MethodGet, base+"/images?cursor=a", "", ""), 400, 0, 0, "cursor")
	expect(t, c, newRequest(t, http.MethodGet, base+"/images?cursor=not%20base64", "", ""), 400, 0, 0, "cursor")

	expect(t, c, newRequest(t, http.MethodDelete, base+im.Url, "", ""), 204, 0, 0, "")
	expect(t, c, newRequest(t, http.MethodGet, base+im.Url, "", ""), 404, 0, 0, "no image")
	expect(t, c, newRequest(t, http.MethodDelete, base+im.Url, "", ""), 404, 0, 0, "no image")
	expect(t, c, newRequest(t, http.MethodDelete, base+"/images/nope", "", ""), 400, 0, 0, "path parameter")
}

// TestWriteAuth: with keys set, writes need one; reads stay public.
func TestWriteAuth(t *testing.T) {
	const key = "k3y-0123456789abcdef"
	srv, c := newTestServer(t, Config{APIKeys: []string{"another-key-0123456789", key}})
	data := encodeAs(t, "png", testCard(8, 8))
	post := func(auth string) *http.Request {
		req := newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", string(data))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return req
	}
	for _, tt := range []struct {
		name, auth, challenge string
	}{
		{"no key", "", `Bearer realm="pngd"`},
		{"wrong key", "Bearer nope", `Bearer realm="pngd", error="invalid_token"`},
		{"key as prefix", "Bearer " + key[:10], `Bearer realm="pngd", error="invalid_token"`},
		{"key plus more", "Bearer " + key + "x", `Bearer realm="pngd", error="invalid_token"`},
		{"Basic", "Basic " + key, `Bearer realm="pngd", error="invalid_token"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, c, post(tt.auth))
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != tt.challenge {
				t.Errorf("%d, WWW-Authenticate %q; want 401, %q (%s)", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tt.challenge, body)
			}
		})
	}
	// An unauthenticated body over the limit still gets 401: the key is
	// checked before the body is read.
	big := newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", strings.Repeat("x", 100))
	big.ContentLength = 1 << 40
	big.Body = io.NopCloser(strings.NewReader(strings.Repeat("x", 100)))
	if resp, err := c.Do(big); err == nil {
		if resp.StatusCode != 401 {
			t.Errorf("huge unauthenticated upload: %d, want 401", resp.StatusCode)
		}
		resp.Body.Close()
	}

	im := sendUpload(t, c, post("Bearer "+key), 201)
	sendUpload(t, c, post("bearer "+key), 200)
	fetch(t, c, srv.URL, im)
	del := func(auth string) *http.Request {
		req := newRequest(t, http.MethodDelete, srv.URL+im.Url, "", "")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return req
	}
	expect(t, c, del(""), 401, 0, 0, "API key")
	expect(t, c, del("Bearer wrong"), 401, 0, 0, "API key")
	expect(t, c, del("Bearer "+key), 204, 0, 0, "")
}

// faultyStore fails every call with err.
type faultyStore struct{ err error }

func (f faultyStore) Put(context.Context, string, []byte, string) (store.Object, bool, error) {
	return store.Object{}, false, f.err
}
func (f faultyStore) Stat(context.Context, string) (store.Object, error) {
	return store.Object{}, f.err
}
func (f faultyStore) OpenRange(context.Context, string, int64, int64) (*store.Reader, error) {
	return nil, f.err
}
func (f faultyStore) Delete(context.Context, string) error { return f.err }
func (f faultyStore) List(context.Context, string, []byte, int) ([]store.Object, []byte, error) {
	return nil, nil, f.err
}
func (f faultyStore) Ping(context.Context) error { return f.err }

// TestStoreFailures: a store that fails answers 503 when unreachable, 507
// when full and 500 otherwise, on every operation, with nothing of the
// error's text in the answer.
func TestStoreFailures(t *testing.T) {
	data := encodeAs(t, "png", testCard(8, 8))
	id := strings.Repeat("a", 64)
	requests := func(base string) map[string]func() *http.Request {
		return map[string]func() *http.Request{
			"upload": func() *http.Request { return newRequest(t, http.MethodPost, base+"/images", "image/png", string(data)) },
			"get":    func() *http.Request { return newRequest(t, http.MethodGet, base+"/images/"+id, "", "") },
			"info":   func() *http.Request { return newRequest(t, http.MethodGet, base+"/images/"+id+"/info", "", "") },
			"list":   func() *http.Request { return newRequest(t, http.MethodGet, base+"/images", "", "") },
			"delete": func() *http.Request { return newRequest(t, http.MethodDelete, base+"/images/"+id, "", "") },
		}
	}
	for _, tt := range []struct {
		name       string
		err        error
		wantStatus int
		only       string // "" for every operation
		wantDetail string
	}{
		{"unreachable", fmt.Errorf("%w: dial tcp: connection refused", store.ErrUnavailable), 503, "", "cannot be reached"},
		{"broken", errors.New("disk on fire"), 500, "", "in its log"},
		{"full", fmt.Errorf("%w: no space left on device", store.ErrFull), 507, "upload", "full"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			srv, c := newTestServer(t, Config{Library: library.New(faultyStore{tt.err}, library.Options{}), Logger: slog.New(slog.NewTextHandler(&log, nil))})
			for op, req := range requests(srv.URL) {
				if tt.only != "" && op != tt.only {
					continue
				}
				t.Run(op, func(t *testing.T) {
					resp, body := do(t, c, req())
					if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantDetail) {
						t.Errorf("%d %s; want %d mentioning %q", resp.StatusCode, body, tt.wantStatus, tt.wantDetail)
					}
					if strings.Contains(string(body), tt.err.Error()) {
						t.Errorf("the answer leaks the error: %s", body)
					}
				})
			}
			if !strings.Contains(log.String(), tt.err.Error()) {
				t.Errorf("the log lacks the error %q", tt.err)
			}
		})
	}
}

// TestUnreachableMinIO: with its MinIO stopped, pngd says 503 to uploads and
// reads, and /readyz fails.
func TestUnreachableMinIO(t *testing.T) {
	minio := miniotest.Start(t)
	st, err := store.Open(context.Background(), minio.Bucket(t, "stopped"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, c := newTestServer(t, Config{Library: library.New(st, library.Options{})})
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 200, 0, 0, "")
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(8, 8)), 201)
	minio.Stop()
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/readyz", "", ""), 503, 0, 0, "image store")
	expect(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", string(encodeAs(t, "png", testCard(9, 9)))), 503, 0, 0, "cannot be reached")
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url, "", ""), 503, 0, 0, "cannot be reached")
}

// TestServedThroughSendfile: on local disk, the whole handler chain hands
// the response writer's ReadFrom the open file (in an io.LimitedReader),
// which net/http's TCP connection sends with sendfile(2). (An original of
// 256 KiB or less is sent from memory instead: this one is larger.)
func TestServedThroughSendfile(t *testing.T) {
	st := openDirStore(t)
	srv, c := newTestServer(t, Config{Library: library.New(st, library.Options{})})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", noiseCard(400, 400)), 201)
	if im.Size <= 256<<10 {
		t.Fatalf("the test image has %d bytes; it must be over 256 KiB", im.Size)
	}
	h, err := NewHandler(Config{MaxBodyBytes: 1 << 20, StallTimeout: time.Minute, Library: library.New(st, library.Options{}), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, rng := range []string{"", "bytes=10-99"} {
		w := &readFromWriter{ResponseRecorder: httptest.NewRecorder()}
		req := httptest.NewRequest(http.MethodGet, im.Url, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		h.ServeHTTP(w, req)
		lr, ok := w.src.(*io.LimitedReader)
		if !ok {
			t.Fatalf("Range %q: ReadFrom got %T, want *io.LimitedReader of *os.File", rng, w.src)
		}
		if _, ok := lr.R.(*os.File); !ok {
			t.Errorf("Range %q: the limited reader wraps %T, want *os.File", rng, lr.R)
		}
		if w.Code != 200 && w.Code != 206 {
			t.Errorf("Range %q: status %d", rng, w.Code)
		}
	}
}

type readFromWriter struct {
	*httptest.ResponseRecorder
	src io.Reader
}

func (w *readFromWriter) ReadFrom(r io.Reader) (int64, error) {
	w.src = r
	return io.Copy(w.ResponseRecorder, r)
}

// TestGeneratedClientImages drives the image library through the Go client
// generated from the spec: upload raw bytes, read info, fetch a range and
// the whole PNG, delete.
func TestGeneratedClientImages(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	client, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(c))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	up, err := client.UploadImageWithBodyWithResponse(ctx, "image/jpeg", bytes.NewReader(encodeAs(t, "jpeg", testCard(90, 60))))
	if err != nil || up.JSON201 == nil {
		t.Fatalf("upload: %v, status %d", err, up.StatusCode())
	}
	id := up.JSON201.Id
	info, err := client.GetImageInfoWithResponse(ctx, id)
	if err != nil || info.JSON200 == nil || info.JSON200.Width != 90 || info.JSON200.Height != 60 {
		t.Fatalf("info: %v %+v", err, info.JSON200)
	}
	rng := "bytes=0-7"
	part, err := client.GetImageWithResponse(ctx, id, &gen.GetImageParams{Range: &rng})
	if err != nil || part.StatusCode() != 206 || string(part.Body) != "\x89PNG\r\n\x1a\n" {
		t.Fatalf("range: %v %d %q", err, part.StatusCode(), part.Body)
	}
	whole, err := client.GetImageWithResponse(ctx, id, nil)
	if err != nil || whole.StatusCode() != 200 {
		t.Fatalf("get: %v %d", err, whole.StatusCode())
	}
	if img, err := png.Decode(bytes.NewReader(whole.Body)); err != nil || img.Bounds().Dx() != 90 {
		t.Fatalf("the client's bytes do not decode to the image: %v", err)
	}
	del, err := client.DeleteImageWithResponse(ctx, id)
	if err != nil || del.StatusCode() != 204 {
		t.Fatalf("delete: %v %d", err, del.StatusCode())
	}
}

// TestUploadClientGoesAway: a client that drops its connection halfway
// through an upload leaves nothing stored, and the server carries on.
func TestUploadClientGoesAway(t *testing.T) {
	st := openDirStore(t)
	srv, c := newTestServer(t, Config{Library: library.New(st, library.Options{})})
	data := encodeAs(t, "png", testCard(200, 200))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /images HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n", len(data))
	conn.Write(data[:len(data)/2])
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	time.Sleep(100 * time.Millisecond)
	if objs, _, err := st.List(context.Background(), "", nil, 10); err != nil || len(objs) != 0 {
		t.Errorf("after an abandoned upload the store holds %v (%v)", objs, err)
	}
	upload(t, c, srv.URL, "image/png", data, 201)
}

// TestConcurrentIdenticalUploads: eight clients upload the same picture at
// once, on both backends. All succeed with the same id, and the stored
// object is whole.
func TestConcurrentIdenticalUploads(t *testing.T) {
	data := encodeAs(t, "png", noiseCard(400, 300))
	for _, b := range imageBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			srv, c := newTestServer(t, Config{Library: library.New(b.store, library.Options{})})
			ids := make(chan string, 8)
			created := make(chan bool, 8)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					req := newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", string(data))
					resp, body := do(t, c, req)
					var im gen.Image
					if (resp.StatusCode != 200 && resp.StatusCode != 201) || json.Unmarshal(body, &im) != nil {
						t.Errorf("upload: %d %s", resp.StatusCode, body)
						return
					}
					ids <- im.Id
					created <- resp.StatusCode == 201
				})
			}
			wg.Wait()
			close(ids)
			close(created)
			first := ""
			for id := range ids {
				if first == "" {
					first = id
				} else if id != first {
					t.Errorf("ids differ: %s, %s", first, id)
				}
			}
			anyCreated := false
			for c := range created {
				anyCreated = anyCreated || c
			}
			if !anyCreated {
				t.Error("no upload answered 201")
			}
			got := fetch(t, c, srv.URL, gen.Image{Url: "/images/" + first, Width: 400, Height: 300})
			if got.Bounds().Dx() != 400 {
				t.Errorf("stored image is %v", got.Bounds())
			}
		})
	}
}

// noiseCard is a w×h image of pseudo-random pixels: a PNG that does not
// shrink, so that writing it takes a while.
func noiseCard(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	x := uint32(1)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	return img
}

// TestCreatedIsOneInstant: the upload's answer, /info, the list and
// Last-Modified all give the same creation time, in whole seconds.
func TestCreatedIsOneInstant(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(21, 13)), 201)
	if im.Created.Nanosecond() != 0 || im.Created.Location() != time.UTC {
		t.Errorf("upload's created %v is not whole UTC seconds", im.Created)
	}
	resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"/info", "", ""))
	var info gen.Image
	if err := json.Unmarshal(body, &info); err != nil || !info.Created.Equal(im.Created) {
		t.Errorf("/info created %v (%v), upload said %v", info.Created, err, im.Created)
	}
	_, body = do(t, c, newRequest(t, http.MethodGet, srv.URL+"/images", "", ""))
	var list gen.ImageList
	if err := json.Unmarshal(body, &list); err != nil || len(list.Items) != 1 || !list.Items[0].Created.Equal(im.Created) {
		t.Errorf("list %+v (%v), upload said %v", list.Items, err, im.Created)
	}
	resp, _ = do(t, c, newRequest(t, http.MethodHead, srv.URL+im.Url, "", ""))
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil || !lm.Equal(im.Created) {
		t.Errorf("Last-Modified %v (%v), created %v", lm, err, im.Created)
	}
}
