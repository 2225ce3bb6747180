package pngenc

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// Fast mode's Huffman-only deflate, for strips whose filtered bytes are
// close to noise (photographs). Each strip is one dynamic block whose code
// is built from the strip's own byte counts, every byte value given a
// code; only literals and the end of block are coded, so there are no
// lengths or distances to search for. klauspost/compress's HuffmanOnly
// level does the same in blocks of 64 KB, each with its histogram and
// tree: a 256 KB strip here builds one tree, and codes three bytes per
// flush of a 64-bit accumulator.
//
// Stored mode keeps klauspost's coder: the ids of uploads are hashes of
// their bytes, and these bytes are not klauspost's.

// maxCodeBits is deflate's longest code (RFC 1951 §3.2.7).
const maxCodeBits = 15

// huffmanStrip deflates p as one Huffman-only block (or stored blocks,
// if they are smaller) into a pooled buffer, led by the zlib header when
// first, ended by the final block's bits when last, else by a sync flush
// (an empty stored block), so that strips can be joined.
func huffmanStrip(p []byte, first, last bool) *bytes.Buffer {
	buf, w := startStrip(len(p), first)
	var counts [257]int
	histogram(p, &counts)
	for i := range counts {
		counts[i]++ // every byte value has a code; 256 ends the block
	}
	var lens [257]uint8
	huffmanLengths(counts[:], lens[:], maxCodeBits)
	var codes [257]uint16
	canonical(lens[:], codes[:])

	final := uint64(0)
	if last {
		final = 1
	}
	// The header: BFINAL, BTYPE 2, then 257 literal/length codes and one
	// distance code (of length 1) in the code-length code.
	w.put(final|2<<1, 3)
	header(&w, lens[:], []uint8{1})
	dataBits := 0
	for i, n := range counts[:256] {
		dataBits += (n - 1) * int(lens[i])
	}
	if (w.bits()+dataBits+int(lens[256]))/8 > len(p)+5*(len(p)/65535+1) {
		// Stored blocks are smaller (the bytes are noise a code cannot
		// shorten, or p is tiny): as a deflater would. They end on a
		// byte, as a sync flush would leave the stream.
		w = bitWriter{out: w.out[:0]}
		stored(&w, p, last)
		return w.endStrip(buf, false)
	}
	w.grow(dataBits/8 + 16)
	w.codes(p, &lens, &codes)
	w.put(uint64(codes[256]), uint(lens[256]))
	return w.endStrip(buf, !last)
}

// startStrip begins a strip's output: a pooled buffer with room for the
// worst case (stored blocks, or a code of 9 bits a byte, whichever is
// smaller, and the header), led by the zlib header when first, and a
// bitWriter writing into its free space in place.
func startStrip(n int, first bool) (*bytes.Buffer, bitWriter) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	buf.Grow(n + n/8 + 1024)
	if first {
		buf.Write([]byte{0x78, 0x01})
	}
	return buf, bitWriter{out: buf.AvailableBuffer()}
}

// endStrip ends a strip's output, with a sync flush (an empty stored
// block) when flush, so that the next strip's blocks begin on a byte, and
// hands back buf holding it all.
func (w *bitWriter) endStrip(buf *bytes.Buffer, flush bool) *bytes.Buffer {
	if flush {
		w.put(0, 3)
		w.align()
		w.out = append(w.out, 0, 0, 0xff, 0xff)
	}
	w.align()
	buf.Write(w.out)
	return buf
}

// histogram adds to counts how often each byte value occurs in p, in four
// tables so that runs of one value do not wait on one counter.
func histogram(p []byte, counts *[257]int) {
	var c [4][256]uint32
	i := 0
	for ; i+4 <= len(p); i += 4 {
		c[0][p[i]]++
		c[1][p[i+1]]++
		c[2][p[i+2]]++
		c[3][p[i+3]]++
	}
	for ; i < len(p); i++ {
		c[0][p[i]]++
	}
	for v := range 256 {
		counts[v] += int(c[0][v]) + int(c[1][v]) + int(c[2][v]) + int(c[3][v])
	}
}

// stored writes p as stored blocks of at most 65,535 bytes, the last one
// final when last; an empty p as one empty block.
func stored(w *bitWriter, p []byte, last bool) {
	for {
		n := min(len(p), 65535)
		final := uint64(0)
		if last && n == len(p) {
			final = 1
		}
		w.put(final, 3)
		w.align()
		w.out = binary.LittleEndian.AppendUint16(w.out, uint16(n))
		w.out = binary.LittleEndian.AppendUint16(w.out, ^uint16(n))
		w.out = append(w.out, p[:n]...)
		p = p[n:]
		if len(p) == 0 {
			return
		}
	}
}

// clOrder is the order in which the code-length code's lengths are sent
// (RFC 1951 §3.2.7).
var clOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// header writes HLIT, HDIST, HCLEN, the code-length code, and the
// literal/length and distance code lengths, run-length coded: symbol 16
// repeats the previous length 3–6 times, 17 and 18 are runs of 3–10 and
// 11–138 zeros (RFC 1951 §3.2.7). lit has 257 to 286 lengths, dist 1 to 30.
func header(w *bitWriter, lit, dist []uint8) {
	var all [286 + 30]uint8
	n := copy(all[:], lit)
	n += copy(all[n:], dist)
	type sym struct{ s, extra uint8 }
	// At most one symbol a length: on the stack, not a heap allocation
	// a strip.
	var symBuf [286 + 30]sym
	syms := symBuf[:0]
	for i := 0; i < n; {
		v := all[i]
		run := 1
		for i+run < n && all[i+run] == v {
			run++
		}
		i += run
		if v == 0 {
			for run >= 3 {
				k := min(run, 138)
				if k <= 10 {
					syms = append(syms, sym{17, uint8(k - 3)})
				} else {
					syms = append(syms, sym{18, uint8(k - 11)})
				}
				run -= k
			}
			for range run {
				syms = append(syms, sym{0, 0})
			}
			continue
		}
		syms = append(syms, sym{v, 0})
		for r := run - 1; r > 0; {
			if r < 3 {
				for range r {
					syms = append(syms, sym{v, 0})
				}
				break
			}
			k := min(r, 6)
			syms = append(syms, sym{16, uint8(k - 3)})
			r -= k
		}
	}
	var counts [19]int
	for _, s := range syms {
		counts[s.s]++
	}
	var clLens [19]uint8
	huffmanLengths(counts[:], clLens[:], 7)
	var clCodes [19]uint16
	canonical(clLens[:], clCodes[:])
	hclen := 19
	for hclen > 4 && clLens[clOrder[hclen-1]] == 0 {
		hclen--
	}
	w.put(uint64(len(lit)-257), 5)
	w.put(uint64(len(dist)-1), 5)
	w.put(uint64(hclen-4), 4)
	for _, s := range clOrder[:hclen] {
		w.put(uint64(clLens[s]), 3)
	}
	for _, s := range syms {
		w.put(uint64(clCodes[s.s]), uint(clLens[s.s]))
		switch s.s {
		case 16:
			w.put(uint64(s.extra), 2)
		case 17:
			w.put(uint64(s.extra), 3)
		case 18:
			w.put(uint64(s.extra), 7)
		}
	}
}

// huffmanLengths sets lens to the lengths of a Huffman code for counts
// (at most 286 of them, each under 2^54), none longer than limit: 0 for a
// count of 0, and at least two symbols coded (a lone symbol gets a
// partner, so that the code is complete). The lengths are deterministic:
// ties go by symbol order. Everything is on the stack: a strip of a few
// rows pays microseconds for its tree.
func huffmanLengths(counts []int, lens []uint8, limit int) {
	const most = 286
	// keys: count above, 511-symbol below, sorted ascending: the leaves
	// lightest first, and, read backwards, the most frequent first with
	// ties by symbol.
	var keys [most]uint64
	n := 0
	for s, c := range counts {
		lens[s] = 0
		if c > 0 {
			keys[n] = uint64(c)<<9 | uint64(511-s)
			n++
		}
	}
	for s := 0; n < 2; s++ {
		if counts[s] == 0 {
			keys[n] = 1<<9 | uint64(511-s)
			n++
		}
	}
	slices.Sort(keys[:n])
	// Two queues (leaves in order, then inner nodes as made, whose
	// weights come out in order too), each node's parent recorded; then
	// the depths, from the root down.
	var weight [2 * most]uint64
	var parent [2 * most]int16
	for i, k := range keys[:n] {
		weight[i] = k >> 9
	}
	leaf, inner, made := 0, n, n
	pick := func() int {
		if leaf < n && (inner >= made || weight[leaf] <= weight[inner]) {
			leaf++
			return leaf - 1
		}
		inner++
		return inner - 1
	}
	for made < 2*n-1 {
		a, b := pick(), pick()
		parent[a], parent[b] = int16(made), int16(made)
		weight[made] = weight[a] + weight[b]
		made++
	}
	var depth [2 * most]uint8
	var numAt [maxDepth + 1]int
	for i := 2*n - 3; i >= 0; i-- {
		depth[i] = depth[parent[i]] + 1
		if i < n {
			numAt[min(int(depth[i]), limit)]++
		}
	}
	// Lengths over the limit are cut to it, and the code made complete
	// again by lengthening shorter ones (as miniz does): Kraft's sum, in
	// units of 2^-limit, must come back to 2^limit.
	total := 0
	for l := 1; l <= limit; l++ {
		total += numAt[l] << (limit - l)
	}
	for total > 1<<limit {
		numAt[limit]--
		for l := limit - 1; l > 0; l-- {
			if numAt[l] > 0 {
				numAt[l]--
				numAt[l+1] += 2
				break
			}
		}
		total--
	}
	// The shortest lengths to the most frequent symbols.
	i := n - 1
	for l := 1; l <= limit; l++ {
		for range numAt[l] {
			lens[511-int(keys[i]&511)] = uint8(l)
			i--
		}
	}
}

// maxDepth bounds a tree of 286 leaves, and so any limit asked for.
const maxDepth = 286

// canonical sets codes to the canonical Huffman code of lens (RFC 1951
// §3.2.2), each code's bits reversed: deflate sends codes from their top
// bit, into a stream read from the bottom.
func canonical(lens []uint8, codes []uint16) {
	var count [maxCodeBits + 1]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [maxCodeBits + 2]int
	code := 0
	for l := 1; l <= maxCodeBits; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for s, l := range lens {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		r := 0
		for range l {
			r = r<<1 | c&1
			c >>= 1
		}
		codes[s] = uint16(r)
	}
}

// bitWriter packs bits from the bottom of a 64-bit accumulator into out.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) put(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

// bits is how many bits have been written.
func (w *bitWriter) bits() int { return 8*len(w.out) + int(w.nbits) }

// align pads to a byte boundary with zeros.
func (w *bitWriter) align() {
	if w.nbits > 0 {
		w.put(0, 8-w.nbits)
	}
}

// grow makes room for n more bytes, plus the 8 that codes may store past
// its end.
func (w *bitWriter) grow(n int) {
	w.out = slices.Grow(w.out, n+8)
}

// codes writes the code of each byte of p. After a flush fewer than 8
// bits wait in the accumulator, so three codes of at most 15 bits fit
// (7 + 45 < 64); the flush stores all 64 bits and keeps the whole bytes.
// The room grow made is enough: each flush stores at most 8 bytes past
// what has been written, and the bytes written are counted in advance.
func (w *bitWriter) codes(p []byte, lens *[257]uint8, codes *[257]uint16) {
	var tab [256]uint32 // code | length<<16
	for i := range tab {
		tab[i] = uint32(codes[i]) | uint32(lens[i])<<16
	}
	out := w.out[len(w.out):cap(w.out)]
	pos := 0
	acc, nbits := w.acc, w.nbits
	i := 0
	for ; i+3 <= len(p); i += 3 {
		c0, c1, c2 := tab[p[i]], tab[p[i+1]], tab[p[i+2]]
		acc |= uint64(c0&0xffff) << nbits
		nbits += uint(c0 >> 16)
		acc |= uint64(c1&0xffff) << nbits
		nbits += uint(c1 >> 16)
		acc |= uint64(c2&0xffff) << nbits
		nbits += uint(c2 >> 16)
		binary.LittleEndian.PutUint64(out[pos:], acc)
		pos += int(nbits >> 3)
		acc >>= nbits &^ 7
		nbits &= 7
	}
	w.out = w.out[:len(w.out)+pos]
	w.acc, w.nbits = acc, nbits
	for ; i < len(p); i++ {
		w.put(uint64(codes[p[i]]), uint(lens[p[i]]))
	}
}
