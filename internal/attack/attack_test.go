//go:build attack

package attack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pngd/pngd/gen"
	"github.com/pngd/pngd/sign"
)

// Every attack runs against a pngd of its own with a 512 MiB budget, 64 MiB
// of it cache, so that its peak RSS is its own: a Go process keeps the
// memory an earlier attack made it take until the scavenger returns it.
func TestAttacks(t *testing.T) {
	var s *server

	tallSource := tallPNG(t, 1000, 10000)
	var tall gen.Image
	fresh := func(t *testing.T) {
		s = start(t)
		tall = s.upload("image/png", tallSource)
	}

	t.Run("64 concurrent 1M-value vector bodies", func(t *testing.T) {
		fresh(t)
		body := vectorBody(1 << 20)
		s.attack(fmt.Sprintf("64 × POST /vector_image, 1,048,576 values (%d MB)", len(body)>>20), []int{200, 503}, func(tl *tally) {
			parallel(64, func(int) { s.do(s.req("POST", "/vector_image", "application/json", bytes.NewReader(body)), tl) })
		})
	})

	t.Run("wide output of a tall source", func(t *testing.T) {
		fresh(t)
		s.attack("8 × GET w=8192&h=1024&fit=fill of a 1000×10000 PNG", []int{200, 503}, func(tl *tally) {
			parallel(8, func(i int) {
				s.do(s.req("GET", fmt.Sprintf("%s?w=%d&h=1024&fit=fill", tall.Url, 8192-i), "", nil), tl)
			})
		})
	})

	t.Run("JPEG of 10,000 scans", func(t *testing.T) {
		fresh(t)
		bomb := scanBomb(t, 10_000)
		cpu0 := s.cpu()
		s.attack(fmt.Sprintf("4 × upload of a %d KB JPEG of 10,000 scans", len(bomb)>>10), []int{422}, func(tl *tally) {
			parallel(4, func(int) { s.do(s.req("POST", "/images", "image/jpeg", bytes.NewReader(bomb)), tl) })
		})
		if cpu := s.cpu() - cpu0; cpu > 5*time.Second {
			t.Errorf("refusing 4 scan bombs took %v of CPU, want a few seconds at most", cpu)
		}
	})

	t.Run("progressive CMYK 7000×7000", func(t *testing.T) {
		fresh(t)
		bomb := cmykBomb(7000, 7000)
		s.attack(fmt.Sprintf("8 × upload of a %d-byte progressive CMYK JPEG, 7000×7000", len(bomb)), []int{422}, func(tl *tally) {
			parallel(8, func(int) { s.do(s.req("POST", "/images", "image/jpeg", bytes.NewReader(bomb)), tl) })
		})
	})

	t.Run("32 concurrent 30 MB uploads", func(t *testing.T) {
		fresh(t)
		body := noise(30 << 20)
		s.attack("32 × upload of 30 MB", []int{413, 415, 422, 503}, func(tl *tally) {
			parallel(32, func(int) { s.do(s.req("POST", "/images", "image/png", bytes.NewReader(body)), tl) })
		})
	})

	t.Run("pixel floods", func(t *testing.T) {
		fresh(t)
		s.attack("pixel-flood headers: PNG, GIF, BMP, TIFF, WebP, JPEG", []int{415, 422}, func(tl *tally) {
			for _, f := range floods() {
				s.do(s.req("POST", "/images", "image/png", bytes.NewReader(f)), tl)
			}
		})
	})

	t.Run("zlib bomb", func(t *testing.T) {
		fresh(t)
		bomb := zlibBomb(t)
		s.attack(fmt.Sprintf("4 × upload of a %d KB PNG inflating to 49 MB", len(bomb)>>10), []int{200, 201, 422, 503}, func(tl *tally) {
			parallel(4, func(int) { s.do(s.req("POST", "/images", "image/png", bytes.NewReader(bomb)), tl) })
		})
	})

	t.Run("10,000-frame GIF and looping TIFF", func(t *testing.T) {
		fresh(t)
		s.attack("a 10,000-frame GIF, a TIFF whose IFDs loop", []int{200, 201, 422}, func(tl *tally) {
			s.do(s.req("POST", "/images", "image/gif", bytes.NewReader(manyFrames(10_000))), tl)
			s.do(s.req("POST", "/images", "image/tiff", bytes.NewReader(loopingTIFF())), tl)
		})
	})

	t.Run("slowloris and slow bodies", func(t *testing.T) {
		fresh(t)
		// As many slow bodies as there are upload slots (4): each is read,
		// and cut once its rate clock, which starts at the first read,
		// passes -body-grace.
		s.attack("200 half-sent headers, 4 bodies at 100 B/s", []int{408}, func(tl *tally) {
			addr := strings.TrimPrefix(s.base, "http://")
			var conns []net.Conn
			for range 200 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
				conns = append(conns, c)
			}
			parallel(4, func(int) {
				pr, pw := io.Pipe()
				go func() { // until pngd stops reading, or a minute
					defer pw.Close()
					for i := 0; i < 600; i++ {
						if _, err := pw.Write([]byte("01234567890")); err != nil {
							return
						}
						time.Sleep(100 * time.Millisecond)
					}
				}()
				req := s.req("POST", "/images", "image/png", pr)
				req.ContentLength = 1 << 20
				s.do(req, tl)
				pr.CloseWithError(io.ErrClosedPipe)
			})
			for _, c := range conns {
				c.Close()
			}
		})
	})

	t.Run("slow readers", func(t *testing.T) {
		fresh(t)
		s.attack("20 clients that never read a 10000-px-tall PNG", []int{}, func(tl *tally) {
			var cut atomic.Int32
			parallel(20, func(int) {
				c, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", tall.Url)
				c.(*net.TCPConn).SetReadBuffer(4096)
				time.Sleep(3 * time.Second)
				cut.Add(1)
			})
		})
	})

	t.Run("paths, ranges, methods", func(t *testing.T) {
		fresh(t)
		many := strings.Repeat("0-0,", 2000) + "0-0"
		s.attack("traversal paths, 2,001 ranges, odd methods", []int{200, 400, 404, 405}, func(tl *tally) {
			for _, p := range []string{"/images/../../etc/passwd", "/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/docs/../../../etc/passwd", "/images/" + strings.Repeat("a", 10000), "//images", "/images/%00"} {
				s.do(s.req("GET", p, "", nil), tl)
			}
			r := s.req("GET", tall.Url, "", nil)
			r.Header.Set("Range", "bytes="+many)
			s.do(r, tl)
			s.do(s.req("PATCH", tall.Url, "", nil), tl)
			s.do(s.req("TRACE", "/healthz", "", nil), tl)
		})
	})

	t.Run("problem details", func(t *testing.T) {
		fresh(t)
		// The harness holds every detail to contract.GoInternal; this
		// only gathers requests whose errors used to leak.
		defer s.checkStored()
		s.attack("malformed requests whose details used to carry Go text", []int{400, 404, 408, 413, 415, 422}, func(tl *tally) {
			for _, b := range []string{`{"values":[1,"x"]}`, `{"values":[1],"values":[2]}`, `{"values":{}}`, `[`, `{"values":[1e999]}`} {
				s.do(s.req("POST", "/vector_image", "application/json", strings.NewReader(b)), tl)
			}
			s.do(s.req("POST", "/images", "multipart/form-data", strings.NewReader("x")), tl)
			s.do(s.req("POST", "/images", "multipart/form-data; boundary=zz", strings.NewReader("--zz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc")), tl)
			s.do(s.req("GET", tall.Url+"?w=1.5", "", nil), tl)
			s.do(s.req("GET", "/vector_image?values=1&width=x", "", nil), tl)
		})
	})
}

// TestDerivedVariantFlood: two clients asking for distinct blur values
// fill the store only up to -derived-store-bytes.
func TestDerivedVariantFlood(t *testing.T) {
	const quota = 8 << 20
	s := start(t, "-derived-store-bytes", fmt.Sprint(quota))
	resp, b := s.do(s.req("POST", "/images", "image/png", bytes.NewReader(tallPNG(t, 600, 400))), newTally())
	if resp == nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %s", resp, b)
	}
	var im gen.Image
	json.Unmarshal(b, &im)
	var n atomic.Int64
	s.attack("2 clients × 20 s of distinct blur values", []int{200, 503}, func(tl *tally) {
		deadline := time.Now().Add(20 * time.Second)
		parallel(2, func(c int) {
			for i := 0; time.Now().Before(deadline); i++ {
				s.do(s.req("GET", fmt.Sprintf("%s?w=500&blur=%d.%02d%d", im.Url, c, i%100, i/100), "", nil), tl)
				n.Add(1)
			}
		})
	})
	time.Sleep(500 * time.Millisecond) // the last eviction
	var used int64
	filepath.Walk(filepath.Join(s.data, "derived"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			used += fi.Size()
		}
		return nil
	})
	t.Logf("ATTACK derived store after %d distinct variants: %.1f MiB (quota %d MiB)", n.Load(), float64(used)/(1<<20), quota>>20)
	if used > quota {
		t.Errorf("derived/ holds %d bytes, over the %d-byte quota", used, quota)
	}
	s.checkStored()
}

// TestLongAnswersAreNotCut: answers that take longer to make than
// -write-timeout are still delivered, since the deadline follows progress.
func TestLongAnswersAreNotCut(t *testing.T) {
	s := start(t, "-write-timeout", "500ms")
	bodies := make([][]byte, 6)
	for i := range bodies {
		bodies[i] = noisePNG(t, 3000+i, 2000)
	}
	s.attack("6 uploads, each slower to store than -write-timeout 500ms", []int{200, 201, 503}, func(tl *tally) {
		parallel(len(bodies), func(i int) {
			s.do(s.req("POST", "/images", "image/png", bytes.NewReader(bodies[i])), tl)
		})
	})
	if strings.Contains(s.log.String(), `"cut":true`) {
		t.Errorf("the log reports responses cut:\n%s", tail(s.log.String(), 2000))
	}
	s.checkStored()
}

// TestAnonymousWritesNeedAKey: with API keys, an anonymous 30 MB upload
// is refused before its body is read.
func TestAnonymousWritesNeedAKey(t *testing.T) {
	s := start(t, "-api-keys", "0123456789abcdef0123")
	body := noise(30 << 20)
	s.attack("32 × anonymous 30 MB uploads to a server with keys", []int{401}, func(tl *tally) {
		parallel(32, func(int) { s.do(s.req("POST", "/images", "image/png", bytes.NewReader(body)), tl) })
	})
}

var _ = http.StatusOK

// TestSignatureSpellings: on a server that signs URLs, exactly one
// spelling of a signature verifies, and junk that the query parser would
// drop cannot ride along on a signed URL.
func TestSignatureSpellings(t *testing.T) {
	key := "an attack-suite signing key, 32+ chars"
	s := start(t, "-signing-key", key)
	resp, b := s.do(s.req("POST", "/images", "image/png", bytes.NewReader(tallPNG(t, 60, 40))), newTally())
	if resp == nil || resp.StatusCode != 201 {
		t.Fatalf("upload: %v %s", resp, b)
	}
	var im gen.Image
	json.Unmarshal(b, &im)
	signed, err := sign.URL([]byte(key), im.Url+"?w=30")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	sig := u.Query().Get("sig")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	var ok atomic.Int32
	s.attack("4 spellings of a sig, and junk appended to a signed URL", []int{200, 400, 403}, func(tl *tally) {
		for spare := range 4 {
			alt := sig[:len(sig)-1] + string(alphabet[last&^3|spare])
			if resp, _ := s.do(s.req("GET", im.Url+"?w=30&sig="+alt, "", nil), tl); resp != nil && resp.StatusCode == 200 {
				ok.Add(1)
			}
		}
		for _, junk := range []string{";x=1", "&x=%zz", "&&", "&%"} {
			if resp, _ := s.do(s.req("GET", im.Url+"?w=30&sig="+sig+junk, "", nil), tl); resp != nil && resp.StatusCode == 200 {
				t.Errorf("a signed URL with %q appended was served", junk)
			}
		}
	})
	if ok.Load() != 1 {
		t.Errorf("%d spellings of the signature were served, want 1", ok.Load())
	}
}

// TestDrainOnSIGTERM: after SIGTERM, /readyz answers 503 for the drain
// delay while everything else is still served; then pngd exits cleanly.
func TestDrainOnSIGTERM(t *testing.T) {
	s := start(t, "-drain-delay", "2s")
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	tl := newTally()
	for path, want := range map[string]int{"/readyz": 503, "/healthz": 200, "/vector_image?values=1,2": 200} {
		req := s.req("GET", path, "", nil)
		req.Close = true
		if resp, _ := s.do(req, tl); resp == nil || resp.StatusCode != want {
			t.Errorf("GET %s while draining: %v, want %d", path, resp, want)
		}
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("pngd exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("pngd did not exit within 10 s of SIGTERM")
	}
	t.Logf("ATTACK SIGTERM: /readyz 503 while draining, other requests served, exit 0; answers %s", tl)
}
