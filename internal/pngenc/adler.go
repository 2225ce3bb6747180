package pngenc

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
