/*
 * SHO management commands (mcim/mgmt.h): every command signs and verifies with its
 * parameters; the TRE side refuses another key (R-TRE-M07: another SHO), any changed
 * octet, a payload that is not the one deterministic encoding, a wrong context,
 * values out of range (R-MCIM-L04: counter 0); peek parses without the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mcim/cbor.h"
#include "mcim/mgmt.h"

#include "mcim_fixture.h"

static int setup(void **state)
{
	(void)state;
	fx_pki();
	return 0;
}

static void base(struct mcim_mgmt *c, enum mcim_mgmt_cmd cmd)
{
	memset(c, 0, sizeof(*c));
	memset(c->tre_id, 0x11, sizeof(c->tre_id));
	memset(c->mcim_id, 0x22, sizeof(c->mcim_id));
	c->counter = 7;
	c->cmd = cmd;
}

static void each_command_round_trip(void **state)
{
	uint8_t buf[MCIM_MGMT_SIGNED_MAX];
	struct mcim_mgmt c, d;
	size_t len;

	(void)state;
	for (int cmd = MCIM_MGMT_ACTIVATE; cmd <= MCIM_MGMT_SET_POLICY; cmd++) {
		base(&c, (enum mcim_mgmt_cmd)cmd);
		if (cmd == MCIM_MGMT_ACTIVATE)
			c.u.swap = true;
		if (cmd == MCIM_MGMT_RELEASE) {
			strcpy(c.u.release.new_sho, FX_SHO2);
			c.u.release.exp = FX_T0 + 3600;
		}
		if (cmd == MCIM_MGMT_SET_POLICY) {
			mcim_policy_default(&c.u.policy);
			c.u.policy.lock_until = INT64_MAX;
			c.u.policy.max_mac_failures = UINT16_MAX;
		}
		c.counter = UINT64_MAX;
		assert_int_equal(
		    mcim_mgmt_sign(&c, &fxp.mgmt.priv, buf, sizeof(buf), &len), MCIM_OK);
		assert_true(len <= MCIM_MGMT_SIGNED_MAX);
		assert_int_equal(mcim_mgmt_verify(buf, len, &fxp.mgmt.pub, &d), MCIM_OK);
		assert_memory_equal(&c, &d, sizeof(c));
		memset(&d, 0, sizeof(d));
		assert_int_equal(mcim_mgmt_peek(buf, len, &d), MCIM_OK);
		assert_memory_equal(&c, &d, sizeof(c));
		assert_non_null(mcim_mgmt_cmd_name((enum mcim_mgmt_cmd)cmd));
		/* R-TRE-M07: another SHO's key does not verify it. */
		assert_int_equal(mcim_mgmt_verify(buf, len, &fxp.mgmt2.pub, &d),
				 MCIM_ERR_BAD_SIGNATURE);
	}
	assert_null(mcim_mgmt_cmd_name((enum mcim_mgmt_cmd)0));
	assert_null(mcim_mgmt_cmd_name((enum mcim_mgmt_cmd)7));
}

/* Any flipped bit of a signed command: never accepted. */
static void tampered(void **state)
{
	uint8_t buf[MCIM_MGMT_SIGNED_MAX];
	struct mcim_mgmt c, d;
	size_t len;

	(void)state;
	base(&c, MCIM_MGMT_DELETE);
	assert_int_equal(mcim_mgmt_sign(&c, &fxp.mgmt.priv, buf, sizeof(buf), &len),
			 MCIM_OK);
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			assert_int_not_equal(
			    mcim_mgmt_verify(buf, len, &fxp.mgmt.pub, &d), MCIM_OK);
			buf[i] ^= (uint8_t)(1u << b);
		}
	for (size_t n = 0; n < len; n++)
		assert_int_not_equal(mcim_mgmt_verify(buf, n, &fxp.mgmt.pub, &d),
				     MCIM_OK);
}

static void encode_refuses(void **state)
{
	uint8_t buf[MCIM_MGMT_SIGNED_MAX];
	struct mcim_mgmt c;
	size_t len;

	(void)state;
	base(&c, MCIM_MGMT_SUSPEND);
	c.counter = 0;
	assert_int_equal(mcim_mgmt_encode(&c, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	base(&c, (enum mcim_mgmt_cmd)9);
	assert_int_equal(mcim_mgmt_encode(&c, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	base(&c, MCIM_MGMT_RELEASE);
	strcpy(c.u.release.new_sho, "12ab5");
	assert_int_equal(mcim_mgmt_encode(&c, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	base(&c, MCIM_MGMT_SET_POLICY);
	c.u.policy.on_tamper = (enum mcim_tamper_response)4;
	assert_int_equal(mcim_mgmt_sign(&c, &fxp.mgmt.priv, buf, sizeof(buf), &len),
			 MCIM_ERR_INVALID_ARG);
	base(&c, MCIM_MGMT_RESUME);
	assert_int_equal(mcim_mgmt_encode(&c, buf, 10, &len), MCIM_ERR_BUFFER_TOO_SMALL);
}

/* Payloads written by hand: each deviation from the format is refused. */
static void decode_refuses(void **state)
{
	uint8_t buf[128];
	struct mcim_cbor_writer w;
	struct mcim_mgmt d;
	uint8_t id[16];
	size_t len;

	(void)state;
	memset(id, 0x33, sizeof(id));
	for (int c = 0;; c++) {
		mcim_err want;

		mcim_cbor_writer_init(&w, buf, sizeof(buf));
		mcim_cbor_put_array(&w, c == 0 ? 5 : 6);
		mcim_cbor_put_cstr(&w, c == 1 ? "mcim/mgmx" : MCIM_MGMT_CONTEXT);
		mcim_cbor_put_bstr(&w, id, c == 2 ? 15 : 16);
		mcim_cbor_put_bstr(&w, id, 16);
		mcim_cbor_put_uint(&w, c == 3 ? 0 : 1);
		mcim_cbor_put_uint(&w, c == 4		  ? 0
				       : c == 5		  ? 7
				       : c >= 6 && c <= 8 ? 1
							  : 2);
		switch (c) {
		case 6: /* activate without swap */
			mcim_cbor_put_map(&w, 0);
			want = MCIM_ERR_PARSE;
			break;
		case 7: /* activate with key 1 */
			mcim_cbor_put_map(&w, 1);
			mcim_cbor_put_uint(&w, 1);
			mcim_cbor_put_bool(&w, true);
			want = MCIM_ERR_PARSE;
			break;
		case 8: /* swap not a bool */
			mcim_cbor_put_map(&w, 1);
			mcim_cbor_put_uint(&w, 0);
			mcim_cbor_put_uint(&w, 1);
			want = MCIM_ERR_PARSE;
			break;
		case 9: /* suspend with a parameter */
			mcim_cbor_put_map(&w, 1);
			mcim_cbor_put_uint(&w, 0);
			mcim_cbor_put_bool(&w, true);
			want = MCIM_ERR_PARSE;
			break;
		case 10: /* trailing item */
			mcim_cbor_put_map(&w, 0);
			mcim_cbor_put_uint(&w, 0);
			want = MCIM_ERR_PARSE;
			break;
		case 11: /* the good one */
			mcim_cbor_put_map(&w, 0);
			want = MCIM_OK;
			break;
		default:
			if (c > 11)
				goto out;
			mcim_cbor_put_map(&w, 0);
			want = c == 0 || c == 1 ? MCIM_ERR_PARSE : MCIM_ERR_INVALID_ARG;
			break;
		}
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(mcim_mgmt_decode(buf, len, &d), want);
	}
out:
	/* A release with a too long SHO and one with exp not an integer. */
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_array(&w, 6);
	mcim_cbor_put_cstr(&w, MCIM_MGMT_CONTEXT);
	mcim_cbor_put_bstr(&w, id, 16);
	mcim_cbor_put_bstr(&w, id, 16);
	mcim_cbor_put_uint(&w, 1);
	mcim_cbor_put_uint(&w, MCIM_MGMT_RELEASE);
	mcim_cbor_put_map(&w, 2);
	mcim_cbor_put_uint(&w, 0);
	mcim_cbor_put_cstr(&w, "3104100");
	mcim_cbor_put_uint(&w, 1);
	mcim_cbor_put_int(&w, 5);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	assert_int_equal(mcim_mgmt_decode(buf, len, &d), MCIM_ERR_TOO_LARGE);
	assert_int_equal(mcim_mgmt_decode(buf, 0, &d), MCIM_ERR_TRUNCATED);
	/* peek of something that is no COSE_Sign1 */
	assert_int_not_equal(mcim_mgmt_peek(buf, len, &d), MCIM_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_command_round_trip),
	    cmocka_unit_test(tampered),
	    cmocka_unit_test(encode_refuses),
	    cmocka_unit_test(decode_refuses),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
