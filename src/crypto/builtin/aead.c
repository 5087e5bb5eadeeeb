/*
 * AES-256-GCM (NIST SP 800-38D) with 12-octet nonces and 16-octet tags for the
 * builtin backend: the mode itself, on one of the implementations of gcm_int.h
 * (AES-NI + PCLMULQDQ, or portable constant time), chosen per call from the CPU.
 *
 * J0 is nonce || 0^31 || 1; the data runs under the counter blocks after it; the tag
 * is AES_K(J0) XOR GHASH_H(A || 0* || C || 0* || [len A]64 || [len C]64).
 *
 * Opening never lets unauthenticated plaintext reach the caller, as the OpenSSL
 * backend's: a first pass hashes the ciphertext and compares the tag before any
 * plaintext is written; the second copies the ciphertext chunk by chunk, hashes each
 * copy and decrypts that same copy, then compares the tag again, so that ct changed
 * in shared memory between the passes cannot yield plaintext of unauthenticated
 * data (pt is then wiped). That is one GHASH pass more than a plain decryption; the
 * OpenSSL backend pays a whole decryption more.
 */
#include <stdatomic.h>
#include <string.h>

#include "core/check.h"
#include "crypto/builtin/gcm_int.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"

#define GCM_CHUNK 256 /* octets per copy in open's second pass; a multiple of 16 */
/* SP 800-38D 5.2.1.1: at most 2^39 - 256 bits of plaintext (the 32-bit counter),
 * 2^64 - 1 bits of AAD. */
#define GCM_PT_MAX  ((UINT64_C(1) << 36) - 32)
#define GCM_AAD_MAX (UINT64_MAX / 8)

static atomic_int forced_portable;

void crypto_gcm_force_portable(int on)
{
	atomic_store(&forced_portable, on != 0);
}

int crypto_gcm_hw(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static atomic_int cpu = -1;
	int c = atomic_load_explicit(&cpu, memory_order_relaxed);

	if (c < 0) {
		c = crypto_gcm_ni_cpu();
		atomic_store_explicit(&cpu, c, memory_order_relaxed);
	}
	return c && !atomic_load_explicit(&forced_portable, memory_order_relaxed);
#else
	return 0;
#endif
}

/* 1 when [a, a+alen) and [b, b+blen) share an octet; only asserts use it. */
static inline int overlap(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

/* GHASH over len octets, the last block padded with zeros. */
static void ghash_padded(const struct crypto_gcm *g, uint8_t y[16], const uint8_t *data,
			 size_t len)
{
	if (len >= 16)
		g->impl->ghash(g, y, data, len / 16);
	if (len % 16 != 0) {
		uint8_t last[16] = {0};

		memcpy(last, data + len - len % 16, len % 16);
		g->impl->ghash(g, y, last, 1);
		mcim_wipe(last, sizeof(last));
	}
}

/* Expands the key, sets j0 and the counter of the first data block, hashes the AAD. */
static void gcm_start(struct crypto_gcm *g, const uint8_t key[32],
		      const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		      uint8_t j0[16], uint8_t ctr[16], uint8_t y[16])
{
#if defined(__x86_64__) || defined(__i386__)
	g->impl = crypto_gcm_hw() ? &crypto_gcm_ni : &crypto_gcm_ct;
#else
	g->impl = &crypto_gcm_ct;
#endif
	g->impl->init(g, key);
	memcpy(j0, nonce, 12);
	crypto_gcm_ctr_set(j0, 1);
	memcpy(ctr, j0, 16);
	crypto_gcm_ctr_set(ctr, 2);
	memset(y, 0, 16);
	ghash_padded(g, y, aad, aad_len);
}

/* The tag from the GHASH state of A and C: the lengths block, then AES_K(J0) XOR. */
static void gcm_tag(const struct crypto_gcm *g, const uint8_t j0[16], uint8_t y[16],
		    size_t aad_len, size_t ct_len, uint8_t tag[16])
{
	uint8_t lens[16], mask[16];
	uint64_t a_bits = (uint64_t)aad_len * 8, c_bits = (uint64_t)ct_len * 8;

	for (int i = 0; i < 8; i++) {
		lens[7 - i] = (uint8_t)(a_bits >> (8 * i));
		lens[15 - i] = (uint8_t)(c_bits >> (8 * i));
	}
	g->impl->ghash(g, y, lens, 1);
	g->impl->block(g, j0, mask);
	for (int i = 0; i < 16; i++)
		tag[i] = y[i] ^ mask[i];
	mcim_wipe(mask, sizeof(mask));
}

mcim_err mcim_aead_seal(const uint8_t key[MCIM_AEAD_KEY_LEN],
			const uint8_t nonce[MCIM_AEAD_NONCE_LEN], const uint8_t *aad,
			size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
	struct crypto_gcm g;
	uint8_t j0[16], ctr[16], y[16];

	MCIM_ASSERT(key != NULL && nonce != NULL && ct != NULL);
	MCIM_ASSERT(aad != NULL || aad_len == 0);
	MCIM_ASSERT(pt != NULL || pt_len == 0);
	MCIM_ASSERT(!overlap(pt, pt_len, ct, pt_len + MCIM_AEAD_TAG_LEN));
	if ((uint64_t)pt_len > GCM_PT_MAX || (uint64_t)aad_len > GCM_AAD_MAX)
		return MCIM_ERR_CRYPTO;
	gcm_start(&g, key, nonce, aad, aad_len, j0, ctr, y);
	g.impl->ctr(&g, ctr, pt, ct, pt_len);
	ghash_padded(&g, y, ct, pt_len);
	gcm_tag(&g, j0, y, aad_len, pt_len, ct + pt_len);
	mcim_wipe(&g, sizeof(g));
	mcim_wipe(y, sizeof(y));
	return MCIM_OK;
}

mcim_err mcim_aead_open(const uint8_t key[MCIM_AEAD_KEY_LEN],
			const uint8_t nonce[MCIM_AEAD_NONCE_LEN], const uint8_t *aad,
			size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *pt)
{
	struct crypto_gcm g;
	uint8_t j0[16], ctr[16], y[16], want[16], copy[GCM_CHUNK];
	size_t body_len;
	const uint8_t *tag;
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(key != NULL && nonce != NULL);
	MCIM_ASSERT(aad != NULL || aad_len == 0);
	MCIM_ASSERT(ct != NULL || ct_len == 0);
	if (ct_len < MCIM_AEAD_TAG_LEN)
		return MCIM_ERR_TRUNCATED;
	body_len = ct_len - MCIM_AEAD_TAG_LEN;
	tag = ct + body_len;
	MCIM_ASSERT(pt != NULL || body_len == 0);
	MCIM_ASSERT(!overlap(pt, body_len, ct, ct_len));
	if ((uint64_t)body_len > GCM_PT_MAX || (uint64_t)aad_len > GCM_AAD_MAX)
		return MCIM_ERR_DECRYPT;
	gcm_start(&g, key, nonce, aad, aad_len, j0, ctr, y);
	ghash_padded(&g, y, ct, body_len);
	gcm_tag(&g, j0, y, aad_len, body_len, want);
	if (!mcim_ct_equal(want, tag, MCIM_AEAD_TAG_LEN)) {
		err = MCIM_ERR_DECRYPT;
		goto out;
	}
	memset(y, 0, sizeof(y));
	ghash_padded(&g, y, aad, aad_len);
	for (size_t off = 0; off < body_len; off += GCM_CHUNK) {
		size_t n = body_len - off < GCM_CHUNK ? body_len - off : GCM_CHUNK;

		memcpy(copy, ct + off, n);
		ghash_padded(&g, y, copy, n);
		g.impl->ctr(&g, ctr, copy, pt + off, n);
	}
	gcm_tag(&g, j0, y, aad_len, body_len, want);
	if (!mcim_ct_equal(want, tag, MCIM_AEAD_TAG_LEN)) {
		mcim_wipe(pt, body_len);
		err = MCIM_ERR_DECRYPT;
	}
out:
	mcim_wipe(&g, sizeof(g));
	mcim_wipe(y, sizeof(y));
	mcim_wipe(want, sizeof(want));
	mcim_wipe(copy, sizeof(copy));
	return err;
}
