package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/pngd/pngd/internal/quant"
)

// The palette step side by side with pngquant 2.17 (Debian's), on the same
// files, on this machine: `make bench` runs BenchmarkPaletteVsPngquant
// once and logs the tables docs/derived.md quotes ("Palettes and placeholders").
// pngquant runs as its users run it: `pngquant 256` (speed 4, Floyd–
// Steinberg dithering, its default), and `--nofs` beside pngd's dither=0.

// paletteCorpus is the benchmark's pictures by category: the encoder's
// corpus, its photographs as 512-px thumbnails, UI graphics with alpha, a
// screenshot with text, smooth gradients, and heatmaps.
func paletteCorpus(b *testing.B) map[string][]namedImage {
	dir := os.Getenv("PNGENC_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(files) == 0 {
		b.Fatalf("no corpus in %s: make corpus", dir)
	}
	sort.Strings(files)
	out := map[string][]namedImage{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		name := filepath.Base(f)
		rgba := ToRGBA(m)
		out["corpus"] = append(out["corpus"], namedImage{name, rgba})
		switch {
		case strings.HasPrefix(name, "photo-"), strings.HasPrefix(name, "wall-"):
			s := 512 / float64(max(rgba.Rect.Dx(), rgba.Rect.Dy()))
			size := image.Pt(max(1, int(float64(rgba.Rect.Dx())*s+0.5)), max(1, int(float64(rgba.Rect.Dy())*s+0.5)))
			out["thumbs"] = append(out["thumbs"], namedImage{"512-" + name, Resample(rgba, rgba.Rect, size)})
		case strings.HasPrefix(name, "heat-") && rgba.Rect.Dx() <= 1024:
			out["heatmaps"] = append(out["heatmaps"], namedImage{name, rgba})
		}
	}
	out["ui-alpha"] = []namedImage{{"buttons", uiCard(640, 400)}, {"icons", iconSheet(512, 256)}}
	out["screenshot"] = []namedImage{{"text", screenshot(1024, 640)}}
	out["gradients"] = []namedImage{{"linear", gradient(1024, 512, false)}, {"radial", gradient(800, 800, true)}}
	return out
}

type namedImage struct {
	name string
	m    *image.RGBA
}

// uiCard is rounded, anti-aliased, shadowed buttons on transparency.
func uiCard(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	cols := []color.NRGBA{{52, 120, 246, 255}, {230, 76, 60, 255}, {46, 204, 113, 255}, {241, 196, 15, 255}}
	for i, c := range cols {
		x0, y0 := 40+(i%2)*300, 40+(i/2)*180
		for y := y0 - 12; y < y0+132; y++ {
			for x := x0 - 12; x < x0+272; x++ {
				// Signed distance to a rounded rectangle, radius 24.
				dx := math.Max(math.Max(float64(x0+24-x), float64(x-(x0+236))), 0)
				dy := math.Max(math.Max(float64(y0+24-y), float64(y-(y0+96))), 0)
				d := math.Hypot(dx, dy) - 24
				shadow := math.Max(0, 1-(d+4)/12) * 0.35
				cover := math.Min(math.Max(0.5-d, 0), 1)
				shade := 1 - 0.25*float64(y-y0)/120 // a vertical gradient
				px := color.NRGBA{uint8(float64(c.R) * shade), uint8(float64(c.G) * shade), uint8(float64(c.B) * shade), uint8(255 * math.Max(cover, shadow))}
				if cover < shadow {
					px = color.NRGBA{0, 0, 0, uint8(255 * shadow)}
				}
				m.Set(x, y, px)
			}
		}
	}
	return m
}

// iconSheet is flat anti-aliased discs and rings on transparency.
func iconSheet(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range 8 {
		cx, cy := float64(32+64*(i%8)), float64(64+128*(i/8))
		c := color.NRGBA{uint8(30 * i), uint8(255 - 25*i), 180, 255}
		for y := range h {
			for x := range w {
				d := math.Hypot(float64(x)-cx, float64(y)-cy)
				a := math.Min(math.Max(26-d, 0), 1)
				if i%2 == 1 {
					a = math.Min(a, math.Min(math.Max(d-14, 0), 1))
				}
				if a > 0 {
					m.Set(x, y, color.NRGBA{c.R, c.G, c.B, uint8(255 * a)})
				}
			}
		}
	}
	return m
}

// screenshot is a window with a title bar, a sidebar and lines of text.
func screenshot(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, image.NewUniform(color.RGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	for y := range 36 {
		draw.Draw(m, image.Rect(0, y, w, y+1), image.NewUniform(color.RGBA{uint8(60 + y), uint8(70 + y), uint8(90 + y), 255}), image.Point{}, draw.Src)
	}
	draw.Draw(m, image.Rect(0, 36, 200, h), image.NewUniform(color.RGBA{235, 238, 242, 255}), image.Point{}, draw.Src)
	d := font.Drawer{Dst: m, Src: image.NewUniform(color.RGBA{30, 30, 30, 255}), Face: basicfont.Face7x13}
	words := strings.Fields("The quick brown fox jumps over the lazy dog while pngd writes its palette PNG of the window and its text")
	for line := range 40 {
		d.Dot = fixed.P(216, 56+line*14)
		if line%9 == 0 {
			d.Src = image.NewUniform(color.RGBA{20, 90, 200, 255})
		} else {
			d.Src = image.NewUniform(color.RGBA{30, 30, 30, 255})
		}
		d.DrawString(strings.Join(words[line%7:line%7+10], " "))
	}
	for line := range 30 {
		d.Dot = fixed.P(16, 60+line*18)
		d.Src = image.NewUniform(color.RGBA{80, 80, 90, 255})
		d.DrawString("Item " + strconv.Itoa(line))
	}
	return m
}

// gradient is a smooth two-colour gradient, linear or radial: banding's
// worst case.
func gradient(w, h int, radial bool) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			t := float64(x) / float64(w-1)
			if radial {
				t = math.Min(1, math.Hypot(float64(x-w/2), float64(y-h/2))/float64(w/2))
			}
			m.Set(x, y, color.RGBA{uint8(20 + 200*t), uint8(40 + 120*t), uint8(120 - 80*t), 255})
		}
	}
	return m
}

// psnrOf is the PSNR of b against a, over premultiplied colour channels
// and alpha when a has any translucency: quant's measure.
func psnrOf(a *image.RGBA, b image.Image) float64 { return quant.PSNR(mseOf(a, b)) }

// meanPSNR is the PSNR of the mean of the images' squared errors: a
// category's figure, which an exact image (infinite PSNR) does not skew.
func meanPSNR(mses []float64) float64 {
	s := 0.0
	for _, v := range mses {
		s += v
	}
	return quant.PSNR(s / float64(len(mses)))
}

// mseOf is psnrOf's mean squared error.
func mseOf(a *image.RGBA, b image.Image) float64 {
	var se float64
	opaque := true
	for y := range a.Rect.Dy() {
		for x := range a.Rect.Dx() {
			p := a.RGBAAt(x, y)
			q := color.RGBAModel.Convert(b.At(x, y)).(color.RGBA)
			opaque = opaque && p.A == 255
			for _, d := range []float64{float64(p.R) - float64(q.R), float64(p.G) - float64(q.G), float64(p.B) - float64(q.B), float64(p.A) - float64(q.A)} {
				se += d * d
			}
		}
	}
	ch := 4.0
	if opaque {
		ch = 3
	}
	return se / (float64(a.Rect.Dx()*a.Rect.Dy()) * ch)
}

// butteraugli is Debian's butteraugli distance between two PNGs (as RGB on
// white): lower is nearer; about 1 is where people begin to see a
// difference. NaN when the tool is missing or the image is large.
func butteraugli(b *testing.B, dir string, ref *image.RGBA, m image.Image) float64 {
	if _, err := exec.LookPath("butteraugli"); err != nil || ref.Rect.Dx()*ref.Rect.Dy() > 1<<20 {
		return math.NaN()
	}
	flat := func(name string, m image.Image) string {
		f := image.NewRGBA(m.Bounds())
		draw.Draw(f, f.Rect, image.White, image.Point{}, draw.Src)
		draw.Draw(f, f.Rect, m, m.Bounds().Min, draw.Over)
		rgb := image.NewNRGBA(f.Rect)
		draw.Draw(rgb, rgb.Rect, f, image.Point{}, draw.Src)
		p := filepath.Join(dir, name)
		var buf bytes.Buffer
		png.Encode(&buf, rgb)
		os.WriteFile(p, buf.Bytes(), 0o644)
		return p
	}
	out, err := exec.Command("butteraugli", flat("ref.png", ref), flat("test.png", m)).Output()
	if err != nil {
		b.Logf("butteraugli: %v", err)
		return math.NaN()
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// pngquantRun runs pngquant on m (written as a PNG first) and returns its
// output, its decoded image and the time it took, the process included.
func pngquantRun(b *testing.B, dir string, m *image.RGBA, args ...string) ([]byte, image.Image, time.Duration) {
	in := filepath.Join(dir, "in.png")
	var buf bytes.Buffer
	png.Encode(&buf, m)
	os.WriteFile(in, buf.Bytes(), 0o644)
	out := filepath.Join(dir, "out.png")
	start := time.Now()
	cmd := exec.Command("pngquant", append(args, "--force", "--output", out, in)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("pngquant %v: %v: %s", args, err, msg)
	}
	took := time.Since(start)
	data, _ := os.ReadFile(out)
	q, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return data, q, took
}

// BenchmarkPaletteVsPngquant compares the palette step with pngquant,
// category by category: bytes, PSNR and butteraugli at 256 colours, with
// and without dithering; the quality target and max_bytes on the
// thumbnails; and speed, on one core and on all.
func BenchmarkPaletteVsPngquant(b *testing.B) {
	if _, err := exec.LookPath("pngquant"); err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatal("pngquant is not installed (apt-get install pngquant)")
		}
		b.Skip("pngquant is not installed")
	}
	corpus := paletteCorpus(b)
	dir := b.TempDir()
	// To stdout whole: a benchmark's own log is cut at a few lines.
	logf := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	for b.Loop() {
		cats := []string{"corpus", "thumbs", "ui-alpha", "screenshot", "gradients", "heatmaps"}
		logf("At 256 colours, per category (sums of bytes; PSNR of the mean squared error; mean butteraugli, on white):")
		logf("%-11s %-7s %10s %10s %6s %8s %8s %6s %7s %7s", "category", "dither", "pngd B", "pngquant B", "ratio", "pngd dB", "pq dB", "Δ dB", "pngd BA", "pq BA")
		for _, cat := range cats {
			for _, fs := range []bool{true, false} {
				var ours, theirs int
				var mOurs, mTheirs []float64
				var baOurs, baTheirs float64
				nBA := 0
				for _, im := range corpus[cat] {
					dither := map[bool]float64{true: 1, false: 0}[fs]
					r, _ := quant.NewHistogram(im.m).Quantize(quant.Options{Colors: 256, Dither: dither})
					data, err := encodePaletted(r.Image)
					if err != nil {
						b.Fatal(err)
					}
					args := []string{"256"}
					if !fs {
						args = append(args, "--nofs")
					}
					pq, pqImg, _ := pngquantRun(b, dir, im.m, args...)
					ours += len(data)
					theirs += len(pq)
					mOurs = append(mOurs, mseOf(im.m, r.Image))
					mTheirs = append(mTheirs, mseOf(im.m, pqImg))
					if cat != "corpus" {
						if a, c := butteraugli(b, dir, im.m, r.Image), butteraugli(b, dir, im.m, pqImg); !math.IsNaN(a) && !math.IsNaN(c) {
							baOurs += a
							baTheirs += c
							nBA++
						}
					}
				}
				ba := func(v float64) string {
					if nBA == 0 {
						return "-"
					}
					return fmt.Sprintf("%.2f", v/float64(nBA))
				}
				logf("%-11s %-7s %10d %10d %6.3f %8.2f %8.2f %+6.2f %7s %7s", cat, map[bool]string{true: "FS", false: "none"}[fs],
					ours, theirs, float64(ours)/float64(theirs), meanPSNR(mOurs), meanPSNR(mTheirs), meanPSNR(mOurs)-meanPSNR(mTheirs), ba(baOurs), ba(baTheirs))
			}
		}

		// The thumbnails: lossless, the curve of bytes against colours,
		// the quality targets, max_bytes.
		thumbs := corpus["thumbs"]
		lossless := 0
		for _, im := range thumbs {
			var buf bytes.Buffer
			storedEncoder.Encode(&buf, im.m)
			lossless += buf.Len()
		}
		logf("Thumbnails (%d photographs at 512 px): lossless %d bytes", len(thumbs), lossless)
		type point struct {
			bytes int
			psnr  float64
		}
		curve := map[int][]point{}
		for _, k := range []int{2, 4, 8, 16, 32, 64, 128, 256} {
			total, mses := 0, []float64(nil)
			for _, im := range thumbs {
				r := quant.NewHistogram(im.m).Remap(k, 1)
				data, _ := encodePaletted(r.Image)
				total += len(data)
				mses = append(mses, mseOf(im.m, r.Image))
				curve[k] = append(curve[k], point{len(data), psnrOf(im.m, r.Image)})
			}
			logf("  colors=%-3d %8d bytes (%.2f× lossless), %.2f dB", k, total, float64(total)/float64(lossless), meanPSNR(mses))
		}
		for _, q := range []int{40, 60, 80} {
			total, kept, worst := 0, 0, math.Inf(1)
			var mses []float64
			for _, im := range thumbs {
				data, err := EncodePalette(context.Background(), im.m, Palette{HasQuality: true, Quality: q}, func() ([]byte, error) {
					var buf bytes.Buffer
					err := storedEncoder.Encode(&buf, im.m)
					return buf.Bytes(), err
				})
				if err != nil {
					b.Fatal(err)
				}
				m, _ := png.Decode(bytes.NewReader(data))
				if _, ok := m.(*image.Paletted); !ok {
					kept++
				}
				total += len(data)
				mses = append(mses, mseOf(im.m, m))
				worst = math.Min(worst, psnrOf(im.m, m))
			}
			logf("  quality=%d (%.0f dB): %d bytes (%.2f× lossless), %.2f dB, the least %.2f dB, %d of %d kept lossless", q, QualityPSNR(q), total, float64(total)/float64(lossless), meanPSNR(mses), worst, kept, len(thumbs))
		}
		for _, frac := range []float64{0.5, 0.3, 0.15} {
			var ratio, gap float64
			for i, im := range thumbs {
				var buf bytes.Buffer
				storedEncoder.Encode(&buf, im.m)
				n := int64(float64(buf.Len()) * frac)
				data, err := EncodePalette(context.Background(), im.m, Palette{MaxBytes: n}, func() ([]byte, error) { return buf.Bytes(), nil })
				if err != nil {
					logf("  max_bytes=%d for %s: %v", n, im.name, err)
					continue
				}
				m, _ := png.Decode(bytes.NewReader(data))
				ratio += float64(len(data)) / float64(n)
				// The best fixed colors of the curve that fits.
				best := math.Inf(-1)
				for _, k := range []int{2, 4, 8, 16, 32, 64, 128, 256} {
					if pt := curve[k][i]; int64(pt.bytes) <= n {
						best = math.Max(best, pt.psnr)
					}
				}
				gap += psnrOf(im.m, m) - best
			}
			nt := float64(len(thumbs))
			logf("  max_bytes=%.2f× lossless: the answer is %.3f of the budget on average, %+.2f dB against the best fixed colors that fits", frac, ratio/nt, gap/nt)
		}

		// Speed: pngd end to end (decode the PNG, quantize, encode) and
		// quantizing alone, on one core and on all, against pngquant
		// --speed 4 on the same file.
		for _, name := range []string{"512-photo-astronaut.png", "wall-adwaita-l-12mp.png"} {
			var m *image.RGBA
			for _, im := range append(append([]namedImage{}, corpus["thumbs"]...), corpus["corpus"]...) {
				if im.name == name {
					m = im.m
				}
			}
			if m == nil {
				continue
			}
			var src bytes.Buffer
			png.Encode(&src, m)
			_, _, pq := pngquantRun(b, dir, m, "256", "--speed", "4")
			for _, procs := range []int{1, runtime.NumCPU()} {
				old := runtime.GOMAXPROCS(procs)
				start := time.Now()
				d, _ := png.Decode(bytes.NewReader(src.Bytes()))
				qStart := time.Now()
				r, _ := quant.NewHistogram(d).Quantize(quant.Options{Colors: 256, Dither: 1})
				qTook := time.Since(qStart)
				encodePaletted(r.Image)
				took := time.Since(start)
				runtime.GOMAXPROCS(old)
				logf("%s, %d core(s): pngd %v end to end (%.2f× pngquant's %v), quantizing %v (%.2f×)", name, procs, took.Round(time.Millisecond),
					pq.Seconds()/took.Seconds(), pq.Round(time.Millisecond), qTook.Round(time.Millisecond), pq.Seconds()/qTook.Seconds())
			}
		}
	}
}
