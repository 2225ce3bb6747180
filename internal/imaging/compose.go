package imaging

import (
	"image"
	"image/color"
	"math"
)

// The composition steps of a derived image: pad (with its background),
// and rounded corners. Each works on premultiplied pixels of 8 or 16 bits
// a channel (T), maxv being T's largest value.

// premultiplied returns c premultiplied at maxv (255 or 65535).
func premultiplied[T uint8 | uint16](c color.NRGBA, maxv uint32) [4]T {
	a := uint32(c.A) * maxv / 255
	pm := func(v uint8) T { return T((uint32(v)*maxv/255*a + maxv/2) / maxv) }
	return [4]T{pm(c.R), pm(c.G), pm(c.B), T(a)}
}

// padCanvas returns an out-sized canvas of bg with the w×h picture pix (of
// stride stride) at place, composited over bg when flatten is set and
// copied as it is otherwise. It allocates the canvas (Plan.Bytes counts
// it).
func padCanvas[T uint8 | uint16](pix []T, stride int, place image.Rectangle, out image.Point, bg [4]T, flatten bool, maxv uint32) []T {
	canvas := make([]T, 4*out.X*out.Y)
	if bg != [4]T{} {
		for i := 0; i < len(canvas); i += 4 {
			copy(canvas[i:i+4], bg[:])
		}
	}
	w := place.Dx()
	for y := range place.Dy() {
		src := pix[y*stride : y*stride+4*w]
		dst := canvas[4*((place.Min.Y+y)*out.X+place.Min.X):][:4*w]
		if flatten {
			over(dst, src, maxv)
		} else {
			copy(dst, src)
		}
	}
	return canvas
}

// over composites the premultiplied pixels src over dst, in place in dst.
func over[T uint8 | uint16](dst, src []T, maxv uint32) {
	for i := 0; i+3 < len(src); i += 4 {
		a := uint32(src[i+3])
		if a == maxv {
			copy(dst[i:i+4], src[i:i+4])
			continue
		}
		k := maxv - a
		for c := range 4 {
			dst[i+c] = T(uint32(src[i+c]) + (uint32(dst[i+c])*k+maxv/2)/maxv)
		}
	}
}

// flattenOnto composites every pixel of pix over the single colour bg, in
// place.
func flattenOnto[T uint8 | uint16](pix []T, bg [4]T, maxv uint32) {
	for i := 0; i+3 < len(pix); i += 4 {
		a := uint32(pix[i+3])
		if a == maxv {
			continue
		}
		k := maxv - a
		for c := range 4 {
			pix[i+c] = T(uint32(pix[i+c]) + (uint32(bg[c])*k+maxv/2)/maxv)
		}
	}
}

// cornerSamples is the side of the grid of points per pixel at which the
// rounded corners' coverage is measured: 16×16, 256 levels of coverage.
const cornerSamples = 16

// cornerCoverage returns, for a corner of radius r, the share of each
// pixel of the r×r square at the top-left corner that lies inside the
// rounded rectangle, row by row: the anti-aliased alpha of the corner.
// The other corners are its mirror images.
func cornerCoverage(r int) []float64 {
	cov := make([]float64, r*r)
	rf := float64(r)
	for y := range r {
		for x := range r {
			in := 0
			for sy := range cornerSamples {
				py := float64(y) + (float64(sy)+0.5)/cornerSamples
				dy := rf - py
				for sx := range cornerSamples {
					dx := rf - (float64(x) + (float64(sx)+0.5)/cornerSamples)
					if dx <= 0 || dy <= 0 || dx*dx+dy*dy <= rf*rf {
						in++
					}
				}
			}
			cov[y*r+x] = float64(in) / (cornerSamples * cornerSamples)
		}
	}
	return cov
}

// roundCorners makes the corners of the w×h picture pix round with radius
// r (at most half the shorter side), anti-aliased: each pixel of a corner
// is scaled by the share of it inside the rounded rectangle, which in
// premultiplied colour scales its alpha and keeps its colour.
func roundCorners[T uint8 | uint16](pix []T, stride, w, h, r int) {
	r = min(r, w/2, h/2)
	if r <= 0 {
		return
	}
	cov := cornerCoverage(r)
	for y := range r {
		for x := range r {
			k := cov[y*r+x]
			if k == 1 {
				continue
			}
			for _, p := range [4][2]int{{x, y}, {w - 1 - x, y}, {x, h - 1 - y}, {w - 1 - x, h - 1 - y}} {
				px := pix[p[1]*stride+4*p[0]:][:4]
				for c := range px {
					px[c] = T(math.Round(float64(px[c]) * k))
				}
			}
		}
	}
}

// PadImage puts m at pl.Place in a canvas of pl.Out, filled with bg
// (transparent without hasBG), and composites m over bg when hasBG. Without
// padding, it only flattens m onto bg, in place.
func PadImage(m *image.RGBA, pl Plan, bg color.NRGBA, hasBG bool) *image.RGBA {
	b := premultiplied[uint8](bg, 255)
	if !hasBG {
		b = [4]uint8{}
	}
	if !pl.Padded() {
		if hasBG {
			flattenOnto(m.Pix, b, 255)
		}
		return m
	}
	pix := padCanvas(m.Pix, m.Stride, pl.Place, pl.Out, b, hasBG, 255)
	return &image.RGBA{Pix: pix, Stride: 4 * pl.Out.X, Rect: image.Rectangle{Max: pl.Out}}
}

// PadImage16 is PadImage at 16 bits.
func PadImage16(m *RGBA16, pl Plan, bg color.NRGBA, hasBG bool) *RGBA16 {
	b := premultiplied[uint16](bg, 65535)
	if !hasBG {
		b = [4]uint16{}
	}
	if !pl.Padded() {
		if hasBG {
			flattenOnto(m.Pix, b, 65535)
		}
		return m
	}
	pix := padCanvas(m.Pix, m.Stride, pl.Place, pl.Out, b, hasBG, 65535)
	return &RGBA16{Pix: pix, Stride: 4 * pl.Out.X, Rect: image.Rectangle{Max: pl.Out}}
}

// RoundCorners rounds m's corners with radius r, in place.
func RoundCorners(m *image.RGBA, r int) {
	roundCorners(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), r)
}

// overlayOnto composites ov, scaled by opacity, over the part at of the
// picture pix (of stride stride), in place. ov is 8-bit; maxv is pix's
// largest value.
func overlayOnto[T uint8 | uint16](pix []T, stride int, ov *image.RGBA, at image.Rectangle, opacity float64, maxv uint32) {
	k := uint32(math.Round(opacity * 256)) // 0 to 256
	up := maxv / 255                       // 1, or 257 at 16 bits
	src := make([]T, 4*at.Dx())
	for y := range at.Dy() {
		row := ov.Pix[y*ov.Stride : y*ov.Stride+4*at.Dx()]
		for i, v := range row {
			src[i] = T((uint32(v)*up*k + 128) >> 8)
		}
		over(pix[(at.Min.Y+y)*stride+4*at.Min.X:][:4*at.Dx()], src, maxv)
	}
}

// OverlayImage composites pl.Overlay over m at pl.OverlayAt, in place.
func OverlayImage(m *image.RGBA, pl Plan, opacity float64) {
	if pl.Overlay != nil {
		overlayOnto(m.Pix, m.Stride, pl.Overlay, pl.OverlayAt.Intersect(m.Rect), opacity, 255)
	}
}

// OverlayImage16 is OverlayImage at 16 bits.
func OverlayImage16(m *RGBA16, pl Plan, opacity float64) {
	if pl.Overlay != nil {
		overlayOnto(m.Pix, m.Stride, pl.Overlay, pl.OverlayAt.Intersect(m.Rect), opacity, 65535)
	}
}

// OverlayBytes is what compositing an overlay allocates: a row.
func OverlayBytes(w int) int64 { return 8 * int64(w) }
