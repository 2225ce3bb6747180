//go:build amd64 && !purego

package pngenc

// asmAvailable says filter_amd64.s is built: on amd64, unless the purego
// build tag asks for the pure-Go path alone.
const asmAvailable = true

//go:noescape
func costs4SSE2(x, a, b, c *byte, n int, s *[4]int)

//go:noescape
func costPaethSSE2(x, a, b, c *byte, n int) int

//go:noescape
func filterSSE2(ft int, out, x, a, b, c *byte, n int)

//go:noescape
func adlerSums(p *byte, n int) (sum, before, weighted uint64)

// costsAsm adds to s the five sums of the first n bytes (a multiple of 16)
// of x, whose left neighbours are a, upper ones b and upper-left c.
func costsAsm(x, a, b, c []byte, n int, s *[5]int) {
	if n <= 0 {
		return
	}
	_, _, _, _ = x[n-1], a[n-1], b[n-1], c[n-1]
	var four [4]int
	costs4SSE2(&x[0], &a[0], &b[0], &c[0], n, &four)
	for i, v := range four {
		s[i] += v
	}
	s[4] += costPaethSSE2(&x[0], &a[0], &b[0], &c[0], n)
}

// filterAsm writes to out the first n bytes (a multiple of 16) of x
// filtered with ft (Sub, Up, Average or Paeth), x's left neighbours being
// a, its upper ones b and its upper-left c.
func filterAsm(ft byte, out, x, a, b, c []byte, n int) {
	if n <= 0 {
		return
	}
	_, _, _, _, _ = out[n-1], x[n-1], a[n-1], b[n-1], c[n-1]
	filterSSE2(int(ft), &out[0], &x[0], &a[0], &b[0], &c[0], n)
}
