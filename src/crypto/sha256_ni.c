/*
 * The SHA-256 compression function on the x86 SHA extensions (SHA256RNDS2 for two
 * rounds, SHA256MSG1/MSG2 for the message schedule). Compiled with per-function
 * target attributes, so the library still runs on any x86-64: sha256_block.c calls
 * this code only when crypto_sha256_ni_cpu() found the instructions. On other
 * architectures this file is empty.
 */
#include "crypto/sha256_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define SHANI __attribute__((target("sha,ssse3,sse4.1")))

static const _Alignas(16) uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

int crypto_sha256_ni_cpu(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & bit_SHA) != 0;
}

/*
 * Four rounds: W[t..t+3] + K[t..t+3], two rounds per SHA256RNDS2, which takes its two
 * words from the low half. abef/cdgh hold the working variables in the order the
 * instruction wants them (A, B, E, F in the high-to-low words of one register).
 */
#define ROUNDS4(abef, cdgh, t, w)                                                        \
	do {                                                                             \
		__m128i wk_ =                                                            \
		    _mm_add_epi32(w, _mm_load_si128((const __m128i *)(k256 + (t))));     \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_);                           \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk_, 0x0e));  \
	} while (0)

/*
 * The next four schedule words from the last sixteen (w16 oldest): W[t-16] +
 * sigma0(W[t-15]) by MSG1, + W[t-7..t-4] (the middle of w8 || w4), + sigma1 by MSG2.
 */
#define SCHEDULE(w16, w12, w8, w4)                                                       \
	(w16 = _mm_sha256msg2_epu32(                                                     \
	     _mm_add_epi32(_mm_sha256msg1_epu32(w16, w12), _mm_alignr_epi8(w4, w8, 4)),  \
	     w4))

/* The 64 rounds of one block on (abef, cdgh), message words in w0..w3. */
#define BLOCK_ROUNDS(abef, cdgh, w0, w1, w2, w3)                                         \
	do {                                                                             \
		ROUNDS4(abef, cdgh, 0, w0);                                              \
		ROUNDS4(abef, cdgh, 4, w1);                                              \
		ROUNDS4(abef, cdgh, 8, w2);                                              \
		ROUNDS4(abef, cdgh, 12, w3);                                             \
		for (int t_ = 16; t_ < 64; t_ += 16) {                                   \
			ROUNDS4(abef, cdgh, t_, SCHEDULE(w0, w1, w2, w3));               \
			ROUNDS4(abef, cdgh, t_ + 4, SCHEDULE(w1, w2, w3, w0));           \
			ROUNDS4(abef, cdgh, t_ + 8, SCHEDULE(w2, w3, w0, w1));           \
			ROUNDS4(abef, cdgh, t_ + 12, SCHEDULE(w3, w0, w1, w2));          \
		}                                                                        \
	} while (0)

/* Reverses the octets of each 32-bit word: the message is big-endian. */
#define BSWAP32 _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3)

SHANI static inline __attribute__((always_inline)) __m128i load_words(const uint8_t *p)
{
	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), BSWAP32);
}

/* (a b c d), (e f g h) in memory order -> (f e b a), (h g d c) in word order. */
SHANI static inline __attribute__((always_inline)) void
state_load(const uint32_t h[8], __m128i *abef, __m128i *cdgh)
{
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xb1);
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1b);

	*abef = _mm_alignr_epi8(abcd, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, abcd, 0xf0);
}

SHANI static inline __attribute__((always_inline)) void
state_store(uint32_t h[8], __m128i abef, __m128i cdgh)
{
	__m128i t = _mm_shuffle_epi32(abef, 0x1b);

	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}

SHANI void crypto_sha256_blocks_ni(uint32_t h[8], const uint8_t *blocks, size_t n)
{
	__m128i abef, cdgh;

	state_load(h, &abef, &cdgh);
	for (; n > 0; n--, blocks += CRYPTO_SHA256_BLOCK) {
		__m128i abef0 = abef, cdgh0 = cdgh;
		__m128i w0 = load_words(blocks), w1 = load_words(blocks + 16);
		__m128i w2 = load_words(blocks + 32), w3 = load_words(blocks + 48);

		BLOCK_ROUNDS(abef, cdgh, w0, w1, w2, w3);
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	state_store(h, abef, cdgh);
}

/*
 * One block for each of two independent hashes. SHA256RNDS2 is slow to deliver its
 * result but the CPU can start another before it does; one chain leaves the unit
 * idle most of the time, two chains side by side cost little more than one.
 */
SHANI void crypto_sha256_x2_ni(uint32_t ha[8], const uint8_t a[64], uint32_t hb[8],
			       const uint8_t b[64])
{
	__m128i abef_a, cdgh_a, abef_b, cdgh_b, sa, sb;
	__m128i a0 = load_words(a), a1 = load_words(a + 16);
	__m128i a2 = load_words(a + 32), a3 = load_words(a + 48);
	__m128i b0 = load_words(b), b1 = load_words(b + 16);
	__m128i b2 = load_words(b + 32), b3 = load_words(b + 48);

	state_load(ha, &abef_a, &cdgh_a);
	state_load(hb, &abef_b, &cdgh_b);
	ROUNDS4(abef_a, cdgh_a, 0, a0);
	ROUNDS4(abef_b, cdgh_b, 0, b0);
	ROUNDS4(abef_a, cdgh_a, 4, a1);
	ROUNDS4(abef_b, cdgh_b, 4, b1);
	ROUNDS4(abef_a, cdgh_a, 8, a2);
	ROUNDS4(abef_b, cdgh_b, 8, b2);
	ROUNDS4(abef_a, cdgh_a, 12, a3);
	ROUNDS4(abef_b, cdgh_b, 12, b3);
	for (int t = 16; t < 64; t += 16) {
		ROUNDS4(abef_a, cdgh_a, t, SCHEDULE(a0, a1, a2, a3));
		ROUNDS4(abef_b, cdgh_b, t, SCHEDULE(b0, b1, b2, b3));
		ROUNDS4(abef_a, cdgh_a, t + 4, SCHEDULE(a1, a2, a3, a0));
		ROUNDS4(abef_b, cdgh_b, t + 4, SCHEDULE(b1, b2, b3, b0));
		ROUNDS4(abef_a, cdgh_a, t + 8, SCHEDULE(a2, a3, a0, a1));
		ROUNDS4(abef_b, cdgh_b, t + 8, SCHEDULE(b2, b3, b0, b1));
		ROUNDS4(abef_a, cdgh_a, t + 12, SCHEDULE(a3, a0, a1, a2));
		ROUNDS4(abef_b, cdgh_b, t + 12, SCHEDULE(b3, b0, b1, b2));
	}
	/* The chaining values again from memory: fewer registers held through the
	 * rounds. */
	state_load(ha, &sa, &sb);
	state_store(ha, _mm_add_epi32(abef_a, sa), _mm_add_epi32(cdgh_a, sb));
	state_load(hb, &sa, &sb);
	state_store(hb, _mm_add_epi32(abef_b, sa), _mm_add_epi32(cdgh_b, sb));
}
#endif
