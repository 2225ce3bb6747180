//go:build amd64 && !purego

#include "textflag.h"

// The filter-cost kernel of filters.best (filter.go), in SSE2 (every amd64
// has it): for 16 bytes at a time, each filter's output bytes, their
// magnitudes read as signed bytes (min(v, -v) as unsigned), summed by
// PSADBW. The sums are exactly filter.go's, so the filter chosen, and
// every byte written, are the same as the pure-Go path's.

DATA ones<>+0(SB)/8, $0x0101010101010101
DATA ones<>+8(SB)/8, $0x0101010101010101
GLOBL ones<>(SB), RODATA|NOPTR, $16

// MAG adds the signed magnitudes of v's 16 bytes to acc: v and t are
// clobbered; X15 is zero.
#define MAG(v, t, acc) \
	PXOR   t, t;     \
	PSUBB  v, t;     \
	PMINUB t, v;     \
	PSADBW X15, v;   \
	PADDQ  v, acc

// func costs4SSE2(x, a, b, c *byte, n int, s *[4]int)
// None, Sub, Up and Average sums over n bytes (a multiple of 16) of the
// row x, whose left neighbours are a, upper ones b and upper-left c.
TEXT ·costs4SSE2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ b+16(FP), R8
	MOVQ c+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ s+40(FP), DX
	PXOR X15, X15
	PXOR X10, X10
	PXOR X11, X11
	PXOR X12, X12
	PXOR X13, X13
	XORQ AX, AX

loop4:
	CMPQ AX, CX
	JAE  done4
	MOVOU (SI)(AX*1), X0 // x
	MOVOU (DI)(AX*1), X1 // a
	MOVOU (R8)(AX*1), X2 // b

	// None: x
	MOVO X0, X4
	MAG(X4, X5, X10)

	// Sub: x - a
	MOVO  X0, X4
	PSUBB X1, X4
	MAG(X4, X5, X11)

	// Up: x - b
	MOVO  X0, X4
	PSUBB X2, X4
	MAG(X4, X5, X12)

	// Average: x - floor((a+b)/2) = x - (pavgb(a, b) - ((a^b)&1))
	MOVO  X1, X4
	PAVGB X2, X4
	MOVO  X1, X5
	PXOR  X2, X5
	PAND  ones<>(SB), X5
	PSUBB X5, X4
	MOVO  X0, X6
	PSUBB X4, X6
	MAG(X6, X5, X13)

	ADDQ $16, AX
	JMP  loop4

done4:
	// Each accumulator holds two 64-bit halves.
	MOVQ    X10, AX
	PSRLDQ  $8, X10
	MOVQ    X10, BX
	ADDQ    BX, AX
	MOVQ    AX, 0(DX)
	MOVQ    X11, AX
	PSRLDQ  $8, X11
	MOVQ    X11, BX
	ADDQ    BX, AX
	MOVQ    AX, 8(DX)
	MOVQ    X12, AX
	PSRLDQ  $8, X12
	MOVQ    X12, BX
	ADDQ    BX, AX
	MOVQ    AX, 16(DX)
	MOVQ    X13, AX
	PSRLDQ  $8, X13
	MOVQ    X13, BX
	ADDQ    BX, AX
	MOVQ    AX, 24(DX)
	RET

// PAETH16 leaves in p (16-bit lanes) the Paeth predictor of a, b and c
// (16-bit lanes, values 0–255), as filter.go chooses it: a when
// pa <= pb and pa <= pc, else b when pb <= pc, else c. X7, X8, X9, X12,
// X13, X14 are clobbered.
#define PAETH16(a, b, c, p) \
	MOVO    b, X7;   \
	PSUBW   c, X7;  \
	MOVO    a, X8;   \
	PSUBW   c, X8;  \
	MOVO    X7, X9;  \
	PADDW   X8, X9;  \
	PXOR    X12, X12; \
	PSUBW   X7, X12; \
	PMAXSW  X12, X7;  \
	PXOR    X12, X12; \
	PSUBW   X8, X12; \
	PMAXSW  X12, X8;  \
	PXOR    X12, X12; \
	PSUBW   X9, X12; \
	PMAXSW  X12, X9;  \
	MOVO    X7, p;   \
	PCMPGTW X8, p;  \
	MOVO    X7, X13; \
	PCMPGTW X9, X13;  \
	POR     X13, p;  \
	MOVO    X8, X13; \
	PCMPGTW X9, X13;  \
	MOVO    X13, X14; \
	PAND    c, X14;  \
	PANDN   b, X13;  \
	POR     X14, X13;  \
	PAND    p, X13;  \
	PANDN   a, p;    \
	POR     X13, p

// PREDICT leaves in X10 the Paeth predictions of the 16 bytes at AX of
// a (DI), b (R8) and c (R9), as bytes: each half widened to 16-bit lanes
// for PAETH16. X1–X6 and X11 are clobbered; X15 is zero.
#define PREDICT \
	MOVOU     (DI)(AX*1), X1; \
	MOVOU     (R8)(AX*1), X2; \
	MOVOU     (R9)(AX*1), X3; \
	MOVO      X1, X4;         \
	PUNPCKLBW X15, X4;        \
	MOVO      X2, X5;         \
	PUNPCKLBW X15, X5;        \
	MOVO      X3, X6;         \
	PUNPCKLBW X15, X6;        \
	PAETH16(X4, X5, X6, X10); \
	MOVO      X1, X4;         \
	PUNPCKHBW X15, X4;        \
	MOVO      X2, X5;         \
	PUNPCKHBW X15, X5;        \
	MOVO      X3, X6;         \
	PUNPCKHBW X15, X6;        \
	PAETH16(X4, X5, X6, X11); \
	PACKUSWB  X11, X10

// func costPaethSSE2(x, a, b, c *byte, n int) int
// The Paeth sum over n bytes (a multiple of 16).
TEXT ·costPaethSSE2(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ a+8(FP), DI
	MOVQ b+16(FP), R8
	MOVQ c+24(FP), R9
	MOVQ n+32(FP), CX
	PXOR X15, X15
	XORQ AX, AX
	XORQ R10, R10

loopP:
	CMPQ AX, CX
	JAE  doneP
	PREDICT
	MOVOU    (SI)(AX*1), X0
	PSUBB    X10, X0
	PXOR     X5, X5
	PSUBB    X0, X5
	PMINUB   X5, X0
	PSADBW   X15, X0
	MOVQ     X0, BX
	ADDQ     BX, R10
	PSRLDQ   $8, X0
	MOVQ     X0, BX
	ADDQ     BX, R10

	ADDQ $16, AX
	JMP  loopP

doneP:
	MOVQ R10, ret+40(FP)
	RET

// func filterSSE2(ft int, out, x, a, b, c *byte, n int)
// Writes to out the n bytes (a multiple of 16) of x filtered with Sub (1),
// Up (2), Average (3) or Paeth (4), a, b and c being x's left, upper and
// upper-left neighbours: filters.one's bytes exactly.
TEXT ·filterSSE2(SB), NOSPLIT, $0-56
	MOVQ ft+0(FP), R11
	MOVQ out+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ a+24(FP), DI
	MOVQ b+32(FP), R8
	MOVQ c+40(FP), R9
	MOVQ n+48(FP), CX
	PXOR X15, X15
	XORQ AX, AX
	CMPQ R11, $1
	JEQ  sub
	CMPQ R11, $2
	JEQ  up
	CMPQ R11, $3
	JEQ  avg

paeth:
	CMPQ AX, CX
	JAE  fdone
	PREDICT
	MOVOU    (SI)(AX*1), X0
	PSUBB    X10, X0
	MOVOU    X0, (DX)(AX*1)
	ADDQ     $16, AX
	JMP      paeth

sub:
	CMPQ  AX, CX
	JAE   fdone
	MOVOU (SI)(AX*1), X0
	MOVOU (DI)(AX*1), X1
	PSUBB X1, X0
	MOVOU X0, (DX)(AX*1)
	ADDQ  $16, AX
	JMP   sub

up:
	CMPQ  AX, CX
	JAE   fdone
	MOVOU (SI)(AX*1), X0
	MOVOU (R8)(AX*1), X2
	PSUBB X2, X0
	MOVOU X0, (DX)(AX*1)
	ADDQ  $16, AX
	JMP   up

avg:
	MOVOU ones<>(SB), X9

avgloop:
	CMPQ  AX, CX
	JAE   fdone
	MOVOU (SI)(AX*1), X0
	MOVOU (DI)(AX*1), X1
	MOVOU (R8)(AX*1), X2
	MOVO  X1, X4
	PAVGB X2, X4
	PXOR  X2, X1
	PAND  X9, X1
	PSUBB X1, X4
	PSUBB X4, X0
	MOVOU X0, (DX)(AX*1)
	ADDQ  $16, AX
	JMP   avgloop

fdone:
	RET
