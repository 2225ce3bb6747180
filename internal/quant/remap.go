package quant

import (
	"image"
	"image/color"
)

// Selective dithering: error is spread in full where the picture is smooth
// (gradients band without it) and not at all across strong edges, where it
// would fringe them, or in busy texture, which hides the palette's steps
// anyway. The measure is the largest summed channel difference between a
// pixel and its four neighbours.
//
// The error carried on is also damped (by decay), and capped (maxError),
// so that it does not build up into streaks or spill from a gradient into
// a flat area. The figures were chosen by measurement on the encoder's
// corpus against pngquant's output (docs/derived.md, "Palettes and placeholders").
var (
	edgeLow  float32 = 2   // at or below: full strength
	edgeHigh float32 = 16  // at or above: none
	maxError float32 = 24  // the longest error vector carried on
	decay    float32 = 0.9 // the share of the error carried on
)

// bandRows is about how many rows are dithered as one band: error does
// not cross from one band to the next, so that bands run in parallel and
// the result depends on the image alone, not on the cores.
const bandRows = 128

// remap maps every pixel of the image to pal, each bin's pixels starting
// their search at its entry in assign, with Floyd–Steinberg error
// diffusion at strength (0 to 1) in serpentine order. It returns the
// paletted image and the mean squared error per channel against the
// source. The image is cut into bands of about bandRows rows, each
// dithered on its own, so the result is the same on any number of cores.
func (h *Histogram) remap(pal []pixel, assign []int32, strength float64) ([]*image.Paletted, float64) {
	cp := make(color.Palette, len(pal))
	for i, p := range pal {
		cp[i] = toNRGBA(p)
	}
	near := newNearest(pal)
	// Opaque pixels map to opaque entries only, when the palette has
	// some: a photograph's edge must not turn see-through.
	var solid *nearest
	var solidAt []int
	var solidPal []pixel
	for i, p := range pal {
		if p[3] >= 254.5 {
			solidPal, solidAt = append(solidPal, p), append(solidAt, i)
		}
	}
	if len(solidPal) > 0 && len(solidPal) < len(pal) {
		solid = newNearest(solidPal)
	}
	outs := make([]*image.Paletted, len(h.srcs))
	total := 0.0
	for i, m := range h.srcs {
		var sse float64
		outs[i], sse = h.remapOne(m, cp, near, solid, solidAt, assign, strength)
		total += sse
	}
	return outs, total / (float64(h.pixels) * h.channels())
}

// remapOne is remap for one image: its paletted form and its summed
// squared error. solid, when not nil, searches the opaque entries only
// (solidAt maps its indices to pal's).
func (h *Histogram) remapOne(m image.Image, cp color.Palette, near, solid *nearest, solidAt []int, assign []int32, strength float64) (*image.Paletted, float64) {
	pal := near.pal
	b := m.Bounds()
	w, ht := b.Dx(), b.Dy()
	read := reader(m)
	out := image.NewPaletted(image.Rect(0, 0, w, ht), cp)
	clearAt, _ := near.find(pixel{}, 0) // where transparent pixels go
	bands := (ht + bandRows - 1) / bandRows
	sums := make([]float64, bands)
	s := float32(min(max(strength, 0), 1))
	parallelIn(ht, bands, func(c, lo, hi int) {
		rows := [3][]pixel{make([]pixel, w), make([]pixel, w), make([]pixel, w)}
		errCur, errNext := make([]pixel, w+2), make([]pixel, w+2)
		weight := make([]float32, w)
		read(rows[1], b.Min.Y+lo)
		if lo > 0 {
			read(rows[0], b.Min.Y+lo-1)
		} else {
			copy(rows[0], rows[1])
		}
		var sum float64
		for y := lo; y < hi; y++ {
			if y+1 < ht {
				read(rows[2], b.Min.Y+y+1)
			} else {
				copy(rows[2], rows[1])
			}
			row := rows[1]
			if s > 0 {
				edges(weight, rows[0], row, rows[2], s)
			}
			dst := out.Pix[y*out.Stride : y*out.Stride+w]
			x, step := 0, 1
			if y%2 == 1 {
				x, step = w-1, -1
			}
			for range w {
				src := row[x]
				if !visible(src) {
					dst[x] = uint8(clearAt)
					x += step
					continue
				}
				g := 0
				if bi, ok := h.index[cellOf(src, h.shift)]; ok {
					g = int(assign[bi])
				}
				t := src
				opaque := src[3] >= 254.5
				if s > 0 {
					e := errCur[x+1]
					k := weight[x]
					for ch := range 4 {
						t[ch] += e[ch] * k
					}
					if opaque { // an opaque pixel stays opaque: no error in its alpha
						t[3] = 255
					}
					t = valid(t)
				}
				i, _ := near.find(t, g)
				if opaque && pal[i][3] < 254.5 && solid != nil {
					j, _ := solid.find(t, 0)
					i = solidAt[j]
				}
				dst[x] = uint8(i)
				sum += float64(src.dist(pal[i]))
				if s > 0 {
					var e pixel
					for ch := range 4 {
						e[ch] = t[ch] - pal[i][ch]
					}
					if n := e.dist(pixel{}); n > maxError*maxError {
						k := decay * maxError / sqrt32(n)
						for ch := range 4 {
							e[ch] *= k
						}
					} else {
						k := decay
						for ch := range 4 {
							e[ch] *= k
						}
					}
					spread := func(buf []pixel, at int, f float32) {
						for ch := range 4 {
							buf[at][ch] += e[ch] * f
						}
					}
					spread(errCur, x+1+step, 7.0/16)
					spread(errNext, x+1-step, 3.0/16)
					spread(errNext, x+1, 5.0/16)
					spread(errNext, x+1+step, 1.0/16)
				}
				x += step
			}
			errCur, errNext = errNext, errCur
			clear(errNext)
			rows[0], rows[1], rows[2] = rows[1], rows[2], rows[0]
		}
		sums[c] = sum
	})
	total := 0.0
	for _, v := range sums {
		total += v
	}
	return out, total
}

// edges writes each pixel's dithering weight: strength s, less where the
// pixel differs much from a neighbour.
func edges(weight []float32, up, row, down []pixel, s float32) {
	w := len(row)
	diff := func(p, q pixel) float32 {
		return abs32(p[0]-q[0]) + abs32(p[1]-q[1]) + abs32(p[2]-q[2]) + abs32(p[3]-q[3])
	}
	for x := range w {
		p := row[x]
		e := max(diff(p, up[x]), diff(p, down[x]))
		if x > 0 {
			e = max(e, diff(p, row[x-1]))
		}
		if x+1 < w {
			e = max(e, diff(p, row[x+1]))
		}
		k := (edgeHigh - e) / (edgeHigh - edgeLow)
		weight[x] = s * min(max(k, 0), 1)
	}
}

// valid clamps a pixel to the premultiplied range: alpha 0 to 255, each
// colour channel 0 to alpha.
func valid(p pixel) pixel {
	p[3] = min(max(p[3], 0), 255)
	for ch := range 3 {
		p[ch] = min(max(p[ch], 0), p[3])
	}
	return p
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
