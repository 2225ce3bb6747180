package quant

import (
	"cmp"
	"slices"
)

// medianCut splits the histogram's visible bins into boxes, always the box
// whose pixels lie furthest from their mean (the largest sum of squared
// errors), across the channel in which its bins spread most, at the point
// that leaves the two halves the least error: a variance-based median cut
// (Wan, Wong and Prusinkiewicz, 1988; Wu's method chooses its cuts the
// same way). The splits are kept in order, so that the boxes for any
// number of colours up to the largest made are a replay of the first few.
type medianCut struct {
	boxes  []box
	splits [][3]int  // parent, and the two boxes it became
	sse    []float64 // the boxes' total error after each split (sse[0]: one box)
}

type box struct {
	bins []int32
	w    float64
	s    [4]float64
	q    float64
}

func (b *box) sse() float64 {
	if b.w == 0 {
		return 0
	}
	return max(0, b.q-(b.s[0]*b.s[0]+b.s[1]*b.s[1]+b.s[2]*b.s[2]+b.s[3]*b.s[3])/b.w)
}

func (b *box) mean() pixel {
	return pixel{float32(b.s[0] / b.w), float32(b.s[1] / b.w), float32(b.s[2] / b.w), float32(b.s[3] / b.w)}
}

func newBox(bins []bin, idx []int32) box {
	b := box{bins: idx}
	for _, i := range idx {
		bn := &bins[i]
		b.w += bn.w
		b.q += bn.q
		for c := range 4 {
			b.s[c] += bn.s[c]
		}
	}
	return b
}

// cutTo extends the cut to n boxes, or as many as the bins allow.
func (h *Histogram) cutTo(n int) *medianCut {
	if h.cut == nil {
		all := make([]int32, len(h.bins))
		for i := range all {
			all[i] = int32(i)
		}
		root := newBox(h.bins, all)
		h.cut = &medianCut{boxes: []box{root}, sse: []float64{root.sse()}}
	}
	mc := h.cut
	// The boxes now: those made and not split.
	live := mc.leaves(len(mc.splits) + 1)
	for len(live) < n {
		// The splittable box with the most error; the first on ties.
		best, bestSSE := -1, -1.0
		for _, i := range live {
			if b := &mc.boxes[i]; len(b.bins) > 1 && b.sse() > bestSSE {
				best, bestSSE = i, b.sse()
			}
		}
		if best < 0 || bestSSE <= 0 {
			break
		}
		l, r := split(h.bins, &mc.boxes[best])
		mc.boxes = append(mc.boxes, l, r)
		li, ri := len(mc.boxes)-2, len(mc.boxes)-1
		mc.splits = append(mc.splits, [3]int{best, li, ri})
		total := 0.0
		for j, i := range live {
			if i == best {
				live[j] = li
				live = append(live, ri)
				break
			}
		}
		for _, i := range live {
			total += mc.boxes[i].sse()
		}
		mc.sse = append(mc.sse, total)
	}
	return mc
}

// leaves is the boxes after the first n-1 splits, in a fixed order.
func (mc *medianCut) leaves(n int) []int {
	live := []int{0}
	for _, s := range mc.splits[:min(n-1, len(mc.splits))] {
		for j, i := range live {
			if i == s[0] {
				live[j] = s[1]
				live = append(live, s[2])
				break
			}
		}
	}
	return live
}

type keyedBin struct {
	v float32
	i int32
}

// split cuts b in two across its widest channel where the halves' summed
// error is least.
func split(bins []bin, b *box) (box, box) {
	// The channel whose bin means spread most, weighted by pixels.
	var sq [4]float64
	for _, i := range b.bins {
		bn := &bins[i]
		for c := range 4 {
			m := float64(bn.mean[c])
			sq[c] += bn.w * m * m
		}
	}
	axis, widest := 0, -1.0
	for c := range 4 {
		if v := sq[c] - b.s[c]*b.s[c]/b.w; v > widest {
			axis, widest = c, v
		}
	}
	// In order along the axis; ties by bin, so the order is total and
	// the cut the same on any machine.
	keyed := make([]keyedBin, len(b.bins))
	for j, i := range b.bins {
		keyed[j] = keyedBin{bins[i].mean[axis], i}
	}
	slices.SortFunc(keyed, func(x, y keyedBin) int {
		if x.v < y.v {
			return -1
		}
		if x.v > y.v {
			return 1
		}
		return cmp.Compare(x.i, y.i)
	})
	idx := make([]int32, len(keyed))
	for j, k := range keyed {
		idx[j] = k.i
	}
	// Scan every cut: the left half's sums grow, the right's are the rest.
	var left box
	bestAt, bestErr := 1, -1.0
	for k := 0; k < len(idx)-1; k++ {
		bn := &bins[idx[k]]
		left.w += bn.w
		left.q += bn.q
		for c := range 4 {
			left.s[c] += bn.s[c]
		}
		right := box{w: b.w - left.w, q: b.q - left.q}
		for c := range 4 {
			right.s[c] = b.s[c] - left.s[c]
		}
		if e := left.sse() + right.sse(); bestErr < 0 || e < bestErr {
			bestAt, bestErr = k+1, e
		}
	}
	return newBox(bins, idx[:bestAt]), newBox(bins, idx[bestAt:])
}

// minBoxes is the fewest boxes whose error per channel is at most mse,
// within max; max when none is.
func (h *Histogram) minBoxes(mse float64, max int) int {
	mc := h.cutTo(max)
	limit := mse * float64(h.pixels) * h.channels()
	for n, e := range mc.sse {
		if e <= limit {
			return n + 1
		}
	}
	return max
}
