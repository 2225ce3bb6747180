package pngenc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"testing"
)

// joinStrips deflates p cut into strips of size bytes with huffmanStrip
// and makes one zlib stream of them, as writeIDATs does.
func joinStrips(p []byte, size int) []byte {
	var out []byte
	n := max(1, (len(p)+size-1)/size)
	for i := range n {
		part := p[min(len(p), i*size):min(len(p), (i+1)*size)]
		buf := huffmanStrip(part, i == 0, i == n-1)
		out = append(out, buf.Bytes()...)
	}
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(p))
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
	for name, p := range cases {
		for _, size := range []int{1 << 18, 70_000, 7, 1} {
			if len(p) > 20_000 && size < 100 {
				continue
			}
			z := joinStrips(p, size)
			if got := inflate(t, z); !bytes.Equal(got, p) {
				t.Fatalf("%s in strips of %d: %d bytes back, not the %d written", name, size, len(got), len(p))
			}
			if name == "photo-like" && size == 1<<18 && len(z) > len(p)*3/4 {
				t.Errorf("photo-like bytes: %d of %d, a code that does not shorten them", len(z), len(p))
			}
			if name == "noise" && len(z) > len(p)+len(p)/65535*5+64 {
				t.Errorf("noise: %d bytes for %d, more than stored blocks take", len(z), len(p))
			}
		}
	}
}

// FuzzHuffmanStrips: any bytes, cut into strips of any size, come back
// whole through compress/zlib.
func FuzzHuffmanStrips(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x01\xff\xfe\x02\x00"), uint16(3))
	f.Add(bytes.Repeat([]byte{0, 1, 0, 0, 255}, 300), uint16(1000))
	f.Fuzz(func(t *testing.T, p []byte, size uint16) {
		z := joinStrips(p, int(size)+1)
		if got := inflate(t, z); !bytes.Equal(got, p) {
			t.Fatalf("%d bytes back, not the %d written", len(got), len(p))
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
