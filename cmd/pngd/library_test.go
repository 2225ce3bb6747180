package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/contract"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/internal/miniotest"
	"github.com/pngd/pngd/internal/store"
)

// process is pngd running as a real process (this test binary re-run as
// main).
type process struct {
	base   string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

func startProcess(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "PNGD_TEST_RUN_MAIN=1"), env...)
	stdout, _ := cmd.StdoutPipe()
	p := &process{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("pngd did not start: %v\n%s", err, p.stderr.String())
	}
	p.base = listening.FindStringSubmatch(line)[1]
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return p
}

// noise is a w×h image of random pixels, which PNG cannot shrink: a large
// upload that takes a while to decode, encode and store.
func noise(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestKillDuringUpload SIGKILLs pngd at varied moments while it takes
// several large uploads, on both backends. Afterwards every object in the
// store is a complete PNG whose SHA-256 is its id: no partial object is
// ever visible. On disk, the temporary files a killed write leaves are
// removed by the next start once stale.
func TestKillDuringUpload(t *testing.T) {
	minio := miniotest.Start(t)
	dir := t.TempDir()
	for _, b := range []struct{ name, url string }{
		{"file", "file://" + filepath.ToSlash(dir)},
		{"s3", minio.Bucket(t, "killed")},
	} {
		t.Run(b.name, func(t *testing.T) {
			for round := range 6 {
				// New pictures each round: an image already stored is not
				// written again.
				uploads := [][]byte{noise(t, 1400, 1000, uint64(3*round)), noise(t, 1000, 1400, uint64(3*round+1)), noise(t, 1200, 1200, uint64(3*round+2))}
				p := startProcess(t, miniotest.Env(), "-storage", b.url)
				var wg sync.WaitGroup
				for _, data := range uploads {
					wg.Go(func() {
						resp, err := http.Post(p.base+"/images", "image/png", bytes.NewReader(data))
						if err == nil {
							resp.Body.Close()
						}
					})
				}
				time.Sleep(time.Duration(100+round*120) * time.Millisecond)
				p.cmd.Process.Kill()
				p.cmd.Wait()
				wg.Wait()
			}
			st, err := store.Open(context.Background(), b.url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			complete, temps := checkObjects(t, st)
			t.Logf("%d complete images stored, %d temporary files left by killed writes", complete, len(temps))
			if b.name == "file" {
				// A later start removes temporary files once stale.
				old := time.Now().Add(-time.Hour)
				for _, k := range temps {
					os.Chtimes(filepath.Join(dir, filepath.FromSlash(k)), old, old)
				}
				st2, err := store.Open(context.Background(), b.url)
				if err != nil {
					t.Fatal(err)
				}
				defer st2.Close()
				if _, temps := checkObjects(t, st2); len(temps) != 0 {
					t.Errorf("stale temporary files survive a restart: %v", temps)
				}
			}
		})
	}
}

// checkObjects reads every object in st: each image must be whole, and
// anything else must be a write's temporary file, which it returns.
func checkObjects(t *testing.T, st *store.Store) (complete int, temps []string) {
	t.Helper()
	var cursor []byte
	for {
		objs, next, err := st.List(context.Background(), "", cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, "images/"), ".png")
			if !ok || len(id) != 64 {
				if strings.HasSuffix(o.Key, ".tmp") {
					temps = append(temps, o.Key)
					continue
				}
				if strings.HasPrefix(o.Key, "derived/") && strings.HasSuffix(o.Key, ".png") {
					// a pyramid level, stored after its original: it
					// must be whole too
					data, err := st.ReadAll(context.Background(), o.Key)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := png.Decode(bytes.NewReader(data)); err != nil {
						t.Errorf("object %s does not decode: %v", o.Key, err)
					}
					continue
				}
				if strings.HasPrefix(o.Key, "derived/") && strings.HasSuffix(o.Key, ".lvl") {
					// a pyramid level (imaging.EncodeLevel), stored after
					// its original: it must be whole too
					data, err := st.ReadAll(context.Background(), o.Key)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := imaging.DecodeLevel(data); err != nil {
						t.Errorf("object %s does not decode: %v", o.Key, err)
					}
					continue
				}
				if strings.HasPrefix(o.Key, "derived/") && strings.HasSuffix(o.Key, "/placeholder.json") {
					// an image's placeholders, stored after it: whole JSON
					data, err := st.ReadAll(context.Background(), o.Key)
					if err != nil {
						t.Fatal(err)
					}
					if !json.Valid(data) {
						t.Errorf("object %s is not whole JSON: %q", o.Key, data)
					}
					continue
				}
				t.Errorf("unexpected object %q", o.Key)
				continue
			}
			data, err := st.ReadAll(context.Background(), o.Key)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != id {
				t.Errorf("object %s holds %d bytes whose SHA-256 is not its id: a partial write", o.Key, len(data))
			} else if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("object %s does not decode: %v", o.Key, err)
			} else {
				complete++
			}
		}
		if next == nil {
			return complete, temps
		}
		cursor = next
	}
}

// TestTwoNodesShareABucket runs two pngd processes on one MinIO bucket: an
// image uploaded through one is served by the other, with the same ETag,
// Last-Modified and bytes; deleting it through the other removes it for
// both.
func TestTwoNodesShareABucket(t *testing.T) {
	h, err := contract.New()
	if err != nil {
		t.Fatal(err)
	}
	c := h.Client(t)
	minio := miniotest.Start(t)
	bucket := minio.Bucket(t, "shared")
	a := startProcess(t, miniotest.Env(), "-storage", bucket)
	b := startProcess(t, miniotest.Env(), "-storage", bucket)

	data := noise(t, 64, 64, 9)
	resp, err := c.Post(a.base+"/images", "image/png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var im struct{ Id, Etag, Url string }
	json.NewDecoder(resp.Body).Decode(&im)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("upload to A: %d", resp.StatusCode)
	}
	get := func(base string) (*http.Response, []byte) {
		resp, err := c.Get(base + im.Url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	ra, bodyA := get(a.base)
	rb, bodyB := get(b.base)
	if rb.StatusCode != 200 || rb.Header.Get("ETag") != im.Etag || rb.Header.Get("ETag") != ra.Header.Get("ETag") ||
		rb.Header.Get("Last-Modified") != ra.Header.Get("Last-Modified") || !bytes.Equal(bodyA, bodyB) {
		t.Fatalf("B serves %d, ETag %q, Last-Modified %q; A: ETag %q, Last-Modified %q; same bytes %v",
			rb.StatusCode, rb.Header.Get("ETag"), rb.Header.Get("Last-Modified"), ra.Header.Get("ETag"), ra.Header.Get("Last-Modified"), bytes.Equal(bodyA, bodyB))
	}
	// The same picture uploaded to B is already there.
	resp, err = c.Post(b.base+"/images", "image/png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("re-upload to B: %d, want 200", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, b.base+im.Url, nil)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("delete through B: %v %v", err, resp)
	}
	if resp, _ := get(a.base); resp.StatusCode != 404 {
		t.Errorf("A after B deleted: %d, want 404", resp.StatusCode)
	}
}

// TestAnonymousWritesStayLocal: without API keys pngd will not listen
// beyond loopback unless told to.
func TestAnonymousWritesStayLocal(t *testing.T) {
	data := "file://" + filepath.ToSlash(t.TempDir())
	run1 := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		return run(ctx, append([]string{"-storage", data, "-drain-delay", "0"}, args...), func(string) string { return "" }, io.Discard, io.Discard)
	}
	for _, tt := range []struct {
		args    []string
		refused bool
	}{
		{[]string{"-addr", "0.0.0.0:0"}, true},
		{[]string{"-addr", ":0"}, true},
		{[]string{"-addr", "127.0.0.1:0"}, false},
		{[]string{"-addr", "[::1]:0"}, false},
		{[]string{"-addr", "0.0.0.0:0", "-allow-anonymous-writes"}, false},
		{[]string{"-addr", "0.0.0.0:0", "-api-keys", "0123456789abcdef0123"}, false},
	} {
		err := run1(tt.args...)
		if refused := err != nil && strings.Contains(err.Error(), "-api-keys"); refused != tt.refused {
			t.Errorf("%v: err = %v; refused %v, want %v", tt.args, err, refused, tt.refused)
		}
	}
	if err := run1("-api-keys", "short"); err == nil || !strings.Contains(err.Error(), "16 characters") {
		t.Errorf("a short key: %v, want refused", err)
	}
}
