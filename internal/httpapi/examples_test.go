package httpapi

import (
	"flag"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pngd/pngd/internal/imaging"
)

var updateExamples = flag.Bool("update-examples", false, "rewrite testdata/examples, the README's pictures")

// readmeExamples are the README's derived-image examples: each file in
// testdata/examples is what the server answers to its query.
var readmeExamples = []struct{ file, query string }{
	{"source.png", ""},
	{"w.png", "w=200"},
	{"h.png", "h=100"},
	{"contain.png", "w=200&h=200&fit=contain"},
	{"cover.png", "w=200&h=200&fit=cover"},
	{"cover-west.png", "w=200&h=200&fit=cover&gravity=west"},
	{"fill.png", "w=200&h=200&fit=fill"},
	{"rotate.png", "w=150&rotate=90"},
	{"flip.png", "w=200&flip=h"},
	{"grayscale.png", "w=200&grayscale=true"},
	{"blur.png", "w=200&blur=4"},
	{"dpr.png", "w=100&dpr=2"},
	{"smart.png", "w=160&h=200&fit=cover&gravity=smart"},
	{"focal.png", "w=160&h=200&fit=cover&fx=0.8&fy=0.2"},
	{"pad.png", "w=200&h=200&fit=pad&background=ffffff"},
	{"radius.png", "w=200&radius=32"},
	{"overlay.png", "w=200&overlay=MARK&overlay_scale=0.3&overlay_opacity=0.8&overlay_margin=8"},
}

// mark is the README's overlay: a translucent white badge with a dark
// ring, 90×60.
func mark() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 90, 60))
	for y := range 60 {
		for x := range 90 {
			d := math.Hypot((float64(x)-44.5)/44, (float64(y)-29.5)/29)
			switch {
			case d < 0.75:
				m.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 200})
			case d < 1:
				m.SetNRGBA(x, y, color.NRGBA{120, 20, 30, 255})
			}
		}
	}
	return m
}

// scene is the README's source picture, 480×320: a sky, a sun at the top
// right, a flag on a pole at the left and a half-transparent lake, so that
// crops, turns and mirrors all show.
func scene() *image.NRGBA {
	const w, h = 480, 320
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(90 + 100*y/h), uint8(150 + 60*y/h), 235, 255} // sky
			if y > 230 {
				c = color.NRGBA{40, uint8(140 + 40*(y-230)/90), 60, 255} // grass
			}
			if dx, dy := float64(x-400), float64(y-70); math.Hypot(dx, dy) < 40 {
				c = color.NRGBA{255, 210, 40, 255} // sun
			}
			if x >= 60 && x < 68 && y >= 60 && y < 260 {
				c = color.NRGBA{70, 50, 40, 255} // pole
			}
			if x >= 68 && y >= 60 && y < 130 && float64(x-68) < 110*(1-math.Abs(float64(y-95))/35) {
				c = color.NRGBA{220, 30, 40, 255} // pennant, pointing right
			}
			if (float64(x-300)*float64(x-300))/(90*90)+(float64(y-275)*float64(y-275))/(25*25) < 1 {
				c = color.NRGBA{30, 80, 200, 160} // lake, half transparent
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// TestReadmeExamples renders every README example through the server and
// compares it with its picture in testdata: at least 40 dB PSNR, so that
// the README shows what pngd makes (-update-examples rewrites them).
func TestReadmeExamples(t *testing.T) {
	srv, c := newTestServer(t, Config{})
	im := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", scene()), 201)
	badge := upload(t, c, srv.URL, "image/png", encodeAs(t, "png", mark()), 201)
	for _, ex := range readmeExamples {
		t.Run(ex.query, func(t *testing.T) {
			path := im.Url
			if ex.query != "" {
				path += "?" + strings.Replace(ex.query, "MARK", badge.Id, 1)
			}
			_, body := getDerived(t, c, srv.URL, path, 200, image.Point{})
			golden := filepath.Join("testdata", "examples", ex.file)
			if *updateExamples {
				if err := os.WriteFile(golden, body, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			got, wantImg := imaging.ToRGBA(decodePNG(t, body)), imaging.ToRGBA(decodePNG(t, want))
			if got.Rect != wantImg.Rect {
				t.Fatalf("size %v, the README shows %v", got.Rect.Size(), wantImg.Rect.Size())
			}
			if p := psnrRGBA(got, wantImg); p < 40 {
				t.Errorf("PSNR %.1f dB against %s, want at least 40", p, golden)
			}
		})
	}
}

func psnrRGBA(a, b *image.RGBA) float64 {
	var se float64
	for i := range a.Pix {
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(len(a.Pix))))
}
