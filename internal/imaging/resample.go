package imaging

import (
	"image"
	"math"
	"time"
	"unsafe"

	"github.com/maypok86/otter/v2"
)

// ResampleBytes is the memory Resample allocates to scale a region of
// srcW×srcH pixels to size: the output, the filter weights, and either the
// ring of horizontally scaled rows the vertical filter spans or one
// vertically filtered source row, whichever order it picks. It grows with
// the output and the filter window, never with output width × source
// height.
func ResampleBytes(srcW, srcH int, size image.Point) int64 {
	ow, oh := int64(size.X), int64(size.Y)
	tx, ty := int64(taps(srcW, size.X)), int64(taps(srcH, size.Y))
	n := 4*ow*oh + 4*(ow*tx+oh*ty) + 16*(ow+oh) + 16*ow
	if horizontalFirst(srcW, srcH, size, tx, ty) {
		return n + 16*ow*ty
	}
	return n + 16*int64(srcW)
}

// horizontalFirst reports whether scaling srcW×srcH to size, with tx and
// ty taps an output pixel, takes fewer multiplications horizontally first.
func horizontalFirst(srcW, srcH int, size image.Point, tx, ty int64) bool {
	ow, oh := int64(size.X), int64(size.Y)
	return int64(srcH)*ow*tx+oh*ow*ty < oh*int64(srcW)*ty+oh*ow*tx
}

// taps is the most source pixels one output pixel of a scale from n to m
// pixels reads.
func taps(n, m int) int {
	support := 3.0
	if s := float64(n) / float64(m); s > 1 {
		support *= s
	}
	return min(n, int(math.Ceil(2*support))+1)
}

// Resample scales the part r of src to size with a Lanczos-3 filter, widened
// by the shrink factor when shrinking so that a downscale is anti-aliased:
// ImageMagick's and libvips' default. (It replaced x/image/draw's
// Catmull-Rom: 39.4 dB instead of 33.5 against ImageMagick on the test
// card, TestResizeMatchesReference.) Colour is premultiplied, so
// transparent pixels add no colour.
//
// It is separable and row-streamed, in whichever order costs fewer
// multiplications: horizontal first, into a ring of float32 rows as tall
// as the vertical filter, or vertical first, one source-wide float32 row
// per output row. Its memory is the output plus that window
// (ResampleBytes). A same-size resample is a copy.
func Resample(src *image.RGBA, r image.Rectangle, size image.Point) *image.RGBA {
	defer observe("resample", "rgba", time.Now())
	dst := image.NewRGBA(image.Rectangle{Max: size})
	resample(src.Pix, src.Stride, r.Sub(src.Rect.Min), size, dst.Pix, 255)
	return dst
}

// resample is Resample on 4-channel pixels of any depth: src's rows are
// stride channels apart, r is relative to its first pixel, dst is size's
// rows back to back, and maxv is a channel's largest value.
func resample[T uint8 | uint16](src []T, stride int, r image.Rectangle, size image.Point, dst []T, maxv float32) {
	at := func(x, y int) int { return y*stride + 4*x }
	dstride := 4 * size.X
	if r.Size() == size {
		for y := range size.Y {
			s := at(r.Min.X, r.Min.Y+y)
			copy(dst[y*dstride:(y+1)*dstride], src[s:s+4*size.X])
		}
		return
	}
	hx := cachedFilter(r.Dx(), size.X)
	vy := cachedFilter(r.Dy(), size.Y)
	acc := make([]float32, 4*size.X)
	if !horizontalFirst(r.Dx(), r.Dy(), size, int64(hx.maxTaps), int64(vy.maxTaps)) {
		col := make([]float32, 4*r.Dx())
		rows := make([][]T, vy.maxTaps)
		for y := range size.Y {
			start, w := vy.at(y)
			for i := range w {
				o := at(r.Min.X, r.Min.Y+start+i)
				rows[i] = src[o : o+len(col)]
			}
			weighRows(col, rows[:len(w)], w)
			scaleRow(hx, acc, col)
			storeRow(dst[y*dstride:(y+1)*dstride], acc, maxv)
		}
		return
	}
	ring := make([][]float32, vy.maxTaps)
	for i := range ring {
		ring[i] = make([]float32, 4*size.X)
	}
	lines := make([][]float32, vy.maxTaps)
	next := 0 // the next source row (relative to r) to scale horizontally
	for y := range size.Y {
		start, w := vy.at(y)
		for ; next < start+len(w); next++ {
			row := src[at(r.Min.X, r.Min.Y+next):]
			scaleRow(hx, ring[next%len(ring)], row)
		}
		for i := range w {
			lines[i] = ring[(start+i)%len(ring)]
		}
		weighRows(acc, lines[:len(w)], w)
		storeRow(dst[y*dstride:(y+1)*dstride], acc, maxv)
	}
}

// weighRows sets dst to the sum of rows weighted by w, four rows a pass so
// that dst is loaded and stored a quarter as often. The rows are 8-bit
// source pixels or float32 rows already scaled horizontally. On amd64 the
// columns up to a multiple of 8 go through weigh_amd64.s, whose sums are
// bit for bit the loop's (TestWeighRowsAsm).
func weighRows[T uint8 | uint16 | float32](dst []float32, rows [][]T, w []float32) {
	clear(dst)
	n := asmColumns(dst, rows)
	if n > 0 {
		switch rs := any(rows).(type) {
		case [][]uint8:
			weighRowsU8(dst, rs, w, n)
		case [][]float32:
			weighRowsF32(dst, rs, w, n)
		}
	}
	// The columns the assembly did not do. Each column's sum is made in
	// the same order either way, so the two split them freely.
	i := 0
	for ; i+4 <= len(w); i += 4 {
		w0, w1, w2, w3 := w[i], w[i+1], w[i+2], w[i+3]
		r0, r1, r2, r3 := rows[i][:len(dst)], rows[i+1][:len(dst)], rows[i+2][:len(dst)], rows[i+3][:len(dst)]
		for j := n; j < len(dst); j++ {
			dst[j] += w0*float32(r0[j]) + w1*float32(r1[j]) + w2*float32(r2[j]) + w3*float32(r3[j])
		}
	}
	for ; i < len(w); i++ {
		wt, r0 := w[i], rows[i][:len(dst)]
		for j := n; j < len(dst); j++ {
			dst[j] += wt * float32(r0[j])
		}
	}
}

// weighRowsU8 and weighRowsF32 are weighRows's loop over the first n
// columns (a multiple of 8, at least 8) through the assembly's four-row
// and one-row kernels. Direct calls: through a func value the weights
// escaped to the heap, an allocation a call.
func weighRowsU8(dst []float32, rows [][]uint8, w []float32, n int) {
	i := 0
	for ; i+4 <= len(w); i += 4 {
		// Called directly, not through a function value, through which
		// ws would escape: an allocation a call.
		ws := [4]float32{w[i], w[i+1], w[i+2], w[i+3]}
		if weighAVX2 {
			weigh4U8AVX2(&dst[0], &rows[i][:n][0], &rows[i+1][:n][0], &rows[i+2][:n][0], &rows[i+3][:n][0], n, &ws)
		} else {
			weigh4U8(&dst[0], &rows[i][:n][0], &rows[i+1][:n][0], &rows[i+2][:n][0], &rows[i+3][:n][0], n, &ws)
		}
	}
	for ; i < len(w); i++ {
		weigh1U8(&dst[0], &rows[i][:n][0], n, &w[i])
	}
}

func weighRowsF32(dst []float32, rows [][]float32, w []float32, n int) {
	i := 0
	for ; i+4 <= len(w); i += 4 {
		// Called directly, not through a function value, through which
		// ws would escape: an allocation a call.
		ws := [4]float32{w[i], w[i+1], w[i+2], w[i+3]}
		if weighAVX2 {
			weigh4F32AVX2(&dst[0], &rows[i][:n][0], &rows[i+1][:n][0], &rows[i+2][:n][0], &rows[i+3][:n][0], n, &ws)
		} else {
			weigh4F32(&dst[0], &rows[i][:n][0], &rows[i+1][:n][0], &rows[i+2][:n][0], &rows[i+3][:n][0], n, &ws)
		}
	}
	for ; i < len(w); i++ {
		weigh1F32(&dst[0], &rows[i][:n][0], n, &w[i])
	}
}

// useWeighAsm chooses weigh_amd64.s where it is built; tests turn it off
// to compare.
var useWeighAsm = weighAsm

// asmColumns is how many of dst's columns weighRows leaves to the
// assembly: a multiple of 8, for 8-bit and float32 rows; none for 16-bit
// rows, or without it.
func asmColumns[T uint8 | uint16 | float32](dst []float32, rows [][]T) int {
	if !useWeighAsm {
		return 0
	}
	switch any(rows).(type) {
	case [][]uint8, [][]float32:
		return len(dst) &^ 7
	}
	return 0
}

// storeRow rounds acc into premultiplied pixels whose channels go up to
// maxv. Lanczos' negative lobes can overshoot, so each channel is clamped
// to [0, maxv] and each colour to its alpha, which keeps the pixel a valid
// premultiplied one.
//
// On amd64, 8-bit rows go four pixels at a time through storeU8
// (scale_amd64.s), which rounds as clampTo does: clamping first and
// adding 0.5 give the same float32 as clampTo's v + 0.5 wherever that is
// kept, and min with the alpha commutes with the truncation
// (TestStoreRowAsm).
func storeRow[T uint8 | uint16](d []T, acc []float32, maxv float32) {
	i := 0
	if d8, ok := any(d).([]uint8); ok && useWeighAsm && maxv == 255 {
		if n := len(acc) &^ 15; n > 0 {
			_ = d8[n-1]
			storeU8(&d8[0], &acc[0], n)
			i = n
		}
	}
	for ; i+3 < len(acc); i += 4 {
		a := clampTo[T](acc[i+3], maxv)
		d[i+3] = a
		d[i] = min(clampTo[T](acc[i], maxv), a)
		d[i+1] = min(clampTo[T](acc[i+1], maxv), a)
		d[i+2] = min(clampTo[T](acc[i+2], maxv), a)
	}
}

func clampTo[T uint8 | uint16](v, maxv float32) T {
	switch {
	case v <= 0:
		return 0
	case v >= maxv:
		return T(maxv)
	}
	return T(v + 0.5)
}

// filter holds a Lanczos-3 scale's weights from n to m pixels: for output
// i, the weights of source pixels start[i], start[i]+1, …, normalised to a
// sum of 1.
type filter struct {
	start   []int
	off     []int // weights[off[i]:off[i+1]] are output i's
	weights []float32
	maxTaps int
}

// filterCache keeps the filters of the scales asked for lately, read-only
// once made: a derive's two cost 6% of its CPU to make (a sine or two a
// tap), and the sizes asked of a server repeat. 2 MiB holds about 150 of
// a 512 → 256 pixel scale's.
var filterCache = otter.Must(&otter.Options[[2]int, *filter]{
	MaximumWeight: 2 << 20,
	Weigher: func(_ [2]int, f *filter) uint32 {
		return uint32(min(4*len(f.weights)+8*(len(f.start)+len(f.off))+128, math.MaxUint32))
	},
})

// cachedFilter is newFilter(n, m), made once while it stays in filterCache.
func cachedFilter(n, m int) *filter {
	if f, ok := filterCache.GetIfPresent([2]int{n, m}); ok {
		return f
	}
	f := newFilter(n, m)
	filterCache.Set([2]int{n, m}, f)
	return f
}

func newFilter(n, m int) *filter {
	f := &filter{start: make([]int, m), off: make([]int, m+1)}
	scale := float64(n) / float64(m)
	support, stretch := 3.0, 1.0
	if scale > 1 {
		support, stretch = 3*scale, scale
	}
	f.weights = make([]float32, 0, m*taps(n, m))
	for i := range m {
		center := (float64(i)+0.5)*scale - 0.5
		lo := max(0, int(math.Ceil(center-support)))
		hi := min(n-1, int(math.Floor(center+support)))
		if lo > hi { // a tiny source: take the nearest pixel
			lo = min(max(int(math.Round(center)), 0), n-1)
			hi = lo
		}
		var sum float64
		first := len(f.weights)
		for x := lo; x <= hi; x++ {
			w := lanczos3((float64(x) - center) / stretch)
			f.weights = append(f.weights, float32(w))
			sum += w
		}
		if sum == 0 {
			f.weights[first] = 1
			sum = 1
		}
		for k := first; k < len(f.weights); k++ {
			f.weights[k] = float32(float64(f.weights[k]) / sum)
		}
		f.start[i] = lo
		f.off[i+1] = len(f.weights)
		f.maxTaps = max(f.maxTaps, hi-lo+1)
	}
	return f
}

// at returns output i's first source pixel and weights.
func (f *filter) at(i int) (int, []float32) {
	return f.start[i], f.weights[f.off[i]:f.off[i+1]]
}

// scaleRow scales one row of RGBA channels with f, src starting at the
// region's left edge (8-bit pixels, or float32 channels already filtered
// vertically), into dst as float32 channels. On amd64 8-bit and float32
// rows go through scale_amd64.s, whose sums are bit for bit the loop's
// (TestScaleRowAsm).
func scaleRow[T uint8 | uint16 | float32](f *filter, dst []float32, src []T) {
	if m := len(f.start); useWeighAsm && m > 0 {
		end := 0 // the furthest pixel any output reads, for the bounds check
		for i := range m {
			end = max(end, f.start[i]+f.off[i+1]-f.off[i])
		}
		_, _ = dst[4*m-1], src[:4*end]
		switch s := any(src).(type) {
		case []float32:
			if weighAVX2 {
				scale2F32AVX2(&dst[0], &s[0], &f.start[0], &f.off[0], unsafe.SliceData(f.weights), m)
			} else {
				scaleF32(&dst[0], &s[0], &f.start[0], &f.off[0], unsafe.SliceData(f.weights), m)
			}
			return
		case []uint8:
			if weighAVX2 {
				scale2U8AVX2(&dst[0], &s[0], &f.start[0], &f.off[0], unsafe.SliceData(f.weights), m)
			} else {
				scaleU8(&dst[0], &s[0], &f.start[0], &f.off[0], unsafe.SliceData(f.weights), m)
			}
			return
		}
	}
	for i := range f.start {
		start, w := f.at(i)
		s := src[4*start:]
		var r, g, b, a float32
		for k, wt := range w {
			p := s[4*k : 4*k+4 : 4*k+4]
			r += wt * float32(p[0])
			g += wt * float32(p[1])
			b += wt * float32(p[2])
			a += wt * float32(p[3])
		}
		d := dst[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = r, g, b, a
	}
}

// lanczos3 is the Lanczos kernel with three lobes, sinc(t)·sinc(t/3),
// zero beyond |t| = 3: the filter ImageMagick and libvips use by default
// to shrink.
func lanczos3(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t == 0:
		return 1
	case t >= 3:
		return 0
	}
	pt := math.Pi * t
	return 3 * math.Sin(pt) * math.Sin(pt/3) / (pt * pt)
}
