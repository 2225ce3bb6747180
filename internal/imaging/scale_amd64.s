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

// TAPS sets up output pixel i's taps: BX its first tap's pixel (start[i]
// times 1<<shift bytes into src), R11 its taps, R12 its first weight.
#define TAPS(shift) \
	MOVQ (R8), AX;         \
	SHLQ $shift, AX;       \
	LEAQ (SI)(AX*1), BX;   \
	MOVQ (R9), DX;         \
	MOVQ 8(R9), R11;       \
	SUBQ DX, R11;          \
	LEAQ (R10)(DX*4), R12

// PIXEL is TAPS, and X0 zero.
#define PIXEL(shift) \
	TAPS(shift); \
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

DATA half<>+0(SB)/4, $0.5
GLOBL half<>(SB), RODATA|NOPTR, $4
DATA top<>+0(SB)/4, $255.0
GLOBL top<>(SB), RODATA|NOPTR, $4

// ROUND clamps the pixel in x to [0, 255], adds 0.5, and lowers its
// colours to its alpha (min commutes with the truncation that follows,
// which is monotone). X12 is zero, X13 255, X14 0.5; t is clobbered.
#define ROUND(x, t) \
	MAXPS  X12, x;   \
	MINPS  X13, x;   \
	ADDPS  X14, x;   \
	MOVAPS x, t;     \
	SHUFPS $0xff, t, t; \
	MINPS  t, x;     \
	CVTTPS2PL x, x

// func storeU8(d *byte, acc *float32, n int)
// storeRow for 8-bit pixels: n float32 (a multiple of 16, four pixels)
// rounded as clampTo rounds them, each colour no more than its alpha.
TEXT ·storeU8(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   acc+8(FP), SI
	MOVQ   n+16(FP), CX
	XORPS  X12, X12
	MOVSS  top<>(SB), X13
	SHUFPS $0, X13, X13
	MOVSS  half<>(SB), X14
	SHUFPS $0, X14, X14

store4:
	TESTQ  CX, CX
	JZ     stored
	MOVUPS (SI), X0
	MOVUPS 16(SI), X1
	MOVUPS 32(SI), X2
	MOVUPS 48(SI), X3
	ROUND(X0, X4)
	ROUND(X1, X4)
	ROUND(X2, X4)
	ROUND(X3, X4)
	PACKSSLW X1, X0
	PACKSSLW X3, X2
	PACKUSWB X2, X0
	MOVOU    X0, (DI)
	ADDQ     $64, SI
	ADDQ     $16, DI
	SUBQ     $16, CX
	JMP      store4

stored:
	RET

// The same sums two output pixels a vector, with AVX2 where the CPU has
// it (weighAVX2): where pixel i and i+1 take as many taps, the low lane
// sums pixel i's taps and the high lane pixel i+1's, each in the Go
// loop's order; a pixel without such a neighbour is summed alone, in the
// low lane. Lane for lane the same multiplies and adds as the SSE2
// kernels', so the sums are bit for bit the Go loop's.

// PAIRSETUP sets BX, R13 to pixels i and i+1's first taps (start<<shift
// bytes into src), R12, R14 to their first weights, R11 to their taps,
// and Y0 to zero.
#define PAIRSETUP(shift) \
	MOVQ  (R8), AX;         \
	SHLQ  $shift, AX;       \
	LEAQ  (SI)(AX*1), BX;   \
	MOVQ  8(R8), AX;        \
	SHLQ  $shift, AX;       \
	LEAQ  (SI)(AX*1), R13;  \
	MOVQ  (R9), DX;         \
	LEAQ  (R10)(DX*4), R12; \
	MOVQ  8(R9), DX;        \
	LEAQ  (R10)(DX*4), R14; \
	VXORPS Y0, Y0, Y0

// PAIRED jumps to label when pixels i and i+1 exist and take as many
// taps (R11 is then their taps), else to alone.
#define PAIRED(label, alone) \
	CMPQ CX, $2;        \
	JB   alone;         \
	MOVQ 8(R9), R11;    \
	SUBQ (R9), R11;     \
	MOVQ 16(R9), AX;    \
	SUBQ 8(R9), AX;     \
	CMPQ AX, R11;       \
	JEQ  label;         \
	JMP  alone

// PAIRW sets Y1 to pixel i's weight in the low lane and i+1's in the high.
#define PAIRW \
	VBROADCASTSS (R12), X1; \
	VBROADCASTSS (R14), X3; \
	VINSERTF128  $1, X3, Y1, Y1

// PAIRSTORE writes the two pixels' sums and moves to the next two.
#define PAIRSTORE \
	VMOVUPS Y0, (DI); \
	ADDQ    $32, DI;  \
	ADDQ    $16, R8;  \
	ADDQ    $16, R9;  \
	SUBQ    $2, CX

// ONESTORE writes one pixel's sums and moves to the next.
#define ONESTORE \
	VMOVUPS X0, (DI); \
	ADDQ    $16, DI;  \
	ADDQ    $8, R8;   \
	ADDQ    $8, R9;   \
	DECQ    CX

// ALONE sets up pixel i summed alone: PIXEL with X0 cleared by a VEX
// instruction, so that no SSE instruction runs between AVX ones.
#define ALONE(shift) \
	TAPS(shift); \
	VXORPS X0, X0, X0

// func scale2F32AVX2(dst, src *float32, start, off *int, weights *float32, n int)
TEXT ·scale2F32AVX2(SB), NOSPLIT, $0-48
	ARGS

nextf:
	TESTQ CX, CX
	JZ    donef2
	PAIRED(pairf, alonef)

alonef:
	ALONE(4)

onef:
	TESTQ        R11, R11
	JZ           onefstore
	VBROADCASTSS (R12), X1
	VMULPS       (BX), X1, X2
	VADDPS       X2, X0, X0
	ADDQ         $4, R12
	ADDQ         $16, BX
	DECQ         R11
	JMP          onef

onefstore:
	ONESTORE
	JMP nextf

pairf:
	PAIRSETUP(4)

pairftap:
	TESTQ       R11, R11
	JZ          pairfstore
	PAIRW
	VMOVUPS     (BX), X2
	VINSERTF128 $1, (R13), Y2, Y2
	VMULPS      Y2, Y1, Y2
	VADDPS      Y2, Y0, Y0
	ADDQ        $4, R12
	ADDQ        $4, R14
	ADDQ        $16, BX
	ADDQ        $16, R13
	DECQ        R11
	JMP         pairftap

pairfstore:
	PAIRSTORE
	JMP nextf

donef2:
	VZEROUPPER
	RET

// func scale2U8AVX2(dst *float32, src *byte, start, off *int, weights *float32, n int)
TEXT ·scale2U8AVX2(SB), NOSPLIT, $0-48
	ARGS

nextu:
	TESTQ CX, CX
	JZ    doneu2
	PAIRED(pairu, aloneu)

aloneu:
	ALONE(2)

oneu:
	TESTQ        R11, R11
	JZ           oneustore
	VBROADCASTSS (R12), X1
	VPMOVZXBD    (BX), X2
	VCVTDQ2PS    X2, X2
	VMULPS       X2, X1, X2
	VADDPS       X2, X0, X0
	ADDQ         $4, R12
	ADDQ         $4, BX
	DECQ         R11
	JMP          oneu

oneustore:
	ONESTORE
	JMP nextu

pairu:
	PAIRSETUP(2)

pairutap:
	TESTQ       R11, R11
	JZ          pairustore
	PAIRW
	VPMOVZXBD   (BX), X2
	VPMOVZXBD   (R13), X4
	VINSERTI128 $1, X4, Y2, Y2
	VCVTDQ2PS   Y2, Y2
	VMULPS      Y2, Y1, Y2
	VADDPS      Y2, Y0, Y0
	ADDQ        $4, R12
	ADDQ        $4, R14
	ADDQ        $4, BX
	ADDQ        $4, R13
	DECQ        R11
	JMP         pairutap

pairustore:
	PAIRSTORE
	JMP nextu

doneu2:
	VZEROUPPER
	RET
