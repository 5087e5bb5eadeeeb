/*
 * AES-256-GCM's halves on the x86 AES-NI and PCLMULQDQ instructions (gcm_int.h),
 * compiled with per-function target attributes: aead.c calls this code only when
 * crypto_gcm_ni_cpu() found the instructions. On other architectures this file is
 * empty.
 *
 * Counter mode runs eight blocks round by round, so that the AES units' pipelines
 * stay full. GHASH works on blocks byte-reversed into 128-bit integers (GCM's reflected
 * bit order, as in gcm_ct.c) and aggregates four blocks per reduction:
 * Y' = (Y + X1) H^4 + X2 H^3 + X3 H^2 + X4 H, the four products summed unreduced,
 * then shifted and reduced once (the shift and the reduction are linear). The
 * reduction is the one gcm_ct.c does on 64-bit words, on both halves of a register.
 */
#include "crypto/builtin/gcm_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#include "mcim/bytes.h"

#define GCMNI __attribute__((target("aes,pclmul,ssse3,sse4.1")))
/* Counter blocks in flight: enough to cover the AES instructions' latency on CPUs
 * with two AES units. */
#define CTR_WIDTH 8

int crypto_gcm_ni_cpu(void)
{
	unsigned a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_AES) && (c & bit_PCLMUL) &&
	       (c & bit_SSSE3) && (c & bit_SSE4_1);
}

/* Round keys i and i + 1 of AES-256 (FIPS-197 5.2) from the two before them: t holds
 * SubWord(RotWord(w)) xor Rcon (even rounds) or SubWord(w) (odd rounds) in the
 * column the shuffle picks. */
GCMNI static inline __attribute__((always_inline)) __m128i expand(__m128i prev, __m128i t)
{
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	return _mm_xor_si128(prev, t);
}

#define EXPAND_PAIR(rk, i, rcon)                                                         \
	do {                                                                             \
		rk[i] = expand(rk[i - 2],                                                \
			       _mm_shuffle_epi32(                                        \
				   _mm_aeskeygenassist_si128(rk[i - 1], rcon), 0xff));   \
		rk[i + 1] = expand(                                                      \
		    rk[i - 1],                                                           \
		    _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[i], 0), 0xaa));       \
	} while (0)

/* The round keys are written straight into the caller's (wiped) structure. */
GCMNI static void expand_key(__m128i rk[15], const uint8_t key[32])
{
	rk[0] = _mm_loadu_si128((const __m128i *)key);
	rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
	EXPAND_PAIR(rk, 2, 0x01);
	EXPAND_PAIR(rk, 4, 0x02);
	EXPAND_PAIR(rk, 6, 0x04);
	EXPAND_PAIR(rk, 8, 0x08);
	EXPAND_PAIR(rk, 10, 0x10);
	EXPAND_PAIR(rk, 12, 0x20);
	rk[14] = expand(rk[12],
			_mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[13], 0x40), 0xff));
}

GCMNI static inline __attribute__((always_inline)) __m128i encrypt1(const __m128i *rk,
								    __m128i b)
{
	b = _mm_xor_si128(b, rk[0]);
	for (int r = 1; r < 14; r++)
		b = _mm_aesenc_si128(b, rk[r]);
	return _mm_aesenclast_si128(b, rk[14]);
}

GCMNI static inline __attribute__((always_inline)) __m128i bswap(__m128i x)
{
	return _mm_shuffle_epi8(
	    x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

/* The unreduced 256-bit carry-less product a * b as hi:lo. */
GCMNI static inline __attribute__((always_inline)) void clmul(__m128i a, __m128i b,
							      __m128i *hi, __m128i *lo)
{
	__m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x10),
				    _mm_clmulepi64_si128(a, b, 0x01));

	*lo = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x00), _mm_slli_si128(mid, 8));
	*hi = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x11), _mm_srli_si128(mid, 8));
}

/* 128-bit shift right by n (0 < n < 64) of the register's two 64-bit halves. */
#define SHR128(v, n)                                                                     \
	_mm_or_si128(_mm_srli_epi64(v, n), _mm_srli_si128(_mm_slli_epi64(v, 64 - (n)), 8))

/* hi:lo shifted left by one bit, then reduced: the reflected product. */
GCMNI static inline __attribute__((always_inline)) __m128i reduce(__m128i hi, __m128i lo)
{
	__m128i carry_lo = _mm_srli_epi64(lo, 63), carry_hi = _mm_srli_epi64(hi, 63), f;

	hi =
	    _mm_or_si128(_mm_or_si128(_mm_slli_epi64(hi, 1), _mm_slli_si128(carry_hi, 8)),
			 _mm_srli_si128(carry_lo, 8));
	lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(carry_lo, 8));
	/* The upper half of lo becomes D = x1 ^ (x0 << 63) ^ (x0 << 62) ^ (x0 << 57). */
	f = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi64(lo, 63), _mm_slli_epi64(lo, 62)),
			  _mm_slli_epi64(lo, 57));
	lo = _mm_xor_si128(lo, _mm_slli_si128(f, 8));
	f = _mm_xor_si128(_mm_xor_si128(lo, SHR128(lo, 1)),
			  _mm_xor_si128(SHR128(lo, 2), SHR128(lo, 7)));
	return _mm_xor_si128(hi, f);
}

GCMNI static __m128i gf_mul(__m128i a, __m128i b)
{
	__m128i hi, lo;

	clmul(a, b, &hi, &lo);
	return reduce(hi, lo);
}

GCMNI static void ni_init(struct crypto_gcm *g, const uint8_t key[32])
{
	__m128i *rk = (__m128i *)g->aes.ni, *hp = (__m128i *)g->h;
	__m128i h;

	expand_key(rk, key);
	h = bswap(encrypt1(rk, _mm_setzero_si128()));
	hp[0] = h;
	hp[1] = gf_mul(h, h);
	hp[2] = gf_mul(hp[1], h);
	hp[3] = gf_mul(hp[2], h);
}

GCMNI static void ni_block(const struct crypto_gcm *g, const uint8_t in[16],
			   uint8_t out[16])
{
	_mm_storeu_si128((__m128i *)out, encrypt1((const __m128i *)g->aes.ni,
						  _mm_loadu_si128((const __m128i *)in)));
}

GCMNI static void ni_ctr(const struct crypto_gcm *g, uint8_t ctr[16], const uint8_t *in,
			 uint8_t *out, size_t len)
{
	const __m128i *rk = (const __m128i *)g->aes.ni;
	__m128i base = _mm_loadu_si128((const __m128i *)ctr);
	uint32_t c = crypto_gcm_ctr_get(ctr);

	for (; len >= 16 * CTR_WIDTH;
	     len -= 16 * CTR_WIDTH, in += 16 * CTR_WIDTH, out += 16 * CTR_WIDTH) {
		__m128i b[CTR_WIDTH];

		/* Unrolled so that the blocks stay in registers. */
#pragma GCC unroll 8
		for (int i = 0; i < CTR_WIDTH; i++)
			b[i] = _mm_xor_si128(
			    _mm_insert_epi32(base, (int)__builtin_bswap32(c++), 3),
			    rk[0]);
		for (int r = 1; r < 14; r++)
#pragma GCC unroll 8
			for (int i = 0; i < CTR_WIDTH; i++)
				b[i] = _mm_aesenc_si128(b[i], rk[r]);
#pragma GCC unroll 8
		for (int i = 0; i < CTR_WIDTH; i++) {
			__m128i x = _mm_loadu_si128((const __m128i *)(in + 16 * i));

			b[i] = _mm_aesenclast_si128(b[i], rk[14]);
			_mm_storeu_si128((__m128i *)(out + 16 * i),
					 _mm_xor_si128(x, b[i]));
		}
	}
	while (len != 0) {
		__m128i ks =
		    encrypt1(rk, _mm_insert_epi32(base, (int)__builtin_bswap32(c++), 3));
		uint8_t buf[16];
		size_t n = len < 16 ? len : 16;

		_mm_storeu_si128((__m128i *)buf, ks);
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] ^ buf[i];
		mcim_wipe(buf, sizeof(buf));
		in += n;
		out += n;
		len -= n;
	}
	crypto_gcm_ctr_set(ctr, c);
}

GCMNI static void ni_ghash(const struct crypto_gcm *g, uint8_t y[16],
			   const uint8_t *blocks, size_t n)
{
	const __m128i *hp = (const __m128i *)g->h;
	__m128i v = bswap(_mm_loadu_si128((const __m128i *)y));

	for (; n >= 4; n -= 4, blocks += 64) {
		__m128i hi, lo, h2, l2;

		clmul(_mm_xor_si128(v, bswap(_mm_loadu_si128((const __m128i *)blocks))),
		      hp[3], &hi, &lo);
#pragma GCC unroll 3
		for (int i = 1; i < 4; i++) {
			clmul(bswap(_mm_loadu_si128((const __m128i *)(blocks + 16 * i))),
			      hp[3 - i], &h2, &l2);
			hi = _mm_xor_si128(hi, h2);
			lo = _mm_xor_si128(lo, l2);
		}
		v = reduce(hi, lo);
	}
	for (; n > 0; n--, blocks += 16)
		v = gf_mul(
		    _mm_xor_si128(v, bswap(_mm_loadu_si128((const __m128i *)blocks))),
		    hp[0]);
	_mm_storeu_si128((__m128i *)y, bswap(v));
}

const struct crypto_gcm_impl crypto_gcm_ni = {ni_init, ni_block, ni_ctr, ni_ghash};
#endif
