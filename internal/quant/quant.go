// Package quant reduces an image to a palette of at most 256 colours, for
// a paletted PNG: the colours chosen by a variance-based median cut over a
// histogram and refined by k-means, in premultiplied sRGB-encoded space,
// and the pixels mapped to them with selective, serpentine Floyd–Steinberg
// dithering. It is deterministic: the same pixels and options give the
// same palette and indices on any number of cores. It imports nothing of
// pngd's.
//
// Quantizer and Ditherer fit image/draw's Quantizer and Drawer; Quantize
// does the whole job, and a Histogram serves callers that try several
// palettes of one image (a byte budget, a quality target).
package quant

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Options says what Quantize makes.
type Options struct {
	// Colors is the most colours the palette may have, 2 to 256; 0
	// means 256.
	Colors int
	// Dither is the error diffusion's strength, 0 (none) to 1 (full
	// Floyd–Steinberg where the picture is smooth).
	Dither float64
	// MinPSNR, when above 0, asks for the fewest colours (up to Colors)
	// whose result is at least this PSNR, in dB, against the source.
	MinPSNR float64
}

// Result is a quantized image and how near its source it is.
type Result struct {
	Image *image.Paletted
	// Frames are every image of a histogram of several
	// (NewHistogramFrames), Image the first, all with one palette.
	Frames []*image.Paletted
	// PSNR is 10·log10(255²/MSE), the mean squared error taken over the
	// premultiplied colour channels, and alpha when the image has
	// translucency; +Inf for an exact result.
	PSNR float64
}

// Quantize reduces m to a palette as o asks. ok is false when o.MinPSNR
// is set and no palette of at most o.Colors colours reaches it: the image
// should then stay lossless.
func Quantize(m image.Image, o Options) (Result, bool) {
	return NewHistogram(m).Quantize(o)
}

// Quantize is the package's Quantize, for the histogram's image.
func (h *Histogram) Quantize(o Options) (Result, bool) {
	most := o.Colors
	if most <= 0 || most > 256 {
		most = 256
	}
	most = max(most, 2)
	if o.MinPSNR <= 0 {
		return h.Remap(most, o.Dither), true
	}
	// The median cut's own error is a floor for the first try: k-means
	// only lowers it, dithering may raise it a little.
	target := 255 * 255 / math.Pow(10, o.MinPSNR/10)
	n := h.minBoxes(target, most)
	if h.clear > 0 {
		n++
	}
	// Dithering moves each pixel off its nearest entry: the palette's own
	// error must beat the target by a margin for the output to meet it.
	margin := 0.0
	if o.Dither > 0 {
		margin = 0.5
	}
	for {
		n = min(max(n, 2), most)
		// The palette's undithered error is known from the bins without
		// a pixel read: when it misses, dithering would too.
		pal, assign := h.palette(n)
		if PSNR(h.lastMSE) >= o.MinPSNR+margin || (n == most && PSNR(h.lastMSE) >= o.MinPSNR) {
			r := h.remapWith(pal, assign, o.Dither)
			if r.PSNR >= o.MinPSNR {
				return r, true
			}
			if n == most {
				return r, false
			}
		} else if n == most {
			return h.remapWith(pal, assign, o.Dither), false
		}
		n = n + n/4 + 1
	}
}

// Remap is the image with a palette of at most n colours (see Palette),
// dithered at strength dither.
//
// A palette whose error is below noDither (about half a level) is not
// dithered: at that error gradients cannot band, and dithering would only
// add noise, and bytes.
func (h *Histogram) Remap(n int, dither float64) Result {
	pal, assign := h.palette(n)
	return h.remapWith(pal, assign, dither)
}

// remapWith is Remap with the palette made (h.lastMSE its error).
func (h *Histogram) remapWith(pal []pixel, assign []int32, dither float64) Result {
	if h.lastMSE < noDither {
		dither = 0
	}
	ms, mse := h.remap(pal, assign, dither)
	return Result{Image: ms[0], Frames: ms, PSNR: PSNR(mse)}
}

// noDither is the undithered error per channel below which Remap does not
// dither: 50 dB.
const noDither = 255 * 255 / 1e5

// PSNR is 10·log10(255²/mse): +Inf for 0.
func PSNR(mse float64) float64 {
	if mse <= 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// Quantizer is a draw.Quantizer: it adds to a palette up to Colors
// (2 to 256; 0 means 256) minus its length colours chosen for the image.
// The colours already there are kept, but do not steer the choice.
type Quantizer struct{ Colors int }

// Quantize implements draw.Quantizer.
func (q Quantizer) Quantize(p color.Palette, m image.Image) color.Palette {
	n := q.Colors
	if n <= 0 || n > 256 {
		n = 256
	}
	if n -= len(p); n <= 0 {
		return p
	}
	return append(p, NewHistogram(m).Palette(n)...)
}

// Ditherer is a draw.Drawer that maps an image to a paletted
// destination's palette with this package's selective dithering at
// Strength (0 to 1). To any other destination it draws as
// draw.FloydSteinberg does.
type Ditherer struct{ Strength float64 }

// Draw implements draw.Drawer.
func (d Ditherer) Draw(dst draw.Image, r image.Rectangle, src image.Image, sp image.Point) {
	pd, ok := dst.(*image.Paletted)
	if !ok || len(pd.Palette) == 0 {
		draw.FloydSteinberg.Draw(dst, r, src, sp)
		return
	}
	r = r.Intersect(dst.Bounds())
	sr := r.Sub(r.Min).Add(sp).Intersect(src.Bounds())
	if sr.Empty() {
		return
	}
	part := image.NewNRGBA64(sr.Sub(sr.Min))
	draw.Draw(part, part.Bounds(), src, sr.Min, draw.Src)
	h := NewHistogram(part)
	pal := make([]pixel, len(pd.Palette))
	for i, c := range pd.Palette {
		pal[i] = toPixel(c)
	}
	near := newNearest(pal)
	assign := make([]int32, len(h.bins))
	for k := range h.bins {
		j, _ := near.find(h.bins[k].mean, 0)
		assign[k] = int32(j)
	}
	ms, _ := h.remap(pal, assign, d.Strength)
	m := ms[0]
	for y := range sr.Dy() {
		copy(pd.Pix[pd.PixOffset(r.Min.X, r.Min.Y+y):], m.Pix[y*m.Stride:y*m.Stride+sr.Dx()])
	}
}

var (
	_ draw.Quantizer = Quantizer{}
	_ draw.Drawer    = Ditherer{}
)
