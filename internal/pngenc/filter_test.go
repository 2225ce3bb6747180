package pngenc

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestCostsAsm: the assembly kernel's five sums are the pure-Go ones (rows
// says for which rows).
func TestCostsAsm(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
	defer func() { useAsm = asmAvailable }()
	rows(func(n, bpp, k int, cur, prev []byte) {
		useAsm = false
		want := costs(cur, prev, bpp)
		useAsm = true
		got := costs(cur, prev, bpp)
		if got != want {
			t.Fatalf("n %d, bpp %d, fill %d: the kernel's sums %v, Go's %v", n, bpp, k, got, want)
		}
	})
}

// TestFilterAsm: the filtering kernel writes the pure-Go loops' bytes for
// each of the four filters it does, on the same rows as TestCostsAsm.
func TestFilterAsm(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
	defer func() { useAsm = asmAvailable }()
	rows(func(n, bpp, k int, cur, prev []byte) {
		f := newFilters(n)
		for ft := byte(ftSub); ft <= ftPaeth; ft++ {
			useAsm = false
			want := bytes.Clone(f.one(cur, prev, ft, bpp))
			useAsm = true
			if got := f.one(cur, prev, ft, bpp); !bytes.Equal(got, want) {
				t.Fatalf("n %d, bpp %d, fill %d, filter %d: the kernel wrote %x, Go %x", n, bpp, k, ft, got, want)
			}
		}
	})
}

// rows calls check with rows of every length up to 300 bytes and pixels of
// 1 to 8 bytes, over random, flat, extreme and alternating bytes (signed
// magnitudes of 128, Paeth's ties).
func rows(check func(n, bpp, k int, cur, prev []byte)) {
	r := rand.New(rand.NewPCG(1, 2))
	fill := []func([]byte){
		func(b []byte) {
			for i := range b {
				b[i] = byte(r.Uint32())
			}
		},
		func(b []byte) {
			for i := range b {
				b[i] = []byte{0, 255, 128, 127, 1}[r.IntN(5)]
			}
		},
		func(b []byte) {
			for i := range b {
				b[i] = byte(i*7) ^ byte(r.IntN(3))
			}
		},
	}
	for n := 0; n <= 300; n++ {
		for bpp := 1; bpp <= 8; bpp++ {
			for k, f := range fill {
				cur, prev := make([]byte, n), make([]byte, n)
				f(cur)
				f(prev)
				check(n, bpp, k, cur, prev)
			}
		}
	}
}

// FuzzCosts: the sums and the filtered bytes on rows the fuzzer makes.
func FuzzCosts(f *testing.F) {
	f.Add([]byte("\x00\xff\x80\x7f\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, bpp uint8) {
		if !asmAvailable {
			return
		}
		b := int(bpp%8) + 1
		cur, prev := data[:len(data)/2], data[len(data)/2:len(data)/2*2]
		defer func() { useAsm = asmAvailable }()
		useAsm = false
		want := costs(cur, prev, b)
		useAsm = true
		if got := costs(cur, prev, b); got != want {
			t.Fatalf("bpp %d: the kernel's sums %v, Go's %v", b, got, want)
		}
		f := newFilters(len(cur))
		for ft := byte(ftSub); ft <= ftPaeth; ft++ {
			useAsm = false
			want := bytes.Clone(f.one(cur, prev, ft, b))
			useAsm = true
			if got := f.one(cur, prev, ft, b); !bytes.Equal(got, want) {
				t.Fatalf("bpp %d, filter %d: the kernel wrote %x, Go %x", b, ft, got, want)
			}
		}
	})
}

// TestAsmBytesIdentical: every image of the encoder's corpus, in both
// modes, encodes to the same bytes with the assembly kernel and without
// it. (TestGoldenAcrossGOMAXPROCS checks both paths under GOMAXPROCS 1, 2
// and 8.)
func TestAsmBytesIdentical(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
	defer func() { useAsm = asmAvailable }()
	for _, c := range loadCorpus(t)["all"] {
		for _, mode := range []Mode{Fast, Stored} {
			var with, without bytes.Buffer
			useAsm = true
			if err := (&Encoder{Mode: mode}).Encode(&with, c.img); err != nil {
				t.Fatal(err)
			}
			useAsm = false
			if err := (&Encoder{Mode: mode}).Encode(&without, c.img); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(with.Bytes(), without.Bytes()) {
				t.Errorf("%s, mode %d: %d bytes with the kernel, %d without; not the same bytes", c.name, mode, with.Len(), without.Len())
			}
		}
	}
}

// TestCountZeros: the word-at-a-time count is a byte-at-a-time one, on
// every length up to 40 and bytes of every value next to zeros.
func TestCountZeros(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 40; n++ {
		for range 200 {
			p := make([]byte, n)
			want := 0
			for i := range p {
				if r.IntN(2) == 0 {
					p[i] = byte(r.IntN(256))
				}
				if p[i] == 0 {
					want++
				}
			}
			if got := countZeros(p); got != want {
				t.Fatalf("%x: %d zeros counted, %d there", p, got, want)
			}
		}
	}
	for v := range 256 {
		if got := countZeros([]byte{0, byte(v), 0, 0, byte(v), 0, 0, 0}); got != 6+b2i(v == 0)*2 {
			t.Fatalf("byte %#x among zeros: %d counted", v, got)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
