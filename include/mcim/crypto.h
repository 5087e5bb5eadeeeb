/*
 * mcim/crypto.h: the cryptographic primitives openmcim's protocols are built from.
 * Everything else in the project uses this header. Behind it, the crypto backend the
 * build chose (docs/architecture.md "Crypto backends"): OpenSSL 3 (libcrypto), or the
 * project's own code with no OpenSSL (builtin); SHA-256, HMAC and HKDF are the
 * project's own in both.
 *
 * - SHA-256, HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869);
 * - AEAD: AES-256-GCM with 12-octet nonces and 16-octet tags;
 * - P-256 (secp256r1): key generation, ECDSA with SHA-256 (signatures as the 64-octet
 *   r||s that COSE uses), ECDH; keys as fixed-size octet strings; a verifier keeps
 *   a public key imported for repeated verifications.
 *
 * Conventions: lengths in octets; inputs given as (pointer, length) may be NULL only
 * with length 0; outputs are written only on success; private keys and shared secrets
 * are fixed-size structures the caller wipes (mcim_p256_priv_wipe, mcim_wipe).
 * All functions are thread-safe.
 */
#ifndef MCIM_CRYPTO_H
#define MCIM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

#define MCIM_SHA256_LEN	    32
#define MCIM_AEAD_KEY_LEN   32
#define MCIM_AEAD_NONCE_LEN 12
#define MCIM_AEAD_TAG_LEN   16
#define MCIM_P256_PRIV_LEN  32
#define MCIM_P256_PUB_LEN   65 /* uncompressed point: 0x04 || X || Y */
#define MCIM_P256_SIG_LEN   64 /* r || s, each 32 octets big-endian */
#define MCIM_P256_ECDH_LEN  32 /* the shared X coordinate */

/* One part of a message given in several pieces. */
struct mcim_iov {
	const void *data;
	size_t len;
};

/* SHA-256 in pieces: init, any number of updates, final (which wipes the context).
 * Cannot fail; the context holds no allocation and may live anywhere. */
struct mcim_sha256_ctx {
	uint32_t h[8];
	uint64_t total;
	uint8_t buf[64];
};

void mcim_sha256_init(struct mcim_sha256_ctx *ctx);
void mcim_sha256_update(struct mcim_sha256_ctx *ctx, const void *data, size_t len);
void mcim_sha256_final(struct mcim_sha256_ctx *ctx, uint8_t out[MCIM_SHA256_LEN]);

/* One-shot SHA-256 (never fails; the mcim_err return is kept for callers). */
mcim_err mcim_sha256(const void *data, size_t len, uint8_t out[MCIM_SHA256_LEN]);
/* SHA-256 of the concatenation of n parts. */
mcim_err mcim_sha256_v(const struct mcim_iov *parts, size_t n,
		       uint8_t out[MCIM_SHA256_LEN]);

/* HMAC-SHA-256 of the concatenation of n parts. */
mcim_err mcim_hmac_sha256(const uint8_t *key, size_t key_len,
			  const struct mcim_iov *parts, size_t n,
			  uint8_t out[MCIM_SHA256_LEN]);

/* HKDF-SHA-256 extract-and-expand; out_len 1..8160 (else MCIM_ERR_INVALID_ARG); salt,
 * ikm and info may be empty. Cannot fail otherwise. */
mcim_err mcim_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
			  size_t ikm_len, const uint8_t *info, size_t info_len,
			  uint8_t *out, size_t out_len);

/*
 * AES-256-GCM. seal writes pt_len + MCIM_AEAD_TAG_LEN octets to ct (ciphertext then
 * tag; should the backend fail midway, ct is wiped); open writes
 * ct_len - MCIM_AEAD_TAG_LEN octets to pt and fails with MCIM_ERR_DECRYPT (pt
 * untouched: the tag is checked before any plaintext is written) when the tag does
 * not verify, MCIM_ERR_TRUNCATED when ct_len is shorter than a tag. ct and pt must
 * not overlap.
 */
mcim_err mcim_aead_seal(const uint8_t key[MCIM_AEAD_KEY_LEN],
			const uint8_t nonce[MCIM_AEAD_NONCE_LEN], const uint8_t *aad,
			size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *ct);
mcim_err mcim_aead_open(const uint8_t key[MCIM_AEAD_KEY_LEN],
			const uint8_t nonce[MCIM_AEAD_NONCE_LEN], const uint8_t *aad,
			size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *pt);

/* A P-256 private key (the scalar, big-endian). Secret. */
struct mcim_p256_priv {
	uint8_t d[MCIM_P256_PRIV_LEN];
};
/* A P-256 public key (uncompressed point). */
struct mcim_p256_pub {
	uint8_t q[MCIM_P256_PUB_LEN];
};

void mcim_p256_priv_wipe(struct mcim_p256_priv *priv);

/* A fresh key pair from the backend's CSPRNG. */
mcim_err mcim_p256_keygen(struct mcim_p256_priv *priv, struct mcim_p256_pub *pub);
/* The public key of priv; MCIM_ERR_INVALID_ARG when d is 0 or not below the order. */
mcim_err mcim_p256_pub_from_priv(const struct mcim_p256_priv *priv,
				 struct mcim_p256_pub *pub);
/* MCIM_OK when pub is a point on the curve (not the point at infinity). */
mcim_err mcim_p256_pub_check(const struct mcim_p256_pub *pub);

/* ECDSA over SHA-256(msg) (COSE ES256). */
mcim_err mcim_p256_sign(const struct mcim_p256_priv *priv, const uint8_t *msg,
			size_t msg_len, uint8_t sig[MCIM_P256_SIG_LEN]);
/* MCIM_OK, or MCIM_ERR_BAD_SIGNATURE (also for a malformed key or signature). */
mcim_err mcim_p256_verify(const struct mcim_p256_pub *pub, const uint8_t *msg,
			  size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
    __attribute__((warn_unused_result));

/*
 * A memo of the signatures that verified, for a server that meets the same
 * certificates and signed objects again and again (its peers' certificate chains; an
 * ICF session presented at every step of a provisioning). An ECDSA verification is a
 * function of (public key, SHA-256 of the message, signature): a triple that verified
 * once verifies again. With a memo set, mcim_p256_verify looks the triple up (as the
 * SHA-256 of the three) before the curve arithmetic and tells the memo each triple
 * that verified; a failure is never remembered, it is computed again each time.
 * Whatever surrounds a signature (a certificate's dates, role and revocation, a
 * message's freshness and bindings) is its callers' and checked on every use.
 * The memo is the caller's storage: seen (1: the key was added before) and add are
 * called from any thread at once. mcim_p256_set_memo is process-wide: call it before
 * other threads verify; NULL (the default) verifies everything. A device has no use
 * for it.
 */
struct mcim_p256_memo {
	int (*seen)(void *arg, const uint8_t key[MCIM_SHA256_LEN]);
	void (*add)(void *arg, const uint8_t key[MCIM_SHA256_LEN]);
	void *arg;
};

void mcim_p256_set_memo(const struct mcim_p256_memo *memo);

/*
 * For a server that signs with the same few keys all the time (mcimd's tenant and
 * function keys): on, the OpenSSL backend keeps up to MCIM_P256_KEPT_SIGNERS private
 * keys imported (importing a raw scalar costs about half a signature), found by a
 * constant-time comparison of the scalar, least recently used out. Off (the default,
 * and what a device keeps) frees them; their copies are cleared. Process-wide, any
 * thread. The builtin backend signs from the scalar itself and keeps nothing.
 */
#define MCIM_P256_KEPT_SIGNERS 16
void mcim_p256_keep_signing_keys(bool on);

/*
 * A public key imported once for many verifications (a CA's key, a peer's long-term
 * key): importing a raw key into OpenSSL costs about a quarter of a verification, a
 * verifier pays it once. The caller owns the structure: init, verify any number of
 * times (from several threads at once), free. The members are private to the
 * library: pkey is the OpenSSL backend's key object (NULL in the builtin backend);
 * q is the builtin backend's copy of the checked point (affine x then y in its field
 * representation, all zero when the verifier is empty), kept without allocation.
 */
struct mcim_p256_verifier {
	void *pkey;
	uint64_t q[8];
};

/* MCIM_ERR_INVALID_ARG when pub is not a point on the curve (v is then empty). */
mcim_err mcim_p256_verifier_init(struct mcim_p256_verifier *v,
				 const struct mcim_p256_pub *pub);
/* As mcim_p256_verify with the verifier's key. */
mcim_err mcim_p256_verifier_verify(const struct mcim_p256_verifier *v, const uint8_t *msg,
				   size_t msg_len, const uint8_t sig[MCIM_P256_SIG_LEN])
    __attribute__((warn_unused_result));
/* Releases the key; v is then empty (freeing an empty verifier does nothing). */
void mcim_p256_verifier_free(struct mcim_p256_verifier *v);

/* Z = the X coordinate of priv * peer; MCIM_ERR_INVALID_ARG for a point off the curve
 * (or a private scalar 0 or not below the order). */
mcim_err mcim_p256_ecdh(const struct mcim_p256_priv *priv,
			const struct mcim_p256_pub *peer, uint8_t z[MCIM_P256_ECDH_LEN]);

#endif
