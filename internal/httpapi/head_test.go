package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/store"
)

// headersOf is resp's header without the ones that differ between any two
// answers (Date), sorted for comparison.
func headersOf(resp *http.Response) http.Header {
	h := resp.Header.Clone()
	h.Del("Date")
	h.Del("X-Request-Id") // one per request
	return h
}

// sameAsGet sends path as GET and as HEAD and fails unless HEAD answers
// GET's status and headers without a body. A Range header makes GET answer
// 206 while HEAD ignores it (RFC 9110 §14.2); rangeGet says so, and HEAD is
// then compared with GET without the Range.
func sameAsGet(t *testing.T, c *http.Client, url string, wantStatus int, header ...string) {
	t.Helper()
	get := newRequest(t, http.MethodGet, url, "", "")
	head := newRequest(t, http.MethodHead, url, "", "")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] != "Range" {
			get.Header.Set(header[i], header[i+1])
		}
		head.Header.Set(header[i], header[i+1])
	}
	gresp, gbody := do(t, c, get)
	hresp, hbody := do(t, c, head)
	if gresp.StatusCode != wantStatus || hresp.StatusCode != wantStatus {
		t.Fatalf("%s: GET %d, HEAD %d; want %d for both (GET said %s)", url, gresp.StatusCode, hresp.StatusCode, wantStatus, gbody)
	}
	if len(hbody) != 0 {
		t.Errorf("%s: HEAD has a %d-byte body", url, len(hbody))
	}
	gh, hh := headersOf(gresp), headersOf(hresp)
	for _, k := range slices.Sorted(maps.Keys(gh)) {
		if !slices.Equal(gh[k], hh[k]) {
			t.Errorf("%s: header %s: GET %q, HEAD %q", url, k, gh[k], hh[k])
		}
	}
	for k := range hh {
		if _, ok := gh[k]; !ok {
			t.Errorf("%s: HEAD sends %s, GET does not", url, k)
		}
	}
}

// TestHeadAnswersAsGet: the spec's HEAD operations answer every status
// they declare with GET's status and headers, Content-Length included, and
// no body.
func TestHeadAnswersAsGet(t *testing.T) {
	key := []byte("a signing key of at least 32 chars")
	srv, c := newTestServer(t, Config{})
	signed, _ := newTestServer(t, Config{SigningKey: key})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(120, 80)), 201)
	upload(t, c, signed.URL, "image/png", encodeAs(t, "png", testCard(120, 80)), 201)

	sameAsGet(t, c, srv.URL+"/vector_image?values=1,2,3&width=40", 200)
	sameAsGet(t, c, srv.URL+"/vector_image?values=1,2,3&width=40", 304, "If-None-Match", "*")
	sameAsGet(t, c, srv.URL+"/vector_image?values=1,x", 400)
	sameAsGet(t, c, srv.URL+"/vector_image?values=1", 406, "Accept", "application/json")

	sameAsGet(t, c, srv.URL+im.Url, 200)
	sameAsGet(t, c, srv.URL+im.Url, 200, "Range", "bytes=0-9") // HEAD ignores Range
	sameAsGet(t, c, srv.URL+im.Url, 304, "If-None-Match", im.Etag)
	sameAsGet(t, c, srv.URL+im.Url+"?w=33", 200)
	sameAsGet(t, c, srv.URL+im.Url+"?w=33", 304, "If-None-Match", "*")
	sameAsGet(t, c, srv.URL+im.Url+"?w=0", 400)
	sameAsGet(t, c, signed.URL+im.Url+"?w=33", 403)
	sameAsGet(t, c, srv.URL+"/images/"+string(bytes.Repeat([]byte("a"), 64)), 404)
	sameAsGet(t, c, srv.URL+im.Url, 406, "Accept", "text/html")
	sameAsGet(t, c, srv.URL+im.Url+"?w=8192&h=8192&fit=fill", 422)
}

// TestHeadFailures: HEAD's 500 and 503 are GET's too: a broken encoder or
// store, a memory budget held by other work, and a store that cannot be
// reached.
func TestHeadFailures(t *testing.T) {
	doc, err := contract.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	st := openDirStore(t)
	_, c := newTestServer(t, Config{})
	plain, _ := newTestServer(t, Config{Library: library.New(st, library.Options{})})
	im := upload(t, c, plain.URL, "image/png", encodeAs(t, "png", testCard(60, 60)), 201)

	srv, err := newServer(Config{MaxBodyBytes: 1 << 20, Logger: slog.New(slog.DiscardHandler), Library: library.New(st, library.Options{})}, doc)
	if err != nil {
		t.Fatal(err)
	}
	srv.encode = func(image.Image) (*bytes.Buffer, error) { return nil, errors.New("encoder broken") }
	h, err := routes(srv, doc)
	if err != nil {
		t.Fatal(err)
	}
	broken := httptest.NewServer(h)
	defer broken.Close()
	sameAsGet(t, c, broken.URL+"/vector_image?values=1,2", 500)
	failing, _ := newTestServer(t, Config{Library: library.New(faultyStore{errors.New("disk on fire")}, library.Options{})})
	sameAsGet(t, c, failing.URL+im.Url, 500)

	mem := admit.NewBudget(24<<20, 4, 100*time.Millisecond)
	busy, _ := newTestServer(t, Config{Memory: mem, Library: library.New(st, library.Options{})})
	if err := mem.Reserve(context.Background(), 24<<20); err != nil {
		t.Fatal(err)
	}
	defer mem.Release(24 << 20)
	sameAsGet(t, c, busy.URL+"/vector_image?values=1,2", 503)
	down, _ := newTestServer(t, Config{Library: library.New(faultyStore{fmt.Errorf("%w: connection refused", store.ErrUnavailable)}, library.Options{})})
	sameAsGet(t, c, down.URL+im.Url, 503)
}
