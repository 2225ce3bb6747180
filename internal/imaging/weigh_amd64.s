//go:build amd64 && !purego

#include "textflag.h"

// weighRows's inner loops (resample.go) in SSE2, 8 columns at a time: the
// same float32 multiplies and adds in the same order as the Go loop (no
// fused multiply-add), so the sums are bit for bit the Go loop's.

#define BROADCAST(off, x) \
	MOVSS  off(DX), x; \
	SHUFPS $0, x, x

// U8 loads 8 bytes at (row)(AX*1) as two vectors of 4 float32, lo and hi.
#define U8(row, lo, hi) \
	MOVQ      (row)(AX*1), lo; \
	PUNPCKLBW X15, lo;         \
	MOVO      lo, hi;          \
	PUNPCKLWL X15, lo;         \
	PUNPCKHWL X15, hi;         \
	CVTPL2PS  lo, lo;          \
	CVTPL2PS  hi, hi

// F32 loads 8 float32 at (row)(AX*4) as two vectors, lo and hi.
#define F32(row, lo, hi) \
	MOVUPS (row)(AX*4), lo; \
	MOVUPS 16(row)(AX*4), hi

// ADD4 adds t0, t1 to dst's 8 float32 at (DI)(AX*4).
#define ADD4(t0, t1) \
	MOVUPS (DI)(AX*4), X4;   \
	MOVUPS 16(DI)(AX*4), X5; \
	ADDPS  t0, X4;           \
	ADDPS  t1, X5;           \
	MOVUPS X4, (DI)(AX*4);   \
	MOVUPS X5, 16(DI)(AX*4)

// FOUR adds to dst's 8 columns the four rows' columns, loaded by LOAD
// (U8 or F32), each times its weight (X8–X11), summed in the Go loop's
// order: ((w0·r0 + w1·r1) + w2·r2) + w3·r3.
#define FOUR(LOAD) \
	LOAD(R8, X0, X1);  \
	MULPS X8, X0;      \
	MULPS X8, X1;      \
	LOAD(R9, X2, X3);  \
	MULPS X9, X2;      \
	MULPS X9, X3;      \
	ADDPS X2, X0;      \
	ADDPS X3, X1;      \
	LOAD(R10, X2, X3); \
	MULPS X10, X2;     \
	MULPS X10, X3;     \
	ADDPS X2, X0;      \
	ADDPS X3, X1;      \
	LOAD(R11, X2, X3); \
	MULPS X11, X2;     \
	MULPS X11, X3;     \
	ADDPS X2, X0;      \
	ADDPS X3, X1;      \
	ADD4(X0, X1)

// The same sums 8 columns a vector, with AVX2 where the CPU has it
// (weighAVX2): the same multiplies and adds in the same order, lane for
// lane, so the sums are still bit for bit the Go loop's.

// U8Y loads 8 bytes at (row)(AX*1) as 8 float32 in y.
#define U8Y(row, y) \
	VPMOVZXBD (row)(AX*1), y; \
	VCVTDQ2PS y, y

// F32Y loads 8 float32 at (row)(AX*4) in y.
#define F32Y(row, y) \
	VMOVUPS (row)(AX*4), y

// FOURY is FOUR for one vector of 8 columns; weights in Y8–Y11.
#define FOURY(LOAD) \
	LOAD(R8, Y0);         \
	VMULPS  Y8, Y0, Y0;   \
	LOAD(R9, Y1);         \
	VMULPS  Y9, Y1, Y1;   \
	VADDPS  Y1, Y0, Y0;   \
	LOAD(R10, Y1);        \
	VMULPS  Y10, Y1, Y1;  \
	VADDPS  Y1, Y0, Y0;   \
	LOAD(R11, Y1);        \
	VMULPS  Y11, Y1, Y1;  \
	VADDPS  Y1, Y0, Y0;   \
	VADDPS  (DI)(AX*4), Y0, Y0; \
	VMOVUPS Y0, (DI)(AX*4)

#define ARGS4Y \
	MOVQ dst+0(FP), DI;    \
	MOVQ r0+8(FP), R8;     \
	MOVQ r1+16(FP), R9;    \
	MOVQ r2+24(FP), R10;   \
	MOVQ r3+32(FP), R11;   \
	MOVQ n+40(FP), CX;     \
	MOVQ w+48(FP), DX;     \
	VBROADCASTSS 0(DX), Y8;  \
	VBROADCASTSS 4(DX), Y9;  \
	VBROADCASTSS 8(DX), Y10; \
	VBROADCASTSS 12(DX), Y11; \
	XORQ AX, AX

// func weigh4U8(dst *float32, r0, r1, r2, r3 *byte, n int, w *[4]float32)
// dst[j] += w0*r0[j] + w1*r1[j] + w2*r2[j] + w3*r3[j], for j < n (a
// multiple of 8).
TEXT ·weigh4U8(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), R8
	MOVQ r1+16(FP), R9
	MOVQ r2+24(FP), R10
	MOVQ r3+32(FP), R11
	MOVQ n+40(FP), CX
	MOVQ w+48(FP), DX
	BROADCAST(0, X8)
	BROADCAST(4, X9)
	BROADCAST(8, X10)
	BROADCAST(12, X11)
	PXOR X15, X15
	XORQ AX, AX

loop4u8:
	CMPQ AX, CX
	JAE  done4u8
	FOUR(U8)
	ADDQ $8, AX
	JMP  loop4u8

done4u8:
	RET

// func weigh1U8(dst *float32, r0 *byte, n int, w *float32)
// dst[j] += w*r0[j], for j < n (a multiple of 8).
TEXT ·weigh1U8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), R8
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), DX
	BROADCAST(0, X8)
	PXOR X15, X15
	XORQ AX, AX

loop1u8:
	CMPQ AX, CX
	JAE  done1u8
	U8(R8, X0, X1)
	MULPS X8, X0
	MULPS X8, X1
	ADD4(X0, X1)
	ADDQ $8, AX
	JMP  loop1u8

done1u8:
	RET

// func weigh4F32(dst, r0, r1, r2, r3 *float32, n int, w *[4]float32)
// As weigh4U8, for rows of float32.
TEXT ·weigh4F32(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), R8
	MOVQ r1+16(FP), R9
	MOVQ r2+24(FP), R10
	MOVQ r3+32(FP), R11
	MOVQ n+40(FP), CX
	MOVQ w+48(FP), DX
	BROADCAST(0, X8)
	BROADCAST(4, X9)
	BROADCAST(8, X10)
	BROADCAST(12, X11)
	XORQ AX, AX

loop4f:
	CMPQ AX, CX
	JAE  done4f
	FOUR(F32)
	ADDQ $8, AX
	JMP  loop4f

done4f:
	RET

// func weigh1F32(dst, r0 *float32, n int, w *float32)
TEXT ·weigh1F32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ r0+8(FP), R8
	MOVQ n+16(FP), CX
	MOVQ w+24(FP), DX
	BROADCAST(0, X8)
	XORQ AX, AX

loop1f:
	CMPQ AX, CX
	JAE  done1f
	F32(R8, X0, X1)
	MULPS X8, X0
	MULPS X8, X1
	ADD4(X0, X1)
	ADDQ $8, AX
	JMP  loop1f

done1f:
	RET

// func weigh4U8AVX2(dst *float32, r0, r1, r2, r3 *byte, n int, w *[4]float32)
TEXT ·weigh4U8AVX2(SB), NOSPLIT, $0-56
	ARGS4Y

loop4u8y:
	CMPQ AX, CX
	JAE  done4u8y
	FOURY(U8Y)
	ADDQ $8, AX
	JMP  loop4u8y

done4u8y:
	VZEROUPPER
	RET

// func weigh4F32AVX2(dst, r0, r1, r2, r3 *float32, n int, w *[4]float32)
TEXT ·weigh4F32AVX2(SB), NOSPLIT, $0-56
	ARGS4Y

loop4fy:
	CMPQ AX, CX
	JAE  done4fy
	FOURY(F32Y)
	ADDQ $8, AX
	JMP  loop4fy

done4fy:
	VZEROUPPER
	RET
