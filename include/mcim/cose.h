/*
 * mcim/cose.h: the two COSE (RFC 9052/9053) objects openmcim's protocols are built
 * from: COSE_Sign1 with ES256 for everything signed, COSE_Encrypt0 with A256GCM for
 * everything encrypted, both tagged and in the deterministic CBOR profile of
 * mcim/cbor.h.
 *
 * Profile (what is produced and what is accepted):
 * - COSE_Sign1 = 18([protected, unprotected, payload, signature]). protected is
 *   {1: -7} or {1: -7, 4: kid}; unprotected is {} or {33: x5chain} (RFC 9360: one
 *   certificate as a bstr, several as an array of two or more bstr, leaf first).
 *   The algorithm must be in the protected header and be ES256. Other integer or
 *   text labels in the protected header are skipped (they are signed); the
 *   unprotected header may hold only kid (4, ignored: only a protected kid is
 *   reported) and x5chain (33), since anything else there could be added by anyone
 *   without breaking the signature. No integer label below 64 may appear in both
 *   headers. "crit" (2) is refused: no extension is understood. The payload is
 *   attached (a bstr), the signature 64 octets r||s. Untagged objects and any other
 *   tag are refused. An x5chain in the unprotected header (where this library puts
 *   it, as RFC 9360 allows) is not covered by the signature: a changed certificate
 *   is caught by validating the chain and checking that its leaf holds the key the
 *   signature verified with. One in the protected header is accepted too.
 * - COSE_Encrypt0 = 16([protected, unprotected, ciphertext]). protected is {1: 3},
 *   unprotected {5: IV} with a 12-octet IV (accepted in either header); the
 *   ciphertext carries the 16-octet tag. Partial IVs (6) and x5chain are refused;
 *   the header rules are otherwise those of COSE_Sign1.
 * - external_aad: the protocol's context ("mcim/dl/m2", transaction ids, ...) that
 *   both ends know and that is authenticated but not sent. It enters the
 *   Sig_structure / Enc_structure exactly as RFC 9052 4.4 and 5.3 say.
 *
 * The crypto interface (mcim/crypto.h) signs and verifies messages, not digests,
 * and seals with one contiguous AAD, so the Sig_structure and the Enc_structure are
 * assembled in a per-thread buffer of MCIM_COSE_TBS_MAX octets: payload plus
 * external_aad plus some 30 octets of framing must fit, else MCIM_ERR_TOO_LARGE.
 * Nothing is allocated; outputs go to caller buffers; lengths and parsed views are
 * set only on success (an output buffer's contents are unspecified after an error
 * unless a function says otherwise); parsed objects are returned as pointers into
 * the caller's input (valid as long as it is).
 *
 * Errors of the decoders: MCIM_ERR_TRUNCATED, MCIM_ERR_PARSE (malformed, outside the
 * profile, trailing octets), MCIM_ERR_TOO_LARGE, MCIM_ERR_UNSUPPORTED (another
 * algorithm, crit, partial IV), MCIM_ERR_BAD_SIGNATURE (Sign1),
 * MCIM_ERR_DECRYPT (Encrypt0: wrong key, IV, AAD or any change to the ciphertext).
 * NULL is allowed for (pointer, 0) ranges and where a parameter says "optional";
 * any other NULL is a caller bug (assert). All functions are thread-safe.
 */
#ifndef MCIM_COSE_H
#define MCIM_COSE_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/rand.h"

#define MCIM_COSE_TAG_SIGN1    18
#define MCIM_COSE_TAG_ENCRYPT0 16
#define MCIM_COSE_ALG_ES256    (-7)
#define MCIM_COSE_ALG_A256GCM  3

#define MCIM_COSE_HDR_ALG     1
#define MCIM_COSE_HDR_CRIT    2
#define MCIM_COSE_HDR_KID     4
#define MCIM_COSE_HDR_IV      5
#define MCIM_COSE_HDR_PIV     6
#define MCIM_COSE_HDR_X5CHAIN 33

/* Bound on payload + external_aad (+ framing) of one Sign1 or Encrypt0 AAD. */
#define MCIM_COSE_TBS_MAX 16384
/* Certificates an x5chain may carry (leaf, intermediates, root). */
#define MCIM_COSE_X5CHAIN_MAX 4

/* What is signed besides the payload. Every field is optional (NULL / 0). */
struct mcim_cose_sign1_opts {
	const uint8_t *external_aad;
	size_t external_aad_len;
	const uint8_t *kid; /* goes into the protected header */
	size_t kid_len;
	const struct mcim_iov *x5chain; /* DER certificates, leaf first, unprotected */
	size_t x5chain_n;		/* 0..MCIM_COSE_X5CHAIN_MAX */
};

/* A parsed COSE_Sign1: spans of the input. */
struct mcim_cose_sign1 {
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *kid; /* from the protected header; NULL when absent */
	size_t kid_len;
	struct mcim_iov x5chain[MCIM_COSE_X5CHAIN_MAX]; /* leaf first */
	size_t x5chain_n;
};

/*
 * The encoded size of the COSE_Sign1 that mcim_cose_sign1_sign() makes for this
 * payload length and opts (exact: ES256 signatures have a fixed length).
 */
size_t mcim_cose_sign1_size(size_t payload_len, const struct mcim_cose_sign1_opts *opts);

/*
 * Signs payload with key (ES256) and writes the tagged COSE_Sign1 to out.
 * opts may be NULL (no external_aad, kid or chain). *out_len gets the length.
 * Errors: MCIM_ERR_BUFFER_TOO_SMALL (out_cap < mcim_cose_sign1_size()),
 * MCIM_ERR_TOO_LARGE (TBS bound), MCIM_ERR_INVALID_ARG (x5chain_n too large), and
 * the signer's own errors.
 */
mcim_err mcim_cose_sign1_sign(const struct mcim_p256_priv *key, const uint8_t *payload,
			      size_t payload_len, const struct mcim_cose_sign1_opts *opts,
			      uint8_t *out, size_t out_cap, size_t *out_len);

/*
 * Verifies the COSE_Sign1 in buf[0..len) (nothing may follow it) against pub and
 * external_aad (NULL, 0 for none) and on MCIM_OK fills *msg with spans of buf.
 * MCIM_ERR_BAD_SIGNATURE when the signature does not verify; the parse errors above
 * otherwise. *msg is written only on success.
 */
mcim_err mcim_cose_sign1_verify(const uint8_t *buf, size_t len,
				const uint8_t *external_aad, size_t external_aad_len,
				const struct mcim_p256_pub *pub,
				struct mcim_cose_sign1 *msg)
    __attribute__((warn_unused_result));

/*
 * As mcim_cose_sign1_verify() with a key imported once (mcim_p256_verifier_init),
 * for receivers that verify many objects from one signer (a CA, the DPF).
 */
mcim_err mcim_cose_sign1_verify_with(const uint8_t *buf, size_t len,
				     const uint8_t *external_aad, size_t external_aad_len,
				     const struct mcim_p256_verifier *verifier,
				     struct mcim_cose_sign1 *msg)
    __attribute__((warn_unused_result));

/*
 * Verifies a COSE_Sign1 signed by the leaf of its own x5chain: the chain to root under
 * policy (mcim_cert_verify_chain: role, operator id, validity, revocation), then the
 * signature with the leaf's key. A last certificate equal to root is the root itself,
 * which a signer may include; it is not an intermediate. No x5chain:
 * MCIM_ERR_BAD_CERT. *leaf receives the signer's certificate information.
 */
mcim_err
mcim_cose_sign1_verify_x5chain(const uint8_t *buf, size_t len, const uint8_t *root,
			       size_t root_len, const struct mcim_cert_policy *policy,
			       struct mcim_cose_sign1 *msg, struct mcim_cert_info *leaf)
    __attribute__((warn_unused_result));

/*
 * UNAUTHENTICATED: parses the COSE_Sign1 as mcim_cose_sign1_verify() does, without
 * checking the signature, so that a receiver can pick the key (kid, x5chain) or
 * route the message. Nothing it returns may be trusted until verify succeeds.
 */
mcim_err mcim_cose_sign1_peek(const uint8_t *buf, size_t len,
			      struct mcim_cose_sign1 *msg);

/* The encoded size of a COSE_Encrypt0 of pt_len octets of plaintext. */
size_t mcim_cose_encrypt0_size(size_t pt_len);

/*
 * Encrypts pt with A256GCM under key with a fresh IV from rng, and writes the
 * tagged COSE_Encrypt0 to out. Errors: MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_TOO_LARGE
 * (external_aad above the TBS bound), MCIM_ERR_RANDOM, the AEAD's errors.
 */
mcim_err mcim_cose_encrypt0(const uint8_t key[MCIM_AEAD_KEY_LEN],
			    const struct mcim_rng *rng, const uint8_t *pt, size_t pt_len,
			    const uint8_t *external_aad, size_t external_aad_len,
			    uint8_t *out, size_t out_cap, size_t *out_len);

/*
 * As mcim_cose_encrypt0() with the IV given: for protocols that derive IVs (one key,
 * a counter) and for known-answer tests. An IV must never repeat under one key.
 */
mcim_err mcim_cose_encrypt0_iv(const uint8_t key[MCIM_AEAD_KEY_LEN],
			       const uint8_t iv[MCIM_AEAD_NONCE_LEN], const uint8_t *pt,
			       size_t pt_len, const uint8_t *external_aad,
			       size_t external_aad_len, uint8_t *out, size_t out_cap,
			       size_t *out_len);

/*
 * Decrypts the COSE_Encrypt0 in buf[0..len) (nothing may follow it) into pt.
 * MCIM_ERR_BUFFER_TOO_SMALL when pt_cap is below the plaintext length (which is the
 * ciphertext length minus MCIM_AEAD_TAG_LEN); MCIM_ERR_DECRYPT when the tag does not
 * verify (pt untouched); the parse errors above otherwise.
 */
mcim_err mcim_cose_decrypt0(const uint8_t key[MCIM_AEAD_KEY_LEN], const uint8_t *buf,
			    size_t len, const uint8_t *external_aad,
			    size_t external_aad_len, uint8_t *pt, size_t pt_cap,
			    size_t *pt_len) __attribute__((warn_unused_result));

#endif
