/*
 * The TRE's tamper report (mcim/tamper.h): its strict CBOR payload, the COSE_Sign1
 * the TRE makes of it, and the receiver's verification with the TRE's key.
 *
 * One check of a report's fields (report_ok) serves the encoder and the decoder, so
 * that a TRE cannot sign what a DPF would refuse. The receiver's checks run from the
 * outside in: the signature with the key the caller vouches for (the leaf of a
 * verified TRE chain), then the kid (a report signed by this key but labelled for
 * another TRE is not this TRE's), then the payload and the TRE id inside it.
 */
#include "mcim/tamper.h"

#include <string.h>

#include "core/check.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"

enum {
	KEY_CONTEXT = 1,
	KEY_TRE_ID,
	KEY_SEQ,
	KEY_TIME,
	KEY_REASON,
	KEY_REASON_NAME,
	KEY_DETAIL,
	KEY_STATE,
};

static const char context[] = MCIM_TAMPER_CONTEXT;

/* Every state a TRE can report from (mcim_tre_state_name() names each). */
static const enum mcim_tre_state states[] = {
    MCIM_TRE_CLOSED,   MCIM_TRE_FAILED, MCIM_TRE_UNISSUED,
    MCIM_TRE_BAD_BOOT, MCIM_TRE_READY,
};

#define N_STATES (sizeof(states) / sizeof(states[0]))

static int printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static int state_ok(enum mcim_tre_state s)
{
	for (size_t i = 0; i < N_STATES; i++)
		if (states[i] == s)
			return 1;
	return 0;
}

static int report_ok(const struct mcim_tamper_report *r)
{
	const char *nul = memchr(r->detail, '\0', sizeof(r->detail));

	return r->seq >= 1 && r->seq <= MCIM_TAMPER_SEQ_MAX &&
	       r->time <= MCIM_TAMPER_TIME_MAX && r->reason != MCIM_OK &&
	       (unsigned)r->reason < (unsigned)MCIM_ERR_COUNT_ && nul != NULL &&
	       printable(r->detail, (size_t)(nul - r->detail)) && state_ok(r->state);
}

mcim_err mcim_tamper_encode(const struct mcim_tamper_report *r, uint8_t *out, size_t cap,
			    size_t *len)
{
	struct mcim_cbor_writer w;

	MCIM_ASSERT(r != NULL && len != NULL && (out != NULL || cap == 0));
	if (!report_ok(r))
		return MCIM_ERR_INVALID_ARG;
	mcim_cbor_writer_init(&w, out, cap);
	mcim_cbor_put_map(&w, 8);
	mcim_cbor_put_uint(&w, KEY_CONTEXT);
	mcim_cbor_put_cstr(&w, context);
	mcim_cbor_put_uint(&w, KEY_TRE_ID);
	mcim_cbor_put_bstr(&w, r->tre_id, sizeof(r->tre_id));
	mcim_cbor_put_uint(&w, KEY_SEQ);
	mcim_cbor_put_uint(&w, r->seq);
	mcim_cbor_put_uint(&w, KEY_TIME);
	mcim_cbor_put_uint(&w, r->time);
	mcim_cbor_put_uint(&w, KEY_REASON);
	mcim_cbor_put_uint(&w, (uint64_t)r->reason);
	mcim_cbor_put_uint(&w, KEY_REASON_NAME);
	mcim_cbor_put_cstr(&w, mcim_err_name(r->reason));
	mcim_cbor_put_uint(&w, KEY_DETAIL);
	mcim_cbor_put_cstr(&w, r->detail);
	mcim_cbor_put_uint(&w, KEY_STATE);
	mcim_cbor_put_cstr(&w, mcim_tre_state_name(r->state));
	return mcim_cbor_writer_finish(&w, len);
}

/* ---- strict decoding ---- */

static mcim_err expect_key(struct mcim_cbor_reader *rd, struct mcim_cbor_map *m,
			   int64_t want)
{
	int64_t key;
	mcim_err err;

	if (!mcim_cbor_map_more(m))
		return MCIM_ERR_PARSE;
	err = mcim_cbor_map_key_int(rd, m, &key);
	if (err != MCIM_OK)
		return err;
	return key == want ? MCIM_OK : MCIM_ERR_PARSE;
}

/* A text equal to want. */
static mcim_err read_const(struct mcim_cbor_reader *rd, const char *want)
{
	const char *s;
	size_t len;
	mcim_err err = mcim_cbor_read_tstr(rd, &s, &len);

	if (err != MCIM_OK)
		return err;
	return len == strlen(want) && memcmp(s, want, len) == 0 ? MCIM_OK
								: MCIM_ERR_PARSE;
}

static mcim_err read_max(struct mcim_cbor_reader *rd, uint64_t max, uint64_t *v)
{
	mcim_err err = mcim_cbor_read_uint(rd, v);

	if (err != MCIM_OK)
		return err;
	return *v <= max ? MCIM_OK : MCIM_ERR_TOO_LARGE;
}

static mcim_err read_tre_id(struct mcim_cbor_reader *rd, uint8_t *out)
{
	const uint8_t *b;
	size_t len;
	mcim_err err = mcim_cbor_read_bstr(rd, &b, &len);

	if (err != MCIM_OK)
		return err;
	if (len != MCIM_TAMPER_TRE_ID_LEN)
		return MCIM_ERR_PARSE;
	memcpy(out, b, len);
	return MCIM_OK;
}

static mcim_err read_detail(struct mcim_cbor_reader *rd, char *out)
{
	const char *s;
	size_t len;
	mcim_err err = mcim_cbor_read_tstr(rd, &s, &len);

	if (err != MCIM_OK)
		return err;
	if (len > MCIM_TAMPER_DETAIL_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (!printable(s, len))
		return MCIM_ERR_PARSE;
	memcpy(out, s, len);
	out[len] = '\0';
	return MCIM_OK;
}

static mcim_err read_state(struct mcim_cbor_reader *rd, enum mcim_tre_state *out)
{
	const char *s;
	size_t len;
	mcim_err err = mcim_cbor_read_tstr(rd, &s, &len);

	if (err != MCIM_OK)
		return err;
	for (size_t i = 0; i < N_STATES; i++) {
		const char *name = mcim_tre_state_name(states[i]);

		if (strlen(name) == len && memcmp(name, s, len) == 0) {
			*out = states[i];
			return MCIM_OK;
		}
	}
	return MCIM_ERR_PARSE;
}

static mcim_err read_report(struct mcim_cbor_reader *rd, struct mcim_tamper_report *r)
{
	struct mcim_cbor_map m;
	uint64_t reason = 0;
	mcim_err err;

	err = mcim_cbor_map_open(rd, &m);
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_CONTEXT);
	if (err == MCIM_OK)
		err = read_const(rd, context);
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_TRE_ID);
	if (err == MCIM_OK)
		err = read_tre_id(rd, r->tre_id);
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_SEQ);
	if (err == MCIM_OK)
		err = read_max(rd, MCIM_TAMPER_SEQ_MAX, &r->seq);
	if (err == MCIM_OK && r->seq == 0)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_TIME);
	if (err == MCIM_OK)
		err = read_max(rd, MCIM_TAMPER_TIME_MAX, &r->time);
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_REASON);
	if (err == MCIM_OK)
		err = mcim_cbor_read_uint(rd, &reason);
	if (err == MCIM_OK && (reason == MCIM_OK || reason >= (uint64_t)MCIM_ERR_COUNT_))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK) {
		r->reason = (mcim_err)reason;
		err = expect_key(rd, &m, KEY_REASON_NAME);
	}
	if (err == MCIM_OK)
		err = read_const(rd, mcim_err_name(r->reason));
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_DETAIL);
	if (err == MCIM_OK)
		err = read_detail(rd, r->detail);
	if (err == MCIM_OK)
		err = expect_key(rd, &m, KEY_STATE);
	if (err == MCIM_OK)
		err = read_state(rd, &r->state);
	if (err != MCIM_OK)
		return err;
	return mcim_cbor_map_more(&m) ? MCIM_ERR_PARSE : MCIM_OK;
}

mcim_err mcim_tamper_decode(const uint8_t *buf, size_t len, struct mcim_tamper_report *r)
{
	struct mcim_tamper_report tmp;
	struct mcim_cbor_reader rd;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(r != NULL);
	memset(&tmp, 0, sizeof(tmp));
	mcim_cbor_reader_init(&rd, buf, len);
	err = read_report(&rd, &tmp);
	if (err == MCIM_OK && mcim_cbor_remaining(&rd) != 0)
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK)
		*r = tmp;
	return err;
}

/* ---- the signed object ---- */

mcim_err mcim_tamper_sign(const struct mcim_tamper_report *r,
			  const struct mcim_p256_priv *key, uint8_t *out, size_t cap,
			  size_t *len)
{
	uint8_t payload[MCIM_TAMPER_PAYLOAD_MAX];
	struct mcim_cose_sign1_opts opts = {0};
	size_t plen;
	mcim_err err;

	MCIM_ASSERT(r != NULL && key != NULL && len != NULL && (out != NULL || cap == 0));
	err = mcim_tamper_encode(r, payload, sizeof(payload), &plen);
	if (err != MCIM_OK)
		return err;
	opts.kid = r->tre_id;
	opts.kid_len = sizeof(r->tre_id);
	return mcim_cose_sign1_sign(key, payload, plen, &opts, out, cap, len);
}

mcim_err mcim_tamper_verify(const uint8_t *buf, size_t len,
			    const struct mcim_p256_pub *pub,
			    const uint8_t tre_id[MCIM_TAMPER_TRE_ID_LEN],
			    struct mcim_tamper_report *r)
{
	struct mcim_tamper_report tmp;
	struct mcim_cose_sign1 msg;
	mcim_err err;

	MCIM_ASSERT(buf != NULL || len == 0);
	MCIM_ASSERT(pub != NULL && tre_id != NULL && r != NULL);
	if (len > MCIM_TAMPER_REPORT_MAX)
		return MCIM_ERR_TOO_LARGE;
	err = mcim_cose_sign1_verify(buf, len, NULL, 0, pub, &msg);
	if (err != MCIM_OK)
		return err;
	if (msg.x5chain_n != 0 || msg.kid == NULL)
		return MCIM_ERR_PARSE;
	if (msg.kid_len != MCIM_TAMPER_TRE_ID_LEN ||
	    memcmp(msg.kid, tre_id, MCIM_TAMPER_TRE_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	err = mcim_tamper_decode(msg.payload, msg.payload_len, &tmp);
	if (err != MCIM_OK)
		return err;
	if (memcmp(tmp.tre_id, tre_id, MCIM_TAMPER_TRE_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	*r = tmp;
	return MCIM_OK;
}
