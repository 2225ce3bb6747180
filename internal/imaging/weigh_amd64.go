//go:build amd64 && !purego

package imaging

import "golang.org/x/sys/cpu"

// weighAsm says weigh_amd64.s is built: on amd64, unless the purego build
// tag asks for the pure-Go path alone.
const weighAsm = true

// weighAVX2 says the CPU runs weigh_amd64.s's AVX2 kernels.
var weighAVX2 = cpu.X86.HasAVX2

//go:noescape
func weigh4U8(dst *float32, r0, r1, r2, r3 *byte, n int, w *[4]float32)

//go:noescape
func weigh1U8(dst *float32, r0 *byte, n int, w *float32)

//go:noescape
func weigh4F32(dst, r0, r1, r2, r3 *float32, n int, w *[4]float32)

//go:noescape
func weigh1F32(dst, r0 *float32, n int, w *float32)

//go:noescape
func scaleF32(dst, src *float32, start, off *int, weights *float32, n int)

//go:noescape
func scaleU8(dst *float32, src *byte, start, off *int, weights *float32, n int)

//go:noescape
func storeU8(d *byte, acc *float32, n int)

//go:noescape
func weigh4U8AVX2(dst *float32, r0, r1, r2, r3 *byte, n int, w *[4]float32)

//go:noescape
func weigh4F32AVX2(dst, r0, r1, r2, r3 *float32, n int, w *[4]float32)

// cpuHasAVX2 is for tests, which turn weighAVX2 off and on.
func cpuHasAVX2() bool { return cpu.X86.HasAVX2 }

//go:noescape
func scale2F32AVX2(dst, src *float32, start, off *int, weights *float32, n int)

//go:noescape
func scale2U8AVX2(dst *float32, src *byte, start, off *int, weights *float32, n int)
