package httpapi

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/admit"
	"github.com/pngd/pngd/internal/library"
)

// stalledBody sends head, then nothing until ctx ends: a client that
// declared a long body and stopped sending it.
func stalledBody(ctx context.Context, head string) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(head))
		<-ctx.Done()
		pw.CloseWithError(ctx.Err())
	}()
	return pr
}

// TestSlowBodyGets408: a body slower than MinBodyRate is cut with 408 and
// Connection: close, on both operations that take a body, and frees what
// it held (the upload slot, its bytes).
func TestSlowBodyGets408(t *testing.T) {
	mem := admit.NewBudget(64<<20, 8, time.Second)
	srv, c := newTestServer(t, Config{MinBodyRate: 1000, BodyGrace: 300 * time.Millisecond, Memory: mem, MaxConcurrentUploads: 1})
	for _, tc := range []struct{ path, contentType, head string }{
		{"/vector_image", "application/json", `{"values":[1,2,`},
		{"/images", "image/png", "\x89PNG\r\n\x1a\n"},
	} {
		for range 2 { // twice: the one upload slot was given back
			req, err := http.NewRequest(http.MethodPost, srv.URL+tc.path, stalledBody(t.Context(), tc.head))
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = 100_000
			req.Header.Set("Content-Type", tc.contentType)
			start := time.Now()
			resp, body := do(t, c, req)
			if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
				t.Fatalf("%s: status %d, close %v; want 408 and Connection: close; %s", tc.path, resp.StatusCode, resp.Close, body)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s: cut after %v; grace is 300ms", tc.path, d)
			}
		}
	}
	if mem.Held() != 0 {
		t.Errorf("the memory budget holds %d bytes after every request ended, want 0", mem.Held())
	}
}

// TestMemoryBudget: work that can never fit the budget is refused before
// it starts (413 for a body, 422 for decoding or deriving), and work that
// must wait for it gets 503 with Retry-After once the queue timeout passes.
func TestMemoryBudget(t *testing.T) {
	mem := admit.NewBudget(24<<20, 4, 200*time.Millisecond)
	gate := admit.New(2, 8, 200*time.Millisecond).WithMemory(mem)
	lib := library.New(openDirStore(t), library.Options{Renders: gate})
	srv, c := newTestServer(t, Config{Renders: gate, Library: lib})

	// A body of a million values reserves 8 MiB before it is read.
	big := `{"values":[` + strings.Repeat("1,", 1<<20-1) + `1],"width":64,"height":64}`
	expect(t, c, newRequest(t, http.MethodPost, srv.URL+"/vector_image", "application/json", big), 200, 64, 64, "")

	// 3000×3000 JPEG: decoding and storing it takes more than 24 MiB.
	photo := encodeAs(t, "jpeg", testCard(3000, 3000))
	resp, body := do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/jpeg", string(photo)))
	if resp.StatusCode != 422 || !strings.Contains(string(body), "memory") {
		t.Errorf("upload beyond the budget: status %d, want 422 naming memory; %s", resp.StatusCode, body)
	}

	// A small source, then a derived image whose output alone is 64 MiB.
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", testCard(100, 100)), 201)
	getDerived(t, c, srv.URL, im.Url+"?w=4096&h=4096&fit=fill", 422, image.Point{})

	// With the budget held, small work waits and then gets 503.
	if err := mem.Reserve(context.Background(), 24<<20); err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, c, newRequest(t, http.MethodGet, srv.URL+"/vector_image?values=1,2,3", "", ""))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("render with the budget held: status %d, Retry-After %q; want 503 with it; %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	resp, body = do(t, c, newRequest(t, http.MethodPost, srv.URL+"/vector_image", "application/json", `{"values":[1,2]}`))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("vector body with the budget held: status %d, Retry-After %q; want 503 with it; %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	mem.Release(24 << 20)
	expect(t, c, newRequest(t, http.MethodGet, srv.URL+"/vector_image?values=1,2,3", "", ""), 200, 256, 256, "")
	if mem.Held() != 0 {
		t.Errorf("the budget holds %d bytes after every request ended, want 0", mem.Held())
	}
}

// manyScans returns a baseline JPEG whose scan is repeated until it has n
// scans: a few kilobytes that a decoder without a scan limit would walk n
// times.
func manyScans(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	m := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	sos := bytes.Index(data, []byte{0xFF, 0xDA})
	scan := data[sos : len(data)-2] // up to EOI
	out := append([]byte(nil), data[:sos]...)
	for range n {
		out = append(out, scan...)
	}
	return append(out, 0xFF, 0xD9)
}

// TestJPEGScanLimit: a JPEG of more scans than allowed is refused with 422
// before any decoding, and one within the limit is stored.
func TestJPEGScanLimit(t *testing.T) {
	srv, c := newTestServer(t, Config{MaxJPEGScans: 50})
	bomb := manyScans(t, 5000)
	start := time.Now()
	resp, body := do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/jpeg", string(bomb)))
	if resp.StatusCode != 422 || !strings.Contains(string(body), "5000 scans") {
		t.Errorf("5000 scans: status %d, want 422 naming the scans; %s", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing took %v; counting markers should take milliseconds", d)
	}
	upload(t, c, srv.URL, "image/jpeg", manyScans(t, 1), 201)
}

// TestUploadQueueTimeout: an upload waiting for an upload slot longer than
// the queue timeout gets 503 with Retry-After, not an endless wait behind a
// slow sender.
func TestUploadQueueTimeout(t *testing.T) {
	srv, c := newTestServer(t, Config{MaxConcurrentUploads: 1, QueueTimeout: 300 * time.Millisecond, MinBodyRate: 1, BodyGrace: time.Minute})
	// A slow sender holds the one slot.
	held := make(chan struct{})
	go func() {
		defer close(held)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/images", stalledBody(ctx, "\x89PNG\r\n\x1a\n"))
		req.ContentLength = 1000
		req.Header.Set("Content-Type", "image/png")
		if resp, err := http.DefaultClient.Do(req.WithContext(ctx)); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	resp, body := do(t, c, newRequest(t, http.MethodPost, srv.URL+"/images", "image/png", string(encodeAs(t, "png", testCard(4, 4)))))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("upload behind a held slot: status %d, Retry-After %q; want 503 with it; %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waited %v; the queue timeout is 300ms", d)
	}
	<-held
}
