/*
 * The TRE's signed tamper report (mcim/tamper.h; R-TRE-G11, R-PRC-602), the one codec
 * the TRE signs with and the DPF verifies with:
 * - the payload's encoding against octets written by hand from the format;
 * - round trips: every state and every reason encode, decode and verify to the same
 *   report, within the documented bounds (MCIM_TAMPER_PAYLOAD_MAX, _REPORT_MAX);
 * - the encoder refuses what the decoder would refuse;
 * - every field malformed in turn (wrong type, length, range, context, reason name,
 *   state), a key missing, added or out of order, trailing octets and every
 *   truncation are refused by the decoder, and by the verifier when validly signed;
 * - the verifier refuses another TRE's key (BAD_SIGNATURE), a kid or payload naming
 *   another TRE (DENIED), no kid or an x5chain (outside the format), every bit flip
 *   of a signed report, and an oversized one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/tamper.h"

static struct mcim_p256_priv key, other_key;
static struct mcim_p256_pub pub, other_pub;
static const uint8_t tre_id[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t other_id[16] = {0xee, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

static int setup(void **state)
{
	(void)state;
	assert_int_equal(mcim_p256_keygen(&key, &pub), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&other_key, &other_pub), MCIM_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mcim_p256_priv_wipe(&key);
	mcim_p256_priv_wipe(&other_key);
	return 0;
}

static void report_init(struct mcim_tamper_report *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->tre_id, tre_id, sizeof(tre_id));
	r->seq = 1;
	r->time = 1000;
	r->reason = MCIM_ERR_TAMPERED;
	snprintf(r->detail, sizeof(r->detail), "sealed store");
	r->state = MCIM_TRE_FAILED;
}

static void assert_same(const struct mcim_tamper_report *a,
			const struct mcim_tamper_report *b)
{
	assert_memory_equal(a->tre_id, b->tre_id, sizeof(a->tre_id));
	assert_true(a->seq == b->seq);
	assert_true(a->time == b->time);
	assert_int_equal(a->reason, b->reason);
	assert_string_equal(a->detail, b->detail);
	assert_int_equal(a->state, b->state);
}

/* The format of mcim/tamper.h written out by hand. */
static void test_known_encoding(void **state)
{
	static const char want_hex[] = "a8"
				       "016f6d63696d2f7472652f74616d706572"
				       "0250000102030405060708090a0b0c0d0e0f"
				       "0301"
				       "041903e8"
				       "051819"
				       "066854414d5045524544"
				       "076c7365616c65642073746f7265"
				       "08666661696c6564";
	uint8_t want[128], out[MCIM_TAMPER_PAYLOAD_MAX];
	struct mcim_tamper_report r, d;
	size_t want_len, len;

	(void)state;
	assert_int_equal(
	    mcim_hex_decode(want_hex, strlen(want_hex), want, sizeof(want), &want_len),
	    MCIM_OK);
	report_init(&r);
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len), MCIM_OK);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, len);
	assert_int_equal(mcim_tamper_decode(want, want_len, &d), MCIM_OK);
	assert_same(&r, &d);
	/* A buffer one octet short. */
	assert_int_equal(mcim_tamper_encode(&r, out, want_len - 1, &len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
}

/* Every state and reason, the longest detail: round trip and the size bounds. */
static void test_round_trip_and_bounds(void **state)
{
	static const enum mcim_tre_state states[] = {MCIM_TRE_CLOSED, MCIM_TRE_FAILED,
						     MCIM_TRE_UNISSUED, MCIM_TRE_BAD_BOOT,
						     MCIM_TRE_READY};
	uint8_t payload[MCIM_TAMPER_PAYLOAD_MAX], signed_[MCIM_TAMPER_REPORT_MAX];
	struct mcim_tamper_report r, d;
	size_t plen, slen;

	(void)state;
	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		for (int e = 1; e < (int)MCIM_ERR_COUNT_; e++) {
			report_init(&r);
			r.state = states[s];
			r.reason = (mcim_err)e;
			r.seq = MCIM_TAMPER_SEQ_MAX;
			r.time = MCIM_TAMPER_TIME_MAX;
			memset(r.detail, '~', MCIM_TAMPER_DETAIL_MAX);
			r.detail[MCIM_TAMPER_DETAIL_MAX] = '\0';
			assert_int_equal(
			    mcim_tamper_encode(&r, payload, sizeof(payload), &plen),
			    MCIM_OK);
			assert_int_equal(mcim_tamper_decode(payload, plen, &d), MCIM_OK);
			assert_same(&r, &d);
			assert_int_equal(
			    mcim_tamper_sign(&r, &key, signed_, sizeof(signed_), &slen),
			    MCIM_OK);
			memset(&d, 0, sizeof(d));
			assert_int_equal(
			    mcim_tamper_verify(signed_, slen, &pub, tre_id, &d), MCIM_OK);
			assert_same(&r, &d);
		}
	}
	/* The smallest: empty detail, seq 1, time 0. */
	report_init(&r);
	r.time = 0;
	r.detail[0] = '\0';
	assert_int_equal(mcim_tamper_sign(&r, &key, signed_, sizeof(signed_), &slen),
			 MCIM_OK);
	assert_int_equal(mcim_tamper_verify(signed_, slen, &pub, tre_id, &d), MCIM_OK);
	assert_same(&r, &d);
}

/* What the decoder refuses, the encoder does not write. */
static void test_encoder_refuses(void **state)
{
	uint8_t out[MCIM_TAMPER_REPORT_MAX];
	struct mcim_tamper_report r;
	size_t len;

	(void)state;
	report_init(&r);
	r.seq = 0;
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	r.seq = MCIM_TAMPER_SEQ_MAX + 1;
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	report_init(&r);
	r.time = MCIM_TAMPER_TIME_MAX + 1;
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	report_init(&r);
	r.reason = MCIM_OK;
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	r.reason = MCIM_ERR_COUNT_;
	assert_int_equal(mcim_tamper_sign(&r, &key, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	report_init(&r);
	r.detail[3] = '\n';
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	memset(r.detail, 'a', sizeof(r.detail)); /* no terminator */
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
	report_init(&r);
	r.state = (enum mcim_tre_state)9;
	assert_int_equal(mcim_tamper_encode(&r, out, sizeof(out), &len),
			 MCIM_ERR_INVALID_ARG);
}

/* ---- malformed payloads, written field by field ---- */

enum mutation {
	M_NONE,
	M_CONTEXT,	  /* another context string */
	M_CONTEXT_BSTR,	  /* the context as octets */
	M_TRE_ID_SHORT,	  /* 15 octets */
	M_TRE_ID_TEXT,	  /* the TRE id as text */
	M_SEQ_ZERO,	  /* seq 0 */
	M_SEQ_HUGE,	  /* seq 2^63 */
	M_SEQ_NEGATIVE,	  /* seq -1 */
	M_TIME_HUGE,	  /* time 2^63 */
	M_REASON_OK,	  /* reason 0 */
	M_REASON_UNKNOWN, /* reason MCIM_ERR_COUNT_ */
	M_REASON_NAME,	  /* a name that is not the reason's */
	M_DETAIL_CONTROL, /* a newline in the detail */
	M_DETAIL_LONG,	  /* 201 characters */
	M_DETAIL_BSTR,	  /* the detail as octets */
	M_STATE_UNKNOWN,  /* "asleep" */
	M_KEY_MISSING,	  /* no key 8 */
	M_KEY_EXTRA,	  /* a key 9 */
	M_KEY_ORDER,	  /* keys 2 and 1 swapped */
	M_KEY_TEXT,	  /* a text key */
	M_TRAILING,	  /* one octet after the map */
	M_ARRAY,	  /* an array instead of a map */
	M_MUTATIONS_,
};

/* The refusal each mutation must get from the decoder. */
static mcim_err expected(enum mutation m)
{
	switch (m) {
	case M_NONE:
		return MCIM_OK;
	case M_SEQ_HUGE:
	case M_TIME_HUGE:
	case M_DETAIL_LONG:
		return MCIM_ERR_TOO_LARGE;
	default:
		return MCIM_ERR_PARSE;
	}
}

static size_t payload(enum mutation m, uint8_t *out, size_t cap)
{
	struct mcim_cbor_writer w;
	char detail[MCIM_TAMPER_DETAIL_MAX + 2];
	size_t len = 0;

	mcim_cbor_writer_init(&w, out, cap);
	if (m == M_ARRAY)
		mcim_cbor_put_array(&w, 16);
	else
		mcim_cbor_put_map(&w, m == M_KEY_MISSING ? 7 : m == M_KEY_EXTRA ? 9 : 8);
	if (m == M_KEY_ORDER) {
		mcim_cbor_put_uint(&w, 2);
		mcim_cbor_put_bstr(&w, tre_id, 16);
	}
	mcim_cbor_put_uint(&w, 1);
	if (m == M_CONTEXT_BSTR)
		mcim_cbor_put_bstr(&w, "mcim/tre/tamper", 15);
	else
		mcim_cbor_put_cstr(&w, m == M_CONTEXT ? "mcim/tre/tampex"
						      : "mcim/tre/tamper");
	if (m != M_KEY_ORDER) {
		if (m == M_KEY_TEXT)
			mcim_cbor_put_cstr(&w, "2");
		else
			mcim_cbor_put_uint(&w, 2);
		if (m == M_TRE_ID_TEXT)
			mcim_cbor_put_cstr(&w, "000102030405060708090a0b0c0d0e0f");
		else
			mcim_cbor_put_bstr(&w, tre_id, m == M_TRE_ID_SHORT ? 15 : 16);
	}
	mcim_cbor_put_uint(&w, 3);
	if (m == M_SEQ_NEGATIVE)
		mcim_cbor_put_int(&w, -1);
	else
		mcim_cbor_put_uint(&w, m == M_SEQ_ZERO	 ? 0
				       : m == M_SEQ_HUGE ? 1ull << 63
							 : 7);
	mcim_cbor_put_uint(&w, 4);
	mcim_cbor_put_uint(&w, m == M_TIME_HUGE ? 1ull << 63 : 1767225600);
	mcim_cbor_put_uint(&w, 5);
	mcim_cbor_put_uint(&w, m == M_REASON_OK	       ? 0
			       : m == M_REASON_UNKNOWN ? (uint64_t)MCIM_ERR_COUNT_
						       : (uint64_t)MCIM_ERR_BAD_BOOT);
	mcim_cbor_put_uint(&w, 6);
	mcim_cbor_put_cstr(&w, m == M_REASON_NAME      ? "TAMPERED"
			       : m == M_REASON_OK      ? "OK"
			       : m == M_REASON_UNKNOWN ? "UNKNOWN"
						       : "BAD_BOOT");
	mcim_cbor_put_uint(&w, 7);
	if (m == M_DETAIL_LONG) {
		memset(detail, 'x', MCIM_TAMPER_DETAIL_MAX + 1);
		detail[MCIM_TAMPER_DETAIL_MAX + 1] = '\0';
		mcim_cbor_put_cstr(&w, detail);
	} else if (m == M_DETAIL_BSTR) {
		mcim_cbor_put_bstr(&w, "boot", 4);
	} else {
		mcim_cbor_put_cstr(&w, m == M_DETAIL_CONTROL ? "bad\nboot" : "bad boot");
	}
	if (m != M_KEY_MISSING) {
		mcim_cbor_put_uint(&w, 8);
		mcim_cbor_put_cstr(&w, m == M_STATE_UNKNOWN ? "asleep" : "bad-boot");
	}
	if (m == M_KEY_EXTRA) {
		mcim_cbor_put_uint(&w, 9);
		mcim_cbor_put_uint(&w, 0);
	}
	if (m == M_TRAILING)
		mcim_cbor_put_uint(&w, 0);
	if (m == M_ARRAY)
		for (int i = 0; i < 16; i++)
			mcim_cbor_put_uint(&w, 0);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	return len;
}

/* A payload signed as a TRE would sign it: kid, no chain. */
static size_t sign_raw(const struct mcim_p256_priv *k, const uint8_t *kid,
		       const uint8_t *p, size_t plen, uint8_t *out, size_t cap)
{
	struct mcim_cose_sign1_opts o = {0};
	size_t len = 0;

	o.kid = kid;
	o.kid_len = kid != NULL ? 16 : 0;
	assert_int_equal(mcim_cose_sign1_sign(k, p, plen, &o, out, cap, &len), MCIM_OK);
	return len;
}

static void test_malformed_fields(void **state)
{
	uint8_t p[512], s[MCIM_TAMPER_REPORT_MAX];
	struct mcim_tamper_report r, keep;

	(void)state;
	for (int m = 0; m < M_MUTATIONS_; m++) {
		size_t plen = payload((enum mutation)m, p, sizeof(p)), slen;

		memset(&r, 0x5a, sizeof(r));
		keep = r;
		assert_int_equal(mcim_tamper_decode(p, plen, &r), expected(m));
		if (m != M_NONE) /* written only on success */
			assert_memory_equal(&r, &keep, sizeof(r));
		slen = sign_raw(&key, tre_id, p, plen, s, sizeof(s));
		assert_int_equal(mcim_tamper_verify(s, slen, &pub, tre_id, &r),
				 expected(m));
	}
}

/* Every prefix of a valid payload is refused, none is read past its end. */
static void test_truncations(void **state)
{
	uint8_t p[512];
	struct mcim_tamper_report r;
	size_t plen = payload(M_NONE, p, sizeof(p));

	(void)state;
	for (size_t n = 0; n < plen; n++) {
		mcim_err e = mcim_tamper_decode(p, n, &r);

		assert_true(e == MCIM_ERR_TRUNCATED || e == MCIM_ERR_PARSE);
	}
	assert_int_equal(mcim_tamper_decode(p, plen, &r), MCIM_OK);
}

static void test_verify_refusals(void **state)
{
	uint8_t p[512], s[MCIM_TAMPER_REPORT_MAX + 64];
	struct mcim_tamper_report r;
	size_t plen = payload(M_NONE, p, sizeof(p)), slen;

	(void)state;
	/* R-TRE-G11: only this TRE's key makes its report. */
	slen = sign_raw(&other_key, tre_id, p, plen, s, sizeof(s));
	assert_int_equal(mcim_tamper_verify(s, slen, &pub, tre_id, &r),
			 MCIM_ERR_BAD_SIGNATURE);
	/* This TRE's key, another TRE's kid: not this TRE's report. */
	slen = sign_raw(&key, other_id, p, plen, s, sizeof(s));
	assert_int_equal(mcim_tamper_verify(s, slen, &pub, tre_id, &r), MCIM_ERR_DENIED);
	/* The kid right, the payload naming another TRE. */
	slen = sign_raw(&key, other_id, p, plen, s, sizeof(s));
	assert_int_equal(mcim_tamper_verify(s, slen, &pub, other_id, &r),
			 MCIM_ERR_DENIED);
	/* No kid; an x5chain. */
	slen = sign_raw(&key, NULL, p, plen, s, sizeof(s));
	assert_int_equal(mcim_tamper_verify(s, slen, &pub, tre_id, &r), MCIM_ERR_PARSE);
	{
		const uint8_t fake_cert[8] = {0x30, 6, 1, 2, 3, 4, 5, 6};
		struct mcim_iov chain = {fake_cert, sizeof(fake_cert)};
		struct mcim_cose_sign1_opts o = {0};

		o.kid = tre_id;
		o.kid_len = 16;
		o.x5chain = &chain;
		o.x5chain_n = 1;
		assert_int_equal(
		    mcim_cose_sign1_sign(&key, p, plen, &o, s, sizeof(s), &slen),
		    MCIM_OK);
		assert_int_equal(mcim_tamper_verify(s, slen, &pub, tre_id, &r),
				 MCIM_ERR_PARSE);
	}
	/* Too large, whatever it holds. */
	memset(s, 0, sizeof(s));
	assert_int_equal(
	    mcim_tamper_verify(s, MCIM_TAMPER_REPORT_MAX + 1, &pub, tre_id, &r),
	    MCIM_ERR_TOO_LARGE);
	/* The payload alone (not a COSE object), and nothing. */
	assert_int_equal(mcim_tamper_verify(p, plen, &pub, tre_id, &r), MCIM_ERR_PARSE);
	assert_int_not_equal(mcim_tamper_verify(NULL, 0, &pub, tre_id, &r), MCIM_OK);
}

/* Every single-bit change of a signed report is refused. */
static void test_bit_flips(void **state)
{
	uint8_t s[MCIM_TAMPER_REPORT_MAX];
	struct mcim_tamper_report r, d;
	size_t slen;

	(void)state;
	report_init(&r);
	assert_int_equal(mcim_tamper_sign(&r, &key, s, sizeof(s), &slen), MCIM_OK);
	for (size_t i = 0; i < slen; i++)
		for (int b = 0; b < 8; b++) {
			s[i] ^= (uint8_t)(1u << b);
			assert_int_not_equal(
			    mcim_tamper_verify(s, slen, &pub, tre_id, &d), MCIM_OK);
			s[i] ^= (uint8_t)(1u << b);
		}
	for (size_t n = 0; n < slen; n++)
		assert_int_not_equal(mcim_tamper_verify(s, n, &pub, tre_id, &d), MCIM_OK);
	assert_int_equal(mcim_tamper_verify(s, slen, &pub, tre_id, &d), MCIM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_encoding),
	    cmocka_unit_test(test_round_trip_and_bounds),
	    cmocka_unit_test(test_encoder_refuses),
	    cmocka_unit_test(test_malformed_fields),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_verify_refusals),
	    cmocka_unit_test(test_bit_flips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
