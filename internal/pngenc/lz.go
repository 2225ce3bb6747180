package pngenc

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"sync"
)

// Fast mode's LZ77 deflate, for strips that repeat: palette indices (heat
// maps) and filtered rows that are mostly zeros (flat graphics). Matches
// are found as klauspost/compress's fastest level finds them, through a
// table of the last position of each 4-byte sequence's hash, checked and
// extended; they are coded in one dynamic block a strip (or a block every
// maxTokens tokens), whose codes are built from the strip's own counts.
// klauspost builds its three trees every 64 KB of input, which was a fifth
// of a /vector_image request's CPU.
//
// A strip has no dictionary: its first bytes cannot refer to the strip
// before (which costs little on 256 KB strips, and spares filtering the
// previous strip's last 32 KB again).

const (
	lzHashBits = 14
	maxTokens  = 1 << 16 // a block's tokens at most: 256 KB of them
	minMatch   = 4
	maxMatch   = 258
	maxDist    = 32768
)

// A token is a literal byte (below 256), or a match: lenFlag, the length
// above bit 16, the distance below.
const lenFlag = 1 << 31

// lzState is a strip's scratch, pooled: the hash table and the tokens.
type lzState struct {
	table  [1 << lzHashBits]int32
	tokens []uint32
}

var lzPool = sync.Pool{New: func() any { return &lzState{tokens: make([]uint32, 0, maxTokens)} }}

// lzStrip deflates p, lines of stride bytes, with LZ77 and Huffman codes
// into a pooled buffer, led by the zlib header when first, ended by the
// final block when last, else by a sync flush, as huffmanStrip does.
func lzStrip(p []byte, stride int, first, last bool) *bytes.Buffer {
	buf, w := startStrip(len(p), first)
	st := lzPool.Get().(*lzState)
	defer lzPool.Put(st)
	clear(st.table[:])

	from := 0     // where the block's bytes begin
	prevDist := 0 // the last match's distance
	tokens := st.tokens[:0]
	i, n := 0, len(p)
	for i < n {
		if len(tokens) == maxTokens {
			w.block(p[from:i], tokens, false)
			tokens, from = tokens[:0], i
		}
		if i+minMatch > n {
			tokens = append(tokens, uint32(p[i]))
			i++
			continue
		}
		seq := binary.LittleEndian.Uint32(p[i:])
		h := (seq * 0x1e35a7bd) >> (32 - lzHashBits)
		cand := int(st.table[h]) - 1
		st.table[h] = int32(i + 1)
		end := min(n, i+maxMatch)
		l, d := 0, 0
		if cand >= 0 && i-cand <= maxDist && binary.LittleEndian.Uint32(p[cand:]) == seq {
			l, d = matchLen(p[cand+minMatch:], p[i+minMatch:end])+minMatch, i-cand
		}
		// The row above, a line back, which a table of the last place
		// of each sequence misses in rows that repeat their own runs
		// (a heat map's palette indices, flat graphics); and the last
		// match's distance, for patterns of another period.
		for _, back := range [2]int{stride, prevDist} {
			if c := i - back; l < maxMatch && back != d && back > 0 && c >= 0 && back <= maxDist && binary.LittleEndian.Uint32(p[c:]) == seq {
				if m := matchLen(p[c+minMatch:], p[i+minMatch:end]) + minMatch; m > l {
					l, d = m, back
				}
			}
		}
		if l == 0 {
			tokens = append(tokens, uint32(p[i]))
			i++
			continue
		}
		tokens = append(tokens, lenFlag|uint32(l)<<16|uint32(d))
		i += l
		prevDist = d
		if i+minMatch <= n {
			// The table learns the match's last place too.
			e := i - 1
			st.table[(binary.LittleEndian.Uint32(p[e:])*0x1e35a7bd)>>(32-lzHashBits)] = int32(e + 1)
		}
	}
	w.block(p[from:], tokens, last)
	return w.endStrip(buf, !last)
}

// matchLen is how many bytes a and b have in common from the start, b
// being the shorter, eight at a time.
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Length and distance codes (RFC 1951 §3.2.5): base values and extra bits.
var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase  = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// lenCode is the length code (0–28, for symbols 257–285) of each
	// match length from 3 to 258.
	lenCode = func() (c [maxMatch + 1]uint8) {
		for code := range lenBase {
			top := maxMatch
			if code+1 < len(lenBase) {
				top = int(lenBase[code+1]) - 1
			}
			for l := int(lenBase[code]); l <= top; l++ {
				c[l] = uint8(code)
			}
		}
		return c
	}()
)

// distCode is the distance code of distance d (1–32768).
func distCode(d int) int {
	if d <= 4 {
		return d - 1
	}
	x := d - 1
	k := bits.Len32(uint32(x)) - 1 // x's top bit
	return 2*k + int(x>>(k-1)&1)
}

// block writes tokens, which code raw, as one dynamic block, or as stored
// blocks when those are smaller; final when last.
func (w *bitWriter) block(raw []byte, tokens []uint32, last bool) {
	var litCounts [286]int
	var distCounts [30]int
	for _, t := range tokens {
		if t&lenFlag == 0 {
			litCounts[t]++
			continue
		}
		litCounts[257+int(lenCode[t>>16&0x1ff])]++
		distCounts[distCode(int(t&0xffff))]++
	}
	litCounts[256] = 1 // the end of the block
	var litLens [286]uint8
	var distLens [30]uint8
	huffmanLengths(litCounts[:], litLens[:], maxCodeBits)
	huffmanLengths(distCounts[:], distLens[:], maxCodeBits)
	var litCodes [286]uint16
	var distCodes [30]uint16
	canonical(litLens[:], litCodes[:])
	canonical(distLens[:], distCodes[:])

	// The block's size, to choose between it and stored blocks.
	dataBits := 0
	for s, c := range litCounts {
		dataBits += c * int(litLens[s])
		if s > 256 {
			dataBits += c * int(lenExtra[s-257])
		}
	}
	for s, c := range distCounts {
		dataBits += c * (int(distLens[s]) + int(distExtra[s]))
	}
	nlit, ndist := 286, 30
	for nlit > 257 && litLens[nlit-1] == 0 {
		nlit--
	}
	for ndist > 1 && distLens[ndist-1] == 0 {
		ndist--
	}
	mark := len(w.out)
	final := uint64(0)
	if last {
		final = 1
	}
	acc, nbits := w.acc, w.nbits
	w.put(final|2<<1, 3)
	header(w, litLens[:nlit], distLens[:ndist])
	if (w.bits()-8*mark+dataBits)/8 > len(raw)+5*(len(raw)/65535+1) {
		w.out, w.acc, w.nbits = w.out[:mark], acc, nbits
		stored(w, raw, last)
		return
	}
	w.grow(dataBits/8 + 16)
	out := w.out[len(w.out):cap(w.out)]
	pos := 0
	acc, nbits = w.acc, w.nbits
	for _, t := range tokens {
		// At most 15 + 5 + 15 + 13 = 48 bits a token, on fewer than 8.
		if t&lenFlag == 0 {
			acc |= uint64(litCodes[t]) << nbits
			nbits += uint(litLens[t])
		} else {
			l, d := int(t>>16&0x1ff), int(t&0xffff)
			lc := lenCode[l]
			acc |= uint64(litCodes[257+int(lc)]) << nbits
			nbits += uint(litLens[257+int(lc)])
			acc |= uint64(l-int(lenBase[lc])) << nbits
			nbits += uint(lenExtra[lc])
			dc := distCode(d)
			acc |= uint64(distCodes[dc]) << nbits
			nbits += uint(distLens[dc])
			acc |= uint64(d-int(distBase[dc])) << nbits
			nbits += uint(distExtra[dc])
		}
		binary.LittleEndian.PutUint64(out[pos:], acc)
		pos += int(nbits >> 3)
		acc >>= nbits &^ 7
		nbits &= 7
	}
	w.out = w.out[:len(w.out)+pos]
	w.acc, w.nbits = acc, nbits
	w.put(uint64(litCodes[256]), uint(litLens[256]))
}
