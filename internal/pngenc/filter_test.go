package pngenc

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestCostsAsm: the assembly kernel's five sums are the pure-Go ones, for
// rows of every length up to 300 bytes and pixels of 1 to 8 bytes, over
// random, flat, extreme and alternating bytes (signed magnitudes of 128,
// Paeth's ties).
func TestCostsAsm(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
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
				useAsm = false
				want := costs(cur, prev, bpp)
				useAsm = true
				got := costs(cur, prev, bpp)
				if got != want {
					t.Fatalf("n %d, bpp %d, fill %d: the kernel's sums %v, Go's %v", n, bpp, k, got, want)
				}
			}
		}
	}
}

// FuzzCosts: the same on rows the fuzzer makes.
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
