/*
 * Keccak-f[1600] (FIPS 202 section 3, 24 rounds) for TUAK, written once as a round
 * macro over a small set of lane operations and instantiated three times: plain C on
 * uint64_t lanes, AVX2 and AVX-512 on two states side by side. An AuC computing an
 * authentication vector needs f1 and f2345, two independent permutations; the vector
 * paths run them in the time of one. The x86 paths are compiled with target
 * attributes and chosen at run time from the CPU's feature flags, so the library still
 * runs on any x86-64.
 *
 * The vector paths are bound by the throughput of their logic and rotate
 * instructions, so the round is written for the fewest: with a three-input XOR
 * (vpternlogq), theta adds C[x-1] and rol(C[x+1], 1) to each lane in one instruction
 * instead of forming D[x] first, and chi is one instruction per lane: 90 instructions
 * a round. Packing four rows of both states into each 512-bit register (theta's
 * parity and pi then need 128-bit shuffles) brings that to 75-85 but measured slower
 * on the AMD EPYC (Zen 5) build machine: the shuffles' latency then bounds each round.
 *
 * Lanes are named as in the Keccak team's notation: rows b, g, k, m, s (y = 0..4),
 * columns a, e, i, o, u (x = 0..4); lane x + 5y of the state is A<row><column>. A
 * round reads the A* lanes and writes the E* lanes, the next one the other way, so
 * that pi needs no copy.
 */
#include "keccak.h"

#include <assert.h>
#include <stdatomic.h>
#include <string.h>

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
 * The round needs, from each instantiation: KXOR(a, b), KXOR3(a, b, c), KROL(x, n)
 * for 0 < n < 64, KCHI(a, b, c) = a ^ (~b & c), KXORC(x, i) = x ^ keccak_rc[i], the
 * temporaries B0..B4, C0..C4, D0..D4 of the lane type, and one of the two forms of
 * theta below as KECCAK_D() and KTHETA(a, x) = a ^ C[x-1] ^ rol(C[x+1], 1).
 */
#define KECCAK_PARITY(A)                                                                 \
	C0 = KXOR3(KXOR3(A##ba, A##ga, A##ka), A##ma, A##sa);                            \
	C1 = KXOR3(KXOR3(A##be, A##ge, A##ke), A##me, A##se);                            \
	C2 = KXOR3(KXOR3(A##bi, A##gi, A##ki), A##mi, A##si);                            \
	C3 = KXOR3(KXOR3(A##bo, A##go, A##ko), A##mo, A##so);                            \
	C4 = KXOR3(KXOR3(A##bu, A##gu, A##ku), A##mu, A##su)

/* With two-input XOR only: D[x] once per column, then one XOR per lane. */
#define KECCAK_D_SHARED()                                                                \
	D0 = KXOR(C4, KROL(C1, 1));                                                      \
	D1 = KXOR(C0, KROL(C2, 1));                                                      \
	D2 = KXOR(C1, KROL(C3, 1));                                                      \
	D3 = KXOR(C2, KROL(C4, 1));                                                      \
	D4 = KXOR(C3, KROL(C0, 1))
#define KTHETA_SHARED_0(a) KXOR((a), D0)
#define KTHETA_SHARED_1(a) KXOR((a), D1)
#define KTHETA_SHARED_2(a) KXOR((a), D2)
#define KTHETA_SHARED_3(a) KXOR((a), D3)
#define KTHETA_SHARED_4(a) KXOR((a), D4)

/* With a three-input XOR: D[x] = rol(C[x], 1) here, and one XOR3 per lane. */
#define KECCAK_D_FUSED()                                                                 \
	D0 = KROL(C0, 1);                                                                \
	D1 = KROL(C1, 1);                                                                \
	D2 = KROL(C2, 1);                                                                \
	D3 = KROL(C3, 1);                                                                \
	D4 = KROL(C4, 1)
#define KTHETA_FUSED_0(a) KXOR3((a), C4, D1)
#define KTHETA_FUSED_1(a) KXOR3((a), C0, D2)
#define KTHETA_FUSED_2(a) KXOR3((a), C1, D3)
#define KTHETA_FUSED_3(a) KXOR3((a), C2, D4)
#define KTHETA_FUSED_4(a) KXOR3((a), C3, D0)

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
		KECCAK_D();                                                              \
		B0 = KTHETA(A##ba, 0);                                                   \
		B1 = KROL(KTHETA(A##ge, 1), 44);                                         \
		B2 = KROL(KTHETA(A##ki, 2), 43);                                         \
		B3 = KROL(KTHETA(A##mo, 3), 21);                                         \
		B4 = KROL(KTHETA(A##su, 4), 14);                                         \
		KECCAK_CHI(E, ba, be, bi, bo, bu);                                       \
		E##ba = KXORC(E##ba, r);                                                 \
		B0 = KROL(KTHETA(A##bo, 3), 28);                                         \
		B1 = KROL(KTHETA(A##gu, 4), 20);                                         \
		B2 = KROL(KTHETA(A##ka, 0), 3);                                          \
		B3 = KROL(KTHETA(A##me, 1), 45);                                         \
		B4 = KROL(KTHETA(A##si, 2), 61);                                         \
		KECCAK_CHI(E, ga, ge, gi, go, gu);                                       \
		B0 = KROL(KTHETA(A##be, 1), 1);                                          \
		B1 = KROL(KTHETA(A##gi, 2), 6);                                          \
		B2 = KROL(KTHETA(A##ko, 3), 25);                                         \
		B3 = KROL(KTHETA(A##mu, 4), 8);                                          \
		B4 = KROL(KTHETA(A##sa, 0), 18);                                         \
		KECCAK_CHI(E, ka, ke, ki, ko, ku);                                       \
		B0 = KROL(KTHETA(A##bu, 4), 27);                                         \
		B1 = KROL(KTHETA(A##ga, 0), 36);                                         \
		B2 = KROL(KTHETA(A##ke, 1), 10);                                         \
		B3 = KROL(KTHETA(A##mi, 2), 15);                                         \
		B4 = KROL(KTHETA(A##so, 3), 56);                                         \
		KECCAK_CHI(E, ma, me, mi, mo, mu);                                       \
		B0 = KROL(KTHETA(A##bi, 2), 62);                                         \
		B1 = KROL(KTHETA(A##go, 3), 55);                                         \
		B2 = KROL(KTHETA(A##ku, 4), 39);                                         \
		B3 = KROL(KTHETA(A##ma, 0), 41);                                         \
		B4 = KROL(KTHETA(A##se, 1), 2);                                          \
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
	T B0, B1, B2, B3, B4, C0, C1, C2, C3, C4, D0, D1, D2, D3, D4

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
#define KECCAK_D       KECCAK_D_SHARED
#define KTHETA(a, x)   KTHETA_SHARED_##x(a)

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
	assert(s != NULL);
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

#define KLOAD(i)     _mm_load_si128((const __m128i *)st->lane[i])
#define KSTORE(i, v) _mm_store_si128((__m128i *)st->lane[i], (v))
#define KXOR(a, b)   _mm_xor_si128((a), (b))
#define KXORC(x, r)  _mm_xor_si128((x), _mm_set1_epi64x((long long)keccak_rc[r]))

/* AVX2 has neither a rotate nor a three-input logic instruction. */
#define KXOR3(a, b, c) _mm_xor_si128(_mm_xor_si128((a), (b)), (c))
#define KROL(x, n)     _mm_or_si128(_mm_slli_epi64((x), (n)), _mm_srli_epi64((x), 64 - (n)))
#define KCHI(a, b, c)  _mm_xor_si128((a), _mm_andnot_si128((b), (c)))

__attribute__((target("avx2"))) static void x2_avx2(struct aka_keccak_x2 *st,
						    unsigned iters)
{
	KECCAK_DECLARE(__m128i);
	KECCAK_ROUNDS(iters);
	KECCAK_STORE_ALL();
}

#undef KXOR3
#undef KROL
#undef KCHI
#undef KECCAK_D
#undef KTHETA

/* 0x96 is a ^ b ^ c and 0xd2 is a ^ (~b & c) as vpternlogq truth tables. */
#define KXOR3(a, b, c) _mm_ternarylogic_epi64((a), (b), (c), 0x96)
#define KROL(x, n)     _mm_rol_epi64((x), (n))
#define KCHI(a, b, c)  _mm_ternarylogic_epi64((a), (b), (c), 0xd2)
#define KECCAK_D       KECCAK_D_FUSED
#define KTHETA(a, x)   KTHETA_FUSED_##x(a)

__attribute__((target("avx512f,avx512vl"))) static void
x2_avx512(struct aka_keccak_x2 *st, unsigned iters)
{
	KECCAK_DECLARE(__m128i);
	KECCAK_ROUNDS(iters);
	KECCAK_STORE_ALL();
}

#undef KXOR3
#undef KROL
#undef KCHI
#undef KXOR
#undef KXORC
#undef KLOAD
#undef KSTORE
#undef KECCAK_D
#undef KTHETA

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

enum aka_keccak_impl aka_keccak_impl_for(unsigned ways)
{
	if (atomic_load_explicit(&forced_portable, memory_order_relaxed))
		return AKA_KECCAK_PORTABLE;
	if (aka_keccak_impl_available(AKA_KECCAK_AVX512))
		return AKA_KECCAK_AVX512;
	/* Without rotates AVX2 is slower than plain C on a single state. */
	if (ways >= 2 && aka_keccak_impl_available(AKA_KECCAK_AVX2))
		return AKA_KECCAK_AVX2;
	return AKA_KECCAK_PORTABLE;
}

void aka_keccak_f1600_x2_with(enum aka_keccak_impl impl, struct aka_keccak_x2 *st,
			      unsigned ways, unsigned iters)
{
	assert(st != NULL && ways >= 1 && ways <= AKA_KECCAK_WAYS);
	assert(aka_keccak_impl_available(impl));
	switch (impl) {
#if KECCAK_HAVE_X86
	case AKA_KECCAK_AVX2:
		x2_avx2(st, iters);
		return;
	case AKA_KECCAK_AVX512:
		x2_avx512(st, iters);
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

void aka_keccak_f1600_x2(struct aka_keccak_x2 *st, unsigned ways, unsigned iters)
{
	aka_keccak_f1600_x2_with(aka_keccak_impl_for(ways), st, ways, iters);
}

void mcim_tuak_keccak_f1600(uint8_t state[200])
{
	uint64_t s[AKA_KECCAK_LANES];

	assert(state != NULL);
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
