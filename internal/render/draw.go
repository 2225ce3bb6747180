package render

import (
	"context"
	"image"
	"image/color"
	"math"
	"sync"
)

// Render draws the plan's Width×Height heatmap. The result is an
// *image.Paletted whenever its colours fit in 256 (always, unless missing
// values and all 256 levels occur together), else an *image.NRGBA. It
// returns ctx.Err() if ctx ends between steps.
func (p *Plan) Render(ctx context.Context) (image.Image, error) {
	w, h := p.spec.Width, p.spec.Height
	cells := p.normalise()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pix := getPix(w * h)
	var mask []bool // mask[i]: pixel i is missing; nil when nothing is
	if p.missing {
		mask = make([]bool, w*h)
	}
	if p.spec.Interpolation == Bilinear {
		p.drawBilinear(cells, pix, mask)
	} else {
		p.drawNearest(cells, pix, mask)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return p.finish(pix, mask), nil
}

// pixPool recycles pixel planes: a fresh 1 MiB plane per request costs a
// page fault per 4 KiB and a clear it does not need (every pixel is written).
var pixPool sync.Pool

func getPix(n int) []uint8 {
	if p, ok := pixPool.Get().(*[]uint8); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]uint8, n)
}

// Recycle hands the pixels of an image that Render returned back for reuse.
// The caller must not touch img afterwards. Other images are ignored.
func Recycle(img image.Image) {
	if p, ok := img.(*image.Paletted); ok && cap(p.Pix) <= MaxSide*MaxSide {
		pix := p.Pix[:0]
		pixPool.Put(&pix)
	}
}

// normalise maps every cell to [0, 1] between lo and hi, clamped; missing
// cells (NaN values and cells past the last value) are NaN. A zero-width
// range maps everything to 0, the colormap's first colour. A range too wide
// for a float64 (hi-lo overflows) is computed on halved values.
func (p *Plan) normalise() []float32 {
	cells := make([]float32, p.rows*p.cols)
	div := 1.0
	if math.IsInf(p.hi-p.lo, 0) {
		div = 2
	}
	scale, span := 0.0, p.hi/div-p.lo/div
	if p.hi > p.lo {
		scale = 1 / span
	}
	// A range so narrow that its reciprocal overflows (subnormal
	// values) divides instead: t would be 0 × +Inf, NaN, at the low end.
	divide := math.IsInf(scale, 1)
	lo := p.lo / div
	for i := range cells {
		if i >= len(p.spec.Values) || math.IsNaN(p.spec.Values[i]) {
			cells[i] = float32(math.NaN())
			continue
		}
		t := (p.spec.Values[i]/div - lo) * scale
		if divide {
			t = (p.spec.Values[i]/div - lo) / span
		}
		cells[i] = float32(min(max(t, 0), 1))
	}
	return cells
}

// level quantises t in [0, 1] to a colormap index.
func level(t float32) uint8 { return uint8(t*255 + 0.5) }

// drawNearest paints each output pixel with the cell under its top-left
// corner's grid position; output rows that fall in the same grid row are
// copied rather than recomputed.
func (p *Plan) drawNearest(cells []float32, pix []uint8, mask []bool) {
	w, h := p.spec.Width, p.spec.Height
	colOf := make([]int, w)
	for x := range colOf {
		colOf[x] = x * p.cols / w
	}
	levels := make([]int16, len(cells)) // -1 is missing
	for i, t := range cells {
		if t != t {
			levels[i] = -1
		} else {
			levels[i] = int16(level(t))
		}
	}
	prevRow := -1
	for y := range h {
		row := y * p.rows / h
		out := pix[y*w : (y+1)*w]
		if row == prevRow {
			copy(out, pix[(y-1)*w:y*w])
			if mask != nil {
				copy(mask[y*w:(y+1)*w], mask[(y-1)*w:y*w])
			}
			continue
		}
		prevRow = row
		src := levels[row*p.cols : (row+1)*p.cols]
		for x, c := range colOf {
			if lv := src[c]; lv >= 0 {
				out[x] = uint8(lv)
			} else {
				mask[y*w+x] = true
			}
		}
	}
}

// axis holds, for each output pixel along one axis, the two grid cells around
// its centre and the weight of the second.
type axis struct {
	i0, i1 []int
	f      []float32
}

func newAxis(out, cells int) axis {
	a := axis{make([]int, out), make([]int, out), make([]float32, out)}
	for x := range out {
		u := (float64(x)+0.5)*float64(cells)/float64(out) - 0.5
		u = min(max(u, 0), float64(cells-1))
		i0 := int(u)
		a.i0[x], a.i1[x], a.f[x] = i0, min(i0+1, cells-1), float32(u-float64(i0))
	}
	return a
}

// drawBilinear blends the four cells around each pixel centre. A pixel whose
// nearest cell is missing is missing; otherwise missing neighbours drop out
// and the remaining weights are renormalised.
func (p *Plan) drawBilinear(cells []float32, pix []uint8, mask []bool) {
	w, h := p.spec.Width, p.spec.Height
	xs, ys := newAxis(w, p.cols), newAxis(h, p.rows)
	for y := range h {
		top, bot, fy := ys.i0[y]*p.cols, ys.i1[y]*p.cols, ys.f[y]
		out := pix[y*w : (y+1)*w]
		for x := range w {
			c0, c1, fx := xs.i0[x], xs.i1[x], xs.f[x]
			a, b, c, d := cells[top+c0], cells[top+c1], cells[bot+c0], cells[bot+c1]
			wa, wb, wc, wd := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
			if mask == nil {
				out[x] = level(a*wa + b*wb + c*wc + d*wd)
				continue
			}
			nearest := [4]float32{a, b, c, d}[btoi(fx >= 0.5)+2*btoi(fy >= 0.5)]
			if nearest != nearest {
				mask[y*w+x] = true
				continue
			}
			var sum, wsum float32
			for _, vw := range [4][2]float32{{a, wa}, {b, wb}, {c, wc}, {d, wd}} {
				if vw[0] == vw[0] {
					sum += vw[0] * vw[1]
					wsum += vw[1]
				}
			}
			out[x] = level(sum / wsum)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// finish wraps the level plane as an image. Missing pixels take a palette
// index that no present pixel uses, made transparent; when every index is in
// use the image is converted to NRGBA instead.
func (p *Plan) finish(pix []uint8, mask []bool) image.Image {
	w, h := p.spec.Width, p.spec.Height
	img := &image.Paletted{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h), Palette: p.palette}
	if mask == nil {
		return img
	}
	var used [256]bool
	for i, m := range mask {
		if !m {
			used[pix[i]] = true
		}
	}
	for free, u := range used {
		if u {
			continue
		}
		img.Palette = append(color.Palette(nil), p.palette...)
		img.Palette[free] = color.NRGBA{}
		for i, m := range mask {
			if m {
				pix[i] = uint8(free)
			}
		}
		return img
	}
	rgba := image.NewNRGBA(img.Rect)
	for i, m := range mask {
		if !m {
			c := p.palette[pix[i]].(color.NRGBA)
			copy(rgba.Pix[4*i:], []uint8{c.R, c.G, c.B, 0xff})
		}
	}
	return rgba
}
