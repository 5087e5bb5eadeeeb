/*
 * Internal: what the OpenSSL backend's primitives share (src/crypto/ossl: AES-256-GCM,
 * P-256; the rest of mcim/crypto.h is the project's own code). OpenSSL 3 looks an
 * algorithm up by name in its provider tables on every implicit fetch (EVP_sha256(), a
 * group name in an OSSL_PARAM); each primitive here uses objects fetched once per process
 * instead, on first use (thread-safe; retried after a failure). They are freed when
 * OpenSSL cleans up at process exit.
 */
#ifndef MCIM_CRYPTO_OSSL_CRYPTO_INT_H
#define MCIM_CRYPTO_OSSL_CRYPTO_INT_H

#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "mcim/err.h"

struct crypto_algs {
	EVP_CIPHER *aes256gcm;
	EC_GROUP *p256;
	BIGNUM *p256_order_minus_1;
	/* P-256 domain parameters without a key: public keys are imported as copies of
	 * it, which costs a third of building the group from its name again. */
	EVP_PKEY *p256_params;
};

/* The fetched objects, or NULL when OpenSSL cannot provide one of them. */
const struct crypto_algs *crypto_algs(void);

/* How many signing keys mcim_p256_keep_signing_keys keeps now (for tests). */
size_t crypto_ossl_kept_signers(void);

/*
 * Returns err after emptying this thread's OpenSSL error queue, so that a failure
 * handled here (a bad signature, a malformed point) leaves nothing behind for the
 * next caller that inspects the queue.
 */
mcim_err crypto_ossl_fail(mcim_err err);

#endif
