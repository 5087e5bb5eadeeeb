/*
 * AES-256-GCM (NIST SP 800-38D) with 12-octet nonces and 16-octet tags through
 * OpenSSL's EVP, the cipher fetched once (crypto_algs).
 *
 * Opening never lets unauthenticated plaintext reach the caller: a first pass runs
 * the decryption into a small stack buffer, wiped as it goes, only to check the tag;
 * the second pass writes pt only after the tag has verified. GCM's tag is computed
 * over the ciphertext, so the second pass reuses the expanded key and costs one more
 * AES-CTR pass over data already in cache (well under a microsecond for the few
 * hundred octets of a protocol message).
 */
#include <limits.h>

#include "core/check.h"
#include "crypto/ossl/crypto_int.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"

#define AEAD_CHUNK   (1u << 30) /* EVP takes int lengths */
#define AEAD_SCRATCH 1024

/* 1 when [a, a+alen) and [b, b+blen) share an octet; only asserts use it. */
static inline int overlap(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

static int add_aad(EVP_CIPHER_CTX *ctx, const uint8_t *aad, size_t aad_len)
{
	while (aad_len != 0) {
		int n = (int)(aad_len < AEAD_CHUNK ? aad_len : AEAD_CHUNK);
		int outl = 0;

		if (EVP_CipherUpdate(ctx, NULL, &outl, aad, n) != 1)
			return 0;
		aad += n;
		aad_len -= (size_t)n;
	}
	return 1;
}

/* Runs len octets of in through the cipher into out (GCM outputs as much as it takes). */
static int crypt_all(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len, uint8_t *out)
{
	while (len != 0) {
		int n = (int)(len < AEAD_CHUNK ? len : AEAD_CHUNK);
		int outl = 0;

		if (EVP_CipherUpdate(ctx, out, &outl, in, n) != 1 || outl != n)
			return 0;
		in += n;
		out += n;
		len -= (size_t)n;
	}
	return 1;
}

mcim_err mcim_aead_seal(const uint8_t key[MCIM_AEAD_KEY_LEN],
			const uint8_t nonce[MCIM_AEAD_NONCE_LEN], const uint8_t *aad,
			size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
	const struct crypto_algs *algs = crypto_algs();
	EVP_CIPHER_CTX *ctx;
	uint8_t final_block[16];
	int outl = 0;
	int ok;

	MCIM_ASSERT(key != NULL && nonce != NULL && ct != NULL);
	MCIM_ASSERT(aad != NULL || aad_len == 0);
	MCIM_ASSERT(pt != NULL || pt_len == 0);
	MCIM_ASSERT(!overlap(pt, pt_len, ct, pt_len + MCIM_AEAD_TAG_LEN));
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return crypto_ossl_fail(MCIM_ERR_NOMEM);
	ok = EVP_EncryptInit_ex2(ctx, algs->aes256gcm, key, nonce, NULL) == 1 &&
	     add_aad(ctx, aad, aad_len) && crypt_all(ctx, pt, pt_len, ct) &&
	     EVP_EncryptFinal_ex(ctx, final_block, &outl) == 1 && outl == 0 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, MCIM_AEAD_TAG_LEN,
				 ct + pt_len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		mcim_wipe(ct, pt_len + MCIM_AEAD_TAG_LEN);
		return crypto_ossl_fail(MCIM_ERR_CRYPTO);
	}
	return MCIM_OK;
}

/* (Re)starts a decryption under the key already set, with this nonce, over aad. */
static int open_start(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, const uint8_t *key,
		      const uint8_t *nonce, const uint8_t *aad, size_t aad_len)
{
	return EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL) == 1 &&
	       add_aad(ctx, aad, aad_len);
}

/* Sets the expected tag and lets GCM compare it; 1 when it matches. */
static int open_finish(EVP_CIPHER_CTX *ctx, const uint8_t *tag)
{
	uint8_t final_block[16];
	int outl = 0;

	return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, MCIM_AEAD_TAG_LEN,
				   (void *)tag) == 1 &&
	       EVP_DecryptFinal_ex(ctx, final_block, &outl) == 1 && outl == 0;
}

/* The first pass: 1 when the tag verifies; what it decrypts is wiped. */
static int tag_verifies(EVP_CIPHER_CTX *ctx, const uint8_t *body, size_t body_len,
			const uint8_t *tag)
{
	uint8_t scratch[AEAD_SCRATCH];
	int ok = 1;

	while (ok && body_len != 0) {
		size_t n = body_len < sizeof(scratch) ? body_len : sizeof(scratch);

		ok = crypt_all(ctx, body, n, scratch);
		body += n;
		body_len -= n;
	}
	mcim_wipe(scratch, sizeof(scratch));
	return ok && open_finish(ctx, tag);
}

mcim_err mcim_aead_open(const uint8_t key[MCIM_AEAD_KEY_LEN],
			const uint8_t nonce[MCIM_AEAD_NONCE_LEN], const uint8_t *aad,
			size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *pt)
{
	const struct crypto_algs *algs = crypto_algs();
	EVP_CIPHER_CTX *ctx;
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
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return crypto_ossl_fail(MCIM_ERR_NOMEM);
	if (!open_start(ctx, algs->aes256gcm, key, nonce, aad, aad_len))
		err = MCIM_ERR_CRYPTO;
	else if (!tag_verifies(ctx, ct, body_len, tag))
		err = MCIM_ERR_DECRYPT;
	/* The key schedule is kept: only the nonce and the GHASH state restart. */
	else if (!open_start(ctx, NULL, NULL, nonce, aad, aad_len))
		err = MCIM_ERR_CRYPTO;
	/* ct may be shared memory that changed since the first pass: check again. */
	else if (!crypt_all(ctx, ct, body_len, pt) || !open_finish(ctx, tag)) {
		mcim_wipe(pt, body_len);
		err = MCIM_ERR_DECRYPT;
	}
	EVP_CIPHER_CTX_free(ctx);
	return err == MCIM_OK ? MCIM_OK : crypto_ossl_fail(err);
}
