/*
 * The DER reader and writer behind certificates, ECDSA signature conversion and
 * PKCS#8 keys (crypto/der.h). The reader is strict, so that one certificate has
 * exactly one encoding and what is signed is what was parsed; the writer produces
 * only the forms the reader accepts.
 */
#include "crypto/der.h"

#include <string.h>

#include "core/check.h"

/* Lengths above this are refused: nothing here comes near it. */
#define DER_LEN_OCTETS_MAX 3

int crypto_der_peek(const struct crypto_der *d)
{
	MCIM_ASSERT(d != NULL);
	return d->len == 0 ? -1 : d->p[0];
}

mcim_err crypto_der_get_any(struct crypto_der *d, uint8_t *tag,
			    struct crypto_der *content, struct crypto_der *whole)
{
	size_t hdr = 2, len;

	MCIM_ASSERT(d != NULL && tag != NULL && content != NULL);
	if (d->len < 2)
		return MCIM_ERR_TRUNCATED;
	if ((d->p[0] & 0x1f) == 0x1f)
		return MCIM_ERR_PARSE;
	len = d->p[1];
	if (len >= 0x80) {
		size_t n = len & 0x7f;

		/* 0x80 is BER's indefinite length; DER needs the fewest octets. */
		if (n == 0 || n > DER_LEN_OCTETS_MAX)
			return MCIM_ERR_PARSE;
		if (d->len - 2 < n)
			return MCIM_ERR_TRUNCATED;
		if (d->p[2] == 0)
			return MCIM_ERR_PARSE;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = len << 8 | d->p[2 + i];
		if (len < 0x80)
			return MCIM_ERR_PARSE;
		hdr += n;
	}
	if (d->len - hdr < len)
		return MCIM_ERR_TRUNCATED;
	*tag = d->p[0];
	content->p = d->p + hdr;
	content->len = len;
	if (whole != NULL) {
		whole->p = d->p;
		whole->len = hdr + len;
	}
	d->p += hdr + len;
	d->len -= hdr + len;
	return MCIM_OK;
}

mcim_err crypto_der_get(struct crypto_der *d, uint8_t tag, struct crypto_der *content)
{
	struct crypto_der copy = *d;
	uint8_t got;
	mcim_err err = crypto_der_get_any(&copy, &got, content, NULL);

	if (err != MCIM_OK)
		return err;
	if (got != tag)
		return MCIM_ERR_PARSE;
	*d = copy;
	return MCIM_OK;
}

static mcim_err get_nonneg(struct crypto_der *d, uint8_t tag, struct crypto_der *mag)
{
	struct crypto_der copy = *d, c;
	mcim_err err = crypto_der_get(&copy, tag, &c);

	if (err != MCIM_OK)
		return err;
	if (c.len == 0 || (c.p[0] & 0x80) != 0)
		return MCIM_ERR_PARSE;
	/* A leading zero is allowed only to keep the next octet's top bit positive. */
	if (c.len > 1 && c.p[0] == 0 && (c.p[1] & 0x80) == 0)
		return MCIM_ERR_PARSE;
	if (c.p[0] == 0) {
		c.p++;
		c.len--;
	}
	*mag = c;
	*d = copy;
	return MCIM_OK;
}

mcim_err crypto_der_get_uint(struct crypto_der *d, struct crypto_der *mag)
{
	return get_nonneg(d, CRYPTO_DER_INTEGER, mag);
}

mcim_err crypto_der_get_small(struct crypto_der *d, uint8_t tag, unsigned long max,
			      unsigned long *v)
{
	struct crypto_der copy = *d, mag;
	unsigned long value = 0;
	mcim_err err = get_nonneg(&copy, tag, &mag);

	if (err != MCIM_OK)
		return err;
	if (mag.len > sizeof(value))
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < mag.len; i++)
		value = value << 8 | mag.p[i];
	if (value > max)
		return MCIM_ERR_PARSE;
	*v = value;
	*d = copy;
	return MCIM_OK;
}

mcim_err crypto_der_get_ecdsa_sig(struct crypto_der *d, uint8_t rs[MCIM_P256_SIG_LEN])
{
	const size_t half = MCIM_P256_SIG_LEN / 2;
	struct crypto_der copy = *d, seq, mag[2];
	mcim_err err = crypto_der_get(&copy, CRYPTO_DER_SEQUENCE, &seq);

	for (size_t i = 0; err == MCIM_OK && i < 2; i++) {
		err = crypto_der_get_uint(&seq, &mag[i]);
		if (err == MCIM_OK && mag[i].len > half)
			err = MCIM_ERR_PARSE;
	}
	if (err != MCIM_OK)
		return err;
	if (seq.len != 0)
		return MCIM_ERR_PARSE;
	memset(rs, 0, MCIM_P256_SIG_LEN);
	for (size_t i = 0; i < 2; i++)
		if (mag[i].len != 0)
			memcpy(rs + half * (i + 1) - mag[i].len, mag[i].p, mag[i].len);
	*d = copy;
	return MCIM_OK;
}

int crypto_der_equal(const struct crypto_der *d, const uint8_t *p, size_t len)
{
	return d->len == len && (len == 0 || memcmp(d->p, p, len) == 0);
}

mcim_err crypto_der_expect_oid(struct crypto_der *d, const uint8_t *oid, size_t oid_len)
{
	struct crypto_der copy = *d, c;
	mcim_err err = crypto_der_get(&copy, CRYPTO_DER_OID, &c);

	if (err != MCIM_OK)
		return err;
	if (!crypto_der_equal(&c, oid, oid_len))
		return MCIM_ERR_PARSE;
	*d = copy;
	return MCIM_OK;
}

void crypto_der_w_init(struct crypto_der_w *w, uint8_t *buf, size_t cap)
{
	MCIM_ASSERT(w != NULL && (buf != NULL || cap == 0));
	w->buf = buf;
	w->cap = cap;
	w->pos = cap;
	w->overflow = 0;
}

size_t crypto_der_w_len(const struct crypto_der_w *w)
{
	return w->cap - w->pos;
}

void crypto_der_w_raw(struct crypto_der_w *w, const void *p, size_t len)
{
	MCIM_ASSERT(p != NULL || len == 0);
	if (w->overflow || len > w->pos) {
		w->overflow = 1;
		return;
	}
	w->pos -= len;
	if (len != 0)
		memcpy(w->buf + w->pos, p, len);
}

static void put_header(struct crypto_der_w *w, uint8_t tag, size_t len)
{
	uint8_t hdr[2 + sizeof(size_t)];
	size_t n = 0;

	if (len < 0x80) {
		hdr[0] = tag;
		hdr[1] = (uint8_t)len;
		crypto_der_w_raw(w, hdr, 2);
		return;
	}
	for (size_t v = len; v != 0; v >>= 8)
		n++;
	hdr[0] = tag;
	hdr[1] = (uint8_t)(0x80 | n);
	for (size_t i = 0; i < n; i++)
		hdr[2 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	crypto_der_w_raw(w, hdr, 2 + n);
}

void crypto_der_w_wrap(struct crypto_der_w *w, uint8_t tag, size_t mark)
{
	MCIM_ASSERT(mark <= crypto_der_w_len(w) || w->overflow);
	if (w->overflow)
		return;
	put_header(w, tag, crypto_der_w_len(w) - mark);
}

void crypto_der_w_prim(struct crypto_der_w *w, uint8_t tag, const void *p, size_t len)
{
	crypto_der_w_raw(w, p, len);
	if (!w->overflow)
		put_header(w, tag, len);
}

void crypto_der_w_uint(struct crypto_der_w *w, uint8_t tag, const uint8_t *mag,
		       size_t len)
{
	static const uint8_t zero = 0;
	size_t mark = crypto_der_w_len(w);

	MCIM_ASSERT(mag != NULL || len == 0);
	while (len != 0 && mag[0] == 0) {
		mag++;
		len--;
	}
	crypto_der_w_raw(w, mag, len);
	if (len == 0 || (mag[0] & 0x80) != 0)
		crypto_der_w_raw(w, &zero, 1);
	crypto_der_w_wrap(w, tag, mark);
}

void crypto_der_w_small(struct crypto_der_w *w, uint8_t tag, unsigned long v)
{
	uint8_t be[sizeof(v)];

	for (size_t i = 0; i < sizeof(be); i++)
		be[i] = (uint8_t)(v >> (8 * (sizeof(be) - 1 - i)));
	crypto_der_w_uint(w, tag, be, sizeof(be));
}

void crypto_der_w_ecdsa_sig(struct crypto_der_w *w, const uint8_t rs[MCIM_P256_SIG_LEN])
{
	size_t mark = crypto_der_w_len(w);

	crypto_der_w_uint(w, CRYPTO_DER_INTEGER, rs + MCIM_P256_SIG_LEN / 2,
			  MCIM_P256_SIG_LEN / 2);
	crypto_der_w_uint(w, CRYPTO_DER_INTEGER, rs, MCIM_P256_SIG_LEN / 2);
	crypto_der_w_wrap(w, CRYPTO_DER_SEQUENCE, mark);
}

mcim_err crypto_der_w_done(const struct crypto_der_w *w, const uint8_t **out,
			   size_t *out_len)
{
	if (w->overflow)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	*out = w->buf + w->pos;
	*out_len = w->cap - w->pos;
	return MCIM_OK;
}
