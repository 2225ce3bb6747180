package imaging

import (
	"context"
	"image"
	"math"
)

// Blur applies a Gaussian blur of standard deviation sigma (pixels) to img,
// in place. It is three successive box blurs per axis, whose widths are
// chosen so that their combined variance equals sigma² (W. Jarosz, "Fast
// Image Convolutions", 2001; widths as in P. Kovesi, "Fast almost-Gaussian
// filtering", 2010). Each box blur costs the same whatever its width, so a
// sigma of 100 costs what a sigma of 1 does. Edges extend their last pixel.
// It returns ctx.Err() if ctx ends between passes.
func Blur(ctx context.Context, img *image.RGBA, sigma float64) error {
	return blur(ctx, img.Pix, img.Stride, img.Rect.Dx(), img.Rect.Dy(), sigma)
}

// blur is Blur on 4-channel pixels of any depth, rows stride channels
// apart.
func blur[T uint8 | uint16](ctx context.Context, pix []T, stride, w, h int, sigma float64) error {
	if !(sigma > 0) {
		return nil
	}
	tmp := make([]T, max(w, h)*4)
	for _, r := range boxRadii(sigma, 3) {
		if r == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for y := range h { // horizontal
			boxLine(pix[y*stride:], 4, w, r, tmp)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for x := range w { // vertical
			boxLine(pix[4*x:], stride, h, r, tmp)
		}
	}
	return nil
}

// boxRadii returns n box radii whose boxes, applied in turn, have a
// combined variance close to sigma²: the ideal width is rounded down to an
// odd wl, and m of the n boxes take wl+2 instead.
func boxRadii(sigma float64, n int) []int {
	ideal := math.Sqrt(12*sigma*sigma/float64(n) + 1)
	wl := int(math.Floor(ideal))
	if wl%2 == 0 {
		wl--
	}
	wu := wl + 2
	m := int(math.Round((12*sigma*sigma - float64(n*wl*wl) - 4*float64(n*wl) - 3*float64(n)) / (-4*float64(wl) - 4)))
	radii := make([]int, n)
	for i := range n {
		width := wu
		if i < m {
			width = wl
		}
		radii[i] = max(0, (width-1)/2)
	}
	return radii
}

// boxLine replaces n RGBA pixels of line, step bytes apart, with the mean
// of the 2r+1 pixels around each, extending the ends. tmp holds a copy of
// the line.
func boxLine[T uint8 | uint16](line []T, step, n, r int, tmp []T) {
	for i := range n {
		copy(tmp[4*i:4*i+4], line[i*step:i*step+4])
	}
	at := func(i int) []T {
		i = min(max(i, 0), n-1)
		return tmp[4*i : 4*i+4]
	}
	d := uint64(2*r + 1)
	var s [4]uint64
	for i := -r; i <= r; i++ {
		p := at(i)
		for c := range 4 {
			s[c] += uint64(p[c])
		}
	}
	for i := range n {
		o := line[i*step : i*step+4]
		for c := range 4 {
			o[c] = T((s[c] + d/2) / d)
		}
		out, in := at(i-r), at(i+r+1)
		for c := range 4 {
			s[c] += uint64(in[c]) - uint64(out[c])
		}
	}
}
