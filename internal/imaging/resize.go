package imaging

import (
	"context"
	"image"
)

// ToRGBA returns img as premultiplied 8-bit RGBA at the origin, the form
// every transform works on: resampling premultiplied colour keeps
// transparent pixels' colour out of their neighbours' (no dark fringes). An
// *image.RGBA at the origin is returned as it is.
func ToRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	return toRGBA(img)
}

// Halve returns src at half its size, each pixel the mean of a 2×2 block
// (a box filter; a last odd row or column averages with itself). Repeated,
// it makes the pyramid that large downscales start from, so that the
// resampling filter never has to cover more than about two source pixels
// per output pixel.
func Halve(src *image.RGBA) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := (sw+1)/2, (sh+1)/2
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		r0 := src.Pix[2*y*src.Stride:]
		r1 := r0
		if 2*y+1 < sh {
			r1 = src.Pix[(2*y+1)*src.Stride:]
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for x := range dw {
			a, b := 8*x, 8*x+4
			if 2*x+1 >= sw {
				b = a
			}
			for c := range 4 {
				sum := uint16(r0[a+c]) + uint16(r0[b+c]) + uint16(r1[a+c]) + uint16(r1[b+c])
				d[4*x+c] = uint8((sum + 2) >> 2)
			}
		}
	}
	return dst
}

// Pyramid is an image and its successive halvings, largest first, down to
// the first level whose shorter side is below MinLevelSide.
type Pyramid []*image.RGBA

// MinLevelSide is where a pyramid stops halving.
const MinLevelSide = 128

// Levels makes the halvings of src, smallest last, not including src.
func Levels(ctx context.Context, src *image.RGBA) ([]*image.RGBA, error) {
	var out []*image.RGBA
	for m := src; min(m.Rect.Dx(), m.Rect.Dy()) >= 2*MinLevelSide; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m = Halve(m)
		out = append(out, m)
	}
	return out, nil
}

// LevelFor picks the smallest level from which crop (in the pixels of a
// full-size image of size full) still shrinks at least 2× (less 1/64) on
// both axes to size, or level 0. The box filter does the large, cheap part of a
// downscale and the Lanczos filter at least the last 2×, as libvips divides
// shrink and reduce; leaving less to the filter costs visible
// quality (TestResizeMatchesReference, with Catmull-Rom: 33.6 dB against 25.8 dB for a box
// shrink all the way). The level count is n.
func LevelFor(full image.Point, n int, crop image.Rectangle, size image.Point) int {
	k := 0
	for k+1 < n {
		// Level k+1 is full halved k+1 times, rounding up.
		lw, lh := full.X, full.Y
		for range k + 1 {
			lw, lh = (lw+1)/2, (lh+1)/2
		}
		// "At least 2×" with a slack of 1/64: a 2040-px source asked for
		// 256 px has a 510-px level, 1.99× the output; without the slack
		// the Lanczos filter shrank the 1020-px level instead, 4× the work
		// for no visible gain (a 2048-px source took the 512-px level).
		if 64*(crop.Dx()*lw/full.X) < 2*63*size.X || 64*(crop.Dy()*lh/full.Y) < 2*63*size.Y {
			break
		}
		k++
	}
	return k
}

// Scale maps crop, in the pixels of a full-size image of size full, onto a
// level of size lvl.
func Scale(crop image.Rectangle, full, lvl image.Point) image.Rectangle {
	if full == lvl {
		return crop
	}
	r := image.Rect(crop.Min.X*lvl.X/full.X, crop.Min.Y*lvl.Y/full.Y,
		(crop.Max.X*lvl.X+full.X-1)/full.X, (crop.Max.Y*lvl.Y+full.Y-1)/full.Y)
	if r.Dx() == 0 {
		r.Max.X = r.Min.X + 1
	}
	if r.Dy() == 0 {
		r.Max.Y = r.Min.Y + 1
	}
	return r.Intersect(image.Rectangle{Max: lvl})
}
