/*
 * What every message of the provisioning protocol shares (mcim/proto.h): the
 * table-driven codec of text-keyed maps, the signing and verification of signed
 * objects (chain, role, operator, signature), freshness, the TRE id binding of a
 * certificate, and the error response.
 *
 * The decoder walks the field table and the map's keys together: keys come in
 * strictly increasing order (the CBOR reader enforces it), the table is in the same
 * order, so one pass finds unknown keys (a key that sorts between two fields) and
 * missing ones (a required field passed over) without any lookup structure.
 */
#include "proto_int.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"

const char *const proto_status_names[MCIM_EAR_CONTRAINDICATED + 1] = {
    [MCIM_EAR_AFFIRMING] = "affirming",
    [MCIM_EAR_WARNING] = "warning",
    [MCIM_EAR_CONTRAINDICATED] = "contraindicated",
};

/* <0, 0, >0 as the encoding of text key a sorts before, with, after b's. */
static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static bool printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool is_present(const struct proto_field *f)
{
	return f->present == NULL || *f->present;
}

static mcim_err text_ok(const struct proto_field *f, const char *s, size_t len)
{
	if (len < f->min || len > f->max)
		return MCIM_ERR_INVALID_ARG;
	if (f->type == PF_DIGITS ? !digits(s, len) : !printable(s, len))
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

static mcim_err err_from_name(const char *s, size_t len, mcim_err *out)
{
	for (int i = 0; i < (int)MCIM_ERR_COUNT_; i++) {
		const char *name = mcim_err_name((mcim_err)i);

		if (strlen(name) == len && memcmp(name, s, len) == 0) {
			*out = (mcim_err)i;
			return MCIM_OK;
		}
	}
	return MCIM_ERR_PARSE;
}

static mcim_err encode_value(struct mcim_cbor_writer *w, const struct proto_field *f)
{
	const struct mcim_proto_span *span;
	const char *s;
	int64_t t;
	unsigned v;
	mcim_err e;

	switch (f->type) {
	case PF_BSTR:
		mcim_cbor_put_bstr(w, f->p, f->max);
		return MCIM_OK;
	case PF_BSTR_VAR:
		if (*f->len < f->min || *f->len > f->max)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_bstr(w, f->p, *f->len);
		return MCIM_OK;
	case PF_SPAN:
		span = f->p;
		if (span->len < f->min || span->len > f->max || span->data == NULL)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_bstr(w, span->data, span->len);
		return MCIM_OK;
	case PF_TSTR:
	case PF_DIGITS:
		s = f->p;
		if (memchr(s, '\0', f->max + 1) == NULL)
			return MCIM_ERR_INVALID_ARG;
		if (text_ok(f, s, strlen(s)) != MCIM_OK)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_cstr(w, s);
		return MCIM_OK;
	case PF_TIME:
		t = *(const int64_t *)f->p;
		if (t < 0 || t > PROTO_TIME_MAX)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_uint(w, (uint64_t)t);
		return MCIM_OK;
	case PF_TRUE:
		mcim_cbor_put_bool(w, true);
		return MCIM_OK;
	case PF_CONST:
		mcim_cbor_put_cstr(w, f->str);
		return MCIM_OK;
	case PF_NAME:
		v = *(const unsigned *)f->p;
		if (v >= f->max || f->names[v] == NULL)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_cstr(w, f->names[v]);
		return MCIM_OK;
	case PF_ERR:
		e = *(const mcim_err *)f->p;
		if ((unsigned)e >= (unsigned)MCIM_ERR_COUNT_ ||
		    (e == MCIM_OK && f->min > 0))
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_cstr(w, mcim_err_name(e));
		return MCIM_OK;
	case PF_PUB:
		if (mcim_p256_pub_check(f->p) != MCIM_OK)
			return MCIM_ERR_INVALID_ARG;
		mcim_cbor_put_bstr(w, ((const struct mcim_p256_pub *)f->p)->q,
				   MCIM_P256_PUB_LEN);
		return MCIM_OK;
	case PF_CUSTOM:
		return f->enc(w, f->p);
	}
	return MCIM_ERR_INTERNAL;
}

mcim_err proto_encode(const struct proto_field *f, size_t n, uint8_t *out, size_t cap,
		      size_t *len)
{
	struct mcim_cbor_writer w;
	size_t pairs = 0;
	mcim_err err;

	MCIM_ASSERT(f != NULL && len != NULL && (out != NULL || cap == 0));
	for (size_t i = 0; i < n; i++) {
		MCIM_ASSERT(i == 0 || key_cmp(f[i - 1].key, strlen(f[i - 1].key),
					      f[i].key, strlen(f[i].key)) < 0);
		pairs += is_present(&f[i]);
	}
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, pairs);
	for (size_t i = 0; i < n; i++) {
		if (!is_present(&f[i]))
			continue;
		mcim_cbor_put_cstr(&w, f[i].key);
		err = encode_value(&w, &f[i]);
		if (err != MCIM_OK)
			return err;
	}
	return mcim_cbor_writer_finish(&w, len);
}

static mcim_err decode_text(struct mcim_cbor_reader *r, const char **s, size_t *len)
{
	return mcim_cbor_read_tstr(r, s, len);
}

static mcim_err decode_value(struct mcim_cbor_reader *r, const struct proto_field *f)
{
	struct mcim_proto_span *span;
	const uint8_t *d;
	const char *s;
	size_t len;
	uint64_t u;
	bool b;
	mcim_err err;

	switch (f->type) {
	case PF_BSTR:
	case PF_BSTR_VAR:
	case PF_SPAN:
	case PF_PUB:
		err = mcim_cbor_read_bstr(r, &d, &len);
		if (err != MCIM_OK)
			return err;
		if (f->type == PF_PUB) {
			if (len != MCIM_P256_PUB_LEN)
				return MCIM_ERR_PARSE;
			memcpy(((struct mcim_p256_pub *)f->p)->q, d, len);
			return mcim_p256_pub_check(f->p) == MCIM_OK ? MCIM_OK
								    : MCIM_ERR_PARSE;
		}
		if (f->type == PF_BSTR ? len != f->max : len < f->min)
			return MCIM_ERR_PARSE;
		if (len > f->max)
			return MCIM_ERR_TOO_LARGE;
		if (f->type == PF_SPAN) {
			span = f->p;
			span->data = d;
			span->len = len;
			return MCIM_OK;
		}
		memcpy(f->p, d, len);
		if (f->type == PF_BSTR_VAR)
			*f->len = len;
		return MCIM_OK;
	case PF_TSTR:
	case PF_DIGITS:
		err = decode_text(r, &s, &len);
		if (err != MCIM_OK)
			return err;
		if (len > f->max)
			return MCIM_ERR_TOO_LARGE;
		if (text_ok(f, s, len) != MCIM_OK)
			return MCIM_ERR_PARSE;
		memcpy(f->p, s, len);
		((char *)f->p)[len] = '\0';
		return MCIM_OK;
	case PF_TIME:
		err = mcim_cbor_read_uint(r, &u);
		if (err != MCIM_OK)
			return err;
		if (u > (uint64_t)PROTO_TIME_MAX)
			return MCIM_ERR_TOO_LARGE;
		*(int64_t *)f->p = (int64_t)u;
		return MCIM_OK;
	case PF_TRUE:
		err = mcim_cbor_read_bool(r, &b);
		if (err != MCIM_OK)
			return err;
		return b ? MCIM_OK : MCIM_ERR_PARSE;
	case PF_CONST:
	case PF_NAME:
	case PF_ERR:
		err = decode_text(r, &s, &len);
		if (err != MCIM_OK)
			return err;
		if (f->type == PF_CONST)
			return strlen(f->str) == len && memcmp(f->str, s, len) == 0
				   ? MCIM_OK
				   : MCIM_ERR_PARSE;
		if (f->type == PF_ERR) {
			mcim_err e;

			err = err_from_name(s, len, &e);
			if (err != MCIM_OK || (e == MCIM_OK && f->min > 0))
				return MCIM_ERR_PARSE;
			*(mcim_err *)f->p = e;
			return MCIM_OK;
		}
		for (size_t v = 0; v < f->max; v++) {
			if (f->names[v] != NULL && strlen(f->names[v]) == len &&
			    memcmp(f->names[v], s, len) == 0) {
				*(unsigned *)f->p = (unsigned)v;
				return MCIM_OK;
			}
		}
		return MCIM_ERR_PARSE;
	case PF_CUSTOM:
		return f->dec(r, f->p);
	}
	return MCIM_ERR_INTERNAL;
}

mcim_err proto_decode(const uint8_t *buf, size_t len, const struct proto_field *f,
		      size_t n)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *key;
	size_t key_len, i = 0;
	mcim_err err;

	MCIM_ASSERT(f != NULL && (buf != NULL || len == 0));
	for (size_t j = 0; j < n; j++)
		if (f[j].present != NULL)
			*f[j].present = false;
	mcim_cbor_reader_init(&r, buf, len);
	err = mcim_cbor_map_open(&r, &m);
	if (err != MCIM_OK)
		return err;
	while (mcim_cbor_map_more(&m)) {
		err = mcim_cbor_map_key_tstr(&r, &m, &key, &key_len);
		if (err != MCIM_OK)
			return err;
		for (; i < n; i++) {
			int c = key_cmp(f[i].key, strlen(f[i].key), key, key_len);

			if (c == 0)
				break;
			if (c > 0)
				return MCIM_ERR_PARSE; /* unknown key */
			if (f[i].present == NULL)
				return MCIM_ERR_PARSE; /* a required key is missing */
		}
		if (i == n)
			return MCIM_ERR_PARSE;
		err = decode_value(&r, &f[i]);
		if (err != MCIM_OK)
			return err;
		if (f[i].present != NULL)
			*f[i].present = true;
		i++;
	}
	for (; i < n; i++)
		if (f[i].present == NULL)
			return MCIM_ERR_PARSE;
	return mcim_cbor_remaining(&r) == 0 ? MCIM_OK : MCIM_ERR_PARSE;
}

mcim_err proto_sign(const struct mcim_proto_signer *signer, const uint8_t *payload,
		    size_t payload_len, uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_cose_sign1_opts opts = {0};

	MCIM_ASSERT(signer != NULL && signer->key != NULL && len != NULL);
	MCIM_ASSERT(signer->chain != NULL || signer->n_chain == 0);
	if (signer->n_chain == 0 || signer->n_chain > MCIM_COSE_X5CHAIN_MAX)
		return MCIM_ERR_INVALID_ARG;
	opts.x5chain = signer->chain;
	opts.x5chain_n = signer->n_chain;
	if (mcim_cose_sign1_size(payload_len, &opts) > MCIM_PROTO_SIGNED_MAX)
		return MCIM_ERR_TOO_LARGE;
	return mcim_cose_sign1_sign(signer->key, payload, payload_len, &opts, out, cap,
				    len);
}

mcim_err proto_verify(const uint8_t *buf, size_t len,
		      const struct mcim_proto_trust *trust, enum mcim_cert_role role,
		      const char *operator_id, struct mcim_cose_sign1 *msg,
		      struct mcim_cert_info *leaf)
{
	struct mcim_cert_policy policy;

	MCIM_ASSERT(trust != NULL && trust->ci_root != NULL && msg != NULL &&
		    leaf != NULL);
	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(trust->skew >= 0 && trust->skew <= PROTO_SKEW_MAX);
	if (len > MCIM_PROTO_SIGNED_MAX)
		return MCIM_ERR_TOO_LARGE;
	policy.role = role;
	policy.operator_id = operator_id;
	policy.now = (time_t)trust->now;
	policy.revoked = trust->revoked;
	policy.n_revoked = trust->n_revoked;
	return mcim_cose_sign1_verify_x5chain(buf, len, trust->ci_root,
					      trust->ci_root_len, &policy, msg, leaf);
}

mcim_err proto_sign_fields(const struct proto_field *f, size_t n,
			   const struct mcim_proto_signer *signer, uint8_t *out,
			   size_t cap, size_t *len)
{
	uint8_t payload[MCIM_PROTO_PAYLOAD_MAX];
	size_t payload_len;
	mcim_err err;

	err = proto_encode(f, n, payload, sizeof(payload), &payload_len);
	if (err == MCIM_ERR_BUFFER_TOO_SMALL)
		return MCIM_ERR_INVALID_ARG; /* no valid payload is that large */
	if (err != MCIM_OK)
		return err;
	return proto_sign(signer, payload, payload_len, out, cap, len);
}

mcim_err proto_verify_fields(const uint8_t *buf, size_t len,
			     const struct mcim_proto_trust *trust,
			     enum mcim_cert_role role, const char *operator_id,
			     const struct proto_field *f, size_t n,
			     struct mcim_cert_info *leaf)
{
	struct mcim_cose_sign1 msg;
	mcim_err err;

	err = proto_verify(buf, len, trust, role, operator_id, &msg, leaf);
	if (err != MCIM_OK)
		return err;
	return proto_decode(msg.payload, msg.payload_len, f, n);
}

mcim_err proto_fresh(const struct mcim_proto_trust *trust, int64_t iat, int64_t exp)
{
	if (iat - trust->skew > trust->now || trust->now >= exp + trust->skew)
		return MCIM_ERR_EXPIRED;
	return MCIM_OK;
}

int proto_cert_is_tre(const struct mcim_cert_info *cert,
		      const uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN])
{
	char hex[2 * MCIM_PROTO_TRE_ID_LEN + 1];

	if (cert->role != MCIM_CERT_ROLE_TRE ||
	    mcim_hex_encode(tre_id, MCIM_PROTO_TRE_ID_LEN, hex, sizeof(hex)) != MCIM_OK)
		return 0;
	return strcmp(hex, cert->tre_id) == 0;
}

static void error_fields(struct proto_field f[2], struct mcim_proto_error *e)
{
	f[0] =
	    (struct proto_field){.key = "error", .type = PF_ERR, .p = &e->err, .min = 1};
	f[1] = (struct proto_field){.key = "message",
				    .type = PF_TSTR,
				    .p = e->message,
				    .max = MCIM_PROTO_MESSAGE_MAX};
}

mcim_err mcim_proto_error_encode(const struct mcim_proto_error *e, uint8_t *out,
				 size_t cap, size_t *len)
{
	struct mcim_proto_error tmp;
	struct proto_field f[2];

	MCIM_ASSERT(e != NULL);
	tmp = *e;
	error_fields(f, &tmp);
	return proto_encode(f, 2, out, cap, len);
}

mcim_err mcim_proto_error_decode(const uint8_t *buf, size_t len,
				 struct mcim_proto_error *out)
{
	struct mcim_proto_error tmp;
	struct proto_field f[2];
	mcim_err err;

	MCIM_ASSERT(out != NULL);
	memset(&tmp, 0, sizeof(tmp));
	error_fields(f, &tmp);
	err = proto_decode(buf, len, f, 2);
	if (err == MCIM_OK)
		*out = tmp;
	return err;
}
