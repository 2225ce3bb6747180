package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pngd/pngd/internal/httpapi"
	"github.com/pngd/pngd/internal/library"
	"github.com/pngd/pngd/internal/miniotest"
	"github.com/pngd/pngd/internal/store"
	"github.com/pngd/pngd/sign"
)

const (
	testKey     = "pngctl-test-api-key-0123456789"
	testSignKey = "pngctl-test-signing-key-0123456789-abcdef"
)

// startPngd serves a real pngd (the whole handler, on real TCP) over the
// store at storeURL, with an API key and, if signed, a signing key.
func startPngd(t *testing.T, storeURL string, signed bool) *httptest.Server {
	t.Helper()
	st, err := store.Open(context.Background(), storeURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := httpapi.Config{
		Library:      library.New(st, library.Options{}),
		APIKeys:      []string{testKey},
		MaxBodyBytes: 32 << 20,
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if signed {
		cfg.SigningKey = []byte(testSignKey)
	}
	h, err := httpapi.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// pngctl runs the command in-process, as if from a shell without a
// terminal, and returns its exit code, stdout and stderr.
func pngctl(t *testing.T, base string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cache := t.TempDir()
	if c, ok := cacheDirs.Load(t.Name()); ok {
		cache = c.(string)
	} else {
		cacheDirs.Store(t.Name(), cache)
	}
	vars := map[string]string{"PNGD_URL": base, "PNGD_API_KEY": testKey, "XDG_CACHE_HOME": cache}
	e := env{getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr}
	code := run(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}

// cacheDirs keeps one upload cache per test, so that a second upload in
// the same test sees what the first stored.
var cacheDirs sync.Map

// picture writes a w×h PNG of noise chosen by seed.
func picture(t *testing.T, path string, w, h, seed int) {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			n := uint32(x*73856093^y*19349663^seed*83492791) * 2654435761 // noise: it does not compress
			m.SetNRGBA(x, y, color.NRGBA{uint8(n >> 24), uint8(n >> 16), uint8(x*7 + seed*31), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

type uploaded struct {
	File, Status, ID string
	Width, Height    int
}

// TestSession runs pngctl's commands in turn against pngd on local disk
// and on a real MinIO.
func TestSession(t *testing.T) {
	minio := miniotest.Start(t)
	for _, kv := range miniotest.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, backend := range []struct{ name, url string }{
		{"disk", "file://" + filepath.ToSlash(t.TempDir())},
		{"minio", minio.Bucket(t, "pngctl")},
	} {
		t.Run(backend.name, func(t *testing.T) {
			srv := startPngd(t, backend.url, false)
			dir := t.TempDir()
			picture(t, filepath.Join(dir, "a.png"), 120, 80, 1)
			picture(t, filepath.Join(dir, "nested", "b.png"), 64, 64, 2)
			picture(t, filepath.Join(dir, "nested", "deeper", "c.PNG"), 30, 50, 3)
			picture(t, filepath.Join(dir, ".hidden", "d.png"), 10, 10, 4)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644)

			// upload walks the directory: three images, not the hidden
			// one or the text file.
			code, out, errOut := pngctl(t, srv.URL, "", "upload", "-j", "3", "-json", dir)
			if code != 0 {
				t.Fatalf("upload: exit %d: %s", code, errOut)
			}
			var first []uploaded
			if err := json.Unmarshal([]byte(out), &first); err != nil {
				t.Fatalf("upload -json: %v\n%s", err, out)
			}
			if len(first) != 3 {
				t.Fatalf("uploaded %d files, want 3: %+v", len(first), first)
			}
			ids := map[string]string{}
			for _, u := range first {
				if u.Status != "created" || len(u.ID) != 64 {
					t.Errorf("%+v: want created with an id", u)
				}
				ids[filepath.Base(u.File)] = u.ID
			}
			if first[0].Width != 120 || first[0].Height != 80 {
				t.Errorf("a.png stored as %d×%d", first[0].Width, first[0].Height)
			}

			// Again: nothing is sent, every file is known stored.
			code, out, errOut = pngctl(t, srv.URL, "", "upload", dir)
			if code != 0 || strings.Count(out, "skipped") != 3 {
				t.Fatalf("second upload: exit %d, want 3 skipped:\n%s%s", code, out, errOut)
			}

			// ls sees them all, however small the pages.
			code, out, _ = pngctl(t, srv.URL, "", "ls", "-limit", "1", "-json")
			var listed []struct{ ID string }
			if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed) != 3 {
				t.Fatalf("ls -limit 1: exit %d, %v, %d items:\n%s", code, err, len(listed), out)
			}

			// info, with the flag after the id.
			code, out, _ = pngctl(t, srv.URL, "", "info", ids["b.png"], "-json")
			if code != 0 || !strings.Contains(out, `"width": 64`) || !strings.Contains(out, `"blurhash": "`) {
				t.Fatalf("info: exit %d:\n%s", code, out)
			}

			// get, stored and derived.
			dst := filepath.Join(t.TempDir(), "b.png")
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["b.png"], "-o", dst); code != 0 {
				t.Fatalf("get: exit %d: %s", code, errOut)
			}
			if got := decodePNG(t, dst).Bounds().Size(); got != image.Pt(64, 64) {
				t.Errorf("get: %v", got)
			}
			thumb := filepath.Join(t.TempDir(), "thumb.png")
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-w", "60", "-height", "60", "-fit", "cover", "-rotate", "90", "-o", thumb); code != 0 {
				t.Fatalf("get derived: exit %d: %s", code, errOut)
			}
			if got := decodePNG(t, thumb).Bounds().Size(); got != image.Pt(60, 60) {
				t.Errorf("get -w 60 -height 60 -fit cover: %v", got)
			}
			if _, err := os.Stat(thumb + ".part"); !os.IsNotExist(err) {
				t.Errorf("a finished download left its .part: %v", err)
			}
			// Without -o, a derived image is named after its flags and
			// never overwrites the original's ID.png.
			t.Chdir(t.TempDir())
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-w", "40", "-grayscale"); code != 0 {
				t.Fatalf("get derived without -o: exit %d: %s", code, errOut)
			}
			if got := decodePNG(t, ids["a.png"]+"_grayscale_width-40.png").Bounds().Dx(); got != 40 {
				t.Errorf("get -w 40 -grayscale: %d wide", got)
			}

			// Smart and focal crops, pad with a background, trim, radius
			// and an overlay, all as flags.
			comp := filepath.Join(t.TempDir(), "comp.png")
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-w", "50", "-height", "30", "-fit", "cover", "-gravity", "smart",
				"-radius", "6", "-overlay", ids["b.png"], "-overlay-gravity", "northwest", "-overlay-scale", "0.3", "-overlay-opacity", "0.5",
				"-overlay-margin", "2", "-o", comp); code != 0 {
				t.Fatalf("get -gravity smart -radius -overlay: exit %d: %s", code, errOut)
			}
			if m := decodePNG(t, comp); m.Bounds().Size() != image.Pt(50, 30) {
				t.Errorf("get -gravity smart: %v", m.Bounds().Size())
			} else if _, _, _, a := m.At(0, 0).RGBA(); a != 0 {
				t.Errorf("get -radius 6: corner alpha %d", a)
			}
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-w", "50", "-height", "50", "-fit", "pad", "-background", "ff000080",
				"-trim", "10", "-fx", "0.2", "-fy", "0.7", "-o", comp); code != 0 {
				t.Fatalf("get -fit pad -background -trim -fx -fy: exit %d: %s", code, errOut)
			}
			if got := decodePNG(t, comp).Bounds().Size(); got != image.Pt(50, 50) {
				t.Errorf("get -fit pad: %v", got)
			}

			// A palette: at most -colors, or within -max-bytes.
			pal := filepath.Join(t.TempDir(), "pal.png")
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-w", "60", "-colors", "8", "-dither", "0.5", "-o", pal); code != 0 {
				t.Fatalf("get -colors 8: exit %d: %s", code, errOut)
			}
			if m, ok := decodePNG(t, pal).(*image.Paletted); !ok || len(m.Palette) > 8 {
				t.Errorf("get -colors 8: %T", decodePNG(t, pal))
			}
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-max-bytes", "2KB", "-o", pal); code != 0 {
				t.Fatalf("get -max-bytes 2KB: exit %d: %s", code, errOut)
			}
			if st, _ := os.Stat(pal); st.Size() > 2000 {
				t.Errorf("get -max-bytes 2KB: %d bytes", st.Size())
			}
			if code, _, errOut := pngctl(t, srv.URL, "", "get", ids["a.png"], "-max-bytes", "10", "-o", pal); code != exitRefused || !strings.Contains(errOut, "smallest") {
				t.Errorf("get -max-bytes 10: exit %d, %s", code, errOut)
			}

			// rm, then the image is gone: exit 3 with pngd's title and detail.
			if code, out, errOut := pngctl(t, srv.URL, "", "rm", ids["c.PNG"]); code != 0 || !strings.Contains(out, "deleted") {
				t.Fatalf("rm: exit %d: %s%s", code, out, errOut)
			}
			code, _, errOut = pngctl(t, srv.URL, "", "info", ids["c.PNG"])
			if code != exitRefused || !strings.Contains(errOut, "404 Not Found: ") {
				t.Errorf("info of a deleted image: exit %d, stderr %q; want 3 and the problem", code, errOut)
			}
			// After the delete, its file is uploaded again, not skipped.
			code, out, _ = pngctl(t, srv.URL, "", "upload", dir)
			if code != 0 || strings.Count(out, "skipped") != 2 || strings.Count(out, "created") != 1 {
				t.Errorf("upload after rm: exit %d:\n%s", code, out)
			}
		})
	}
}

// TestExitCodes: usage errors, refusals and failures are told apart, and
// errors print the problem's title and detail.
func TestExitCodes(t *testing.T) {
	srv := startPngd(t, "file://"+filepath.ToSlash(t.TempDir()), false)
	img := filepath.Join(t.TempDir(), "x.png")
	picture(t, img, 20, 20, 9)
	id := strings.Repeat("ab", 32)
	for _, tt := range []struct {
		name       string
		args       []string
		stdin      string
		want       int
		wantStderr string
	}{
		{"no command", nil, "", exitUsage, "Usage:"},
		{"unknown command", []string{"frob"}, "", exitUsage, `unknown command "frob"`},
		{"bad flag", []string{"ls", "-bogus"}, "", exitUsage, "flag provided but not defined"},
		{"bad id", []string{"get", "nope"}, "", exitUsage, "image id"},
		{"missing file", []string{"upload", "/nonexistent/x.png"}, "", exitLocal, "no such file"},
		{"bad numbers", []string{"heat"}, "1,2,x\n", exitLocal, `"x" is not a finite number`},
		{"unknown id", []string{"info", id}, "", exitRefused, "404 Not Found: "},
		{"no key", []string{"-key", "wrong-key-wrong-key-wrong", "upload", img}, "", exitRefused, "401 Unauthorized: "},
		{"too large", []string{"get", id, "-w", "9000"}, "", exitRefused, `400 Bad Request: query parameter "w"`},
		{"unreachable", []string{"-url", "http://127.0.0.1:1", "ls"}, "", exitFailed, "cannot reach pngd"},
		{"short signing key", []string{"sign", "-signing-key", "short", "/images/x?w=1"}, "", exitUsage, "under 32"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := pngctl(t, srv.URL, tt.stdin, tt.args...)
			if code != tt.want || !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, errOut, tt.want, tt.wantStderr)
			}
		})
	}
	code, out, _ := pngctl(t, srv.URL, "", "help")
	if code != 0 || !strings.Contains(out, "Exit codes:") {
		t.Errorf("help: exit %d: %s", code, out)
	}
}

// cutter stands between pngctl and pngd: the first full GET of an image is
// cut off after cut bytes, as a dropped connection would; it records the
// Range of every GET.
type cutter struct {
	next   http.Handler
	cut    int
	mu     sync.Mutex
	done   bool
	ranges []string
}

func (c *cutter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/images/") {
		c.next.ServeHTTP(w, r)
		return
	}
	c.mu.Lock()
	c.ranges = append(c.ranges, r.Header.Get("Range"))
	first := !c.done && r.Header.Get("Range") == ""
	c.done = c.done || first
	c.mu.Unlock()
	if !first {
		c.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes()[:c.cut])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// TestInterruptedDownloadResumes: a download cut off mid-way leaves
// FILE.part and exit code 4; the same command again asks only for the
// rest (Range, If-Range) and ends with the whole image; with -retries it
// resumes by itself.
func TestInterruptedDownloadResumes(t *testing.T) {
	st, err := store.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpapi.NewHandler(httpapi.Config{Library: library.New(st, library.Options{}), APIKeys: []string{testKey}, MaxBodyBytes: 32 << 20, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, retries := range []string{"0", "2"} {
		t.Run("retries="+retries, func(t *testing.T) {
			c := &cutter{next: h, cut: 10000}
			srv := httptest.NewServer(c)
			defer srv.Close()
			img := filepath.Join(t.TempDir(), "big.png")
			picture(t, img, 400, 300, 5)
			code, out, errOut := pngctl(t, srv.URL, "", "upload", "-json", img)
			var up []uploaded
			if code != 0 || json.Unmarshal([]byte(out), &up) != nil {
				t.Fatalf("upload: exit %d: %s%s", code, out, errOut)
			}
			id := up[0].ID
			whole := fetch(t, h, "/images/"+id)
			if len(whole) <= c.cut {
				t.Fatalf("the image has %d bytes; the test needs more than %d", len(whole), c.cut)
			}

			dst := filepath.Join(t.TempDir(), "out.png")
			code, out, errOut = pngctl(t, srv.URL, "", "get", id, "-o", dst, "-retries", retries)
			if retries == "0" {
				if code != exitFailed || !strings.Contains(errOut, "run the same command again to resume") {
					t.Fatalf("cut download: exit %d, stderr %q; want 4 saying how to resume", code, errOut)
				}
				part, err := os.ReadFile(dst + ".part")
				if err != nil || len(part) != c.cut || !bytes.Equal(part, whole[:c.cut]) {
					t.Fatalf(".part has %d bytes (%v), want the first %d", len(part), err, c.cut)
				}
				code, out, errOut = pngctl(t, srv.URL, "", "get", id, "-o", dst)
			}
			wantNote := fmt.Sprintf("resumed at %d", c.cut)
			if retries != "0" {
				wantNote = "cut off and resumed 1 times"
			}
			if code != 0 || !strings.Contains(out, wantNote) {
				t.Fatalf("resumed get: exit %d: %s%s", code, out, errOut)
			}
			got, err := os.ReadFile(dst)
			if err != nil || !bytes.Equal(got, whole) {
				t.Fatalf("the resumed file differs from the image (%d vs %d bytes, %v)", len(got), len(whole), err)
			}
			if last := c.ranges[len(c.ranges)-1]; last != fmt.Sprintf("bytes=%d-", c.cut) {
				t.Errorf("the resume asked for %q, want bytes=%d-", last, c.cut)
			}
		})
	}
}

// fetch GETs path from h in-process.
func fetch(t *testing.T, h http.Handler, path string) []byte {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	return rec.Body.Bytes()
}

// TestHeat: numbers in each format become a heatmap of the asked size.
func TestHeat(t *testing.T) {
	srv := startPngd(t, "file://"+filepath.ToSlash(t.TempDir()), false)
	for name, input := range map[string]string{
		"csv":       "1,2,3\n4,,6\n",
		"text":      "1 2 3\n4 NaN 6\n",
		"json":      "[[1,2,3],[4,null,6]]",
		"json flat": "[1,2,3,4,5]",
		"request":   `{"values":[1,2,3,4],"rows":2}`,
	} {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "h.png")
			code, out, errOut := pngctl(t, srv.URL, input, "heat", "-width", "90", "-height", "40", "-colormap", "magma", "-o", dst)
			if code != 0 || !strings.Contains(out, "values") {
				t.Fatalf("exit %d: %s%s", code, out, errOut)
			}
			if got := decodePNG(t, dst).Bounds().Size(); got != image.Pt(90, 40) {
				t.Errorf("heatmap is %v", got)
			}
		})
	}
}

// TestSignedGet: with the server's signing key, pngctl signs derived
// images itself, and `pngctl sign` makes URLs the server accepts.
func TestSignedGet(t *testing.T) {
	srv := startPngd(t, "file://"+filepath.ToSlash(t.TempDir()), true)
	img := filepath.Join(t.TempDir(), "s.png")
	picture(t, img, 50, 40, 6)
	code, out, _ := pngctl(t, srv.URL, "", "upload", "-json", img)
	var up []uploaded
	if code != 0 || json.Unmarshal([]byte(out), &up) != nil {
		t.Fatalf("upload: exit %d: %s", code, out)
	}
	dst := filepath.Join(t.TempDir(), "d.png")
	code, _, errOut := pngctl(t, srv.URL, "", "get", up[0].ID, "-w", "25", "-o", dst)
	if code != exitRefused || !strings.Contains(errOut, "403") {
		t.Fatalf("unsigned derived get: exit %d, %q; want 3 and 403", code, errOut)
	}
	code, _, errOut = pngctl(t, srv.URL, "", "get", up[0].ID, "-w", "25", "-o", dst, "-signing-key", testSignKey)
	if code != 0 {
		t.Fatalf("signed get: exit %d: %s", code, errOut)
	}
	if got := decodePNG(t, dst).Bounds().Size(); got != image.Pt(25, 20) {
		t.Errorf("signed get: %v", got)
	}
	code, out, _ = pngctl(t, srv.URL, "", "sign", "-signing-key", testSignKey, "/images/"+up[0].ID+"?w=30&fit=cover&h=30")
	u, err := url.Parse(strings.TrimSpace(out))
	if code != 0 || err != nil || !sign.Verify([]byte(testSignKey), u.Path, u.RawQuery) {
		t.Fatalf("sign: exit %d, %q does not verify", code, out)
	}
	resp, err := http.Get(srv.URL + strings.TrimSpace(out))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET of the signed URL: %v %v", resp.Status, err)
	}
	resp.Body.Close()
}

// TestNoBarsWithoutTerminal runs the real binary with pipes for stdout and
// stderr, as in a script or CI: no progress bar, nothing but results on
// stdout and nothing on stderr. -progress always draws them anyway.
func TestNoBarsWithoutTerminal(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pngctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := startPngd(t, "file://"+filepath.ToSlash(t.TempDir()), false)
	dir := t.TempDir()
	for i := range 3 {
		picture(t, filepath.Join(dir, fmt.Sprintf("p%d.png", i)), 300, 200, i)
	}
	runBin := func(args ...string) (string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "PNGD_URL="+srv.URL, "PNGD_API_KEY="+testKey, "XDG_CACHE_HOME="+t.TempDir())
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("pngctl %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	out, errOut := runBin("upload", dir)
	if errOut != "" || strings.ContainsAny(out, "\r\x1b") || strings.Count(out, "\n") != 3 {
		t.Errorf("without a terminal: stdout %q, stderr %q; want three result lines and nothing else", out, errOut)
	}
	_, errOut = runBin("upload", "-progress", "always", "-force", dir)
	if !strings.Contains(errOut, "total (3 files)") || !strings.Contains(errOut, "KiB") {
		t.Errorf("-progress always drew no bars: %q", errOut)
	}
}

// TestVersion: -version prints the build.
func TestVersion(t *testing.T) {
	code, out, _ := pngctl(t, "http://127.0.0.1:1", "", "-version")
	if code != exitOK || !strings.HasPrefix(out, "pngctl ") {
		t.Errorf("pngctl -version: %d %q", code, out)
	}
}

// TestHelpInEveryCommand: -h is help in every command (get's height is
// -height), printed to stderr with exit 0.
func TestHelpInEveryCommand(t *testing.T) {
	for _, cmd := range []string{"upload", "get", "ls", "info", "rm", "sign", "heat"} {
		code, _, errOut := pngctl(t, "http://127.0.0.1:1", "", cmd, "-h")
		if code != exitOK || !strings.Contains(errOut, "-") {
			t.Errorf("pngctl %s -h: exit %d, %q", cmd, code, errOut)
		}
	}
}

// TestBusyIsRetried: a pngd that answers 503 with Retry-After (its queue
// full) is asked again after that time, an upload's body sent again whole;
// one that stays busy is given up on after 5 tries, with its problem.
func TestBusyIsRetried(t *testing.T) {
	real := startPngd(t, "file://"+t.TempDir(), false)
	var busy atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if busy.Add(-1) >= 0 {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"the server is busy; retry after 1 s"}`)
			return
		}
		rp := httputil.NewSingleHostReverseProxy(must(url.Parse(real.URL)))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	dir := t.TempDir()
	picture(t, filepath.Join(dir, "a.png"), 30, 20, 1)

	busy.Store(2)
	code, out, errOut := pngctl(t, front.URL, "", "upload", "-json", filepath.Join(dir, "a.png"))
	if code != 0 || !strings.Contains(out, `"created"`) {
		t.Fatalf("upload through two 503s: exit %d %s %s", code, out, errOut)
	}
	busy.Store(100)
	start := time.Now()
	code, _, errOut = pngctl(t, front.URL, "", "ls")
	if code == 0 || !strings.Contains(errOut, "busy") || time.Since(start) < 5*time.Second {
		t.Errorf("ls against a server busy for good: exit %d after %v: %s", code, time.Since(start), errOut)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// lineWriter signals each line written to it.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line) // not whole yet
			return len(p), nil
		}
		w.lines <- line
	}
}

// TestUploadLinesAsFilesFinish: upload prints each file's line when that
// file is done, not when the last one is: the second file's upload is held
// by the server until the first file's line has been printed.
func TestUploadLinesAsFilesFinish(t *testing.T) {
	srv := startPngd(t, "file://"+filepath.ToSlash(t.TempDir()), false)
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	release := make(chan struct{})
	var posts atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && posts.Add(1) == 2 {
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	dir := t.TempDir()
	picture(t, filepath.Join(dir, "a.png"), 40, 30, 1)
	picture(t, filepath.Join(dir, "b.png"), 40, 30, 2)
	out := &lineWriter{lines: make(chan string, 8)}
	vars := map[string]string{"PNGD_URL": front.URL, "PNGD_API_KEY": testKey, "XDG_CACHE_HOME": t.TempDir()}
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"upload", "-j", "1", dir}, env{getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(""), stdout: out, stderr: io.Discard})
	}()
	select {
	case line := <-out.lines:
		if !strings.Contains(line, "created") || !strings.Contains(line, "a.png") {
			t.Errorf("first line %q", line)
		}
	case <-time.After(15 * time.Second):
		t.Error("no line while the second file was held: lines wait for the last file")
	}
	close(release)
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if line := <-out.lines; !strings.Contains(line, "b.png") {
		t.Errorf("second line %q", line)
	}
}
