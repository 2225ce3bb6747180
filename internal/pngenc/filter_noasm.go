//go:build !amd64 || purego

package pngenc

// asmAvailable says there is no assembly on this platform, or the purego
// build tag asked for none.
const asmAvailable = false

func costsAsm(x, a, b, c []byte, n int, s *[5]int) { panic("pngenc: no assembly in this build") }

func filterAsm(ft byte, out, x, a, b, c []byte, n int) {
	panic("pngenc: no assembly in this build")
}

func adlerSums(p *byte, n int) (sum, before, weighted uint64) {
	panic("pngenc: no assembly in this build")
}
