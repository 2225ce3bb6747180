package quant

import (
	"cmp"
	"image/color"
	"runtime"
	"slices"
	"sync"
)

// kmeansRounds is how many times the palette is refined: each entry moves
// to the mean of the pixels nearest it (Lloyd's algorithm, over the
// histogram's bins weighted by their pixels). Most of the gain is in the
// first two or three.
const kmeansRounds = 4

// chunks is how many pieces parallel work over bins or rows is cut into:
// fixed, so that sums are added in the same order, and the result is the
// same bytes, on any number of cores.
const chunks = 32

// Palette returns at most n colours (2 to 256) for the image, in PNG's
// straight 8-bit form: one fully transparent entry if any pixel is
// transparent, and the median cut's boxes (see medianCut) refined by
// k-means. Translucent entries come first, so that a PNG's tRNS chunk
// stays short, then the most used.
func (h *Histogram) Palette(n int) color.Palette {
	pal, _ := h.palette(n)
	out := make(color.Palette, len(pal))
	for i, p := range pal {
		out[i] = toNRGBA(p)
	}
	return out
}

// palette is Palette's entries as pixels (rounded as the PNG will hold
// them), and each visible bin's entry.
func (h *Histogram) palette(n int) ([]pixel, []int32) {
	n = min(max(n, 1), 256)
	boxes := n
	if h.clear > 0 {
		boxes--
	}
	var pal []pixel
	assign := make([]int32, len(h.bins))
	if boxes > 0 && len(h.bins) > 0 {
		mc := h.cutTo(boxes)
		for j, i := range mc.leaves(boxes) {
			b := &mc.boxes[i]
			pal = append(pal, b.mean())
			for _, k := range b.bins {
				assign[k] = int32(j)
			}
		}
		pal = h.refine(pal, assign)
	}
	// Rounded to what PLTE and tRNS can hold, and back.
	weight := make([]float64, len(pal))
	for i, p := range pal {
		pal[i] = toPixel(toNRGBA(p))
	}
	for k, bn := range h.bins {
		weight[assign[k]] += bn.w
	}
	h.lastMSE = h.binError(pal, assign)
	if h.clear > 0 {
		pal = append(pal, pixel{})
		weight = append(weight, h.clear)
	}
	// Translucent first, then by use; ties by position, so the order is
	// fixed.
	order := make([]int, len(pal))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ta, tb := pal[a][3] < 254.5, pal[b][3] < 254.5
		if ta != tb {
			if ta {
				return -1
			}
			return 1
		}
		return cmp.Compare(weight[b], weight[a])
	})
	sorted := make([]pixel, len(pal))
	where := make([]int32, len(pal))
	for j, i := range order {
		sorted[j] = pal[i]
		where[i] = int32(j)
	}
	for k := range assign {
		assign[k] = where[assign[k]]
	}
	return sorted, assign
}

// refine runs k-means over the bins from the palette pal, each bin
// starting at its entry in assign, which it updates.
func (h *Histogram) refine(pal []pixel, assign []int32) []pixel {
	type partial struct {
		w []float64
		s [][4]float64
	}
	for range kmeansRounds {
		near := newNearest(pal)
		parts := make([]partial, chunks)
		parallel(len(h.bins), func(c, lo, hi int) {
			p := partial{w: make([]float64, len(pal)), s: make([][4]float64, len(pal))}
			for k := lo; k < hi; k++ {
				bn := &h.bins[k]
				j, _ := near.find(bn.mean, int(assign[k]))
				assign[k] = int32(j)
				p.w[j] += bn.w
				for ch := range 4 {
					p.s[j][ch] += bn.s[ch]
				}
			}
			parts[c] = p
		})
		moved := false
		next := make([]pixel, len(pal))
		for j := range pal {
			var w float64
			var s [4]float64
			for _, p := range parts {
				if p.w == nil {
					continue
				}
				w += p.w[j]
				for ch := range 4 {
					s[ch] += p.s[j][ch]
				}
			}
			if w == 0 {
				next[j] = pal[j] // an entry nothing chose keeps its place
				continue
			}
			next[j] = pixel{float32(s[0] / w), float32(s[1] / w), float32(s[2] / w), float32(s[3] / w)}
			if next[j].dist(pal[j]) > 0.01 {
				moved = true
			}
		}
		pal = next
		if !moved {
			break
		}
	}
	// The bins' entries for the final palette.
	near := newNearest(pal)
	parallel(len(h.bins), func(_, lo, hi int) {
		for k := lo; k < hi; k++ {
			j, _ := near.find(h.bins[k].mean, int(assign[k]))
			assign[k] = int32(j)
		}
	})
	return pal
}

// parallel runs f over n items cut into the fixed chunks, on every core;
// f gets its chunk's number and range.
func parallel(n int, f func(chunk, lo, hi int)) { parallelIn(n, chunks, f) }

// parallelIn runs f over n items cut into k chunks, on every core.
func parallelIn(n, k int, f func(chunk, lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), k)
	next := make(chan int, k)
	for c := range k {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range next {
				lo, hi := n*c/k, n*(c+1)/k
				if lo < hi {
					f(c, lo, hi)
				}
			}
		})
	}
	wg.Wait()
}

// binError is the mean squared error per channel of mapping every visible
// bin's pixels to its entry in pal, without dithering: exact from the
// bins' sums, without reading a pixel. Transparent pixels map exactly.
func (h *Histogram) binError(pal []pixel, assign []int32) float64 {
	var sse float64
	for k := range h.bins {
		bn := &h.bins[k]
		p := pal[assign[k]]
		var ps, pp float64
		for c := range 4 {
			ps += float64(p[c]) * bn.s[c]
			pp += float64(p[c]) * float64(p[c])
		}
		sse += max(0, bn.q-2*ps+bn.w*pp)
	}
	return sse / (float64(h.pixels) * h.channels())
}

// Dominant is the image's at most n most used colours, most used first,
// from a palette of n (transparent pixels left out): for a page to show
// before the image arrives.
func (h *Histogram) Dominant(n int) []color.NRGBA {
	if len(h.bins) == 0 {
		return nil
	}
	pal, assign := h.palette(n)
	weight := make([]float64, len(pal))
	for k, bn := range h.bins {
		weight[assign[k]] += bn.w
	}
	order := make([]int, 0, len(pal))
	for i := range pal {
		if weight[i] > 0 && visible(pal[i]) {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weight[b], weight[a]) })
	out := make([]color.NRGBA, len(order))
	for j, i := range order {
		out[j] = toNRGBA(pal[i])
	}
	return out
}
