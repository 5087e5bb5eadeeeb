/*
 * Keccak-f[1600] (FIPS 202 section 3, 24 rounds) for TUAK. An AuC computing an
 * authentication vector needs f1 and f2345, two independent permutations; the vector
 * paths run them side by side in the time of one. Plain C and AVX2 share one round
 * macro over a small set of lane operations; AVX-512 is one round in inline assembly.
 * The x86 paths are compiled with target attributes and chosen at run time from the
 * CPU's feature flags, so the library still runs on any x86-64.
 *
 * Lanes are named as in the Keccak team's notation: rows b, g, k, m, s (y = 0..4),
 * columns a, e, i, o, u (x = 0..4); lane x + 5y of the state is A<row><column>. A
 * round reads the A* lanes and writes the E* lanes, the next one the other way, so
 * that pi needs no copy.
 */
#include "keccak.h"

#include <stdatomic.h>
#include <string.h>

#include "core/check.h"
#include "mcim/aka.h"
#include "mcim/bytes.h"

static const uint64_t keccak_rc[24] = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
};

/*
 * The round needs, from each instantiation: KXOR(a, b), KXOR3(a, b, c), KROL(x, n) for
 * 0 < n < 64, KCHI(a, b, c) = a ^ (~b & c), KXORC(x, i) = x ^ keccak_rc[i], and the
 * temporaries B0..B4, C0..C4 and D of the lane type.
 *
 * Theta runs in place, one column x at a time: D = C[x-1] ^ rol(C[x+1], 1) added to
 * its five lanes, so that besides the 25 lanes only the five parities and one D are
 * live; rho, pi and chi then read the lanes of one output row, each for the last
 * time, into B0..B4 and write that row of the other state. At most 31 values are live
 * at once, which AArch64's general registers nearly hold.
 */
#define KECCAK_PARITY(A)                                                                 \
	C0 = KXOR3(KXOR3(A##ba, A##ga, A##ka), A##ma, A##sa);                            \
	C1 = KXOR3(KXOR3(A##be, A##ge, A##ke), A##me, A##se);                            \
	C2 = KXOR3(KXOR3(A##bi, A##gi, A##ki), A##mi, A##si);                            \
	C3 = KXOR3(KXOR3(A##bo, A##go, A##ko), A##mo, A##so);                            \
	C4 = KXOR3(KXOR3(A##bu, A##gu, A##ku), A##mu, A##su)

#define KECCAK_THETA_COLUMN(A, x, cm, cp)                                                \
	D = KXOR(cm, KROL(cp, 1));                                                       \
	A##b##x = KXOR(A##b##x, D);                                                      \
	A##g##x = KXOR(A##g##x, D);                                                      \
	A##k##x = KXOR(A##k##x, D);                                                      \
	A##m##x = KXOR(A##m##x, D);                                                      \
	A##s##x = KXOR(A##s##x, D)

/* chi on one row of the E state from B0..B4 (theta, rho and pi already applied). */
#define KECCAK_CHI(E, a, e, i, o, u)                                                     \
	E##a = KCHI(B0, B1, B2);                                                         \
	E##e = KCHI(B1, B2, B3);                                                         \
	E##i = KCHI(B2, B3, B4);                                                         \
	E##o = KCHI(B3, B4, B0);                                                         \
	E##u = KCHI(B4, B0, B1)

/*
 * One round from A to E with round constant keccak_rc[r]. Output row y takes, in
 * column x, input lane (x + 3y mod 5, x) rotated by its rho offset.
 */
#define KECCAK_ROUND(A, E, r)                                                            \
	do {                                                                             \
		KECCAK_PARITY(A);                                                        \
		KECCAK_THETA_COLUMN(A, a, C4, C1);                                       \
		KECCAK_THETA_COLUMN(A, e, C0, C2);                                       \
		KECCAK_THETA_COLUMN(A, i, C1, C3);                                       \
		KECCAK_THETA_COLUMN(A, o, C2, C4);                                       \
		KECCAK_THETA_COLUMN(A, u, C3, C0);                                       \
		B0 = A##ba;                                                              \
		B1 = KROL(A##ge, 44);                                                    \
		B2 = KROL(A##ki, 43);                                                    \
		B3 = KROL(A##mo, 21);                                                    \
		B4 = KROL(A##su, 14);                                                    \
		KECCAK_CHI(E, ba, be, bi, bo, bu);                                       \
		E##ba = KXORC(E##ba, r);                                                 \
		B0 = KROL(A##bo, 28);                                                    \
		B1 = KROL(A##gu, 20);                                                    \
		B2 = KROL(A##ka, 3);                                                     \
		B3 = KROL(A##me, 45);                                                    \
		B4 = KROL(A##si, 61);                                                    \
		KECCAK_CHI(E, ga, ge, gi, go, gu);                                       \
		B0 = KROL(A##be, 1);                                                     \
		B1 = KROL(A##gi, 6);                                                     \
		B2 = KROL(A##ko, 25);                                                    \
		B3 = KROL(A##mu, 8);                                                     \
		B4 = KROL(A##sa, 18);                                                    \
		KECCAK_CHI(E, ka, ke, ki, ko, ku);                                       \
		B0 = KROL(A##bu, 27);                                                    \
		B1 = KROL(A##ga, 36);                                                    \
		B2 = KROL(A##ke, 10);                                                    \
		B3 = KROL(A##mi, 15);                                                    \
		B4 = KROL(A##so, 56);                                                    \
		KECCAK_CHI(E, ma, me, mi, mo, mu);                                       \
		B0 = KROL(A##bi, 62);                                                    \
		B1 = KROL(A##go, 55);                                                    \
		B2 = KROL(A##ku, 39);                                                    \
		B3 = KROL(A##ma, 41);                                                    \
		B4 = KROL(A##se, 2);                                                     \
		KECCAK_CHI(E, sa, se, si, so, su);                                       \
	} while (0)

/* Declares the lanes and temporaries of type T; loads A* with KLOAD(lane index). */
#define KECCAK_DECLARE(T)                                                                \
	T Aba = KLOAD(0), Abe = KLOAD(1), Abi = KLOAD(2), Abo = KLOAD(3),                \
	  Abu = KLOAD(4);                                                                \
	T Aga = KLOAD(5), Age = KLOAD(6), Agi = KLOAD(7), Ago = KLOAD(8),                \
	  Agu = KLOAD(9);                                                                \
	T Aka = KLOAD(10), Ake = KLOAD(11), Aki = KLOAD(12), Ako = KLOAD(13),            \
	  Aku = KLOAD(14);                                                               \
	T Ama = KLOAD(15), Ame = KLOAD(16), Ami = KLOAD(17), Amo = KLOAD(18),            \
	  Amu = KLOAD(19);                                                               \
	T Asa = KLOAD(20), Ase = KLOAD(21), Asi = KLOAD(22), Aso = KLOAD(23),            \
	  Asu = KLOAD(24);                                                               \
	T Eba, Ebe, Ebi, Ebo, Ebu, Ega, Ege, Egi, Ego, Egu, Eka, Eke, Eki, Eko, Eku;     \
	T Ema, Eme, Emi, Emo, Emu, Esa, Ese, Esi, Eso, Esu;                              \
	T B0, B1, B2, B3, B4, C0, C1, C2, C3, C4, D

/* iters times 24 rounds, two per pass so that the lanes end in A*. */
#define KECCAK_ROUNDS(iters)                                                             \
	for (unsigned it_ = 0; it_ < (iters); it_++)                                     \
		for (unsigned r_ = 0; r_ < 24; r_ += 2) {                                \
			KECCAK_ROUND(A, E, r_);                                          \
			KECCAK_ROUND(E, A, r_ + 1);                                      \
		}

#define KECCAK_STORE_ALL()                                                               \
	KSTORE(0, Aba);                                                                  \
	KSTORE(1, Abe);                                                                  \
	KSTORE(2, Abi);                                                                  \
	KSTORE(3, Abo);                                                                  \
	KSTORE(4, Abu);                                                                  \
	KSTORE(5, Aga);                                                                  \
	KSTORE(6, Age);                                                                  \
	KSTORE(7, Agi);                                                                  \
	KSTORE(8, Ago);                                                                  \
	KSTORE(9, Agu);                                                                  \
	KSTORE(10, Aka);                                                                 \
	KSTORE(11, Ake);                                                                 \
	KSTORE(12, Aki);                                                                 \
	KSTORE(13, Ako);                                                                 \
	KSTORE(14, Aku);                                                                 \
	KSTORE(15, Ama);                                                                 \
	KSTORE(16, Ame);                                                                 \
	KSTORE(17, Ami);                                                                 \
	KSTORE(18, Amo);                                                                 \
	KSTORE(19, Amu);                                                                 \
	KSTORE(20, Asa);                                                                 \
	KSTORE(21, Ase);                                                                 \
	KSTORE(22, Asi);                                                                 \
	KSTORE(23, Aso);                                                                 \
	KSTORE(24, Asu)

/* ---- Portable: one state of uint64_t lanes, lane i at s[i * stride]. ---- */

#define KXOR(a, b)     ((a) ^ (b))
#define KXOR3(a, b, c) ((a) ^ (b) ^ (c))
#define KROL(x, n)     (((x) << (n)) | ((x) >> (64 - (n))))
#define KCHI(a, b, c)  ((a) ^ (~(b) & (c)))
#define KXORC(x, r)    ((x) ^ keccak_rc[r])
#define KLOAD(i)       s[(size_t)(i)*stride]
#define KSTORE(i, v)   (s[(size_t)(i)*stride] = (v))

static void keccak_portable(uint64_t *s, size_t stride, unsigned iters)
{
	KECCAK_DECLARE(uint64_t);
	KECCAK_ROUNDS(iters);
	KECCAK_STORE_ALL();
}

#undef KXOR
#undef KXOR3
#undef KROL
#undef KCHI
#undef KXORC
#undef KLOAD
#undef KSTORE

void aka_keccak_f1600(uint64_t s[AKA_KECCAK_LANES], unsigned iters)
{
	MCIM_ASSERT(s != NULL);
	keccak_portable(s, 1, iters);
}

static void x2_portable(struct aka_keccak_x2 *st, unsigned ways, unsigned iters)
{
	for (unsigned w = 0; w < ways; w++)
		keccak_portable(&st->lane[0][w], AKA_KECCAK_WAYS, iters);
}

/* ---- x86-64: both states side by side in 128-bit registers. ---- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define KECCAK_HAVE_X86 1

/* AVX2 has neither a rotate nor a three-input logic instruction. */
#define KLOAD(i)       _mm_load_si128((const __m128i *)st->lane[i])
#define KSTORE(i, v)   _mm_store_si128((__m128i *)st->lane[i], (v))
#define KXOR(a, b)     _mm_xor_si128((a), (b))
#define KXOR3(a, b, c) _mm_xor_si128(_mm_xor_si128((a), (b)), (c))
#define KROL(x, n)     _mm_or_si128(_mm_slli_epi64((x), (n)), _mm_srli_epi64((x), 64 - (n)))
#define KCHI(a, b, c)  _mm_xor_si128((a), _mm_andnot_si128((b), (c)))
#define KXORC(x, r)    _mm_xor_si128((x), _mm_set1_epi64x((long long)keccak_rc[r]))

__attribute__((target("avx2"))) static void x2_avx2(struct aka_keccak_x2 *st,
						    unsigned iters)
{
	KECCAK_DECLARE(__m128i);
	KECCAK_ROUNDS(iters);
	KECCAK_STORE_ALL();
}

#undef KXOR
#undef KXOR3
#undef KROL
#undef KCHI
#undef KXORC
#undef KLOAD
#undef KSTORE

/*
 * AVX-512 (F and VL, on 128-bit registers): vprolq rotates and vpternlogq computes
 * a ^ b ^ c (truth table 0x96) or chi's a ^ (~b & c) (0xd2) in one instruction. The
 * round is written in assembly because its speed depends on register allocation and
 * instruction order, which the compilers did not get right: the same intrinsics took
 * 250 ns (GCC) and 261 ns (clang) for the two permutations, 228 to 270 ns with other
 * flags or statement orders, always spilling lanes to the stack; this takes 212-218
 * ns with either. Here every value has a fixed register and nothing spills:
 *
 *   %xmm0..24   lane x + 5y of both states in %xmm(x + 5y) at the start of a round
 *   %xmm25..29  the parities C0..C4, then (rotated and combined in place) D4, -, -,
 *               D2, D3; %xmm26/27 then hold chi's two saved inputs
 *   %xmm30, 31  D0, D1
 *
 * Theta uses D[x] = C[x-1] ^ rol(C[x+1], 1) (ten instructions) rather than adding
 * C[x-1] and rol(C[x+1], 1) to each lane with one vpternlogq (five fewer): that form
 * keeps ten values live through the round instead of five and does not fit. Rho and
 * chi then work one output row at a time, in place: each lane of the row gets its D
 * and its rotation, then chi overwrites the row's five registers (saving the first two
 * inputs, which the last two outputs read). The next row's theta and rho are issued
 * before this row's chi so that the processor always has independent work: that order
 * measured about 20% faster than theta over all lanes first. As chi leaves output lane
 * (X, Y) in the register of its pi source, lane (X + 3Y, X), the round ends with the
 * 25 moves of that permutation's inverse (lane 0 stays; the other 24 form one cycle),
 * which register renaming absorbs: the loop measured as fast as 24 unrolled rounds
 * with renamed registers, at an eighth of the code. For TUAK the caller writes only
 * lanes 0..11, eight octets at a time, and the padding lanes are made here: a TUAK
 * vector took 10 ns less than with the caller writing all 50 lanes and 16-octet loads
 * that the processor cannot forward from two 8-octet stores.
 */
/* clang-format off */
#define KX_D0 30
#define KX_D1 31
#define KX_D2 28
#define KX_D3 29
#define KX_D4 25

/* "%%xmm<i>" once macro arguments such as KX_D0 are expanded. */
#define KX_X_(i) "%%xmm" #i
#define KX_X(i) KX_X_(i)
#define KX_TERN(imm, c, b, a) "vpternlogq $" #imm ", " KX_X(c) ", " KX_X(b) ", " KX_X(a) "\n\t"
#define KX_XOR(b, a) "vpxorq " KX_X(b) ", " KX_X(a) ", " KX_X(a) "\n\t"
#define KX_ROL(n, b, a) "vprolq $" #n ", " KX_X(b) ", " KX_X(a) "\n\t"
#define KX_MOVE(b, a) "vmovdqa64 " KX_X(b) ", " KX_X(a) "\n\t"
#define KX_LOAD(i) "vmovdqa64 16*" #i "(%[st]), " KX_X(i) "\n\t"
/* A lane the caller wrote as two 8-octet stores: two 8-octet loads, which the
 * processor forwards from those stores (a 16-octet load spanning both is not). */
#define KX_LOAD8(i) "vmovq 16*" #i "(%[st]), " KX_X(i) "\n\t" \
	"vpinsrq $1, 16*" #i "+8(%[st]), " KX_X(i) ", " KX_X(i) "\n\t"
#define KX_PAD(i, k) "vpbroadcastq 8*" #k "(%[pad]), " KX_X(i) "\n\t"
#define KX_ZERO(i) "vpxorq " KX_X(i) ", " KX_X(i) ", " KX_X(i) "\n\t"
#define KX_STORE(i) "vmovdqa64 " KX_X(i) ", 16*" #i "(%[st])\n\t"
#define KX_EACH_LANE(M) \
	M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) \
	M(13) M(14) M(15) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24)

/* The parity of the column of lanes a..e into register p. */
#define KX_PARITY(p, a, b, c, d, e) KX_MOVE(a, p) KX_TERN(0x96, c, b, p) KX_TERN(0x96, e, d, p)

/* D = C[x-1] ^ rol(C[x+1], 1) into register d from C[x-1] in cm, C[x+1] in cp. */
#define KX_D(d, cm, cp) KX_ROL(1, cp, d) KX_XOR(cm, d)

/* Theta and rho for the lane in register i: add D (register d), rotate by n. */
#define KX_LANE(i, d, n) KX_XOR(d, i) KX_ROL(n, i, i)

/* chi on the row in registers a..e, in place; the first two inputs saved in 26, 27. */
#define KX_CHI(a, b, c, d, e) \
	KX_MOVE(a, 26) KX_MOVE(b, 27) \
	KX_TERN(0xd2, c, b, a) KX_TERN(0xd2, d, c, b) KX_TERN(0xd2, e, d, c) \
	KX_TERN(0xd2, 26, e, d) KX_TERN(0xd2, 27, 26, e)

/*
 * Output row y reads, in column x, lane (x + 3y mod 5, x): register x + 3y mod 5 + 5x,
 * rotated by its rho offset (lane 0 by none). Rows in the order 0, 1, 2, 3, 4, each
 * one's theta and rho before the previous one's chi; iota after row 0's chi.
 */
#define KX_ROUND \
	KX_PARITY(25, 0, 5, 10, 15, 20) \
	KX_PARITY(26, 1, 6, 11, 16, 21) \
	KX_PARITY(27, 2, 7, 12, 17, 22) \
	KX_PARITY(28, 3, 8, 13, 18, 23) \
	KX_PARITY(29, 4, 9, 14, 19, 24) \
	KX_D(KX_D0, 29, 26) KX_D(KX_D1, 25, 27) KX_D(KX_D3, 27, 29) \
	KX_D(KX_D4, 28, 25) KX_D(KX_D2, 26, 28) \
	KX_XOR(KX_D0, 0) KX_LANE(6, KX_D1, 44) KX_LANE(12, KX_D2, 43) \
	KX_LANE(18, KX_D3, 21) KX_LANE(24, KX_D4, 14) \
	KX_LANE(3, KX_D3, 28) KX_LANE(9, KX_D4, 20) KX_LANE(10, KX_D0, 3) \
	KX_LANE(16, KX_D1, 45) KX_LANE(22, KX_D2, 61) \
	KX_CHI(0, 6, 12, 18, 24) \
	"vpxorq (%[rc],%[r],8)%{1to2%}, %%xmm0, %%xmm0\n\t" \
	KX_LANE(1, KX_D1, 1) KX_LANE(7, KX_D2, 6) KX_LANE(13, KX_D3, 25) \
	KX_LANE(19, KX_D4, 8) KX_LANE(20, KX_D0, 18) \
	KX_CHI(3, 9, 10, 16, 22) \
	KX_LANE(4, KX_D4, 27) KX_LANE(5, KX_D0, 36) KX_LANE(11, KX_D1, 10) \
	KX_LANE(17, KX_D2, 15) KX_LANE(23, KX_D3, 56) \
	KX_CHI(1, 7, 13, 19, 20) \
	KX_LANE(2, KX_D2, 62) KX_LANE(8, KX_D3, 55) KX_LANE(14, KX_D4, 39) \
	KX_LANE(15, KX_D0, 41) KX_LANE(21, KX_D1, 2) \
	KX_CHI(4, 5, 11, 17, 23) \
	KX_CHI(2, 8, 14, 15, 21)

/*
 * Lane j is now in the register of its pi source; these moves put each back, along
 * the one cycle of the 24 lanes other than lane 0, through register 26.
 */
#define KX_UNPI \
	KX_MOVE(1, 26) KX_MOVE(6, 1) KX_MOVE(9, 6) KX_MOVE(22, 9) KX_MOVE(14, 22) \
	KX_MOVE(20, 14) KX_MOVE(2, 20) KX_MOVE(12, 2) KX_MOVE(13, 12) KX_MOVE(19, 13) \
	KX_MOVE(23, 19) KX_MOVE(15, 23) KX_MOVE(4, 15) KX_MOVE(24, 4) KX_MOVE(21, 24) \
	KX_MOVE(8, 21) KX_MOVE(16, 8) KX_MOVE(5, 16) KX_MOVE(3, 5) KX_MOVE(18, 3) \
	KX_MOVE(17, 18) KX_MOVE(11, 17) KX_MOVE(7, 11) KX_MOVE(10, 7) KX_MOVE(26, 10)

/* TUAK's INOUT: lanes 0..11 from st, then the padding (aka_keccak_tuak_x2()). */
#define KX_LOAD_TUAK \
	KX_LOAD8(0) KX_LOAD8(1) KX_LOAD8(2) KX_LOAD8(3) KX_LOAD8(4) KX_LOAD8(5) \
	KX_LOAD8(6) KX_LOAD8(7) KX_LOAD8(8) KX_LOAD8(9) KX_LOAD8(10) KX_LOAD8(11) \
	KX_PAD(12, 0) KX_ZERO(13) KX_ZERO(14) KX_ZERO(15) KX_PAD(16, 1) KX_ZERO(17) \
	KX_ZERO(18) KX_ZERO(19) KX_ZERO(20) KX_ZERO(21) KX_ZERO(22) KX_ZERO(23) KX_ZERO(24)

#define KX_PERMUTATION(LOAD) \
	LOAD \
	"xor %k[r], %k[r]\n\t" \
	"1:\n\t" KX_ROUND KX_UNPI \
	"inc %[r]\n\t" \
	"cmp $24, %[r]\n\t" \
	"jne 1b\n\t" \
	KX_EACH_LANE(KX_STORE)
/* clang-format on */

static const uint64_t tuak_pad[2] = {AKA_TUAK_PAD_START, AKA_TUAK_PAD_END};

#define KX_ASM(LOAD)                                                                     \
	__asm__ volatile(KX_PERMUTATION(LOAD)                                            \
			 : [r] "=&r"(r)                                                  \
			 : [st] "r"(st), [rc] "r"(keccak_rc), [pad] "r"(tuak_pad)        \
			 : "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",       \
			   "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",     \
			   "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17",         \
			   "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",         \
			   "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29",         \
			   "xmm30", "xmm31")

/* With tuak nonzero, the first application reads st as aka_keccak_tuak_x2() does. */
__attribute__((target("avx512f,avx512vl"))) static void
x2_avx512(struct aka_keccak_x2 *st, unsigned iters, int tuak)
{
	for (unsigned it = 0; it < iters; it++) {
		size_t r;

		if (it == 0 && tuak)
			KX_ASM(KX_LOAD_TUAK);
		else
			KX_ASM(KX_EACH_LANE(KX_LOAD));
	}
}

#else
#define KECCAK_HAVE_X86 0
#endif

static atomic_int forced_portable;

void aka_keccak_force_portable(int on)
{
	atomic_store(&forced_portable, on != 0);
}

int aka_keccak_impl_available(enum aka_keccak_impl impl)
{
	switch (impl) {
	case AKA_KECCAK_PORTABLE:
		return 1;
#if KECCAK_HAVE_X86
	case AKA_KECCAK_AVX2:
		return __builtin_cpu_supports("avx2") != 0;
	case AKA_KECCAK_AVX512:
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512vl");
#else
	case AKA_KECCAK_AVX2:
	case AKA_KECCAK_AVX512:
		return 0;
#endif
	}
	return 0;
}

static enum aka_keccak_impl cpu_impl(unsigned ways)
{
	if (aka_keccak_impl_available(AKA_KECCAK_AVX512))
		return AKA_KECCAK_AVX512;
	/* Without rotates AVX2 is slower than plain C on a single state. */
	if (ways >= 2 && aka_keccak_impl_available(AKA_KECCAK_AVX2))
		return AKA_KECCAK_AVX2;
	return AKA_KECCAK_PORTABLE;
}

/* cpu_impl(ways) + 1 once found, 0 before: the AuC asks millions of times a second. */
static atomic_int cpu_choice[AKA_KECCAK_WAYS + 1];

enum aka_keccak_impl aka_keccak_impl_for(unsigned ways)
{
	int c;

	MCIM_ASSERT(ways >= 1 && ways <= AKA_KECCAK_WAYS);
	if (atomic_load_explicit(&forced_portable, memory_order_relaxed))
		return AKA_KECCAK_PORTABLE;
	c = atomic_load_explicit(&cpu_choice[ways], memory_order_relaxed);
	if (c == 0) {
		c = (int)cpu_impl(ways) + 1;
		atomic_store_explicit(&cpu_choice[ways], c, memory_order_relaxed);
	}
	return (enum aka_keccak_impl)(c - 1);
}

static void run(enum aka_keccak_impl impl, struct aka_keccak_x2 *st, unsigned ways,
		unsigned iters)
{
	switch (impl) {
#if KECCAK_HAVE_X86
	case AKA_KECCAK_AVX2:
		x2_avx2(st, iters);
		return;
	case AKA_KECCAK_AVX512:
		x2_avx512(st, iters, 0);
		return;
#else
	case AKA_KECCAK_AVX2:
	case AKA_KECCAK_AVX512:
#endif
	case AKA_KECCAK_PORTABLE:
		break;
	}
	x2_portable(st, ways, iters);
}

void aka_keccak_f1600_x2_with(enum aka_keccak_impl impl, struct aka_keccak_x2 *st,
			      unsigned ways, unsigned iters)
{
	MCIM_ASSERT(st != NULL && ways >= 1 && ways <= AKA_KECCAK_WAYS);
	MCIM_ASSERT(aka_keccak_impl_available(impl));
	run(impl, st, ways, iters);
}

static void run_tuak(enum aka_keccak_impl impl, struct aka_keccak_x2 *st, unsigned ways,
		     unsigned iters)
{
#if KECCAK_HAVE_X86
	if (impl == AKA_KECCAK_AVX512) {
		x2_avx512(st, iters, 1);
		return;
	}
#endif
	for (size_t i = AKA_TUAK_SET_LANES; i < AKA_KECCAK_LANES; i++)
		for (unsigned w = 0; w < AKA_KECCAK_WAYS; w++)
			st->lane[i][w] = i == AKA_TUAK_LANE_START ? AKA_TUAK_PAD_START
					 : i == AKA_TUAK_LANE_END ? AKA_TUAK_PAD_END
								  : 0;
	run(impl, st, ways, iters);
}

void aka_keccak_tuak_x2_with(enum aka_keccak_impl impl, struct aka_keccak_x2 *st,
			     unsigned ways, unsigned iters)
{
	MCIM_ASSERT(st != NULL && ways >= 1 && ways <= AKA_KECCAK_WAYS);
	MCIM_ASSERT(aka_keccak_impl_available(impl));
	run_tuak(impl, st, ways, iters);
}

void aka_keccak_tuak_x2(struct aka_keccak_x2 *st, unsigned ways, unsigned iters)
{
	MCIM_ASSERT(st != NULL);
	run_tuak(aka_keccak_impl_for(ways), st, ways, iters);
}

void mcim_tuak_keccak_f1600(uint8_t state[200])
{
	uint64_t s[AKA_KECCAK_LANES];

	MCIM_ASSERT(state != NULL);
	for (size_t i = 0; i < AKA_KECCAK_LANES; i++) {
		s[i] = 0;
		for (unsigned b = 0; b < 8; b++)
			s[i] |= (uint64_t)state[8 * i + b] << (8 * b);
	}
	keccak_portable(s, 1, 1);
	for (size_t i = 0; i < AKA_KECCAK_LANES; i++)
		for (unsigned b = 0; b < 8; b++)
			state[8 * i + b] = (uint8_t)(s[i] >> (8 * b));
	mcim_wipe(s, sizeof(s));
}
