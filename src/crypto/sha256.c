/*
 * SHA-256 (FIPS 180-4) on the project's own compression function (SHA extensions
 * where the CPU has them, portable C otherwise; sha256_block.c): one-shot over a
 * buffer, over the concatenation of several parts without copying them together,
 * and streaming for inputs that arrive in pieces (files measured at boot, protocol
 * transcripts). Nothing is allocated, so the TRE can hash without a heap.
 */
#include <stddef.h>

#include "core/check.h"
#include "crypto/sha256_int.h"
#include "mcim/crypto.h"

/* The public context is the internal state under another name: same members. */
_Static_assert(sizeof(struct mcim_sha256_ctx) == sizeof(struct crypto_sha256),
	       "mcim_sha256_ctx mirrors crypto_sha256");
_Static_assert(offsetof(struct mcim_sha256_ctx, total) ==
		       offsetof(struct crypto_sha256, total) &&
		   offsetof(struct mcim_sha256_ctx, buf) ==
		       offsetof(struct crypto_sha256, buf),
	       "mcim_sha256_ctx mirrors crypto_sha256");

void mcim_sha256_init(struct mcim_sha256_ctx *ctx)
{
	MCIM_ASSERT(ctx != NULL);
	crypto_sha256_init((struct crypto_sha256 *)ctx);
}

void mcim_sha256_update(struct mcim_sha256_ctx *ctx, const void *data, size_t len)
{
	MCIM_ASSERT(ctx != NULL);
	MCIM_ASSERT(data != NULL || len == 0);
	crypto_sha256_update((struct crypto_sha256 *)ctx, data, len);
}

void mcim_sha256_final(struct mcim_sha256_ctx *ctx, uint8_t out[MCIM_SHA256_LEN])
{
	MCIM_ASSERT(ctx != NULL && out != NULL);
	crypto_sha256_final((struct crypto_sha256 *)ctx, out);
}

mcim_err mcim_sha256(const void *data, size_t len, uint8_t out[MCIM_SHA256_LEN])
{
	struct mcim_iov part = {data, len};

	return mcim_sha256_v(&part, 1, out);
}

mcim_err mcim_sha256_v(const struct mcim_iov *parts, size_t n,
		       uint8_t out[MCIM_SHA256_LEN])
{
	struct mcim_sha256_ctx ctx;

	MCIM_ASSERT(parts != NULL || n == 0);
	MCIM_ASSERT(out != NULL);
	mcim_sha256_init(&ctx);
	for (size_t i = 0; i < n; i++)
		mcim_sha256_update(&ctx, parts[i].data, parts[i].len);
	mcim_sha256_final(&ctx, out);
	return MCIM_OK;
}
