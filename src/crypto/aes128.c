/*
 * AES-128 for MILENAGE: an AES-NI implementation with a precomputed key schedule, and
 * the crypto backend's portable path (crypto_aes128_portable: OpenSSL's EVP, or the
 * builtin backend's constant-time bitsliced AES) elsewhere. MILENAGE needs at most six
 * block encryptions per authentication vector, five of them independent, so the AES-NI
 * path interleaves the independent blocks round by round; MILENAGE's vector kernel
 * (src/aka/milenage.c) runs its own rounds on the schedule expanded here.
 */
#include "aes128.h"

#include <stdatomic.h>
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"

static atomic_int forced_portable;

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AES128_HAVE_NI 1

#define AESNI __attribute__((target("aes,ssse3")))

/*
 * Round key i (1..10) from round key i - 1 (FIPS-197 5.2) without AESKEYGENASSIST,
 * whose latency made the schedule a long dependency chain: PSHUFB puts RotWord(w3)
 * in all four columns, so the ShiftRows inside AESENCLAST moves nothing and its
 * SubBytes and AddRoundKey leave SubWord(RotWord(w3)) xor Rcon in every column. The
 * running xor of w0..w3 is computed meanwhile, off the critical path.
 */
AESNI static inline __attribute__((always_inline)) __m128i expand_step(__m128i prev,
								       int i)
{
	static const uint8_t rcon[11] = {0,    0x01, 0x02, 0x04, 0x08, 0x10,
					 0x20, 0x40, 0x80, 0x1b, 0x36};
	const __m128i rotword =
	    _mm_set_epi8(12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13, 12, 15, 14, 13);
	__m128i t = _mm_aesenclast_si128(_mm_shuffle_epi8(prev, rotword),
					 _mm_set1_epi32(rcon[i]));

	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 8));
	return _mm_xor_si128(prev, t);
}

AESNI static void aesni_expand(uint8_t round_keys[176], const uint8_t key[16])
{
	/* The schedule is written straight into the caller's (wiped) structure, so no
	 * copy of it is left on the stack. */
	__m128i *rk = (__m128i *)round_keys;
	__m128i k = _mm_loadu_si128((const __m128i *)key);

	rk[0] = k;
	for (int i = 1; i <= 10; i++) {
		k = expand_step(k, i);
		rk[i] = k;
	}
}

/* One block with every round in registers: a block kept in an array indexed by a
 * variable would go through memory on each round and cost more than the AES itself. */
AESNI static inline __attribute__((always_inline)) __m128i aesni_block(const __m128i *rk,
								       __m128i b)
{
	b = _mm_xor_si128(b, _mm_load_si128(rk));
	for (int r = 1; r < 10; r++)
		b = _mm_aesenc_si128(b, _mm_load_si128(rk + r));
	return _mm_aesenclast_si128(b, _mm_load_si128(rk + 10));
}

/* Four independent blocks round by round, so the AES unit's pipeline stays full. */
AESNI static void aesni_encrypt4(const __m128i *rk, const uint8_t *in, uint8_t *out)
{
	__m128i b0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)in), rk[0]);
	__m128i b1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 16)), rk[0]);
	__m128i b2 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 32)), rk[0]);
	__m128i b3 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + 48)), rk[0]);

	for (int r = 1; r < 10; r++) {
		__m128i k = _mm_load_si128(rk + r);
		b0 = _mm_aesenc_si128(b0, k);
		b1 = _mm_aesenc_si128(b1, k);
		b2 = _mm_aesenc_si128(b2, k);
		b3 = _mm_aesenc_si128(b3, k);
	}
	_mm_storeu_si128((__m128i *)out, _mm_aesenclast_si128(b0, rk[10]));
	_mm_storeu_si128((__m128i *)(out + 16), _mm_aesenclast_si128(b1, rk[10]));
	_mm_storeu_si128((__m128i *)(out + 32), _mm_aesenclast_si128(b2, rk[10]));
	_mm_storeu_si128((__m128i *)(out + 48), _mm_aesenclast_si128(b3, rk[10]));
}

AESNI static void aesni_encrypt(const uint8_t round_keys[176], const uint8_t *in,
				uint8_t *out, size_t n)
{
	const __m128i *rk = (const __m128i *)round_keys;

	for (; n >= 4; n -= 4, in += 64, out += 64)
		aesni_encrypt4(rk, in, out);
	for (; n > 0; n--, in += 16, out += 16)
		_mm_storeu_si128((__m128i *)out,
				 aesni_block(rk, _mm_loadu_si128((const __m128i *)in)));
}

int crypto_aes128_hw(void)
{
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("ssse3") &&
	       !atomic_load_explicit(&forced_portable, memory_order_relaxed);
}
#else
#define AES128_HAVE_NI 0
int crypto_aes128_hw(void)
{
	return 0;
}
#endif

void crypto_aes128_force_portable(int on)
{
	atomic_store(&forced_portable, on != 0);
}

void crypto_aes128_init(struct crypto_aes128 *aes, const uint8_t key[16])
{
	MCIM_ASSERT(aes != NULL && key != NULL);
	memcpy(aes->key, key, 16);
	aes->use_aesni = (uint8_t)crypto_aes128_hw();
#if AES128_HAVE_NI
	if (aes->use_aesni)
		aesni_expand(aes->round_keys, key);
#endif
}

mcim_err crypto_aes128_encrypt(const struct crypto_aes128 *aes, const uint8_t *in,
			       uint8_t *out, size_t n)
{
	MCIM_ASSERT(aes != NULL && in != NULL && out != NULL);
	MCIM_ASSERT(n >= 1 && n <= CRYPTO_AES128_BLOCKS_MAX);
#if AES128_HAVE_NI
	if (aes->use_aesni) {
		aesni_encrypt(aes->round_keys, in, out, n);
		return MCIM_OK;
	}
#endif
	return crypto_aes128_portable(aes->key, in, out, n);
}

void crypto_aes128_wipe(struct crypto_aes128 *aes)
{
	mcim_wipe(aes, sizeof(*aes));
}
