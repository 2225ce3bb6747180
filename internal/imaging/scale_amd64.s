//go:build amd64 && !purego

#include "textflag.h"

// scaleRow's loop (resample.go) in SSE2: an output pixel's four channels
// in one vector, each tap's weight broadcast, multiplied and added in the
// Go loop's order (no fused multiply-add), so the sums are bit for bit the
// Go loop's.

// ARGS loads the arguments both kernels take.
#define ARGS \
	MOVQ dst+0(FP), DI;     \
	MOVQ src+8(FP), SI;     \
	MOVQ start+16(FP), R8;  \
	MOVQ off+24(FP), R9;    \
	MOVQ weights+32(FP), R10; \
	MOVQ n+40(FP), CX

// PIXEL sets up output pixel i: BX its first tap's pixel (start[i] times
// 1<<shift bytes into src), R11 its taps, R12 its first weight, X0 zero.
#define PIXEL(shift) \
	MOVQ  (R8), AX;         \
	SHLQ  $shift, AX;       \
	LEAQ  (SI)(AX*1), BX;   \
	MOVQ  (R9), DX;         \
	MOVQ  8(R9), R11;       \
	SUBQ  DX, R11;          \
	LEAQ  (R10)(DX*4), R12; \
	XORPS X0, X0

// BROADCAST1 sets X1 to the weight at R12, four times.
#define BROADCAST1 \
	MOVSS  (R12), X1; \
	SHUFPS $0, X1, X1

// STORE writes the pixel's sums and moves to the next output.
#define STORE \
	MOVUPS X0, (DI); \
	ADDQ   $16, DI;  \
	ADDQ   $8, R8;   \
	ADDQ   $8, R9

// func scaleF32(dst, src *float32, start, off *int, weights *float32, n int)
TEXT ·scaleF32(SB), NOSPLIT, $0-48
	ARGS

pixel:
	PIXEL(4)

tapf:
	TESTQ  R11, R11
	JZ     storef
	BROADCAST1
	MOVUPS (BX), X2
	MULPS  X1, X2
	ADDPS  X2, X0
	ADDQ   $4, R12
	ADDQ   $16, BX
	DECQ   R11
	JMP    tapf

storef:
	STORE
	DECQ CX
	JNZ  pixel
	RET

// func scaleU8(dst *float32, src *byte, start, off *int, weights *float32, n int)
TEXT ·scaleU8(SB), NOSPLIT, $0-48
	ARGS
	PXOR X15, X15

pixelu:
	PIXEL(2)

tapu:
	TESTQ     R11, R11
	JZ        storeu
	BROADCAST1
	MOVL      (BX), X2
	PUNPCKLBW X15, X2
	PUNPCKLWL X15, X2
	CVTPL2PS  X2, X2
	MULPS     X1, X2
	ADDPS     X2, X0
	ADDQ      $4, R12
	ADDQ      $4, BX
	DECQ      R11
	JMP       tapu

storeu:
	STORE
	DECQ CX
	JNZ  pixelu
	RET
