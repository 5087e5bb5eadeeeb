/*
 * The ECDSA nonce generator of RFC 6979 section 3.2 (HMAC_DRBG over HMAC-SHA-256)
 * for P-256, where qlen = hlen = 256: bits2int is the identity on 32 octets, and
 * bits2octets(h1) is h1 reduced once mod n. Additional data (section 3.6) follows
 * bits2octets(h1) in the two keying steps; with none, the nonces are exactly the
 * RFC's (its Appendix A.2.5 answers are in tests/unit/test_p256_builtin.c). The
 * state (K, V) is secret and wiped by crypto_p256_rfc6979_wipe.
 */
#include <string.h>

#include "core/check.h"
#include "crypto/builtin/p256_int.h"
#include "mcim/bytes.h"

/* K = HMAC_K(V || sep || x || h1 || extra), then V = HMAC_K(V): steps d-g. */
static void rekey(struct crypto_p256_rfc6979 *g, uint8_t sep,
		  const uint8_t x[CRYPTO_P256_BYTES], const uint8_t h1[CRYPTO_P256_BYTES],
		  const uint8_t *extra, size_t extra_len)
{
	const struct mcim_iov key_parts[] = {{g->v, sizeof(g->v)},
					     {&sep, 1},
					     {x, CRYPTO_P256_BYTES},
					     {h1, CRYPTO_P256_BYTES},
					     {extra, extra_len}};
	const struct mcim_iov v_part = {g->v, sizeof(g->v)};
	uint8_t out[MCIM_SHA256_LEN];

	(void)mcim_hmac_sha256(g->k, sizeof(g->k), key_parts, 5, out);
	memcpy(g->k, out, sizeof(out));
	(void)mcim_hmac_sha256(g->k, sizeof(g->k), &v_part, 1, out);
	memcpy(g->v, out, sizeof(out));
	mcim_wipe(out, sizeof(out));
}

void crypto_p256_rfc6979_init(struct crypto_p256_rfc6979 *g,
			      const uint8_t x[CRYPTO_P256_BYTES],
			      const uint8_t h1[MCIM_SHA256_LEN], const uint8_t *extra,
			      size_t extra_len)
{
	uint64_t h[CRYPTO_P256_LIMBS];
	uint8_t h1_octets[CRYPTO_P256_BYTES];

	MCIM_ASSERT(g != NULL && x != NULL && h1 != NULL);
	MCIM_ASSERT(extra != NULL || extra_len == 0);
	/* bits2octets(h1) = int2octets(h1 mod n). */
	crypto_p256_sc_from_bytes(h, h1);
	crypto_p256_sc_reduce(h, h);
	crypto_p256_sc_to_bytes(h1_octets, h);
	memset(g->v, 0x01, sizeof(g->v));
	memset(g->k, 0x00, sizeof(g->k));
	rekey(g, 0x00, x, h1_octets, extra, extra_len);
	rekey(g, 0x01, x, h1_octets, extra, extra_len);
	g->drawn = 0;
	mcim_wipe(h, sizeof(h));
	mcim_wipe(h1_octets, sizeof(h1_octets));
}

void crypto_p256_rfc6979_next(struct crypto_p256_rfc6979 *g, uint8_t t[CRYPTO_P256_BYTES])
{
	const struct mcim_iov v_part = {g->v, sizeof(g->v)};
	uint8_t out[MCIM_SHA256_LEN];

	MCIM_ASSERT(g != NULL && t != NULL);
	if (g->drawn) {
		/* Step h.3 after a rejected candidate: K = HMAC_K(V || 0x00), V =
		 * HMAC_K(V). */
		const uint8_t zero = 0x00;
		const struct mcim_iov parts[] = {{g->v, sizeof(g->v)}, {&zero, 1}};

		(void)mcim_hmac_sha256(g->k, sizeof(g->k), parts, 2, out);
		memcpy(g->k, out, sizeof(out));
		(void)mcim_hmac_sha256(g->k, sizeof(g->k), &v_part, 1, out);
		memcpy(g->v, out, sizeof(out));
	}
	/* Step h.2: one HMAC output is the whole 256-bit candidate. */
	(void)mcim_hmac_sha256(g->k, sizeof(g->k), &v_part, 1, out);
	memcpy(g->v, out, sizeof(out));
	memcpy(t, out, sizeof(out));
	g->drawn = 1;
	mcim_wipe(out, sizeof(out));
}

void crypto_p256_rfc6979_wipe(struct crypto_p256_rfc6979 *g)
{
	MCIM_ASSERT(g != NULL);
	mcim_wipe(g, sizeof(*g));
}
