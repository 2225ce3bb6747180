package pngenc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"
)

// joinStrips deflates p cut into strips of size bytes with a strip coder
// (huffmanStrip or lzStrip) and makes one zlib stream of them, as
// writeIDATs does.
func joinStrips(p []byte, size int, coder func(p []byte, first, last bool) *bytes.Buffer) []byte {
	var out []byte
	n := max(1, (len(p)+size-1)/size)
	for i := range n {
		part := p[min(len(p), i*size):min(len(p), (i+1)*size)]
		buf := coder(part, i == 0, i == n-1)
		out = append(out, buf.Bytes()...)
		bufPool.Put(buf)
	}
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(p))
}

// coders are the two strip coders of fast mode.
var coders = map[string]func(p []byte, first, last bool) *bytes.Buffer{
	"huffman": huffmanStrip,
	"lz":      func(p []byte, first, last bool) *bytes.Buffer { return lzStrip(p, 513, first, last) },
}

// inflate decodes a zlib stream with the standard library's reader, an
// implementation that shares no code with the writer.
func inflate(t testing.TB, z []byte) []byte {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("zlib header: %v", err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("compress/flate cannot read the stream: %v", err)
	}
	return got
}

// TestHuffmanStrips: streams of strips decode to their bytes through
// compress/zlib, for inputs that take each path: filtered-photo-like
// bytes (a Huffman block), uniform noise (stored blocks, over 65,535
// bytes), one value only, empty and one-byte strips, and lengths around
// the coder's three bytes a step.
func TestHuffmanStrips(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	laplace := func(n int) []byte {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(int(r.NormFloat64() * 6))
		}
		return p
	}
	noise := func(n int) []byte {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		return p
	}
	cases := map[string][]byte{
		"photo-like":  laplace(300_000),
		"noise":       noise(200_000),
		"one value":   bytes.Repeat([]byte{3}, 100_000),
		"empty":       nil,
		"one byte":    {42},
		"short noise": noise(5),
	}
	for n := range 10 {
		cases["short "+string(rune('0'+n))] = laplace(n)
	}
	// What LZ77 is for: runs, rows that repeat (a heat map's palette
	// indices), and distances up to the window's 32,768 and past it.
	heat := make([]byte, 300_000)
	for i := range heat {
		x, y := i%513, i/513
		heat[i] = byte(x/16*7 + y/16*3)
	}
	cases["heat map"] = heat
	far := noise(40_000)
	cases["repeat at 32768"] = append(append(far[:32768:32768], far[:5000]...), noise(100)...)
	cases["repeat at 32769"] = append(append(noise(32769), far[:5000]...), 1)
	cases["runs"] = bytes.Repeat(append(bytes.Repeat([]byte{0}, 300), 1, 2, 3), 1000)
	for coder, strip := range coders {
		for name, p := range cases {
			for _, size := range []int{1 << 18, 70_000, 7, 1} {
				if len(p) > 20_000 && size < 100 {
					continue
				}
				z := joinStrips(p, size, strip)
				if got := inflate(t, z); !bytes.Equal(got, p) {
					t.Fatalf("%s: %s in strips of %d: %d bytes back, not the %d written", coder, name, size, len(got), len(p))
				}
				if name == "photo-like" && size == 1<<18 && len(z) > len(p)*3/4 {
					t.Errorf("%s: photo-like bytes: %d of %d, a code that does not shorten them", coder, len(z), len(p))
				}
				if name == "noise" && len(z) > len(p)+len(p)/65535*5+64 {
					t.Errorf("%s: noise: %d bytes for %d, more than stored blocks take", coder, len(z), len(p))
				}
				if coder == "lz" && size == 1<<18 && len(p) > 100_000 {
					// klauspost/compress's fastest level, which this
					// coder replaced, on the same strips.
					k := joinStrips(p, size, func(p []byte, first, last bool) *bytes.Buffer {
						return deflate(p, flate.BestSpeed, nil, first, last)
					})
					t.Logf("lz: %s: %d bytes, klauspost's level 1 %d", name, len(z), len(k))
					if len(z) > len(k)*11/10+64 {
						t.Errorf("lz: %s: %d bytes, against klauspost's level 1's %d", name, len(z), len(k))
					}
				}
			}
		}
	}
}

// TestLZBlocks: a strip of more tokens than a block holds (noise among
// zeros, no match found for most bytes) is coded in several blocks.
func TestLZBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	p := make([]byte, 3*maxTokens)
	for i := range p {
		if r.IntN(3) == 0 {
			p[i] = byte(r.Uint32())
		}
	}
	z := joinStrips(p, len(p), coders["lz"])
	if got := inflate(t, z); !bytes.Equal(got, p) {
		t.Fatalf("%d bytes back, not the %d written", len(got), len(p))
	}
}

// TestDistCodes: every distance and length is coded by the code whose
// base and extra bits cover it (RFC 1951 §3.2.5).
func TestDistCodes(t *testing.T) {
	for d := 1; d <= maxDist; d++ {
		c := distCode(d)
		if lo, hi := int(distBase[c]), int(distBase[c])+1<<distExtra[c]-1; d < lo || d > hi {
			t.Fatalf("distance %d: code %d covers %d-%d", d, c, lo, hi)
		}
	}
	for l := minMatch; l <= maxMatch; l++ {
		c := lenCode[l]
		if lo, hi := int(lenBase[c]), int(lenBase[c])+1<<lenExtra[c]-1; l < lo || l > hi || (l == 258) != (c == 28) {
			t.Fatalf("length %d: code %d covers %d-%d", l, c, lo, hi)
		}
	}
}

// FuzzHuffmanStrips: any bytes, cut into strips of any size, come back
// whole through compress/zlib from both coders.
func FuzzHuffmanStrips(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x01\xff\xfe\x02\x00"), uint16(3))
	f.Add(bytes.Repeat([]byte{0, 1, 0, 0, 255}, 300), uint16(1000))
	f.Fuzz(func(t *testing.T, p []byte, size uint16) {
		for coder, strip := range coders {
			z := joinStrips(p, int(size)+1, strip)
			if got := inflate(t, z); !bytes.Equal(got, p) {
				t.Fatalf("%s: %d bytes back, not the %d written", coder, len(got), len(p))
			}
		}
	})
}

// TestHuffmanLengths: the code is complete (Kraft's sum exactly 1, as
// inflaters require), no length is over the limit, and where the limit
// does not bind it is as short as Huffman's: counts that are Fibonacci
// numbers make the deepest trees there are.
func TestHuffmanLengths(t *testing.T) {
	fib := make([]int, 257)
	a, b := 1, 1
	for i := range fib {
		fib[i] = a
		a, b = b, min(a+b, 1<<40)
	}
	r := rand.New(rand.NewPCG(9, 10))
	random := make([]int, 257)
	for i := range random {
		random[i] = 1 + r.IntN(1000)
	}
	skew := make([]int, 257)
	for i := range skew {
		skew[i] = 1
	}
	skew[0] = 1 << 30
	two := make([]int, 19)
	two[4], two[9] = 5, 5
	one := make([]int, 19)
	one[8] = 3
	for name, c := range map[string]struct {
		counts []int
		limit  int
	}{
		"fibonacci 15": {fib, 15}, "fibonacci 7": {fib[:19], 7}, "random": {random, 15},
		"skewed": {skew, 15}, "two symbols": {two, 7}, "one symbol": {one, 7},
	} {
		lens := make([]uint8, len(c.counts))
		huffmanLengths(c.counts, lens, c.limit)
		kraft, coded := 0.0, 0
		for s, l := range lens {
			if int(l) > c.limit {
				t.Errorf("%s: symbol %d has length %d, over %d", name, s, l, c.limit)
			}
			if c.counts[s] > 0 && l == 0 {
				t.Errorf("%s: symbol %d occurs and has no code", name, s)
			}
			if l > 0 {
				kraft += 1 / float64(uint64(1)<<l)
				coded++
			}
		}
		if kraft != 1 || coded < 2 {
			t.Errorf("%s: Kraft's sum %v over %d codes; want a complete code", name, kraft, coded)
		}
	}
	// With a limit that does not bind, the code is an optimal one: its
	// cost is the sum of the tree's inner weights. (At 15 bits the
	// random counts' rarest symbols, 16 deep in Huffman's tree, are cut.)
	for _, counts := range [][]int{random, fib[:40], skew, two} {
		lens := make([]uint8, len(counts))
		huffmanLengths(counts, lens, 48)
		cost := 0
		for s, l := range lens {
			cost += counts[s] * int(l)
		}
		if want := huffmanCost(counts); cost != want {
			t.Errorf("%d counts: %d bits, Huffman's %d", len(counts), cost, want)
		}
	}
}

// huffmanCost is an optimal prefix code's total bits for counts: the sum
// of the weights of the inner nodes (of the counts not 0), merging the two lightest each time
// (quadratic, and independent of huffmanLengths's queues).
func huffmanCost(counts []int) int {
	var w []int
	for _, c := range counts {
		if c > 0 {
			w = append(w, c)
		}
	}
	cost := 0
	for len(w) > 1 {
		for k := range 2 {
			m := k
			for i := k; i < len(w); i++ {
				if w[i] < w[m] {
					m = i
				}
			}
			w[k], w[m] = w[m], w[k]
		}
		cost += w[0] + w[1]
		w = append([]int{w[0] + w[1]}, w[2:]...)
	}
	return cost
}
