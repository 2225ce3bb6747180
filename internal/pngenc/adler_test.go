package pngenc

import (
	"bytes"
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

func TestAdlerCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {100, 70000}, {65521, 65521}, {200000, 3}} {
		a, b := make([]byte, n[0]), make([]byte, n[1])
		for i := range a {
			a[i] = byte(r.IntN(256))
		}
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		want := adler32.Checksum(append(append([]byte(nil), a...), b...))
		if got := adlerCombine(adler32.Checksum(a), adler32.Checksum(b), int64(len(b))); got != want {
			t.Errorf("combine of %d and %d bytes = %08x, want %08x", n[0], n[1], got, want)
		}
	}
}

// TestAdlerAsm: adlerChecksum with the assembly is hash/adler32's, for
// every length up to 600 bytes, random and all-0xff (the sums' largest),
// and for lengths that take several calls of adlerSums (over 2^16 chunks).
func TestAdlerAsm(t *testing.T) {
	if !asmAvailable {
		t.Skip("no assembly in this build")
	}
	r := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 3<<20+37)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	ff := bytes.Repeat([]byte{0xff}, len(buf))
	for _, b := range [][]byte{buf, ff} {
		for n := range 600 {
			if got, want := adlerUpdate(1, b[:n]), adler32.Checksum(b[:n]); got != want {
				t.Fatalf("%d bytes (first %#x): %#x, want %#x", n, b[0], got, want)
			}
		}
		for _, n := range []int{1 << 20, 1<<20 + 15, 1<<20 + 16, 1<<20 + 17, len(b)} {
			if got, want := adlerUpdate(1, b[:n]), adler32.Checksum(b[:n]); got != want {
				t.Fatalf("%d bytes (first %#x): %#x, want %#x", n, b[0], got, want)
			}
		}
	}
	// Continued from a checksum other than 1, at every offset of a chunk.
	for split := range 40 {
		a := adler32.Checksum(buf[:split])
		if got, want := adlerUpdate(a, buf[split:5000]), adler32.Checksum(buf[:5000]); got != want {
			t.Fatalf("continued at %d: %#x, want %#x", split, got, want)
		}
	}
}

// FuzzAdler: adlerUpdate is hash/adler32's on any bytes, from any start.
func FuzzAdler(f *testing.F) {
	f.Add([]byte("Adler-32"), uint32(1))
	f.Add(bytes.Repeat([]byte{0xff}, 100), uint32(0xfff0fff0))
	f.Fuzz(func(t *testing.T, p []byte, start uint32) {
		if !asmAvailable {
			t.Skip("no assembly in this build")
		}
		start = start%adlerMod | (start>>16%adlerMod)<<16
		// hash/adler32 has no "continue from"; compare the continued
		// checksum with the combination of the two parts.
		if got, want := adlerUpdate(start, p), adlerCombine(start, adler32.Checksum(p), int64(len(p))); got != want {
			t.Fatalf("%d bytes from %#x: %#x, want %#x", len(p), start, got, want)
		}
	})
}
