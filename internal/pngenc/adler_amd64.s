//go:build amd64 && !purego

#include "textflag.h"

// Adler-32's sums over 16 bytes at a time, in SSE2 (adler.go says how
// they make the checksum): for n chunks of 16 bytes, the sum of the bytes,
// the sum over the chunks of the bytes before each, and the sum of each
// byte weighted by 16 less its place in its chunk. Every sum is exact
// (integers, no rounding), so the checksum is hash/adler32's.

DATA adlerWeights<>+0(SB)/8, $0x000d000e000f0010 // 16, 15, 14, 13
DATA adlerWeights<>+8(SB)/8, $0x0009000a000b000c // 12, 11, 10, 9
DATA adlerWeights<>+16(SB)/8, $0x0005000600070008 // 8, 7, 6, 5
DATA adlerWeights<>+24(SB)/8, $0x0001000200030004 // 4, 3, 2, 1
GLOBL adlerWeights<>(SB), RODATA|NOPTR, $32

// func adlerSums(p *byte, n int) (sum, before, weighted uint64)
// n is at most 65536, so that each 32-bit lane of the weighted sum, and
// their total, stay below 2^32.
TEXT ·adlerSums(SB), NOSPLIT, $0-40
	MOVQ  p+0(FP), SI
	MOVQ  n+8(FP), CX
	MOVOU adlerWeights<>+0(SB), X6
	MOVOU adlerWeights<>+16(SB), X7
	PXOR  X0, X0 // zero
	PXOR  X1, X1 // the bytes' sum, in two 64-bit lanes
	PXOR  X2, X2 // the sum, before each chunk, of the chunks before it
	PXOR  X3, X3 // the weighted sum, in four 32-bit lanes

loop:
	TESTQ     CX, CX
	JZ        done
	MOVOU     (SI), X4
	PADDQ     X1, X2
	MOVO      X4, X5
	PSADBW    X0, X5
	PADDQ     X5, X1
	MOVO      X4, X5
	PUNPCKLBW X0, X5
	PUNPCKHBW X0, X4
	PMADDWL   X6, X5
	PMADDWL   X7, X4
	PADDL     X5, X3
	PADDL     X4, X3
	ADDQ      $16, SI
	DECQ      CX
	JMP       loop

done:
	MOVQ   X1, AX
	PSHUFD $0xee, X1, X1
	MOVQ   X1, BX
	ADDQ   BX, AX
	MOVQ   AX, sum+16(FP)
	MOVQ   X2, AX
	PSHUFD $0xee, X2, X2
	MOVQ   X2, BX
	ADDQ   BX, AX
	MOVQ   AX, before+24(FP)
	PSHUFD $0xee, X3, X4
	PADDL  X4, X3
	PSHUFD $0x55, X3, X4
	PADDL  X4, X3
	MOVL   X3, AX
	MOVQ   AX, weighted+32(FP)
	RET
