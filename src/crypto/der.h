/*
 * Internal: the subset of ASN.1 DER (X.690) that certificates, ECDSA signatures and
 * PKCS#8 keys need.
 *
 * Reading: a struct crypto_der is a view (p, len) into the caller's buffer. Each
 * crypto_der_get* takes one element off its front and advances it only on success;
 * nothing reads past len. Only DER is accepted: one-octet tags (no high tag
 * numbers), definite lengths in the fewest octets, INTEGERs in the fewest octets.
 * Errors: MCIM_ERR_TRUNCATED when an element runs past the end, MCIM_ERR_PARSE for
 * anything else malformed or a tag other than the one asked for.
 *
 * Writing happens back to front (the last element first), so that each length is
 * known when its header is written: a struct crypto_der_w fills buf from its end.
 * Overflow is sticky: once an element does not fit, every later write is dropped and
 * crypto_der_w_done() reports MCIM_ERR_BUFFER_TOO_SMALL.
 */
#ifndef MCIM_CRYPTO_DER_H
#define MCIM_CRYPTO_DER_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"

enum {
	CRYPTO_DER_BOOLEAN = 0x01,
	CRYPTO_DER_INTEGER = 0x02,
	CRYPTO_DER_BIT_STRING = 0x03,
	CRYPTO_DER_OCTET_STRING = 0x04,
	CRYPTO_DER_OID = 0x06,
	CRYPTO_DER_ENUMERATED = 0x0a,
	CRYPTO_DER_UTF8_STRING = 0x0c,
	CRYPTO_DER_PRINTABLE_STRING = 0x13,
	CRYPTO_DER_UTC_TIME = 0x17,
	CRYPTO_DER_GENERALIZED_TIME = 0x18,
	CRYPTO_DER_SEQUENCE = 0x30,
	CRYPTO_DER_SET = 0x31,
};

/* A context-specific constructed tag [n]. */
#define CRYPTO_DER_CTX(n) ((uint8_t)(0xa0 | (n)))

struct crypto_der {
	const uint8_t *p;
	size_t len;
};

/* The next element's tag, or -1 when d is empty. */
int crypto_der_peek(const struct crypto_der *d);

/* Takes an element of any tag: *tag, its contents and (if whole is not NULL) the
 * whole element, header included. */
mcim_err crypto_der_get_any(struct crypto_der *d, uint8_t *tag,
			    struct crypto_der *content, struct crypto_der *whole);

/* Takes an element that must have this tag. */
mcim_err crypto_der_get(struct crypto_der *d, uint8_t tag, struct crypto_der *content);

/* A non-negative INTEGER: *mag is its value big-endian without leading zeros (length
 * 0 for the value 0). Negative values are MCIM_ERR_PARSE. */
mcim_err crypto_der_get_uint(struct crypto_der *d, struct crypto_der *mag);

/* A non-negative INTEGER (or, with tag CRYPTO_DER_ENUMERATED, an ENUMERATED) not above
 * max. */
mcim_err crypto_der_get_small(struct crypto_der *d, uint8_t tag, unsigned long max,
			      unsigned long *v);

/* An OBJECT IDENTIFIER equal to the given encoded contents; MCIM_ERR_PARSE otherwise. */
mcim_err crypto_der_expect_oid(struct crypto_der *d, const uint8_t *oid, size_t oid_len);

/* An ECDSA-Sig-Value SEQUENCE {r, s} (RFC 5480 2.2) as r||s, each left-padded to 32
 * octets; r or s longer than 32 octets is MCIM_ERR_PARSE. Their range is the
 * verifier's business. */
mcim_err crypto_der_get_ecdsa_sig(struct crypto_der *d, uint8_t rs[MCIM_P256_SIG_LEN]);

/* 1 when the view holds exactly these octets. */
int crypto_der_equal(const struct crypto_der *d, const uint8_t *p, size_t len);

struct crypto_der_w {
	uint8_t *buf;
	size_t cap;
	size_t pos; /* the written octets are buf[pos, cap) */
	int overflow;
};

void crypto_der_w_init(struct crypto_der_w *w, uint8_t *buf, size_t cap);

/* Octets written so far: take it before an element's contents, pass it to
 * crypto_der_w_wrap() after them. */
size_t crypto_der_w_len(const struct crypto_der_w *w);

/* Prepends raw octets. */
void crypto_der_w_raw(struct crypto_der_w *w, const void *p, size_t len);

/* Prepends a header (tag and length) for everything written since mark. */
void crypto_der_w_wrap(struct crypto_der_w *w, uint8_t tag, size_t mark);

/* Prepends a whole element: tag, length, contents. */
void crypto_der_w_prim(struct crypto_der_w *w, uint8_t tag, const void *p, size_t len);

/* Prepends an INTEGER (tag INTEGER or ENUMERATED) of the unsigned big-endian value
 * mag, in the fewest octets. */
void crypto_der_w_uint(struct crypto_der_w *w, uint8_t tag, const uint8_t *mag,
		       size_t len);

/* As crypto_der_w_uint for a small value. */
void crypto_der_w_small(struct crypto_der_w *w, uint8_t tag, unsigned long v);

/* Prepends the ECDSA-Sig-Value of r||s. */
void crypto_der_w_ecdsa_sig(struct crypto_der_w *w, const uint8_t rs[MCIM_P256_SIG_LEN]);

/* The written element(s): *out points into the buffer (at buf + pos).
 * MCIM_ERR_BUFFER_TOO_SMALL when anything overflowed. */
mcim_err crypto_der_w_done(const struct crypto_der_w *w, const uint8_t **out,
			   size_t *out_len);

#endif
