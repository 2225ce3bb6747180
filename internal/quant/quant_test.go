package quant

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// testImage is a w×h picture of the given kind, made from seed.
func testImage(kind string, w, h int, seed uint64) image.Image {
	rng := rand.New(rand.NewPCG(seed, 7))
	switch kind {
	case "photo-like": // smooth fields, edges and noise
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				n := uint8(rng.IntN(24))
				r := uint8(255*x/w) + n
				g := uint8(128+100*math.Sin(float64(y)/9)) + n/2
				b := uint8(40)
				if (x/37+y/23)%3 == 0 {
					b = 200
				}
				m.SetNRGBA(x, y, color.NRGBA{r, g, b, 255})
			}
		}
		return m
	case "alpha": // a translucent disc on transparency, with a soft edge
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				d := math.Hypot(float64(x-w/2), float64(y-h/2)) / float64(min(w, h)/2)
				a := min(max((1-d)*4, 0), 1)
				m.SetNRGBA(x, y, color.NRGBA{uint8(200 * x / w), uint8(255 * y / h), uint8(rng.IntN(40)), uint8(255 * a)})
			}
		}
		return m
	case "16-bit": // a 16-bit gradient, noise in the low bits
		m := image.NewNRGBA64(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				v := uint16(65535*x/w) ^ uint16(rng.IntN(64))
				m.SetNRGBA64(x, y, color.NRGBA64{v, uint16(65535 * y / h), 30000, 65535})
			}
		}
		return m
	}
	panic(kind)
}

// TestQuantizeProperties: at most n colours, every index in the palette,
// transparent pixels transparent, the same bytes on any number of cores.
func TestQuantizeProperties(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, kind := range []string{"photo-like", "alpha", "16-bit"} {
		for _, n := range []int{2, 3, 16, 100, 256} {
			for _, dither := range []float64{0, 0.5, 1} {
				src := testImage(kind, 97, 61, uint64(n))
				var first *image.Paletted
				for _, procs := range []int{1, 2, 8} {
					runtime.GOMAXPROCS(procs)
					r, _ := Quantize(src, Options{Colors: n, Dither: dither})
					m := r.Image
					name := fmt.Sprintf("%s, %d colours, dither %v, GOMAXPROCS %d", kind, n, dither, procs)
					if len(m.Palette) > n || len(m.Palette) == 0 {
						t.Fatalf("%s: %d palette entries", name, len(m.Palette))
					}
					for i, v := range m.Pix {
						if int(v) >= len(m.Palette) {
							t.Fatalf("%s: index %d at %d past the palette", name, v, i)
						}
					}
					for y := range 61 {
						for x := range 97 {
							_, _, _, a := src.At(x, y).RGBA()
							if _, _, _, got := m.At(x, y).RGBA(); a == 0 && got != 0 {
								t.Fatalf("%s: (%d,%d) is transparent and became alpha %d", name, x, y, got>>8)
							}
						}
					}
					if first == nil {
						first = m
					} else if !bytes.Equal(first.Pix, m.Pix) || fmt.Sprint(first.Palette) != fmt.Sprint(m.Palette) {
						t.Fatalf("%s: differs from GOMAXPROCS 1", name)
					}
				}
			}
		}
	}
}

// TestFewColoursExact: an image of at most n colours comes back exact.
func TestFewColoursExact(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	cols := []color.NRGBA{{255, 0, 0, 255}, {0, 0, 255, 128}, {0, 0, 0, 0}, {12, 200, 7, 255}}
	for y := range 30 {
		for x := range 40 {
			m.SetNRGBA(x, y, cols[(x/7+y/5)%len(cols)])
		}
	}
	r, _ := Quantize(m, Options{Colors: 4, Dither: 1})
	if !math.IsInf(r.PSNR, 1) || len(r.Image.Palette) != 4 {
		t.Fatalf("PSNR %v with %d colours, want exact with 4", r.PSNR, len(r.Image.Palette))
	}
	for y := range 30 {
		for x := range 40 {
			if got, want := color.NRGBAModel.Convert(r.Image.At(x, y)), m.At(x, y); got != want {
				t.Fatalf("(%d,%d): %v, want %v", x, y, got, want)
			}
		}
	}
	// Translucent entries first, so that tRNS stays short.
	if _, _, _, a := r.Image.Palette[0].RGBA(); a == 0xffff {
		t.Errorf("palette %v: an opaque entry first", r.Image.Palette)
	}
}

// TestQualityTarget: MinPSNR is met with fewer colours for a lower
// target, and refused when 256 colours cannot reach it.
func TestQualityTarget(t *testing.T) {
	src := testImage("photo-like", 160, 120, 1)
	h := NewHistogram(src)
	prev := 0
	for _, target := range []float64{26, 30, 33} {
		r, ok := h.Quantize(Options{Dither: 1, MinPSNR: target})
		if !ok || r.PSNR < target {
			t.Fatalf("target %v dB: %v dB, ok %v", target, r.PSNR, ok)
		}
		if n := len(r.Image.Palette); n < prev {
			t.Errorf("target %v dB took %d colours, fewer than a lower target's %d", target, n, prev)
		} else {
			prev = n
		}
		t.Logf("target %.0f dB: %d colours, %.2f dB", target, len(r.Image.Palette), r.PSNR)
	}
	if prev >= 256 {
		t.Errorf("33 dB took all 256 colours")
	}
	if r, ok := h.Quantize(Options{MinPSNR: 80}); ok {
		t.Errorf("80 dB reached with %d colours at %v dB", len(r.Image.Palette), r.PSNR)
	}
}

// TestDitherKeepsGradients: a gradient quantized to 8 colours, dithered,
// is far nearer the source once both are blurred (as the eye averages)
// than the undithered bands are; and a flat area stays one colour.
func TestDitherKeepsGradients(t *testing.T) {
	w, h := 256, 32
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(x)
			if x >= 200 {
				v = 90 // flat
			}
			src.SetNRGBA(x, y, color.NRGBA{v, v / 2, 255 - v, 255})
		}
	}
	blurred := func(m image.Image) []float64 {
		out := make([]float64, 0, w*h)
		for y := 4; y < h-4; y++ {
			for x := 4; x < 196; x++ {
				var s float64
				for j := -3; j <= 3; j++ {
					for i := -3; i <= 3; i++ {
						r, _, _, _ := m.At(x+i, y+j).RGBA()
						s += float64(r >> 8)
					}
				}
				out = append(out, s/49)
			}
		}
		return out
	}
	ref := blurred(src)
	errOf := func(d float64) (float64, *image.Paletted) {
		r, _ := Quantize(src, Options{Colors: 8, Dither: d})
		var se float64
		for i, v := range blurred(r.Image) {
			se += (v - ref[i]) * (v - ref[i])
		}
		return se / float64(len(ref)), r.Image
	}
	banded, _ := errOf(0)
	smooth, m := errOf(1)
	// image/draw's plain Floyd–Steinberg with the same palette: dithering
	// everywhere at full strength.
	fs := image.NewPaletted(src.Bounds(), m.Palette)
	draw.FloydSteinberg.Draw(fs, fs.Bounds(), src, image.Point{})
	var plain float64
	for i, v := range blurred(fs) {
		plain += (v - ref[i]) * (v - ref[i])
	}
	plain /= float64(len(ref))
	t.Logf("blurred error: %.2f undithered, %.2f dithered, %.2f image/draw's Floyd–Steinberg", banded, smooth, plain)
	if smooth > banded/2 || smooth > 1.5*plain {
		t.Errorf("blurred error %.2f dithered, %.2f undithered, %.2f image/draw's: the gradient bands", smooth, banded, plain)
	}
	flat := m.ColorIndexAt(210, 5)
	for y := range h {
		for x := 205; x < w; x++ {
			if m.ColorIndexAt(x, y) != flat {
				t.Fatalf("the flat area is dithered at (%d,%d)", x, y)
			}
		}
	}
}

// TestSixteenBits: a flat 16-bit area halfway between two 8-bit levels
// dithers to their mix: quantized from its 16 bits, not from 8-bit
// rounding.
func TestSixteenBits(t *testing.T) {
	m := image.NewNRGBA64(image.Rect(0, 0, 64, 64))
	draw.Draw(m, m.Bounds(), &image.Uniform{color.NRGBA64{128*257 + 128, 128*257 + 128, 128*257 + 128, 65535}}, image.Point{}, draw.Src)
	// Two colours besides, so that the palette holds 128 and 129 grey.
	m.SetNRGBA64(0, 0, color.NRGBA64{128 * 257, 128 * 257, 128 * 257, 65535})
	m.SetNRGBA64(1, 0, color.NRGBA64{129 * 257, 129 * 257, 129 * 257, 65535})
	pal := color.Palette{color.NRGBA{128, 128, 128, 255}, color.NRGBA{129, 129, 129, 255}}
	dst := image.NewPaletted(m.Bounds(), pal)
	Ditherer{Strength: 1}.Draw(dst, dst.Bounds(), m, image.Point{})
	var sum float64
	for _, v := range dst.Pix {
		sum += float64(128 + int(v))
	}
	if mean := sum / float64(len(dst.Pix)); math.Abs(mean-128.5) > 0.05 {
		t.Errorf("mean level %.3f, want 128.5", mean)
	}
}

// TestDrawInterfaces: Quantizer and Ditherer work where image/draw's do.
func TestDrawInterfaces(t *testing.T) {
	src := testImage("photo-like", 50, 40, 3)
	pal := Quantizer{Colors: 16}.Quantize(color.Palette{color.Black}, src)
	if len(pal) != 16 || pal[0] != color.Black {
		t.Fatalf("palette of %d, first %v", len(pal), pal[0])
	}
	dst := image.NewPaletted(image.Rect(0, 0, 50, 40), pal)
	Ditherer{Strength: 1}.Draw(dst, dst.Bounds(), src, image.Point{})
	ref := image.NewPaletted(dst.Bounds(), pal)
	draw.FloydSteinberg.Draw(ref, ref.Bounds(), src, image.Point{})
	mse := func(m *image.Paletted) float64 {
		var s float64
		for y := range 40 {
			for x := range 50 {
				a, b := toPixel(m.At(x, y)), toPixel(src.At(x, y))
				s += float64(a.dist(b))
			}
		}
		return s / 2000 / 3
	}
	t.Logf("PSNR: ours %.2f dB, draw.FloydSteinberg %.2f dB", PSNR(mse(dst)), PSNR(mse(ref)))
	if PSNR(mse(dst)) < PSNR(mse(ref))-0.5 {
		t.Errorf("ours %.2f dB, image/draw's %.2f dB", PSNR(mse(dst)), PSNR(mse(ref)))
	}
}

// FuzzQuantize: any small image and options give a valid result.
func FuzzQuantize(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 255, 0, 0, 0}, uint8(3), uint8(2), uint8(128))
	f.Fuzz(func(t *testing.T, pix []byte, w uint8, n uint8, dither uint8) {
		width := int(w%16) + 1
		height := len(pix) / 4 / width
		if height == 0 {
			return
		}
		m := &image.NRGBA{Pix: pix[:4*width*height], Stride: 4 * width, Rect: image.Rect(0, 0, width, height)}
		colours := int(n)%255 + 2
		r, _ := Quantize(m, Options{Colors: colours, Dither: float64(dither) / 255})
		if len(r.Image.Palette) > colours {
			t.Fatalf("%d colours, asked %d", len(r.Image.Palette), colours)
		}
		for _, v := range r.Image.Pix {
			if int(v) >= len(r.Image.Palette) {
				t.Fatalf("index %d of %d", v, len(r.Image.Palette))
			}
		}
	})
}
