/*
 * COSE_Sign1 (ES256) and COSE_Encrypt0 (A256GCM) in openmcim's profile (see
 * mcim/cose.h), on top of the deterministic CBOR reader and writer.
 *
 * Both objects are parsed by one header parser that knows the few labels the
 * profile interprets and refuses everything an attacker could slip into the
 * unsigned bucket. The to-be-signed and AAD structures are assembled in a
 * per-thread buffer because the crypto interface takes one contiguous message; it
 * is wiped after each use. Signing checks the output size before doing any work,
 * so a short buffer costs no ECDSA and leaves the buffer untouched.
 */
#include "mcim/cose.h"

#include <stdbool.h>
#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"

static const char sig_context[] = "Signature1";
static const char enc_context[] = "Encrypt0";

/* {1: 3}: the only protected header an Encrypt0 of ours carries. */
static const uint8_t enc_protected[] = {0xa1, 0x01, 0x03};

static _Thread_local uint8_t tbs_buf[MCIM_COSE_TBS_MAX];

/* Octets of a CBOR head whose argument is v. */
static size_t head_len(size_t v)
{
	if (v < 24)
		return 1;
	if (v <= 0xff)
		return 2;
	if (v <= 0xffff)
		return 3;
	if ((uint64_t)v <= 0xffffffffu)
		return 5;
	return 9;
}

static size_t bstr_len(size_t len)
{
	return head_len(len) + len;
}

/* ---- headers ---- */

struct hdrs {
	bool has_alg;
	int64_t alg;
	const uint8_t *kid; /* protected kid only */
	size_t kid_len;
	const uint8_t *iv;
	size_t iv_len;
	struct mcim_iov x5chain[MCIM_COSE_X5CHAIN_MAX];
	size_t x5chain_n;
	uint64_t seen; /* integer labels 0..63 met in the protected header */
};

static mcim_err read_x5chain(struct mcim_cbor_reader *r, struct hdrs *h)
{
	enum mcim_cbor_type type;
	size_t n;
	mcim_err err = mcim_cbor_peek(r, &type);

	if (err != MCIM_OK)
		return err;
	if (type == MCIM_CBOR_BSTR) {
		n = 1;
	} else {
		err = mcim_cbor_read_array(r, &n);
		if (err != MCIM_OK)
			return err;
		/* RFC 9360: a single certificate is a bare bstr, never an array. */
		if (n < 2)
			return MCIM_ERR_PARSE;
		if (n > MCIM_COSE_X5CHAIN_MAX)
			return MCIM_ERR_TOO_LARGE;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *cert;
		size_t cert_len;

		err = mcim_cbor_read_bstr(r, &cert, &cert_len);
		if (err != MCIM_OK)
			return err;
		if (cert_len == 0)
			return MCIM_ERR_PARSE;
		h->x5chain[i].data = cert;
		h->x5chain[i].len = cert_len;
	}
	h->x5chain_n = n;
	return MCIM_OK;
}

static mcim_err read_label(struct mcim_cbor_reader *r, bool prot, int64_t label,
			   struct hdrs *h)
{
	enum mcim_cbor_type type;
	mcim_err err;

	if (label >= 0 && label < 64) {
		uint64_t bit = (uint64_t)1 << label;

		if (prot)
			h->seen |= bit;
		else if (h->seen & bit)
			return MCIM_ERR_PARSE;
	}
	switch (label) {
	case MCIM_COSE_HDR_ALG:
		if (!prot)
			return MCIM_ERR_PARSE;
		err = mcim_cbor_peek(r, &type);
		if (err != MCIM_OK)
			return err;
		if (type != MCIM_CBOR_UINT && type != MCIM_CBOR_NINT)
			return MCIM_ERR_UNSUPPORTED; /* a name, or worse: not ES256 */
		err = mcim_cbor_read_int(r, &h->alg);
		if (err == MCIM_ERR_TOO_LARGE)
			return MCIM_ERR_UNSUPPORTED;
		h->has_alg = err == MCIM_OK;
		return err;
	case MCIM_COSE_HDR_CRIT:
	case MCIM_COSE_HDR_PIV:
		return MCIM_ERR_UNSUPPORTED;
	case MCIM_COSE_HDR_KID: {
		const uint8_t *kid;
		size_t kid_len;

		err = mcim_cbor_read_bstr(r, &kid, &kid_len);
		if (err == MCIM_OK && prot) {
			h->kid = kid;
			h->kid_len = kid_len;
		}
		return err;
	}
	case MCIM_COSE_HDR_IV:
		return mcim_cbor_read_bstr(r, &h->iv, &h->iv_len);
	case MCIM_COSE_HDR_X5CHAIN:
		return read_x5chain(r, h);
	default:
		return prot ? mcim_cbor_skip(r) : MCIM_ERR_PARSE;
	}
}

/* One header map at the cursor: the protected one (prot) or the unprotected one. */
static mcim_err read_hdr_map(struct mcim_cbor_reader *r, bool prot, struct hdrs *h)
{
	struct mcim_cbor_map m;
	mcim_err err = mcim_cbor_map_open(r, &m);

	while (err == MCIM_OK && mcim_cbor_map_more(&m)) {
		enum mcim_cbor_type type;
		int64_t label;

		err = mcim_cbor_peek(r, &type);
		if (err != MCIM_OK)
			break;
		if (type == MCIM_CBOR_UINT || type == MCIM_CBOR_NINT) {
			err = mcim_cbor_map_key_int(r, &m, &label);
			if (err == MCIM_OK)
				err = read_label(r, prot, label, h);
		} else if (prot && type == MCIM_CBOR_TSTR) {
			/* RFC 9052 labels are integers or text; no text label is ours. */
			err = mcim_cbor_map_key_item(r, &m, NULL, NULL);
			if (err == MCIM_OK)
				err = mcim_cbor_skip(r);
		} else {
			err = MCIM_ERR_PARSE;
		}
	}
	return err;
}

/* The protected header: a bstr wrapping one map, with the algorithm in it. */
static mcim_err read_protected(struct mcim_cbor_reader *r, const uint8_t **prot,
			       size_t *prot_len, struct hdrs *h)
{
	struct mcim_cbor_reader inner;
	mcim_err err = mcim_cbor_read_bstr(r, prot, prot_len);

	if (err != MCIM_OK)
		return err;
	mcim_cbor_reader_init(&inner, *prot, *prot_len);
	err = read_hdr_map(&inner, true, h);
	/* The bstr is complete, so content that ends early is malformed. */
	if (err == MCIM_ERR_TRUNCATED)
		return MCIM_ERR_PARSE;
	if (err != MCIM_OK)
		return err;
	if (mcim_cbor_remaining(&inner) != 0)
		return MCIM_ERR_PARSE;
	return MCIM_OK;
}

/* The tag and array head of a COSE object: tag(expected_tag) [count items]. */
static mcim_err read_envelope(struct mcim_cbor_reader *r, uint64_t expected_tag,
			      size_t count)
{
	uint64_t tag;
	size_t n;
	mcim_err err = mcim_cbor_read_tag(r, &tag);

	if (err != MCIM_OK)
		return err;
	if (tag != expected_tag)
		return MCIM_ERR_PARSE;
	err = mcim_cbor_read_array(r, &n);
	if (err != MCIM_OK)
		return err;
	return n == count ? MCIM_OK : MCIM_ERR_PARSE;
}

/* ---- COSE_Sign1 ---- */

struct sign1_parts {
	const uint8_t *prot;
	size_t prot_len;
	const uint8_t *sig;
	struct mcim_cose_sign1 msg;
};

static mcim_err sign1_parse(const uint8_t *buf, size_t len, struct sign1_parts *p)
{
	struct mcim_cbor_reader r;
	struct hdrs h;
	size_t sig_len;
	mcim_err err;

	memset(&h, 0, sizeof(h));
	mcim_cbor_reader_init(&r, buf, len);
	err = read_envelope(&r, MCIM_COSE_TAG_SIGN1, 4);
	if (err == MCIM_OK)
		err = read_protected(&r, &p->prot, &p->prot_len, &h);
	if (err == MCIM_OK)
		err = read_hdr_map(&r, false, &h);
	if (err == MCIM_OK)
		err = mcim_cbor_read_bstr(&r, &p->msg.payload, &p->msg.payload_len);
	if (err == MCIM_OK)
		err = mcim_cbor_read_bstr(&r, &p->sig, &sig_len);
	if (err != MCIM_OK)
		return err;
	if (!h.has_alg || h.iv != NULL || sig_len != MCIM_P256_SIG_LEN ||
	    mcim_cbor_remaining(&r) != 0)
		return MCIM_ERR_PARSE;
	if (h.alg != MCIM_COSE_ALG_ES256)
		return MCIM_ERR_UNSUPPORTED;
	p->msg.kid = h.kid;
	p->msg.kid_len = h.kid_len;
	memcpy(p->msg.x5chain, h.x5chain, sizeof(h.x5chain));
	p->msg.x5chain_n = h.x5chain_n;
	return MCIM_OK;
}

/* Sig_structure = ["Signature1", protected, external_aad, payload] (RFC 9052 4.4). */
static mcim_err sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *aad,
			      size_t aad_len, const uint8_t *payload, size_t payload_len,
			      size_t *tbs_len)
{
	struct mcim_cbor_writer w;

	mcim_cbor_writer_init(&w, tbs_buf, sizeof(tbs_buf));
	mcim_cbor_put_array(&w, 4);
	mcim_cbor_put_tstr(&w, sig_context, sizeof(sig_context) - 1);
	mcim_cbor_put_bstr(&w, prot, prot_len);
	mcim_cbor_put_bstr(&w, aad, aad_len);
	mcim_cbor_put_bstr(&w, payload, payload_len);
	return mcim_cbor_writer_finish(&w, tbs_len) == MCIM_OK ? MCIM_OK
							       : MCIM_ERR_TOO_LARGE;
}

static size_t sign1_protected_len(const struct mcim_cose_sign1_opts *o)
{
	/* {1: -7} is 3 octets; a kid adds its key and bstr. */
	return o->kid_len > 0 ? 3 + 1 + bstr_len(o->kid_len) : 3;
}

static void put_sign1_protected(struct mcim_cbor_writer *w,
				const struct mcim_cose_sign1_opts *o)
{
	mcim_cbor_put_map(w, o->kid_len > 0 ? 2 : 1);
	mcim_cbor_put_int(w, MCIM_COSE_HDR_ALG);
	mcim_cbor_put_int(w, MCIM_COSE_ALG_ES256);
	if (o->kid_len > 0) {
		mcim_cbor_put_int(w, MCIM_COSE_HDR_KID);
		mcim_cbor_put_bstr(w, o->kid, o->kid_len);
	}
}

static size_t sign1_unprotected_len(const struct mcim_cose_sign1_opts *o)
{
	size_t n = 1;

	if (o->x5chain_n == 0)
		return n;
	n += 2; /* the label 33 */
	if (o->x5chain_n > 1)
		n += head_len(o->x5chain_n);
	for (size_t i = 0; i < o->x5chain_n; i++)
		n += bstr_len(o->x5chain[i].len);
	return n;
}

static void put_sign1_unprotected(struct mcim_cbor_writer *w,
				  const struct mcim_cose_sign1_opts *o)
{
	if (o->x5chain_n == 0) {
		mcim_cbor_put_map(w, 0);
		return;
	}
	mcim_cbor_put_map(w, 1);
	mcim_cbor_put_int(w, MCIM_COSE_HDR_X5CHAIN);
	if (o->x5chain_n > 1)
		mcim_cbor_put_array(w, o->x5chain_n);
	for (size_t i = 0; i < o->x5chain_n; i++)
		mcim_cbor_put_bstr(w, o->x5chain[i].data, o->x5chain[i].len);
}

size_t mcim_cose_sign1_size(size_t payload_len, const struct mcim_cose_sign1_opts *opts)
{
	static const struct mcim_cose_sign1_opts none;
	const struct mcim_cose_sign1_opts *o = opts != NULL ? opts : &none;

	return 2 + bstr_len(sign1_protected_len(o)) + sign1_unprotected_len(o) +
	       bstr_len(payload_len) + bstr_len(MCIM_P256_SIG_LEN);
}

mcim_err mcim_cose_sign1_sign(const struct mcim_p256_priv *key, const uint8_t *payload,
			      size_t payload_len, const struct mcim_cose_sign1_opts *opts,
			      uint8_t *out, size_t out_cap, size_t *out_len)
{
	static const struct mcim_cose_sign1_opts none;
	const struct mcim_cose_sign1_opts *o = opts != NULL ? opts : &none;
	struct mcim_cbor_writer w;
	uint8_t sig[MCIM_P256_SIG_LEN];
	uint8_t *prot;
	size_t prot_len, tbs_len;
	mcim_err err;

	MCIM_ASSERT(key != NULL && out_len != NULL);
	MCIM_ASSERT(payload != NULL || payload_len == 0);
	MCIM_ASSERT(out != NULL || out_cap == 0);
	MCIM_ASSERT(o->external_aad != NULL || o->external_aad_len == 0);
	MCIM_ASSERT(o->kid != NULL || o->kid_len == 0);
	MCIM_ASSERT(o->x5chain != NULL || o->x5chain_n == 0);
	if (o->x5chain_n > MCIM_COSE_X5CHAIN_MAX)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < o->x5chain_n; i++)
		if (o->x5chain[i].data == NULL || o->x5chain[i].len == 0)
			return MCIM_ERR_INVALID_ARG;
	if (payload_len > MCIM_COSE_TBS_MAX || o->external_aad_len > MCIM_COSE_TBS_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (out_cap < mcim_cose_sign1_size(payload_len, o))
		return MCIM_ERR_BUFFER_TOO_SMALL;

	/* The Sig_structure first, with the protected header built inside it. */
	prot_len = sign1_protected_len(o);
	mcim_cbor_writer_init(&w, tbs_buf, sizeof(tbs_buf));
	mcim_cbor_put_array(&w, 4);
	mcim_cbor_put_tstr(&w, sig_context, sizeof(sig_context) - 1);
	prot = mcim_cbor_put_bstr_reserve(&w, prot_len);
	mcim_cbor_put_bstr(&w, o->external_aad, o->external_aad_len);
	mcim_cbor_put_bstr(&w, payload, payload_len);
	if (mcim_cbor_writer_finish(&w, &tbs_len) != MCIM_OK) {
		mcim_wipe(tbs_buf, w.len);
		return MCIM_ERR_TOO_LARGE;
	}
	/* prot_len was computed for exactly this header, so it fills the room. */
	mcim_cbor_writer_init(&w, prot, prot_len);
	put_sign1_protected(&w, o);
	MCIM_ASSERT(w.err == MCIM_OK && w.len == prot_len);
	err = mcim_p256_sign(key, tbs_buf, tbs_len, sig);
	if (err == MCIM_OK) {
		mcim_cbor_writer_init(&w, out, out_cap);
		mcim_cbor_put_tag(&w, MCIM_COSE_TAG_SIGN1);
		mcim_cbor_put_array(&w, 4);
		mcim_cbor_put_bstr(&w, prot, prot_len);
		put_sign1_unprotected(&w, o);
		mcim_cbor_put_bstr(&w, payload, payload_len);
		mcim_cbor_put_bstr(&w, sig, sizeof(sig));
		err = mcim_cbor_writer_finish(&w, out_len);
	}
	mcim_wipe(tbs_buf, tbs_len);
	return err;
}

mcim_err mcim_cose_sign1_peek(const uint8_t *buf, size_t len, struct mcim_cose_sign1 *msg)
{
	struct sign1_parts p;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(msg != NULL);
	err = sign1_parse(buf, len, &p);
	if (err == MCIM_OK)
		*msg = p.msg;
	return err;
}

/* Verification with either a raw public key or an imported one. */
static mcim_err sign1_verify(const uint8_t *buf, size_t len, const uint8_t *external_aad,
			     size_t external_aad_len, const struct mcim_p256_pub *pub,
			     const struct mcim_p256_verifier *verifier,
			     struct mcim_cose_sign1 *msg)
{
	struct sign1_parts p;
	size_t tbs_len = 0;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(external_aad != NULL || external_aad_len == 0);
	MCIM_ASSERT(msg != NULL);
	err = sign1_parse(buf, len, &p);
	if (err == MCIM_OK)
		err = sig_structure(p.prot, p.prot_len, external_aad, external_aad_len,
				    p.msg.payload, p.msg.payload_len, &tbs_len);
	if (err == MCIM_OK)
		err = pub != NULL
			  ? mcim_p256_verify(pub, tbs_buf, tbs_len, p.sig)
			  : mcim_p256_verifier_verify(verifier, tbs_buf, tbs_len, p.sig);
	mcim_wipe(tbs_buf, tbs_len);
	if (err == MCIM_OK)
		*msg = p.msg;
	return err;
}

mcim_err mcim_cose_sign1_verify(const uint8_t *buf, size_t len,
				const uint8_t *external_aad, size_t external_aad_len,
				const struct mcim_p256_pub *pub,
				struct mcim_cose_sign1 *msg)
{
	MCIM_ASSERT(pub != NULL);
	return sign1_verify(buf, len, external_aad, external_aad_len, pub, NULL, msg);
}

mcim_err mcim_cose_sign1_verify_with(const uint8_t *buf, size_t len,
				     const uint8_t *external_aad, size_t external_aad_len,
				     const struct mcim_p256_verifier *verifier,
				     struct mcim_cose_sign1 *msg)
{
	MCIM_ASSERT(verifier != NULL);
	return sign1_verify(buf, len, external_aad, external_aad_len, NULL, verifier,
			    msg);
}

/* ---- COSE_Encrypt0 ---- */

/* Enc_structure = ["Encrypt0", protected, external_aad] (RFC 9052 5.3). */
static mcim_err enc_structure(const uint8_t *prot, size_t prot_len, const uint8_t *aad,
			      size_t aad_len, size_t *tbs_len)
{
	struct mcim_cbor_writer w;

	mcim_cbor_writer_init(&w, tbs_buf, sizeof(tbs_buf));
	mcim_cbor_put_array(&w, 3);
	mcim_cbor_put_tstr(&w, enc_context, sizeof(enc_context) - 1);
	mcim_cbor_put_bstr(&w, prot, prot_len);
	mcim_cbor_put_bstr(&w, aad, aad_len);
	return mcim_cbor_writer_finish(&w, tbs_len) == MCIM_OK ? MCIM_OK
							       : MCIM_ERR_TOO_LARGE;
}

size_t mcim_cose_encrypt0_size(size_t pt_len)
{
	/* tag and array head, bstr {1: 3}, {5: bstr IV} (map head and label), bstr ct */
	return 2 + bstr_len(sizeof(enc_protected)) + 2 + bstr_len(MCIM_AEAD_NONCE_LEN) +
	       bstr_len(pt_len + MCIM_AEAD_TAG_LEN);
}

mcim_err mcim_cose_encrypt0_iv(const uint8_t key[MCIM_AEAD_KEY_LEN],
			       const uint8_t iv[MCIM_AEAD_NONCE_LEN], const uint8_t *pt,
			       size_t pt_len, const uint8_t *external_aad,
			       size_t external_aad_len, uint8_t *out, size_t out_cap,
			       size_t *out_len)
{
	struct mcim_cbor_writer w;
	uint8_t *ct = NULL;
	size_t tbs_len = 0;
	mcim_err err;

	MCIM_ASSERT(key != NULL && iv != NULL && out_len != NULL);
	MCIM_ASSERT(pt != NULL || pt_len == 0);
	MCIM_ASSERT(external_aad != NULL || external_aad_len == 0);
	MCIM_ASSERT(out != NULL || out_cap == 0);
	if (pt_len > SIZE_MAX - 64 || out_cap < mcim_cose_encrypt0_size(pt_len))
		return MCIM_ERR_BUFFER_TOO_SMALL;
	err = enc_structure(enc_protected, sizeof(enc_protected), external_aad,
			    external_aad_len, &tbs_len);
	if (err == MCIM_OK) {
		mcim_cbor_writer_init(&w, out, out_cap);
		mcim_cbor_put_tag(&w, MCIM_COSE_TAG_ENCRYPT0);
		mcim_cbor_put_array(&w, 3);
		mcim_cbor_put_bstr(&w, enc_protected, sizeof(enc_protected));
		mcim_cbor_put_map(&w, 1);
		mcim_cbor_put_int(&w, MCIM_COSE_HDR_IV);
		mcim_cbor_put_bstr(&w, iv, MCIM_AEAD_NONCE_LEN);
		ct = mcim_cbor_put_bstr_reserve(&w, pt_len + MCIM_AEAD_TAG_LEN);
		err = mcim_cbor_writer_finish(&w, out_len);
	}
	if (err == MCIM_OK)
		err = mcim_aead_seal(key, iv, tbs_buf, tbs_len, pt, pt_len, ct);
	mcim_wipe(tbs_buf, tbs_len);
	return err;
}

mcim_err mcim_cose_encrypt0(const uint8_t key[MCIM_AEAD_KEY_LEN],
			    const struct mcim_rng *rng, const uint8_t *pt, size_t pt_len,
			    const uint8_t *external_aad, size_t external_aad_len,
			    uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t iv[MCIM_AEAD_NONCE_LEN];
	mcim_err err;

	MCIM_ASSERT(rng != NULL);
	err = mcim_rng_fill(rng, iv, sizeof(iv));
	if (err != MCIM_OK)
		return err;
	return mcim_cose_encrypt0_iv(key, iv, pt, pt_len, external_aad, external_aad_len,
				     out, out_cap, out_len);
}

mcim_err mcim_cose_decrypt0(const uint8_t key[MCIM_AEAD_KEY_LEN], const uint8_t *buf,
			    size_t len, const uint8_t *external_aad,
			    size_t external_aad_len, uint8_t *pt, size_t pt_cap,
			    size_t *pt_len)
{
	struct mcim_cbor_reader r;
	struct hdrs h;
	const uint8_t *prot, *ct;
	size_t prot_len, ct_len, tbs_len = 0;
	mcim_err err;

	MCIM_ASSERT(key != NULL && pt_len != NULL);
	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(external_aad != NULL || external_aad_len == 0);
	MCIM_ASSERT(pt != NULL || pt_cap == 0);
	memset(&h, 0, sizeof(h));
	mcim_cbor_reader_init(&r, buf, len);
	err = read_envelope(&r, MCIM_COSE_TAG_ENCRYPT0, 3);
	if (err == MCIM_OK)
		err = read_protected(&r, &prot, &prot_len, &h);
	if (err == MCIM_OK)
		err = read_hdr_map(&r, false, &h);
	if (err == MCIM_OK)
		err = mcim_cbor_read_bstr(&r, &ct, &ct_len);
	if (err != MCIM_OK)
		return err;
	if (!h.has_alg || h.x5chain_n != 0 || mcim_cbor_remaining(&r) != 0)
		return MCIM_ERR_PARSE;
	if (h.alg != MCIM_COSE_ALG_A256GCM)
		return MCIM_ERR_UNSUPPORTED;
	if (h.iv == NULL || h.iv_len != MCIM_AEAD_NONCE_LEN)
		return MCIM_ERR_PARSE;
	if (ct_len < MCIM_AEAD_TAG_LEN)
		return MCIM_ERR_DECRYPT;
	if (pt_cap < ct_len - MCIM_AEAD_TAG_LEN)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	err = enc_structure(prot, prot_len, external_aad, external_aad_len, &tbs_len);
	if (err == MCIM_OK)
		err = mcim_aead_open(key, h.iv, tbs_buf, tbs_len, ct, ct_len, pt);
	mcim_wipe(tbs_buf, tbs_len);
	if (err == MCIM_OK)
		*pt_len = ct_len - MCIM_AEAD_TAG_LEN;
	return err;
}

mcim_err mcim_cose_sign1_verify_x5chain(const uint8_t *buf, size_t len,
					const uint8_t *root, size_t root_len,
					const struct mcim_cert_policy *policy,
					struct mcim_cose_sign1 *msg,
					struct mcim_cert_info *leaf)
{
	struct mcim_cose_sign1 peeked;
	struct mcim_p256_pub pub;
	size_t n;
	mcim_err err;

	MCIM_ASSERT(root != NULL && policy != NULL && msg != NULL && leaf != NULL);
	err = mcim_cose_sign1_peek(buf, len, &peeked);
	if (err != MCIM_OK)
		return err;
	if (peeked.x5chain_n == 0)
		return MCIM_ERR_BAD_CERT;
	n = peeked.x5chain_n;
	if (n > 1 && peeked.x5chain[n - 1].len == root_len &&
	    memcmp(peeked.x5chain[n - 1].data, root, root_len) == 0)
		n--;
	err = mcim_cert_verify_chain(peeked.x5chain[0].data, peeked.x5chain[0].len,
				     &peeked.x5chain[1], n - 1, root, root_len, policy,
				     leaf, &pub);
	if (err != MCIM_OK)
		return err;
	return mcim_cose_sign1_verify(buf, len, NULL, 0, &pub, msg);
}
