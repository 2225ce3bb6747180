//go:build !amd64 || purego

package imaging

// weighAsm says there is no assembly for weighRows in this build.
const weighAsm = false

var weighAVX2 = false

func weigh4U8(dst *float32, r0, r1, r2, r3 *byte, n int, w *[4]float32)    { panic("no assembly") }
func weigh1U8(dst *float32, r0 *byte, n int, w *float32)                   { panic("no assembly") }
func weigh4F32(dst, r0, r1, r2, r3 *float32, n int, w *[4]float32)         { panic("no assembly") }
func weigh1F32(dst, r0 *float32, n int, w *float32)                        { panic("no assembly") }
func scaleF32(dst, src *float32, start, off *int, weights *float32, n int) { panic("no assembly") }
func scaleU8(dst *float32, src *byte, start, off *int, weights *float32, n int) {
	panic("no assembly")
}
func storeU8(d *byte, acc *float32, n int)                                  { panic("no assembly") }
func weigh4U8AVX2(dst *float32, r0, r1, r2, r3 *byte, n int, w *[4]float32) { panic("no assembly") }
func weigh4F32AVX2(dst, r0, r1, r2, r3 *float32, n int, w *[4]float32)      { panic("no assembly") }

func cpuHasAVX2() bool { return false }
func scale2F32AVX2(dst, src *float32, start, off *int, weights *float32, n int) {
	panic("no assembly")
}
func scale2U8AVX2(dst *float32, src *byte, start, off *int, weights *float32, n int) {
	panic("no assembly")
}
