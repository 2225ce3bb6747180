package imaging

import (
	"image"
	"image/color"
	"math"
)

// What a derived image learns from its source's pixels before it is
// made: the point a smart crop centres on (SmartFocus), and the part trim
// leaves (FindTrim). Both read premultiplied pixels of 8 or 16 bits a
// channel, and allocate only small, fixed-size maps besides three rows.

// The sizes of SmartFocus's maps: the features are found on a copy whose
// longer side is at most attentionSide, then summed into a grid of at most
// focusGrid×focusGrid cells, the precision with which the crop is placed.
const (
	attentionSide = 32
	focusGrid     = 32
)

// SmartFocusBytes is the most memory SmartFocus allocates.
const SmartFocusBytes = 8*(5*attentionSide*attentionSide+3*focusGrid*focusGrid) + 4096

// SmartFocus returns the point of the part r of m that draws the eye, as
// fractions of r's width and height, for a crop of size crop (in m's
// pixels) that will be centred on it.
//
// It learns from the method libvips documents for vips_smartcrop with
// interesting=attention: on a small copy in CIE Lab, the sum of the edges
// of lightness (Sobel), of skin tones (a* 3 to 22, b* 4 to 31, L* at least
// 15) and of saturated colour (chroma above 60), summed into a 32×32 grid,
// blurred by a Gaussian of a sixth of the crop's diagonal on that grid
// (the area the crop will show), and the maximum taken.
func SmartFocus(m *image.RGBA, r image.Rectangle, crop image.Point) (fx, fy float64) {
	return smartFocus(m.Pix, m.Stride, r, crop, 255)
}

// SmartFocus16 is SmartFocus at 16 bits.
func SmartFocus16(m *RGBA16, r image.Rectangle, crop image.Point) (fx, fy float64) {
	return smartFocus(m.Pix, m.Stride, r, crop, 65535)
}

func smartFocus[T uint8 | uint16](pix []T, stride int, r image.Rectangle, crop image.Point, maxv float64) (fx, fy float64) {
	if r.Empty() {
		return 0.5, 0.5
	}
	// The small copy: each cell the mean of the pixels it covers, read
	// every step-th pixel each way on large images.
	gw, gh := min(r.Dx(), attentionSide), min(r.Dy(), attentionSide)
	sums := make([]float64, 4*gw*gh)
	counts := make([]float64, gw*gh)
	step := max(1, min(r.Dx(), r.Dy())/(4*attentionSide))
	for y := r.Min.Y; y < r.Max.Y; y += step {
		gy := (y - r.Min.Y) * gh / r.Dy()
		row := pix[y*stride:]
		for x := r.Min.X; x < r.Max.X; x += step {
			gx := (x - r.Min.X) * gw / r.Dx()
			i := gy*gw + gx
			p := row[4*x : 4*x+4]
			sums[4*i] += float64(p[0])
			sums[4*i+1] += float64(p[1])
			sums[4*i+2] += float64(p[2])
			sums[4*i+3] += float64(p[3])
			counts[i]++
		}
	}
	// Lab of each cell (colour unpremultiplied; a transparent cell is
	// black), and its skin and saturation scores.
	lum := make([]float64, gw*gh)
	score := make([]float64, gw*gh)
	for i := range counts {
		if counts[i] == 0 || sums[4*i+3] == 0 {
			continue
		}
		a := sums[4*i+3]
		l, aa, bb := lab(sums[4*i]/a, sums[4*i+1]/a, sums[4*i+2]/a)
		lum[i] = l
		if aa >= 3 && aa <= 22 && bb >= 4 && bb <= 31 && l >= 15 {
			score[i] += 255
		}
		if math.Hypot(aa, bb) > 60 {
			score[i] += 255
		}
	}
	// Sobel on lightness, edges replicated.
	at := func(x, y int) float64 { return lum[min(max(y, 0), gh-1)*gw+min(max(x, 0), gw-1)] }
	for y := range gh {
		for x := range gw {
			gx := at(x+1, y-1) + 2*at(x+1, y) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x-1, y) - at(x-1, y+1)
			gy := at(x-1, y+1) + 2*at(x, y+1) + at(x+1, y+1) - at(x-1, y-1) - 2*at(x, y-1) - at(x+1, y-1)
			score[y*gw+x] += math.Abs(gx) + math.Abs(gy)
		}
	}
	// Summed into the grid, blurred, and the maximum found.
	mw, mh := min(focusGrid, gw), min(focusGrid, gh)
	grid := make([]float64, mw*mh)
	for y := range gh {
		for x := range gw {
			grid[(y*mh/gh)*mw+x*mw/gw] += score[y*gw+x]
		}
	}
	sigma := math.Hypot(float64(crop.X)/float64(r.Dx())*float64(mw), float64(crop.Y)/float64(r.Dy())*float64(mh)) / 10
	grid = gaussGrid(grid, mw, mh, math.Max(sigma, 1))
	best := 0
	for i, v := range grid {
		if v > grid[best] {
			best = i
		}
	}
	return (float64(best%mw) + 0.5) / float64(mw), (float64(best/mw) + 0.5) / float64(mh)
}

// gaussGrid blurs the w×h grid g by a Gaussian of sigma cells, edges
// replicated.
func gaussGrid(g []float64, w, h int, sigma float64) []float64 {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, w*h)
	out := make([]float64, w*h)
	for y := range h {
		for x := range w {
			v := 0.0
			for i, kv := range k {
				v += kv * g[y*w+min(max(x+i-rad, 0), w-1)]
			}
			tmp[y*w+x] = v
		}
	}
	for y := range h {
		for x := range w {
			v := 0.0
			for i, kv := range k {
				v += kv * tmp[min(max(y+i-rad, 0), h-1)*w+x]
			}
			out[y*w+x] = v
		}
	}
	return out
}

// lab converts an sRGB colour (each channel 0 to maxv-scaled, given as a
// fraction times its maximum: callers pass values already divided by
// alpha, so 0 to 1) to CIE L*a*b* with the D65 white.
func lab(r, g, b float64) (l, a, bb float64) {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	r, g, b = lin(r), lin(g), lin(b)
	x := (0.4124564*r + 0.3575761*g + 0.1804375*b) / 0.95047
	y := 0.2126729*r + 0.7151522*g + 0.0721750*b
	z := (0.0193339*r + 0.1191920*g + 0.9503041*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return 116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)
}

// FindTrimBytes is the most memory FindTrim allocates for an image w
// pixels wide.
func FindTrimBytes(w int) int64 { return 7*int64(w) + 4096 }

// FindTrim returns the part of m that is not border: the smallest
// rectangle holding every pixel that differs from the border colour by
// more than threshold (0 to 255) once a 3×3 median has removed lone noisy
// pixels, as libvips's vips_find_trim does. The border colour is the
// top-left pixel's; when that pixel is transparent, the border is every
// transparent pixel. An image that is all border is returned whole.
func FindTrim(m *image.RGBA, threshold float64) image.Rectangle {
	if m.Rect.Empty() {
		return m.Rect
	}
	if r := findTrim(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), threshold, 255, m.Pix[0:4]); !r.Empty() {
		return r
	}
	return m.Rect
}

// FindTrimAgainst is FindTrim with the border colour given (premultiplied),
// as for the frames of an animation, which all take their first frame's.
// An image that is all border is returned empty.
func FindTrimAgainst(m *image.RGBA, threshold float64, border color.RGBA) image.Rectangle {
	if m.Rect.Empty() {
		return m.Rect
	}
	return findTrim(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), threshold, 255, []uint8{border.R, border.G, border.B, border.A})
}

// FindTrim16 is FindTrim at 16 bits.
func FindTrim16(m *RGBA16, threshold float64) image.Rectangle {
	if m.Rect.Empty() {
		return m.Rect
	}
	if r := findTrim(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), threshold, 65535, m.Pix[0:4]); !r.Empty() {
		return r
	}
	return m.Rect
}

// findTrim is FindTrim against the border pixel border, but empty when
// all of the image is border.
func findTrim[T uint8 | uint16](pix []T, stride, w, h int, threshold, maxv float64, border []T) image.Rectangle {
	// The test, in 0-255 units: unpremultiplied colour, and alpha.
	scale := 255 / maxv
	unpremul := func(p []T) (r, g, b, a float64) {
		a = float64(p[3])
		if a == 0 {
			return 0, 0, 0, 0
		}
		return float64(p[0]) * 255 / a, float64(p[1]) * 255 / a, float64(p[2]) * 255 / a, a * scale
	}
	bgc := [4]float64{}
	bgc[0], bgc[1], bgc[2], bgc[3] = unpremul(border)
	transparent := border[3] == 0
	// differs sets bit c when channel c differs from the border's by more
	// than threshold (alpha alone for a transparent border).
	differs := func(p []T) uint8 {
		var v [4]float64
		v[0], v[1], v[2], v[3] = unpremul(p)
		var bits uint8
		for c := range 4 {
			if (!transparent || c == 3) && math.Abs(v[c]-bgc[c]) > threshold {
				bits |= 1 << c
			}
		}
		return bits
	}
	// Three rows of the test and their column sums, channel by channel: a
	// pixel is kept when, for some channel, at least 5 of the 9 pixels
	// around it (edges replicated) differ, which is a 3×3 median of each
	// channel's difference before the threshold.
	rows := [3][]uint8{make([]uint8, w), make([]uint8, w), make([]uint8, w)}
	fill := func(dst []uint8, y int) {
		row := pix[min(max(y, 0), h-1)*stride:]
		for x := range w {
			dst[x] = differs(row[4*x : 4*x+4])
		}
	}
	fill(rows[0], -1)
	fill(rows[1], 0)
	cols := make([][4]uint8, w)
	out := image.Rectangle{Min: image.Pt(w, h)}
	for y := range h {
		fill(rows[2], y+1)
		for x := range w {
			for c := range 4 {
				cols[x][c] = (rows[0][x]>>c)&1 + (rows[1][x]>>c)&1 + (rows[2][x]>>c)&1
			}
		}
		for x := range w {
			a, b, d := cols[max(x-1, 0)], cols[x], cols[min(x+1, w-1)]
			for c := range 4 {
				if a[c]+b[c]+d[c] >= 5 {
					out.Min.X, out.Max.X = min(out.Min.X, x), max(out.Max.X, x+1)
					out.Min.Y, out.Max.Y = min(out.Min.Y, y), max(out.Max.Y, y+1)
					break
				}
			}
		}
		rows[0], rows[1], rows[2] = rows[1], rows[2], rows[0]
	}
	if out.Empty() {
		return image.Rectangle{}
	}
	return out
}
