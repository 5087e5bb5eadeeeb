/*
 * HMAC-SHA-256 (RFC 2104) on the SHA-256 compression function of sha256_block.c /
 * sha256_ni.c. The key is absorbed once into two chaining values (after the ipad and
 * after the opad block); a MAC resumes the inner hash from the first, the outer from
 * the second. Through OpenSSL's EVP the same MAC cost about 200 ns for a 63-octet
 * message, most of it in context copies and provider dispatch; here it is the three
 * compressions plus a few copies of short inputs into the block buffer.
 */
#include "crypto/hmac_int.h"

#include <string.h>

#include "core/check.h"
#include "crypto/sha256_int.h"
#include "mcim/bytes.h"

#define HMAC_BLOCK CRYPTO_SHA256_BLOCK

#ifndef NDEBUG
/* For the asserts: every part with a length has data. */
static int parts_ok(const struct mcim_iov *parts, size_t n)
{
	if (parts == NULL)
		return n == 0;
	for (size_t i = 0; i < n; i++)
		if (parts[i].data == NULL && parts[i].len != 0)
			return 0;
	return 1;
}
#endif

static void update_parts(struct crypto_sha256 *s, const struct mcim_iov *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (parts[i].len != 0)
			crypto_sha256_update(s, parts[i].data, parts[i].len);
}

mcim_err crypto_hmac_new(struct crypto_hmac *h)
{
	MCIM_ASSERT(h != NULL);
	memset(h, 0, sizeof(*h));
	return MCIM_OK;
}

void crypto_hmac_free(struct crypto_hmac *h)
{
	MCIM_ASSERT(h != NULL);
	mcim_wipe(h, sizeof(*h));
}

static _Thread_local struct crypto_hmac thread_state;

struct crypto_hmac *crypto_hmac_thread(void)
{
	return &thread_state;
}

mcim_err crypto_hmac_setkey(struct crypto_hmac *h, const struct mcim_iov *key, size_t n)
{
	uint8_t k[HMAC_BLOCK] = {0}, ipad[HMAC_BLOCK], opad[HMAC_BLOCK];
	size_t total = 0, off = 0;

	MCIM_ASSERT(h != NULL && parts_ok(key, n));
	for (size_t i = 0; i < n && total <= HMAC_BLOCK; i++)
		total += key[i].len;
	if (total > HMAC_BLOCK) {
		/* RFC 2104: a key longer than a block is replaced by its hash. */
		struct crypto_sha256 s;

		crypto_sha256_init(&s);
		update_parts(&s, key, n);
		crypto_sha256_final(&s, k);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (key[i].len != 0)
				memcpy(k + off, key[i].data, key[i].len);
			off += key[i].len;
		}
	}
	for (size_t i = 0; i < HMAC_BLOCK; i++) {
		ipad[i] = k[i] ^ 0x36;
		opad[i] = k[i] ^ 0x5c;
	}
	memcpy(h->inner, crypto_sha256_iv, sizeof(h->inner));
	memcpy(h->outer, crypto_sha256_iv, sizeof(h->outer));
	crypto_sha256_x2(h->inner, ipad, h->outer, opad);
	mcim_wipe(k, sizeof(k));
	mcim_wipe(ipad, sizeof(ipad));
	mcim_wipe(opad, sizeof(opad));
	return MCIM_OK;
}

/* The outer hash over the inner one, whose message s has absorbed; wipes s. */
static void hmac_finish(const struct crypto_hmac *h, struct crypto_sha256 *s,
			uint8_t out[MCIM_SHA256_LEN])
{
	uint8_t ih[MCIM_SHA256_LEN];

	crypto_sha256_final(s, ih);
	crypto_sha256_resume(s, h->outer, 1);
	crypto_sha256_update(s, ih, sizeof(ih));
	crypto_sha256_final(s, out);
	mcim_wipe(ih, sizeof(ih));
}

mcim_err crypto_hmac_mac(struct crypto_hmac *h, const struct mcim_iov *parts, size_t n,
			 uint8_t out[MCIM_SHA256_LEN])
{
	struct crypto_sha256 s;

	MCIM_ASSERT(h != NULL && parts_ok(parts, n) && out != NULL);
	crypto_sha256_resume(&s, h->inner, 1);
	update_parts(&s, parts, n);
	hmac_finish(h, &s, out);
	return MCIM_OK;
}

mcim_err crypto_hmac_kdf(struct crypto_hmac *h, uint8_t fc, const struct mcim_iov *params,
			 size_t n, uint8_t out[MCIM_SHA256_LEN])
{
	struct crypto_sha256 s;

	MCIM_ASSERT(h != NULL && out != NULL);
	MCIM_ASSERT(n <= CRYPTO_KDF_PARAMS_MAX && parts_ok(params, n));
	crypto_sha256_resume(&s, h->inner, 1);
	crypto_sha256_update(&s, &fc, 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t len[2];

		MCIM_ASSERT(params[i].len <= 0xffff);
		len[0] = (uint8_t)(params[i].len >> 8);
		len[1] = (uint8_t)params[i].len;
		if (params[i].len != 0)
			crypto_sha256_update(&s, params[i].data, params[i].len);
		crypto_sha256_update(&s, len, 2);
	}
	hmac_finish(h, &s, out);
	return MCIM_OK;
}

static void store_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/*
 * The inner message of a KDF (FC || P0 || L0 || ...) with SHA-256's padding, as
 * whole blocks that follow the ipad block. Returns the number of blocks, or 0 when
 * it needs more than KDF2_BLOCKS.
 */
#define KDF2_BLOCKS 3
static size_t kdf_blocks(uint8_t buf[KDF2_BLOCKS * HMAC_BLOCK], uint8_t fc,
			 const struct mcim_iov *params, size_t n)
{
	size_t m = 1, blocks;
	uint64_t bits;

	for (size_t i = 0; i < n; i++)
		m += params[i].len + 2;
	blocks = (m + 9 + HMAC_BLOCK - 1) / HMAC_BLOCK;
	if (blocks > KDF2_BLOCKS)
		return 0;
	buf[0] = fc;
	m = 1;
	for (size_t i = 0; i < n; i++) {
		if (params[i].len != 0)
			memcpy(buf + m, params[i].data, params[i].len);
		m += params[i].len;
		buf[m++] = (uint8_t)(params[i].len >> 8);
		buf[m++] = (uint8_t)params[i].len;
	}
	bits = (uint64_t)(HMAC_BLOCK + m) * 8;
	buf[m++] = 0x80;
	memset(buf + m, 0, blocks * HMAC_BLOCK - m);
	store_be32(buf + blocks * HMAC_BLOCK - 8, (uint32_t)(bits >> 32));
	store_be32(buf + blocks * HMAC_BLOCK - 4, (uint32_t)bits);
	return blocks;
}

/* The outer hash's one block after the opad block: the inner digest, padded. */
static void outer_block(uint8_t blk[HMAC_BLOCK], const uint32_t ih[8])
{
	for (int i = 0; i < 8; i++)
		store_be32(blk + 4 * i, ih[i]);
	blk[32] = 0x80;
	memset(blk + 33, 0, HMAC_BLOCK - 33 - 4);
	store_be32(blk + HMAC_BLOCK - 4, (HMAC_BLOCK + MCIM_SHA256_LEN) * 8);
}

mcim_err crypto_hmac_kdf2(struct crypto_hmac *h, uint8_t fc_a,
			  const struct mcim_iov *params_a, size_t n_a,
			  uint8_t out_a[MCIM_SHA256_LEN], uint8_t fc_b,
			  const struct mcim_iov *params_b, size_t n_b,
			  uint8_t out_b[MCIM_SHA256_LEN])
{
	uint8_t a[KDF2_BLOCKS * HMAC_BLOCK], b[KDF2_BLOCKS * HMAC_BLOCK];
	uint32_t ha[8], hb[8];
	size_t na, nb;

	MCIM_ASSERT(h != NULL && out_a != NULL && out_b != NULL);
	MCIM_ASSERT(n_a <= CRYPTO_KDF_PARAMS_MAX && parts_ok(params_a, n_a));
	MCIM_ASSERT(n_b <= CRYPTO_KDF_PARAMS_MAX && parts_ok(params_b, n_b));
	na = kdf_blocks(a, fc_a, params_a, n_a);
	nb = kdf_blocks(b, fc_b, params_b, n_b);
	if (na == 0 || nb == 0) {
		mcim_wipe(a, sizeof(a));
		mcim_wipe(b, sizeof(b));
		(void)crypto_hmac_kdf(h, fc_a, params_a, n_a, out_a);
		return crypto_hmac_kdf(h, fc_b, params_b, n_b, out_b);
	}
	memcpy(ha, h->inner, sizeof(ha));
	memcpy(hb, h->inner, sizeof(hb));
	for (size_t i = 0; i < na || i < nb; i++) {
		if (i < na && i < nb)
			crypto_sha256_x2(ha, a + i * HMAC_BLOCK, hb, b + i * HMAC_BLOCK);
		else if (i < na)
			crypto_sha256_blocks(ha, a + i * HMAC_BLOCK, 1);
		else
			crypto_sha256_blocks(hb, b + i * HMAC_BLOCK, 1);
	}
	outer_block(a, ha);
	outer_block(b, hb);
	memcpy(ha, h->outer, sizeof(ha));
	memcpy(hb, h->outer, sizeof(hb));
	crypto_sha256_x2(ha, a, hb, b);
	for (int i = 0; i < 8; i++) {
		store_be32(out_a + 4 * i, ha[i]);
		store_be32(out_b + 4 * i, hb[i]);
	}
	mcim_wipe(a, sizeof(a));
	mcim_wipe(b, sizeof(b));
	mcim_wipe(ha, sizeof(ha));
	mcim_wipe(hb, sizeof(hb));
	return MCIM_OK;
}

mcim_err crypto_hmac_sha256_plain(struct crypto_hmac *h, const struct mcim_iov *parts,
				  size_t n, uint8_t out[MCIM_SHA256_LEN])
{
	struct crypto_sha256 s;

	MCIM_ASSERT(h != NULL && parts_ok(parts, n) && out != NULL);
	crypto_sha256_init(&s);
	update_parts(&s, parts, n);
	crypto_sha256_final(&s, out);
	return MCIM_OK;
}

void crypto_hmac_clear(struct crypto_hmac *h)
{
	MCIM_ASSERT(h != NULL);
	mcim_wipe(h, sizeof(*h));
}

mcim_err mcim_hmac_sha256(const uint8_t *key, size_t key_len,
			  const struct mcim_iov *parts, size_t n,
			  uint8_t out[MCIM_SHA256_LEN])
{
	struct mcim_iov k = {key, key_len};
	struct crypto_hmac h;

	MCIM_ASSERT((key != NULL || key_len == 0) && parts_ok(parts, n) && out != NULL);
	(void)crypto_hmac_setkey(&h, &k, 1);
	(void)crypto_hmac_mac(&h, parts, n, out);
	crypto_hmac_clear(&h);
	return MCIM_OK;
}
