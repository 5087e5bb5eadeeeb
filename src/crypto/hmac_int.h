/*
 * Internal: HMAC-SHA-256 with the key processed once. A keyed state holds two SHA-256
 * contexts that have already absorbed the key's ipad and opad blocks; each MAC copies
 * them into a work context, so a message costs only its own blocks plus one for the
 * outer hash. The AuC's 5G vectors derive XRES* and KAUSF from one CK||IK key this
 * way. The same state also computes the 3GPP KDF framing (TS 33.220 B.2) and plain
 * SHA-256 (HXRES*) on its work context.
 *
 * The contexts are OpenSSL's (allocated by OpenSSL); a state is created once and
 * reused for many keys. crypto_hmac_thread() hands out one state per thread, freed at
 * thread exit, so hot paths allocate nothing per call. A state holds secrets after
 * crypto_hmac_setkey(): crypto_hmac_clear() re-initialises its contexts, which
 * overwrites the key-dependent hash states. Not thread-safe per state. Users of the
 * thread's state key it, use it and clear it without calling out in between (a
 * random-generator callback could itself use the state).
 */
#ifndef MCIM_CRYPTO_HMAC_INT_H
#define MCIM_CRYPTO_HMAC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"

struct evp_md_ctx_st;

struct crypto_hmac {
	struct evp_md_ctx_st *inner; /* SHA-256 after (K xor ipad) */
	struct evp_md_ctx_st *outer; /* SHA-256 after (K xor opad) */
	struct evp_md_ctx_st *work;
};

/* Allocates the contexts. MCIM_ERR_NOMEM or MCIM_ERR_CRYPTO; h is then all NULL. */
mcim_err crypto_hmac_new(struct crypto_hmac *h);
/* Frees them (OpenSSL clears SHA-256 contexts as it frees them); h may be all NULL. */
void crypto_hmac_free(struct crypto_hmac *h);

/* This thread's state, created on first use; NULL when it cannot be allocated. */
struct crypto_hmac *crypto_hmac_thread(void);

/* Keys h with the concatenation of n key parts (any total length). */
mcim_err crypto_hmac_setkey(struct crypto_hmac *h, const struct mcim_iov *key, size_t n);

/* HMAC of the concatenation of n parts under the key set last. */
mcim_err crypto_hmac_mac(struct crypto_hmac *h, const struct mcim_iov *parts, size_t n,
			 uint8_t out[MCIM_SHA256_LEN]);

/* The 3GPP KDF under the key set last: HMAC(fc || P0 || L0 || ...), n parameters,
 * n <= CRYPTO_KDF_PARAMS_MAX, each at most 65535 octets (asserted: callers check). */
#define CRYPTO_KDF_PARAMS_MAX 16
mcim_err crypto_hmac_kdf(struct crypto_hmac *h, uint8_t fc, const struct mcim_iov *params,
			 size_t n, uint8_t out[MCIM_SHA256_LEN]);

/* Plain SHA-256 of n parts on h's work context (the key is left in place). */
mcim_err crypto_hmac_sha256_plain(struct crypto_hmac *h, const struct mcim_iov *parts,
				  size_t n, uint8_t out[MCIM_SHA256_LEN]);

/* Forgets the key: every context back to SHA-256's initial state. */
void crypto_hmac_clear(struct crypto_hmac *h);

#endif
