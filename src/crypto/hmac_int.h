/*
 * Internal: HMAC-SHA-256 with the key processed once, on the SHA-256 of sha256_int.h.
 * A keyed state is the two chaining values after the key's ipad and opad blocks; a
 * MAC then costs only its message's blocks plus one block for the outer hash. The
 * AuC's 5G vectors derive XRES* and KAUSF from one CK||IK key this way. The same
 * state also computes the 3GPP KDF framing (TS 33.220 B.2) and plain SHA-256
 * (HXRES*).
 *
 * A state is a plain structure the caller owns (on the stack, usually): nothing is
 * allocated and nothing can fail. It holds secrets after crypto_hmac_setkey():
 * crypto_hmac_clear() wipes it. crypto_hmac_thread() hands out one state per thread
 * for callers that keep one across calls. Not thread-safe per state.
 */
#ifndef MCIM_CRYPTO_HMAC_INT_H
#define MCIM_CRYPTO_HMAC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"

struct crypto_hmac {
	uint32_t inner[8]; /* SHA-256 chaining value after (K xor ipad) */
	uint32_t outer[8]; /* SHA-256 chaining value after (K xor opad) */
};

/* An unkeyed state (all zero). Always MCIM_OK: kept so callers need no special case. */
mcim_err crypto_hmac_new(struct crypto_hmac *h);
/* Wipes h; harmless on a wiped or unkeyed state. */
void crypto_hmac_free(struct crypto_hmac *h);

/* This thread's state. Never NULL. */
struct crypto_hmac *crypto_hmac_thread(void);

/* Keys h with the concatenation of n key parts (any total length). Always MCIM_OK. */
mcim_err crypto_hmac_setkey(struct crypto_hmac *h, const struct mcim_iov *key, size_t n);

/* HMAC of the concatenation of n parts under the key set last. Always MCIM_OK. */
mcim_err crypto_hmac_mac(struct crypto_hmac *h, const struct mcim_iov *parts, size_t n,
			 uint8_t out[MCIM_SHA256_LEN]);

/* The 3GPP KDF under the key set last: HMAC(fc || P0 || L0 || ...), n parameters,
 * n <= CRYPTO_KDF_PARAMS_MAX, each at most 65535 octets (asserted: callers check). */
#define CRYPTO_KDF_PARAMS_MAX 16
mcim_err crypto_hmac_kdf(struct crypto_hmac *h, uint8_t fc, const struct mcim_iov *params,
			 size_t n, uint8_t out[MCIM_SHA256_LEN]);

/*
 * Two KDFs under the key set last, as crypto_hmac_kdf() twice, with their blocks
 * hashed side by side (crypto_sha256_x2): XRES* and KAUSF of a 5G vector cost about
 * the latency of one of them. Always MCIM_OK.
 */
mcim_err crypto_hmac_kdf2(struct crypto_hmac *h, uint8_t fc_a,
			  const struct mcim_iov *params_a, size_t n_a,
			  uint8_t out_a[MCIM_SHA256_LEN], uint8_t fc_b,
			  const struct mcim_iov *params_b, size_t n_b,
			  uint8_t out_b[MCIM_SHA256_LEN]);

/* Plain SHA-256 of n parts (the key in h is left in place). Always MCIM_OK. */
mcim_err crypto_hmac_sha256_plain(struct crypto_hmac *h, const struct mcim_iov *parts,
				  size_t n, uint8_t out[MCIM_SHA256_LEN]);

/* Forgets the key (wipes h). */
void crypto_hmac_clear(struct crypto_hmac *h);

#endif
