package httpapi

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/colour/colourtest"
	"github.com/pngd/pngd/internal/imaging"
	"github.com/pngd/pngd/sign"
)

// photoCard is a w×h picture with more colours than a palette holds:
// gradients, a sine, noise, and, with alpha, a transparent hole and a
// soft edge.
func photoCard(w, h int, alpha bool) *image.NRGBA {
	rng := rand.New(rand.NewPCG(1, 2))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			// Two hues blended across, lit by a soft pattern, with a
			// little noise: clustered colours, as a photograph's are.
			t := float64(x) / float64(w)
			l := 0.35 + 0.65*(0.5+0.5*math.Sin(float64(x)/23)*math.Cos(float64(y)/17))
			ch := func(a, b float64) uint8 {
				return uint8(min(max(((1-t)*a+t*b)*l+float64(rng.IntN(4)), 0), 255))
			}
			c := color.NRGBA{ch(210, 50), ch(120, 150), ch(70, 210), 255}
			if alpha {
				d := math.Hypot(float64(x-w/2), float64(y-h/2)) / float64(min(w, h)/3)
				c.A = uint8(255 * min(max(d-0.5, 0), 1))
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// checkPNGTools has pngcheck and ImageMagick read a PNG: both must take
// it without a complaint.
func checkPNGTools(t *testing.T, body []byte) {
	t.Helper()
	colourtest.Need(t, []string{"pngcheck", "identify"})
	f := filepath.Join(t.TempDir(), "out.png")
	if err := os.WriteFile(f, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pngcheck", "-q", f).CombinedOutput(); err != nil {
		t.Errorf("pngcheck: %v: %s", err, out)
	}
	if out, err := exec.Command("identify", "-regard-warnings", f).CombinedOutput(); err != nil {
		t.Errorf("ImageMagick: %v: %s", err, out)
	}
}

// TestPalette runs colors, quality, dither and max_bytes through the full
// handler and the contract harness.
func TestPalette(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	photo := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", photoCard(300, 200, false)), 201)
	clear := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", photoCard(240, 160, true)), 201)
	get := func(path string, status int) (*http.Response, []byte) {
		return getDerived(t, c, srv.URL, path, status, image.Point{})
	}
	_, lossless := get(photo.Url+"?w=200", 200)
	ref := decodePNG(t, lossless)

	t.Run("colors", func(t *testing.T) {
		for _, n := range []int{2, 4, 16, 17, 256} {
			resp, body := get(photo.Url+"?w=200&colors="+strconv.Itoa(n), 200)
			m, ok := decodePNG(t, body).(*image.Paletted)
			if !ok || len(m.Palette) > n {
				t.Fatalf("colors=%d: %T with %d colours", n, decodePNG(t, body), len(m.Palette))
			}
			depth := map[bool]int{true: 8, false: 4}[n > 16]
			if n <= 2 {
				depth = 1
			} else if n <= 4 {
				depth = 2
			}
			if int(body[24]) != depth {
				t.Errorf("colors=%d: bit depth %d, want %d", n, body[24], depth)
			}
			if resp.Header.Get("ETag") == photo.Etag || len(body) >= len(lossless) {
				t.Errorf("colors=%d: ETag %s, %d bytes against lossless %d", n, resp.Header.Get("ETag"), len(body), len(lossless))
			}
			checkPNGTools(t, body)
		}
	})

	t.Run("alpha", func(t *testing.T) {
		_, body := get(clear.Url+"?colors=64", 200)
		m := decodePNG(t, body).(*image.Paletted)
		src := photoCard(240, 160, true)
		for y := range 160 {
			for x := range 240 {
				_, _, _, a := m.At(x, y).RGBA()
				if want := src.NRGBAAt(x, y).A; want == 0 && a != 0 || want == 255 && a != 0xffff {
					t.Fatalf("(%d,%d): alpha %d, source %d", x, y, a>>8, want)
				}
			}
		}
		if !bytes.Contains(body, []byte("tRNS")) {
			t.Error("no tRNS chunk")
		}
		checkPNGTools(t, body)
	})

	t.Run("quality", func(t *testing.T) {
		prev := 0
		for _, q := range []int{40, 60, 80} {
			_, body := get(photo.Url+"?w=200&quality="+strconv.Itoa(q), 200)
			m := decodePNG(t, body)
			p, _ := colourtest.PSNR(ref, m)
			n := 257
			if pm, ok := m.(*image.Paletted); ok {
				n = len(pm.Palette)
			}
			t.Logf("quality=%d: %d colours, %.2f dB, %d bytes (lossless %d)", q, n, p, len(body), len(lossless))
			if n <= 256 && p < imaging.QualityPSNR(q) {
				t.Errorf("quality=%d: %.2f dB, want at least %.0f", q, p, imaging.QualityPSNR(q))
			}
			if n < prev {
				t.Errorf("quality=%d: %d colours, fewer than a lower quality's %d", q, n, prev)
			}
			prev = n
		}
		// 100 is lossless: the same resource as no quality at all.
		resp, body := get(photo.Url+"?w=200&quality=100", 200)
		if !bytes.Equal(body, lossless) || resp.Header.Get("ETag") == "" {
			t.Errorf("quality=100 differs from lossless")
		}
	})

	t.Run("etags", func(t *testing.T) {
		etag := func(q string) string {
			resp, _ := get(photo.Url+"?w=100&"+q, 200)
			return resp.Header.Get("ETag")
		}
		if etag("colors=16") != etag("dither=1&colors=16") {
			t.Error("dither=1, the default, changes the ETag")
		}
		if etag("colors=16") == etag("colors=16&dither=0") || etag("colors=16") == etag("colors=15") || etag("colors=16") == etag("colors=16&quality=50") {
			t.Error("different palettes share an ETag")
		}
		if etag("dither=0") != etag("") {
			t.Error("dither without a palette changes the ETag")
		}
	})

	t.Run("max_bytes", func(t *testing.T) {
		for _, n := range []int{len(lossless) / 2, len(lossless) / 5, 3000} {
			_, body := get(photo.Url+"?w=200&max_bytes="+strconv.Itoa(n), 200)
			m := decodePNG(t, body)
			p, _ := colourtest.PSNR(ref, m)
			t.Logf("max_bytes=%d: %d bytes (%.2f of it), %.2f dB", n, len(body), float64(len(body))/float64(n), p)
			if len(body) > n {
				t.Errorf("max_bytes=%d: %d bytes", n, len(body))
			}
		}
		_, body := get(photo.Url+"?w=200&max_bytes="+strconv.Itoa(2*len(lossless)), 200)
		if !bytes.Equal(body, lossless) {
			t.Error("a budget the lossless image fits: not the lossless image")
		}
		_, body = get(photo.Url+"?w=200&max_bytes=100", 422)
		var pr struct{ Detail string }
		json.Unmarshal(body, &pr)
		if !strings.Contains(pr.Detail, "smallest pngd can make is") {
			t.Errorf("detail %q", pr.Detail)
		}
		_, body = get(photo.Url+"?w=200&max_bytes=3000&quality=90", 422)
		json.Unmarshal(body, &pr)
		if !strings.Contains(pr.Detail, "quality 90") {
			t.Errorf("detail %q", pr.Detail)
		}
	})

	t.Run("placeholders", func(t *testing.T) {
		if photo.Placeholder == nil || !strings.HasPrefix(photo.Placeholder.DataUrl, "data:image/png;base64,") || len(photo.Placeholder.Thumbhash) == 0 {
			t.Fatalf("upload: placeholder %+v", photo.Placeholder)
		}
		resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+photo.Url+"/info", "", ""))
		var info struct{ Placeholder map[string]any }
		if err := json.Unmarshal(body, &info); resp.StatusCode != 200 || err != nil || info.Placeholder["blurhash"] != photo.Placeholder.Blurhash {
			t.Errorf("/info: %d %v %s", resp.StatusCode, err, body)
		}
	})

	t.Run("head", func(t *testing.T) {
		_, body := get(photo.Url+"?w=120&colors=32", 200)
		resp, _ := do(t, c, newRequest(t, http.MethodHead, srv.URL+photo.Url+"?w=120&colors=32", "", ""))
		if resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
			t.Errorf("HEAD: %d, Content-Length %d, want %d", resp.StatusCode, resp.ContentLength, len(body))
		}
	})

	t.Run("hdr=keep", func(t *testing.T) {
		get(photo.Url+"?w=100&colors=16&hdr=keep", 400)
	})

	t.Run("animation", func(t *testing.T) {
		gif := upload(t, c, srv.URL, "image/gif", testGIF(t), 201)
		_, body := get(gif.Url+"?colors=4&w=80", 200)
		if !bytes.Contains(body, []byte("acTL")) {
			t.Fatal("not an APNG")
		}
		if m, ok := decodePNG(t, body).(*image.Paletted); !ok || len(m.Palette) > 4 {
			t.Errorf("first frame %T", decodePNG(t, body))
		}
		checkPNGTools(t, body)
	})

	t.Run("heatmap", func(t *testing.T) {
		// A heatmap is a palette image from /vector_image on; stored and
		// derived it stays one, and colors=256 keeps it exact.
		_, heat := get("/vector_image?values=1,5,2,8,3,9,4,7,6&rows=3&cols=3&width=90&height=90", 200)
		if _, ok := decodePNG(t, heat).(*image.Paletted); !ok {
			t.Fatalf("/vector_image: %T", decodePNG(t, heat))
		}
		im := upload(t, c, srv.URL, "image/png", heat, 201)
		_, plain := get(im.Url+"?w=45", 200)
		_, pal := get(im.Url+"?w=45&colors=256", 200)
		a, b := decodePNG(t, plain), decodePNG(t, pal)
		if _, ok := a.(*image.Paletted); !ok {
			t.Errorf("derived heatmap: %T", a)
		}
		if p, _ := colourtest.PSNR(a, b); !math.IsInf(p, 1) {
			t.Errorf("colors=256 of a heatmap: %.1f dB from lossless, want exact", p)
		}
	})

	t.Run("16-bit", func(t *testing.T) {
		deep := image.NewNRGBA64(image.Rect(0, 0, 64, 48))
		for y := range 48 {
			for x := range 64 {
				deep.SetNRGBA64(x, y, color.NRGBA64{uint16(x * 1000), uint16(y * 1300), 40000, 65535})
			}
		}
		var buf bytes.Buffer
		png.Encode(&buf, deep)
		im := upload(t, c, srv.URL, "image/png", buf.Bytes(), 201)
		_, body := get(im.Url+"?colors=8", 200)
		if m, ok := decodePNG(t, body).(*image.Paletted); !ok || len(m.Palette) > 8 {
			t.Errorf("%T", decodePNG(t, body))
		}
	})
}

// TestPaletteDefaultsAndSigning: -derived-quality gives derived images a
// palette unless they ask for none (quality=100); a preset carries one;
// a signature covers the palette's parameters.
func TestPaletteDefaultsAndSigning(t *testing.T) {
	key := []byte("a signing key of at least 32 chars")
	srv, c := newTestServer(t, Config{DerivedQuality: 60, Presets: map[string]string{"small": "w=100&colors=8"}, SigningKey: key})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", photoCard(200, 100, false)), 201)
	path := func(q string) string {
		u, err := sign.URL(key, im.Url+"?"+q)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	_, body := getDerived(t, c, srv.URL, path("w=150"), 200, image.Point{})
	if _, ok := decodePNG(t, body).(*image.Paletted); !ok {
		t.Error("-derived-quality 60: the derived image is not paletted")
	}
	_, body = getDerived(t, c, srv.URL, path("w=150&quality=100"), 200, image.Point{})
	if _, ok := decodePNG(t, body).(*image.Paletted); ok {
		t.Error("quality=100: paletted")
	}
	_, body = getDerived(t, c, srv.URL, im.Url+"?preset=small", 200, image.Point{})
	if m, ok := decodePNG(t, body).(*image.Paletted); !ok || len(m.Palette) > 8 {
		t.Errorf("preset small: %T", decodePNG(t, body))
	}
	// The original stays the original.
	_, body = getDerived(t, c, srv.URL, im.Url, 200, image.Point{})
	if _, ok := decodePNG(t, body).(*image.Paletted); ok {
		t.Error("the original is paletted")
	}
	su, err := url.Parse(path("w=50&colors=8"))
	if err != nil {
		t.Fatal(err)
	}
	sig := "sig=" + su.Query().Get("sig")
	resp, body := do(t, c, newRequest(t, http.MethodGet, srv.URL+im.Url+"?w=50&colors=9&"+sig, "", ""))
	if resp.StatusCode != 403 {
		t.Errorf("colors changed under a signature: %d %s", resp.StatusCode, body)
	}
}

// TestPaletteInChromium: Chromium draws a quantized PNG with alpha over a
// coloured background as it draws the lossless one, within 32 dB.
func TestPaletteInChromium(t *testing.T) {
	ctx, base := browse(t)
	im := postImage(t, base, "image/png", encodeAs(t, "png", photoCard(240, 160, true)))
	type drawn struct {
		Pixels []int
		Error  string
	}
	draw := func(url string) drawn {
		js := `(async () => {
		  try {
		    const img = new Image();
		    img.src = ` + "`" + url + "`" + `;
		    await img.decode();
		    const c = document.createElement('canvas');
		    c.width = img.width; c.height = img.height;
		    const g = c.getContext('2d');
		    g.fillStyle = 'rgb(255, 0, 200)';
		    g.fillRect(0, 0, c.width, c.height);
		    g.drawImage(img, 0, 0);
		    return {Pixels: Array.from(g.getImageData(0, 0, c.width, c.height).data)};
		  } catch (e) { return {Error: String(e)}; }
		})()`
		return evaluate[drawn](t, ctx, base+"/healthz", js)
	}
	a, b := draw(im.Url+"?w=240"), draw(im.Url+"?w=240&colors=256")
	if a.Error != "" || b.Error != "" || len(a.Pixels) != 240*160*4 || len(a.Pixels) != len(b.Pixels) {
		t.Fatalf("drawn: %q %q, %d and %d values", a.Error, b.Error, len(a.Pixels), len(b.Pixels))
	}
	var se float64
	for i := range a.Pixels {
		if i%4 != 3 {
			d := float64(a.Pixels[i] - b.Pixels[i])
			se += d * d
		}
	}
	p := 10 * math.Log10(255*255/(se/float64(240*160*3)))
	t.Logf("Chromium: the quantized image over magenta is %.1f dB from the lossless one", p)
	if p < 32 {
		t.Errorf("%.1f dB", p)
	}
}
