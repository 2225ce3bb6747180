package pngenc

import "image"

// PNG filter types (PNG §9.2).
const (
	ftNone    = 0
	ftSub     = 1
	ftUp      = 2
	ftAverage = 3
	ftPaeth   = 4
)

// filterRow writes cur filtered by ft against prev into dst; bpp is the
// bytes of one pixel (at least 1).
func filterRow(dst, cur, prev []byte, ft byte, bpp int) {
	switch ft {
	case ftNone:
		copy(dst, cur)
	case ftSub:
		copy(dst[:bpp], cur[:bpp])
		for i := bpp; i < len(cur); i++ {
			dst[i] = cur[i] - cur[i-bpp]
		}
	case ftUp:
		for i := range cur {
			dst[i] = cur[i] - prev[i]
		}
	case ftAverage:
		for i := range bpp {
			dst[i] = cur[i] - prev[i]/2
		}
		for i := bpp; i < len(cur); i++ {
			dst[i] = cur[i] - uint8((int(cur[i-bpp])+int(prev[i]))/2)
		}
	case ftPaeth:
		for i := range bpp {
			dst[i] = cur[i] - prev[i] // paeth(0, up, 0) is up
		}
		for i := bpp; i < len(cur); i++ {
			dst[i] = cur[i] - paeth(cur[i-bpp], prev[i], prev[i-bpp])
		}
	}
}

// paeth is the Paeth predictor (PNG §9.4).
func paeth(a, b, c uint8) uint8 {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// chooseFilter picks one filter for rows y0..y1 from a sample of at most 8
// of them: the one whose output has the smallest sum of absolute values
// (signed bytes), libpng's heuristic, applied per strip instead of per row.
// Paletted images are not filtered (PNG §12.8).
func (f format) chooseFilter(b image.Rectangle, rowLen, y0, y1 int) byte {
	if f.colorType == ctPaletted || f.depth < 8 {
		return ftNone
	}
	step := max(1, (y1-y0)/8)
	cur, prev, out := make([]byte, rowLen), make([]byte, rowLen), make([]byte, rowLen)
	var cost [5]int
	for y := y0; y < y1; y += step {
		f.row(cur, b.Min.Y+y)
		if y > 0 {
			f.row(prev, b.Min.Y+y-1)
		} else {
			clear(prev)
		}
		for ft := range byte(5) {
			filterRow(out, cur, prev, ft, f.bpp)
			s := 0
			for _, v := range out {
				s += abs(int(int8(v)))
			}
			cost[ft] += s
		}
	}
	best := byte(ftNone)
	for ft := range byte(5) {
		if cost[ft] < cost[best] {
			best = ft
		}
	}
	return best
}
