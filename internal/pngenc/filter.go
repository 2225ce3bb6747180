package pngenc

// PNG filter types (PNG §9.2).
const (
	ftNone    = 0
	ftSub     = 1
	ftUp      = 2
	ftAverage = 3
	ftPaeth   = 4
)

// filters holds one row filtered by each of the five filters, each line
// led by its filter-type byte, ready for the deflater.
type filters [5][]byte

func newFilters(rowLen int) *filters {
	var f filters
	for ft := range f {
		f[ft] = make([]byte, rowLen+1)
		f[ft][0] = byte(ft)
	}
	return &f
}

// best filters cur against prev (zeros above the first row) with the
// filter libpng's heuristic prefers: the one whose output has the smallest
// sum of bytes read as signed magnitudes. The five sums are made in one
// pass that stores nothing (costs; in SSE2 on amd64, filter_amd64.s); then
// the chosen filter runs. bpp is the bytes of one pixel, at least 1.
func (f *filters) best(cur, prev []byte, bpp int) []byte {
	best, bs := 0, 0
	for ft, s := range costs(cur, prev, bpp) {
		if ft == 0 || s < bs {
			best, bs = ft, s
		}
	}
	return f.one(cur, prev, byte(best), bpp)
}

// useAsm chooses filter_amd64.s's kernel for the filter costs where it is
// built. The sums, and so every byte pngenc writes, are the same either
// way (TestAsmBytesIdentical); tests turn it off to compare.
var useAsm = asmAvailable

// costs is the five filters' sums for cur against prev.
func costs(cur, prev []byte, bpp int) [5]int {
	n := len(cur)
	prev = prev[:n]
	var s [5]int
	for i := 0; i < bpp && i < n; i++ {
		x, b := cur[i], prev[i]
		// left and upper-left are zero: Sub is None, Paeth is Up.
		s[0] += mag(x)
		s[1] += mag(x)
		s[2] += mag(x - b)
		s[3] += mag(x - b>>1)
		s[4] += mag(x - b)
	}
	i := bpp
	if useAsm && n-bpp >= 16 {
		m := (n - bpp) &^ 15
		costsAsm(cur[bpp:], cur, prev[bpp:], prev, m, &s)
		i += m
	}
	for ; i < n; i++ {
		x, a, b, c := cur[i], cur[i-bpp], prev[i], prev[i-bpp]
		ia, ib, ic := int(a), int(b), int(c)
		pa, pb := ib-ic, ia-ic
		pc := pa + pb
		pa = (pa ^ (pa >> 63)) - (pa >> 63)
		pb = (pb ^ (pb >> 63)) - (pb >> 63)
		pc = (pc ^ (pc >> 63)) - (pc >> 63)
		p := c
		if pb <= pc {
			p = b
		}
		if pa <= pb && pa <= pc {
			p = a
		}
		v0, v1, v2, v3, v4 := int(int8(x)), int(int8(x-a)), int(int8(x-b)), int(int8(x-uint8((ia+ib)>>1))), int(int8(x-p))
		s[0] += (v0 ^ (v0 >> 63)) - (v0 >> 63)
		s[1] += (v1 ^ (v1 >> 63)) - (v1 >> 63)
		s[2] += (v2 ^ (v2 >> 63)) - (v2 >> 63)
		s[3] += (v3 ^ (v3 >> 63)) - (v3 >> 63)
		s[4] += (v4 ^ (v4 >> 63)) - (v4 >> 63)
	}
	return s
}

// none returns cur unfiltered, led by its filter-type byte.
func (f *filters) none(cur []byte) []byte {
	copy(f[0][1:], cur)
	return f[0][:len(cur)+1]
}

// mag is a filtered byte's magnitude read as a signed byte.
func mag(v uint8) int {
	s := int(int8(v))
	m := s >> 63
	return (s ^ m) - m
}

// one filters cur against prev with filter ft alone into its line. Where
// the assembly is built, its kernel filters the row's 16-byte blocks
// (filterAsm), the loops here what is left.
func (f *filters) one(cur, prev []byte, ft byte, bpp int) []byte {
	n := len(cur)
	prev = prev[:n]
	out := f[ft][1 : n+1]
	switch ft {
	case ftNone:
		copy(out, cur)
	case ftSub:
		copy(out, cur[:min(bpp, n)])
		for i := asmFrom(ft, out, cur, prev, bpp, bpp); i < n; i++ {
			out[i] = cur[i] - cur[i-bpp]
		}
	case ftUp:
		for i := asmFrom(ft, out, cur, prev, bpp, 0); i < n; i++ {
			out[i] = cur[i] - prev[i]
		}
	case ftAverage:
		for i := 0; i < bpp && i < n; i++ {
			out[i] = cur[i] - prev[i]>>1
		}
		for i := asmFrom(ft, out, cur, prev, bpp, bpp); i < n; i++ {
			out[i] = cur[i] - uint8((uint(cur[i-bpp])+uint(prev[i]))>>1)
		}
	case ftPaeth:
		for i := 0; i < bpp && i < n; i++ {
			out[i] = cur[i] - prev[i]
		}
		for i := asmFrom(ft, out, cur, prev, bpp, bpp); i < n; i++ {
			a, b, c := int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])
			// paeth, inlined by hand: the compiler turns these into
			// conditional moves.
			pa, pb := b-c, a-c
			pc := pa + pb
			pa = (pa ^ (pa >> 63)) - (pa >> 63)
			pb = (pb ^ (pb >> 63)) - (pb >> 63)
			pc = (pc ^ (pc >> 63)) - (pc >> 63)
			p := c
			if pb <= pc {
				p = b
			}
			if pa <= pb && pa <= pc {
				p = a
			}
			out[i] = cur[i] - uint8(p)
		}
	}
	return f[ft][:n+1]
}

// asmFrom filters cur's bytes from index from on with the kernel, as many
// as make whole 16-byte blocks, and returns the index where the Go loop
// takes over: from itself without the kernel. Up (from 0) has no left
// neighbours; the kernel does not read them for it.
func asmFrom(ft byte, out, cur, prev []byte, bpp, from int) int {
	m := (len(cur) - from) &^ 15
	if !useAsm || m <= 0 || from > len(cur) {
		return from
	}
	left := max(0, from-bpp)
	filterAsm(ft, out[from:], cur[from:], cur[left:], prev[from:], prev[left:], m)
	return from + m
}
