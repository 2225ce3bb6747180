package quant

import (
	"math"
	"slices"
)

// nearest finds the palette entry closest to a pixel. Each entry keeps the
// others in order of distance from it; a search starts at a guess g (the
// entry the pixel's histogram bin maps to) and stops at the first entry
// e with |g-e| > |q-g| + |q-best|, past which, by the triangle inequality,
// none can be closer. The answer is exact whatever the guess.
type nearest struct {
	pal   []pixel
	order [][]neighbour
}

type neighbour struct {
	d float32 // distance (not squared) from the entry
	i int32
}

func newNearest(pal []pixel) *nearest {
	n := &nearest{pal: pal, order: make([][]neighbour, len(pal))}
	keys := make([]uint64, 0, len(pal))
	for i, p := range pal {
		// Sorted by distance, then by index, as one integer: a
		// non-negative float's bits order as the float does.
		keys = keys[:0]
		for j, q := range pal {
			if j != i {
				d := float32(math.Sqrt(float64(p.dist(q))))
				keys = append(keys, uint64(math.Float32bits(d))<<32|uint64(j))
			}
		}
		slices.Sort(keys)
		o := make([]neighbour, len(keys))
		for k, v := range keys {
			o[k] = neighbour{math.Float32frombits(uint32(v >> 32)), int32(uint32(v))}
		}
		n.order[i] = o
	}
	return n
}

// find is the entry nearest q, starting from guess g, and its squared
// distance.
func (n *nearest) find(q pixel, g int) (int, float32) {
	dg := q.dist(n.pal[g])
	best, bd := g, dg
	rg := float32(math.Sqrt(float64(dg)))
	rb := rg
	for _, e := range n.order[g] {
		if e.d > rg+rb {
			break
		}
		if d := q.dist(n.pal[e.i]); d < bd || (d == bd && int(e.i) < best) {
			best, bd = int(e.i), d
			rb = float32(math.Sqrt(float64(d)))
		}
	}
	return best, bd
}

func sqrt32(v float32) float32 { return float32(math.Sqrt(float64(v))) }
