package quant

import (
	"image"
)

// A bin gathers the pixels whose colour falls in one cell of the
// histogram: each of the four premultiplied channels rounded to 8 bits,
// less as many low bits as the histogram has had to drop (see maxBins).
// It keeps their count, sum and sum of squared norms, so that the mean and
// the spread of any set of bins is exact for the pixels in them.
type bin struct {
	w    float64    // pixels
	s    [4]float64 // sum of the pixels
	q    float64    // sum of the pixels' squared norms
	mean pixel
}

// Histogram is an image's colours, gathered once: palettes of any size,
// and remappings to them, are made from it.
type Histogram struct {
	srcs   []image.Image // one, or an animation's frames
	bins   []bin         // the visible colours; transparent pixels are counted apart
	clear  float64
	pixels int
	opaque bool
	// index maps a cell to its bin; shift is how many low bits of each
	// channel a cell drops.
	index map[uint32]int32
	shift uint
	// cut is the median cut of the visible bins, made on demand.
	cut *medianCut
	// lastMSE is the undithered error of the last palette made.
	lastMSE float64
}

// maxBins is the most cells the histogram keeps. An image with more
// colours than this (a photograph has hundreds of thousands) is gathered
// at one bit less of every channel, and again, until it fits: the bins'
// means keep their pixels' full precision all the same.
const maxBins = 1 << 15

// cellOf is the histogram cell of a visible pixel at the given shift.
func cellOf(p pixel, shift uint) uint32 {
	c := func(v float32) uint32 { return uint32(clamp8(v)) >> shift }
	return c(p[0])<<24 | c(p[1])<<16 | c(p[2])<<8 | c(p[3])
}

// bin returns the index of p's bin.
func (h *Histogram) bin(p pixel) int32 { return h.index[cellOf(p, h.shift)] }

// visible is whether p shows at all: a pixel whose alpha rounds to 0 is
// transparent, and its colour does not matter.
func visible(p pixel) bool { return p[3] >= 0.5 }

// NewHistogram gathers m's colours. It reads m once, row by row.
func NewHistogram(m image.Image) *Histogram { return NewHistogramFrames([]image.Image{m}) }

// NewHistogramFrames gathers the colours of several images, an
// animation's frames, for one palette for them all (RemapFrames).
func NewHistogramFrames(ms []image.Image) *Histogram {
	h := &Histogram{srcs: ms, opaque: true, index: map[uint32]int32{}}
	last, lastBin := uint32(0), int32(-1)
	for _, m := range ms {
		b := m.Bounds()
		h.pixels += b.Dx() * b.Dy()
		read, row := reader(m), make([]pixel, b.Dx())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			read(row, y)
			last, lastBin = h.add(row, last, lastBin)
		}
	}
	for i := range h.bins {
		h.bins[i].mean = h.bins[i].meanOf()
	}
	return h
}

// add counts a row of pixels; last and lastBin are the cell and bin of
// the pixel before, which a run of one colour reuses.
func (h *Histogram) add(row []pixel, last uint32, lastBin int32) (uint32, int32) {
	for _, p := range row {
		if p[3] < 254.5 {
			h.opaque = false
		}
		if !visible(p) {
			h.clear++
			continue
		}
		k := cellOf(p, h.shift)
		i := lastBin
		if k != last || i < 0 {
			var ok bool
			if i, ok = h.index[k]; !ok {
				if len(h.bins) == maxBins {
					h.coarsen()
					k = cellOf(p, h.shift)
				}
				if i, ok = h.index[k]; !ok {
					i = int32(len(h.bins))
					h.index[k] = i
					h.bins = append(h.bins, bin{})
				}
			}
			last, lastBin = k, i
		}
		bn := &h.bins[i]
		bn.w++
		for c := range 4 {
			bn.s[c] += float64(p[c])
		}
		bn.q += float64(p[0])*float64(p[0]) + float64(p[1])*float64(p[1]) + float64(p[2])*float64(p[2]) + float64(p[3])*float64(p[3])
	}
	return last, lastBin
}

func (bn *bin) meanOf() pixel {
	return pixel{float32(bn.s[0] / bn.w), float32(bn.s[1] / bn.w), float32(bn.s[2] / bn.w), float32(bn.s[3] / bn.w)}
}

// coarsen drops one more bit of every channel, merging the bins that then
// share a cell, in the order they were made.
func (h *Histogram) coarsen() {
	h.shift++
	old := h.bins
	h.bins = make([]bin, 0, len(old))
	h.index = make(map[uint32]int32, len(old))
	for _, bn := range old {
		k := cellOf(bn.meanOf(), h.shift)
		i, ok := h.index[k]
		if !ok {
			i = int32(len(h.bins))
			h.index[k] = i
			h.bins = append(h.bins, bin{})
		}
		m := &h.bins[i]
		m.w += bn.w
		m.q += bn.q
		for c := range 4 {
			m.s[c] += bn.s[c]
		}
	}
}

// Colors is the number of histogram cells the image's pixels fill, the
// transparent ones counted as one.
func (h *Histogram) Colors() int {
	n := len(h.bins)
	if h.clear > 0 {
		n++
	}
	return n
}

// channels is how many channels an error is averaged over: alpha counts
// only in an image that has some.
func (h *Histogram) channels() float64 {
	if h.opaque {
		return 3
	}
	return 4
}
