package imaging

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestWeighRowsAsm: weighRows gives bit for bit the same sums with the
// assembly as without it, for 8-bit and float32 rows, row lengths of 0 to
// 131 and 1 to 13 rows (the four-row and one-row kernels and the Go
// columns after them).
func TestWeighRowsAsm(t *testing.T) {
	if !weighAsm {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
	defer func() { useWeighAsm = weighAsm }()
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 131; n++ {
		for k := 1; k <= 13; k++ {
			w := make([]float32, k)
			for i := range w {
				w[i] = r.Float32()*2 - 0.5 // Lanczos has negative lobes
			}
			u8, f32 := make([][]uint8, k), make([][]float32, k)
			for i := range k {
				u8[i], f32[i] = make([]uint8, n+3), make([]float32, n+3) // rows may be longer than dst
				for j := range u8[i] {
					u8[i][j] = uint8(r.Uint32())
					f32[i][j] = r.Float32()*300 - 20
				}
			}
			for _, rows := range []string{"8-bit", "float32"} {
				got, want := make([]float32, n), make([]float32, n)
				for pass, dst := range [][]float32{want, got} {
					useWeighAsm = pass == 1
					if rows == "8-bit" {
						weighRows(dst, u8, w)
					} else {
						weighRows(dst, f32, w)
					}
				}
				for j := range n {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s rows, n %d, %d rows: column %d is %v with the assembly, %v without", rows, n, k, j, got[j], want[j])
					}
				}
			}
		}
	}
}

// TestScaleRowAsm: scaleRow through scale_amd64.s (SSE2, and AVX2 where the
// CPU has it) gives bit for bit the Go
// loop's sums, for 8-bit and float32 rows, shrinking and enlarging, from
// one pixel to a few hundred each way.
func TestScaleRowAsm(t *testing.T) {
	if !weighAsm {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
	defer func() { useWeighAsm, weighAVX2 = weighAsm, cpuHasAVX2() }()
	r := rand.New(rand.NewPCG(7, 8))
	sizes := []int{1, 2, 3, 5, 8, 13, 31, 64, 100, 257, 600}
	for _, n := range sizes {
		u8, f32 := make([]uint8, 4*n), make([]float32, 4*n)
		for i := range u8 {
			u8[i] = uint8(r.Uint32())
			f32[i] = r.Float32()*300 - 20
		}
		for _, m := range sizes {
			f := newFilter(n, m)
			for _, rows := range []string{"8-bit", "float32"} {
				// The Go loop, then SSE2, then AVX2 where the CPU has it.
				var out [3][]float32
				for pass := range out {
					if pass == 2 && !cpuHasAVX2() {
						break
					}
					useWeighAsm, weighAVX2 = pass > 0, pass == 2
					out[pass] = make([]float32, 4*m)
					if rows == "8-bit" {
						scaleRow(f, out[pass], u8)
					} else {
						scaleRow(f, out[pass], f32)
					}
				}
				for pass, got := range out[1:] {
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(out[0][j]) {
							t.Fatalf("%s rows, %d -> %d, kernel %d: channel %d is %v with the assembly, %v without", rows, n, m, pass+1, j, got[j], out[0][j])
						}
					}
				}
			}
		}
	}
}

// TestStoreRowAsm: storeU8 rounds to the bytes storeRow's Go loop makes,
// on rows of every length up to 40 pixels whose channels fall below 0,
// above 255, on and around the halves where rounding turns, and whose
// colours exceed their alpha.
func TestStoreRowAsm(t *testing.T) {
	if !weighAsm {
		t.Skip("no assembly in this build (purego, or not amd64): the pure-Go path is the only one")
	}
	defer func() { useWeighAsm = weighAsm }()
	r := rand.New(rand.NewPCG(9, 10))
	edges := []float32{-1e9, -1, -0.5, -0, 0, 0.25, 0.49999997, 0.5, 0.50000006, 1.5, 2.5, 127.49999, 127.5, 254.49998, 254.5, 254.99998, 255, 255.5, 256, 1e9}
	for n := range 41 {
		for range 50 {
			acc := make([]float32, 4*n)
			for i := range acc {
				if r.IntN(2) == 0 {
					acc[i] = edges[r.IntN(len(edges))]
				} else {
					acc[i] = r.Float32()*300 - 20
				}
			}
			got, want := make([]uint8, 4*n), make([]uint8, 4*n)
			useWeighAsm = false
			storeRow(want, acc, 255)
			useWeighAsm = true
			storeRow(got, acc, 255)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d pixels %v: the assembly stored %v, Go %v", n, acc, got, want)
			}
		}
	}
}

// TestWeighAVX2: the AVX2 kernels' sums are the SSE2 kernels' and the Go
// loop's, bit for bit (run where the CPU has AVX2).
func TestWeighAVX2(t *testing.T) {
	if !weighAsm || !cpuHasAVX2() {
		t.Skip("no AVX2 here (or no assembly in this build)")
	}
	defer func() { useWeighAsm, weighAVX2 = weighAsm, cpuHasAVX2() }()
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 7, 8, 9, 16, 100, 1000} {
		u8 := make([][]uint8, 7)
		f32 := make([][]float32, 7)
		for k := range u8 {
			u8[k], f32[k] = make([]uint8, n), make([]float32, n)
			for i := range n {
				u8[k][i] = uint8(r.Uint32())
				f32[k][i] = r.Float32()*300 - 20
			}
		}
		w := []float32{-0.03, 0.2, 0.37, 0.41, 0.11, -0.07, 0.01}
		var sums [3][2][]float32
		for pass, mode := range []struct{ asm, avx bool }{{false, false}, {true, false}, {true, true}} {
			useWeighAsm, weighAVX2 = mode.asm, mode.avx
			sums[pass][0], sums[pass][1] = make([]float32, n), make([]float32, n)
			weighRows(sums[pass][0], u8, w)
			weighRows(sums[pass][1], f32, w)
		}
		for pass := 1; pass < 3; pass++ {
			for kind := range 2 {
				for j := range n {
					if math.Float32bits(sums[pass][kind][j]) != math.Float32bits(sums[0][kind][j]) {
						t.Fatalf("%d columns, kernel %d, rows %d: column %d is %v, Go's %v", n, pass, kind, j, sums[pass][kind][j], sums[0][kind][j])
					}
				}
			}
		}
	}
}

// TestFilterCache: a cached filter is newFilter's, made once: the second
// call for a scale returns the same one.
func TestFilterCache(t *testing.T) {
	for _, nm := range [][2]int{{512, 256}, {2048, 301}, {7, 700}, {1, 1}} {
		f := cachedFilter(nm[0], nm[1])
		want := newFilter(nm[0], nm[1])
		if !slices.Equal(f.start, want.start) || !slices.Equal(f.off, want.off) || !slices.Equal(f.weights, want.weights) || f.maxTaps != want.maxTaps {
			t.Fatalf("%v: the cached filter is not newFilter's", nm)
		}
		if g := cachedFilter(nm[0], nm[1]); g != f {
			t.Errorf("%v: made again while it was in the cache", nm)
		}
	}
}
