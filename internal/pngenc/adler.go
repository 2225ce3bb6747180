package pngenc

import "hash/adler32"

// adlerMod is Adler-32's modulus (RFC 1950 §8.2).
const adlerMod = 65521

// adlerCombine returns the Adler-32 of A followed by B, given a1 of A and
// a2 of B, where B is n bytes long (as zlib's adler32_combine does).
func adlerCombine(a1, a2 uint32, n int64) uint32 {
	rem := uint32(n % adlerMod)
	s1 := a1 & 0xffff
	s2 := (rem * s1) % adlerMod
	sum1 := s1 + (a2 & 0xffff) + adlerMod - 1
	sum2 := (a1 >> 16) + (a2 >> 16) + s2 + adlerMod - rem
	for sum1 >= adlerMod {
		sum1 -= adlerMod
	}
	for sum2 >= adlerMod {
		sum2 -= adlerMod
	}
	return sum2<<16 | sum1
}

// adlerChecksum is the Adler-32 of p: with adler_amd64.s where it is built
// (useAsm), else hash/adler32's. The checksum is the same either way.
func adlerChecksum(p []byte) uint32 {
	if !useAsm {
		return adler32.Checksum(p)
	}
	return adlerUpdate(1, p)
}

// adlerUpdate is Adler-32 continued from adler over p, 16 bytes at a time
// by adlerSums. Over n chunks of 16 bytes, with a and b the two sums
// before them: a grows by the bytes' sum, and b by 16·n·a, by 16 times the
// sum before each chunk of the chunks before it, and by each byte weighted
// by 16 less its place in its chunk (RFC 1950 §8.2, regrouped); in 64
// bits, taken modulo 65521 once per call.
func adlerUpdate(adler uint32, p []byte) uint32 {
	a, b := uint64(adler&0xffff), uint64(adler>>16)
	for len(p) >= 16 {
		n := min(len(p)/16, 1<<16)
		sum, before, weighted := adlerSums(&p[0], n)
		b = (b + 16*uint64(n)*a + 16*before + weighted) % adlerMod
		a = (a + sum) % adlerMod
		p = p[16*n:]
	}
	for _, c := range p { // under 16 bytes: no overflow
		a += uint64(c)
		b += a
	}
	return uint32(b%adlerMod)<<16 | uint32(a%adlerMod)
}
