/*
 * AES-128 for MILENAGE: an AES-NI implementation with a precomputed key schedule, and
 * the portable path through OpenSSL's EVP. MILENAGE needs at most six block
 * encryptions per authentication vector, five of them independent, so the AES-NI path
 * interleaves the independent blocks round by round.
 */
#include "aes128.h"

#include <assert.h>
#include <string.h>

#include <openssl/evp.h>

#include "mcim/bytes.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AES128_HAVE_NI 1

#define AESNI __attribute__((target("aes,sse2")))

AESNI static __m128i expand_step(__m128i key, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff);
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	return _mm_xor_si128(key, assist);
}

#define EXPAND(prev, rcon) expand_step(prev, _mm_aeskeygenassist_si128(prev, rcon))

AESNI static void aesni_expand(uint8_t round_keys[176], const uint8_t key[16])
{
	/* The schedule is written straight into the caller's (wiped) structure, so no
	 * copy of it is left on the stack. */
	__m128i *rk = (__m128i *)round_keys;

	rk[0] = _mm_loadu_si128((const __m128i *)key);
	rk[1] = EXPAND(rk[0], 0x01);
	rk[2] = EXPAND(rk[1], 0x02);
	rk[3] = EXPAND(rk[2], 0x04);
	rk[4] = EXPAND(rk[3], 0x08);
	rk[5] = EXPAND(rk[4], 0x10);
	rk[6] = EXPAND(rk[5], 0x20);
	rk[7] = EXPAND(rk[6], 0x40);
	rk[8] = EXPAND(rk[7], 0x80);
	rk[9] = EXPAND(rk[8], 0x1b);
	rk[10] = EXPAND(rk[9], 0x36);
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
	return __builtin_cpu_supports("aes") != 0;
}
#else
#define AES128_HAVE_NI 0
int crypto_aes128_hw(void)
{
	return 0;
}
#endif

void crypto_aes128_init(struct crypto_aes128 *aes, const uint8_t key[16])
{
	assert(aes != NULL && key != NULL);
	memset(aes, 0, sizeof(*aes));
	memcpy(aes->key, key, 16);
	aes->use_aesni = (uint8_t)crypto_aes128_hw();
#if AES128_HAVE_NI
	if (aes->use_aesni)
		aesni_expand(aes->round_keys, key);
#endif
}

static mcim_err evp_encrypt(const uint8_t key[16], const uint8_t *in, uint8_t *out,
			    size_t n)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0;
	int ok;

	if (ctx == NULL)
		return MCIM_ERR_CRYPTO;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, out, &len, in, (int)(16 * n)) == 1 &&
	     (size_t)len == 16 * n;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? MCIM_OK : MCIM_ERR_CRYPTO;
}

mcim_err crypto_aes128_encrypt(const struct crypto_aes128 *aes, const uint8_t *in,
			       uint8_t *out, size_t n)
{
	assert(aes != NULL && in != NULL && out != NULL);
	assert(n >= 1 && n <= CRYPTO_AES128_BLOCKS_MAX);
#if AES128_HAVE_NI
	if (aes->use_aesni) {
		aesni_encrypt(aes->round_keys, in, out, n);
		return MCIM_OK;
	}
#endif
	return evp_encrypt(aes->key, in, out, n);
}

void crypto_aes128_wipe(struct crypto_aes128 *aes)
{
	mcim_wipe(aes, sizeof(*aes));
}
