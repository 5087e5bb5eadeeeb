/*
 * SHA-256 (FIPS 180-4) through OpenSSL's EVP with the digest fetched once
 * (crypto_algs): one-shot over a buffer, or over the concatenation of several parts
 * without copying them together first.
 */
#include <assert.h>

#include "crypto/crypto_int.h"
#include "mcim/crypto.h"

mcim_err mcim_sha256(const void *data, size_t len, uint8_t out[MCIM_SHA256_LEN])
{
	struct mcim_iov part = {data, len};

	return mcim_sha256_v(&part, 1, out);
}

mcim_err mcim_sha256_v(const struct mcim_iov *parts, size_t n,
		       uint8_t out[MCIM_SHA256_LEN])
{
	const struct crypto_algs *algs = crypto_algs();
	EVP_MD_CTX *ctx;
	uint8_t md[MCIM_SHA256_LEN];
	unsigned md_len = 0;
	int ok;

	assert(parts != NULL || n == 0);
	assert(out != NULL);
	if (algs == NULL)
		return MCIM_ERR_CRYPTO;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return crypto_ossl_fail(MCIM_ERR_NOMEM);
	ok = EVP_DigestInit_ex2(ctx, algs->sha256, NULL) == 1;
	for (size_t i = 0; ok && i < n; i++) {
		assert(parts[i].data != NULL || parts[i].len == 0);
		if (parts[i].len != 0)
			ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == MCIM_SHA256_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return crypto_ossl_fail(MCIM_ERR_CRYPTO);
	for (size_t i = 0; i < MCIM_SHA256_LEN; i++)
		out[i] = md[i];
	return MCIM_OK;
}
