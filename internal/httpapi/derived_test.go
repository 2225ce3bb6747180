package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/sign"
)

// getDerived GETs path+query, with the harness told the size to expect
// when want is not zero, and checks the status.
func getDerived(t *testing.T, c *http.Client, base, path string, wantStatus int, want image.Point, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req := newRequest(t, http.MethodGet, base+path, "", "")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if want != (image.Point{}) {
		req = contract.WithSize(req, want.X, want.Y)
	}
	resp, body := do(t, c, req)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body %.300s", path, resp.StatusCode, wantStatus, body)
	}
	return resp, body
}

func decodePNG(t *testing.T, body []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestDerived runs every parameter, and their errors, through the full
// handler and the contract harness, on a 300×200 test card.
func TestDerived(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(300, 200)), 201)
	u := im.Url

	t.Run("sizes", func(t *testing.T) {
		for _, tt := range []struct {
			query string
			want  image.Point
		}{
			{"w=100", image.Pt(100, 67)},
			{"h=50", image.Pt(75, 50)},
			{"w=100&h=100", image.Pt(100, 67)},
			{"w=100&h=100&fit=contain", image.Pt(100, 67)},
			{"w=100&h=100&fit=cover", image.Pt(100, 100)},
			{"w=100&h=100&fit=cover&gravity=northwest", image.Pt(100, 100)},
			{"w=100&h=100&fit=fill", image.Pt(100, 100)},
			{"w=100&rotate=90", image.Pt(100, 150)},
			{"w=100&h=40&fit=cover&rotate=270", image.Pt(100, 40)},
			{"rotate=90", image.Pt(200, 300)},
			{"rotate=180&flip=hv", image.Pt(300, 200)},
			{"w=50&dpr=2", image.Pt(100, 67)},
			{"w=33&h=20&dpr=1.5&fit=fill", image.Pt(50, 30)},
			{"w=600", image.Pt(600, 400)}, // enlarging
			{"grayscale=true", image.Pt(300, 200)},
			{"blur=2.5&w=120", image.Pt(120, 80)},
			{"blur=100", image.Pt(300, 200)},
			{"dpr=3", image.Pt(300, 200)}, // no w or h: nothing to multiply
		} {
			t.Run(tt.query, func(t *testing.T) {
				resp, _ := getDerived(t, c, srv.URL, u+"?"+tt.query, 200, tt.want)
				if got := resp.Header.Get("Cache-Control"); got != immutable {
					t.Errorf("Cache-Control %q, want %q", got, immutable)
				}
			})
		}
	})

	t.Run("pixels", func(t *testing.T) {
		at := func(img image.Image, x, y int) color.NRGBA {
			return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
		}
		// Flipped horizontally, the top-left quadrant is blue.
		_, body := getDerived(t, c, srv.URL, u+"?flip=h", 200, image.Pt(300, 200))
		if got := at(decodePNG(t, body), 10, 10); !near(got, blue, 2) {
			t.Errorf("flip=h: top-left %v, want blue %v", got, blue)
		}
		// Rotated 90° clockwise, the top-left quadrant is green.
		_, body = getDerived(t, c, srv.URL, u+"?rotate=90", 200, image.Pt(200, 300))
		if got := at(decodePNG(t, body), 10, 10); !near(got, green, 2) {
			t.Errorf("rotate=90: top-left %v, want green %v", got, green)
		}
		// Cover with gravity east keeps the right half's colours only.
		_, body = getDerived(t, c, srv.URL, u+"?w=50&h=100&fit=cover&gravity=east", 200, image.Pt(50, 100))
		if got := at(decodePNG(t, body), 25, 10); !near(got, blue, 2) {
			t.Errorf("cover east: top middle %v, want blue %v", got, blue)
		}
		// Grayscale: every pixel has equal channels.
		_, body = getDerived(t, c, srv.URL, u+"?grayscale=true&w=30", 200, image.Pt(30, 20))
		g := decodePNG(t, body)
		for y := range 20 {
			for x := range 30 {
				if p := at(g, x, y); p.R != p.G || p.G != p.B {
					t.Fatalf("grayscale pixel (%d,%d) = %v", x, y, p)
				}
			}
		}
		// A downscale mixes colours at a quadrant edge (no nearest-neighbour).
		_, body = getDerived(t, c, srv.URL, u+"?w=31", 200, image.Pt(31, 21))
		if p := at(decodePNG(t, body), 15, 5); near(p, red, 10) || near(p, blue, 10) {
			t.Errorf("pixel on the red/blue edge is %v: not filtered", p)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct {
			query  string
			status int
		}{
			{"w=0", 400}, {"w=8193", 400}, {"h=-1", 400}, {"w=1.5", 400}, {"w=99999999999999999999", 400},
			{"fit=stretch", 400}, {"gravity=up", 400}, {"rotate=45", 400}, {"flip=x", 400},
			{"grayscale=maybe", 400}, {"blur=100.5", 400}, {"blur=-1", 400}, {"blur=NaN", 400}, {"blur=Infinity", 400},
			{"dpr=0.5", 400}, {"dpr=5", 400}, {"dpr=NaN", 400}, {"sig=short", 400},
			{"w=8192&h=8192&fit=fill", 422}, // 67 MP
			{"w=4096&h=4096&fit=fill&dpr=1.01", 422},
			{"h=8192&w=8192", 422}, // contain: 8192×5461
		} {
			t.Run(tt.query, func(t *testing.T) {
				_, body := getDerived(t, c, srv.URL, u+"?"+tt.query, tt.status, image.Point{})
				if !bytes.Contains(body, []byte(`"detail"`)) {
					t.Errorf("body %s has no detail", body)
				}
			})
		}
		getDerived(t, c, srv.URL, "/images/"+strings.Repeat("a", 64)+"?w=10", 404, image.Point{})
	})

	t.Run("identity is the original", func(t *testing.T) {
		resp, _ := getDerived(t, c, srv.URL, u+"?rotate=0&flip=none&fit=cover&dpr=2", 200, image.Pt(300, 200))
		if resp.Header.Get("ETag") != im.Etag {
			t.Errorf("ETag %s, want the original's %s", resp.Header.Get("ETag"), im.Etag)
		}
	})

	t.Run("canonical ETag and 304", func(t *testing.T) {
		r1, b1 := getDerived(t, c, srv.URL, u+"?w=100&h=50", 200, image.Pt(75, 50))
		r2, b2 := getDerived(t, c, srv.URL, u+"?h=50&fit=contain&gravity=south&w=100&rotate=0&blur=0", 200, image.Pt(75, 50))
		r3, _ := getDerived(t, c, srv.URL, u+"?w=50&h=25&dpr=2", 200, image.Pt(75, 50))
		e := r1.Header.Get("ETag")
		if e == "" || e == im.Etag || r2.Header.Get("ETag") != e || r3.Header.Get("ETag") != e || !bytes.Equal(b1, b2) {
			t.Fatalf("ETags %q %q %q: want one, not the original's", e, r2.Header.Get("ETag"), r3.Header.Get("ETag"))
		}
		other, _ := getDerived(t, c, srv.URL, u+"?w=100&h=50&fit=cover", 200, image.Pt(100, 50))
		if other.Header.Get("ETag") == e {
			t.Error("a different output has the same ETag")
		}
		resp, body := getDerived(t, c, srv.URL, u+"?h=50&w=100", 304, image.Point{}, "If-None-Match", e)
		if len(body) != 0 || resp.Header.Get("ETag") != e {
			t.Errorf("304: %d body bytes, ETag %q", len(body), resp.Header.Get("ETag"))
		}
		getDerived(t, c, srv.URL, u+"?w=100&h=50", 304, image.Point{}, "If-None-Match", `"x", `+e)
		getDerived(t, c, srv.URL, u+"?w=100&h=50", 200, image.Pt(75, 50), "If-None-Match", im.Etag)
		getDerived(t, c, srv.URL, u+"?w=100&h=50", 304, image.Point{}, "If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		resp, body = getDerived(t, c, srv.URL, u+"?w=100&h=50", 206, image.Point{}, "Range", "bytes=0-9")
		if !bytes.Equal(body, b1[:10]) || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-9/%d", len(b1)) {
			t.Errorf("range: %q, Content-Range %q", body, resp.Header.Get("Content-Range"))
		}
		getDerived(t, c, srv.URL, u+"?w=100&h=50", 416, image.Point{}, "Range", fmt.Sprintf("bytes=%d-", len(b1)))
	})

	t.Run("HEAD parity", func(t *testing.T) {
		for _, q := range []string{"w=64", "w=8192&h=8192&fit=fill", "w=0", "w=65&grayscale=true"} {
			get := newRequest(t, http.MethodGet, srv.URL+u+"?"+q, "", "")
			head := newRequest(t, http.MethodHead, srv.URL+u+"?"+q, "", "")
			gresp, gbody := headLikeGet(t, c, get, head)
			if gresp.StatusCode == 200 && gresp.Header.Get("Content-Length") != fmt.Sprint(len(gbody)) {
				t.Errorf("%s: Content-Length %s for %d bytes", q, gresp.Header.Get("Content-Length"), len(gbody))
			}
			if len(gresp.TransferEncoding) != 0 {
				t.Errorf("%s: Transfer-Encoding %v", q, gresp.TransferEncoding)
			}
		}
	})

	t.Run("alpha", func(t *testing.T) {
		// A red square on transparent black: no dark fringe after a resize.
		src := image.NewNRGBA(image.Rect(0, 0, 64, 64))
		for y := 16; y < 48; y++ {
			for x := 16; x < 48; x++ {
				src.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
			}
		}
		a := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", src), 201)
		_, body := getDerived(t, c, srv.URL, a.Url+"?w=21", 200, image.Pt(21, 21))
		img := decodePNG(t, body)
		for y := range 21 {
			for x := range 21 {
				p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				if p.A > 0 && (p.R < 240 || p.G > 10 || p.B > 10) {
					t.Fatalf("pixel (%d,%d) = %v: a dark fringe", x, y, p)
				}
			}
		}
	})
}

// TestDerivedCache shows, on a directory and on MinIO, that concurrent
// identical requests render once, that a second node on the same store
// reuses the persisted result without rendering, and that deleting the
// source makes every derived image unreachable on both nodes.
func TestDerivedCache(t *testing.T) {
	for _, b := range imageBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			libA := library.New(b.store, library.Options{})
			libB := library.New(b.store, library.Options{})
			a, c := newTestServer(t, Config{Library: libA})
			bsrv, _ := newTestServer(t, Config{Library: libB})
			im := upload(t, c, a.URL, "image/png", encodeAs(t, "png", noiseCard(640, 480)), 201)

			const n = 16
			etags := make([]string, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					req := contract.WithSize(newRequest(t, http.MethodGet, a.URL+im.Url+"?w=200&blur=3", "", ""), 200, 150)
					resp, err := c.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Errorf("request %d: %d", i, resp.StatusCode)
					}
					etags[i] = resp.Header.Get("ETag")
				})
			}
			close(start)
			wg.Wait()
			if got := libA.Renders(); got != 1 {
				t.Fatalf("%d concurrent identical requests made %d renders, want 1", n, got)
			}
			for _, e := range etags {
				if e != etags[0] {
					t.Fatalf("ETags differ: %q", etags)
				}
			}
			getDerived(t, c, a.URL, im.Url+"?blur=3&w=200", 200, image.Pt(200, 150))
			if got := libA.Renders(); got != 1 {
				t.Errorf("a repeated request rendered again: %d renders", got)
			}

			// The other node finds it in the store.
			_, body := getDerived(t, c, bsrv.URL, im.Url+"?w=200&blur=3", 200, image.Pt(200, 150))
			if got := libB.Renders(); got != 0 {
				t.Errorf("the second node rendered %d times, want 0: it should reuse the stored result", got)
			}
			_, bodyA := getDerived(t, c, a.URL, im.Url+"?w=200&blur=3", 200, image.Pt(200, 150))
			if !bytes.Equal(body, bodyA) {
				t.Error("the two nodes serve different bytes")
			}
			// And its pyramid: a new size renders without decoding the original.
			getDerived(t, c, bsrv.URL, im.Url+"?w=100", 200, image.Pt(100, 75))

			// Delete through A; both nodes answer 404 though B cached it.
			del := newRequest(t, http.MethodDelete, a.URL+im.Url, "", "")
			if resp, body := do(t, c, del); resp.StatusCode != 204 {
				t.Fatalf("DELETE: %d %s", resp.StatusCode, body)
			}
			getDerived(t, c, a.URL, im.Url+"?w=200&blur=3", 404, image.Point{})
			getDerived(t, c, bsrv.URL, im.Url+"?w=200&blur=3", 404, image.Point{})
			getDerived(t, c, bsrv.URL, im.Url+"?w=100", 404, image.Point{})
			objs, _, err := b.store.List(context.Background(), "derived/", nil, 100)
			if err != nil || len(objs) != 0 {
				t.Errorf("after the delete the store still holds %d derived objects (%v)", len(objs), err)
			}
		})
	}
}

// TestCacheBudget fills a small cache past its budget: it stays within
// it, and evicted images are served again from the store.
func TestCacheBudget(t *testing.T) {
	lib := library.New(openDirStore(t), library.Options{CacheBytes: 1 << 20})
	srv, c := newTestServer(t, Config{Library: lib})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", noiseCard(400, 400)), 201)
	for w := 100; w < 140; w++ {
		getDerived(t, c, srv.URL, fmt.Sprintf("%s?w=%d", im.Url, w), 200, image.Pt(w, w))
	}
	if got := lib.CacheBytes(); got > 1<<20 {
		t.Errorf("cache holds %d bytes, budget %d", got, 1<<20)
	}
	renders := lib.Renders()
	getDerived(t, c, srv.URL, im.Url+"?w=100", 200, image.Pt(100, 100))
	if lib.Renders() != renders {
		t.Error("an evicted image was rendered again instead of read from the store")
	}
}

func TestSignedURLs(t *testing.T) {
	key := []byte("a signing key of at least 32 chars")
	srv, c := newTestServer(t, Config{SigningKey: key})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(60, 40)), 201)

	signed, err := sign.URL(key, srv.URL+im.Url+"?w=30&fit=cover&h=30")
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(signed, srv.URL)
	getDerived(t, c, srv.URL, path, 200, image.Pt(30, 30))

	// The same parameters in another order carry the same signature.
	su, _ := url.Parse(signed)
	sig := su.Query().Get("sig")
	getDerived(t, c, srv.URL, im.Url+"?h=30&sig="+sig+"&fit=cover&w=30", 200, image.Pt(30, 30))

	wrongKey, _ := sign.URL([]byte("another key, also 32 chars or more"), im.Url+"?w=30&fit=cover&h=30")
	for name, p := range map[string]string{
		"missing":           im.Url + "?w=30&fit=cover&h=30",
		"another query":     im.Url + "?w=31&fit=cover&h=30&sig=" + sig,
		"another image":     "/images/" + strings.Repeat("b", 64) + "?w=30&fit=cover&h=30&sig=" + sig,
		"an extra param":    im.Url + "?w=30&fit=cover&h=30&grayscale=true&sig=" + sig,
		"another key":       wrongKey,
		"twice":             im.Url + "?w=30&fit=cover&h=30&sig=" + sig + "&sig=" + sig,
		"not base64url":     im.Url + "?w=30&fit=cover&h=30&sig=" + strings.Repeat("+", 43),
		"one bit different": im.Url + "?w=30&fit=cover&h=30&sig=" + flipLast(sig),
		"junk after ;":      im.Url + "?w=30&fit=cover&h=30&sig=" + sig + ";x=1",
		"a bad escape":      im.Url + "?w=30&fit=cover&h=30&sig=" + sig + "&x=%zz",
		"an empty piece":    im.Url + "?w=30&&fit=cover&h=30&sig=" + sig,
		"spare bits set":    im.Url + "?w=30&fit=cover&h=30&sig=" + spareBits(sig),
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+p, "", ""))
			if resp.StatusCode != 403 && !((name == "not base64url" || name == "twice") && resp.StatusCode == 400) {
				t.Fatalf("status %d, want 403; %s", resp.StatusCode, body)
			}
		})
	}
	// Originals need no signature, nor do parameters that only restate the
	// defaults (what Swagger UI's Try it out sends): they name the original.
	getDerived(t, c, srv.URL, im.Url, 200, image.Pt(60, 40))
	resp, _ := getDerived(t, c, srv.URL, im.Url+"?fit=contain&gravity=center&rotate=0&flip=none&grayscale=false&blur=0&dpr=1", 200, image.Pt(60, 40))
	if resp.Header.Get("ETag") != im.Etag {
		t.Errorf("identity parameters: ETag %q, want the original's %q", resp.Header.Get("ETag"), im.Etag)
	}
}

// spareBits sets the last character's two unused bits: the same bytes in
// lax base64, a different spelling in strict.
func spareBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i^1])
}

func flipLast(s string) string {
	last := s[len(s)-1]
	if last == 'A' {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}

// TestAdmission fills the render slot by hand: work then queues, and gets
// 503 with Retry-After when the queue is full or the wait too long, on
// every operation that renders.
func TestAdmission(t *testing.T) {
	g := admit.New(1, 1, 150*time.Millisecond)
	lib := library.New(openDirStore(t), library.Options{Renders: g})
	srv, c := newTestServer(t, Config{Library: lib, Renders: g})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(60, 40)), 201)
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, req := range []*http.Request{
		newRequest(t, http.MethodGet, srv.URL+im.Url+"?w=20", "", ""),
		newRequest(t, http.MethodGet, srv.URL+"/vector_image?values=1,2,3", "", ""),
		newRequest(t, http.MethodPost, srv.URL+"/vector_image", "application/json", `{"values":[1,2,3]}`),
	} {
		resp, body := do(t, c, req)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("%s %s with the slot taken: %d, Retry-After %q; want 503 after the queue timeout, Retry-After 1; %s",
				req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}

	// Queue full: the second waiter is turned away at once.
	go g.Enter(context.Background()) // the one queue place
	for g.Waiting() != 1 {
		time.Sleep(time.Millisecond)
	}
	resp, _ := do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"?w=21", "", ""))
	if resp.StatusCode != 503 {
		t.Fatalf("with the queue full: %d, want 503", resp.StatusCode)
	}
	time.Sleep(200 * time.Millisecond) // the queued Enter times out
	g.Leave()
	getDerived(t, c, srv.URL, im.Url+"?w=21", 200, image.Pt(21, 14))
}

// TestDerivedClientGoesAway shows that a client that disconnects cancels
// its work: queued work leaves the queue, and a running render stops at its
// next step, is not counted as done and is not stored.
func TestDerivedClientGoesAway(t *testing.T) {
	g := admit.New(1, -1, 0)
	st := openDirStore(t)
	var log bytes.Buffer
	lib := library.New(st, library.Options{Renders: g})
	srv, c := newTestServer(t, Config{Library: lib, Renders: g, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &log}, nil))})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", noiseCard(1000, 1000)), 201)

	get := func(ctx context.Context, query string) error {
		req := newRequest(t, http.MethodGet, srv.URL+im.Url+"?"+query, "", "").WithContext(ctx)
		resp, err := http.DefaultClient.Do(req) // not the harness: there is no response to check
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	// Queued: wait for the slot, then hang up.
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- get(ctx, "w=10") }()
	waitFor(t, "the request to queue", func() bool { return g.Waiting() == 1 })
	cancel()
	<-done
	waitFor(t, "the queue to empty", func() bool { return g.Waiting() == 0 })
	g.Leave()
	if lib.Renders() != 0 {
		t.Fatalf("%d renders for a request that left the queue", lib.Renders())
	}

	// Running: a slow render (a 4096² stretch and a sigma-100 blur), then
	// hang up while it runs.
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- get(ctx, "w=4096&h=4096&fit=fill&blur=100") }()
	waitFor(t, "the render to start", func() bool { return lib.Renders() == 1 })
	cancel()
	<-done
	waitFor(t, "the render to stop", func() bool { return g.Running() == 0 })
	if got := lib.Abandoned(); got != 1 {
		t.Errorf("%d renders abandoned, want 1: the render ran to its end", got)
	}
	waitFor(t, "the server to log the abandoned request", func() bool { return strings.Contains(log.String(), "client went away") })
	objs, _, err := st.List(context.Background(), "derived/", nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if !strings.Contains(o.Key, "level-") && !strings.HasSuffix(o.Key, "/placeholder.json") { // the upload's
			t.Errorf("the abandoned render was stored: %s", o.Key)
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// waitFor polls cond for up to 20 s: a bound on a hang, not a timing claim.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
