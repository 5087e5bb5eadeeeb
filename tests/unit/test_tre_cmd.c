/*
 * The TRE's command interface (R-TRE-G01): only the listed entry points answer; a
 * malformed request is refused before any command runs; every command without the
 * right authorisation is refused with DENIED, recorded in the audit log, and changes
 * nothing (R-TRE-G08, R-TRE-G03: no manufacture after issue); the maintenance PIN:
 * retry counter persisted before the comparison, lock-out, sessions (R-TRE-G08).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mcim/cbor.h"
#include "tre_fault.h"

#include "tre_core_fixture.h"

/* Every entry point of the TRE (docs/tre.md); nothing else may answer. */
static const char *const entry_points[] = {
    "status",	  "tamper-reports", "identity",	  "attest",
    "audit-head", "mcim-list",	    "aka",	  "install",
    "mgmt",	  "fw-update",	    "fw-confirm", "pin-verify",
    "pin-change", "pin-logout",	    "tamper-ack", "audit-checkpoint",
    "mfg-keys",	  "mfg-issue",
};

static void entry_points_only(void **state)
{
	struct tf *t = tf_new("entry");
	static const char *const others[] = {"",       "STATUS",    "status ",
					     "shell",  "debug",	    "mfg-reset",
					     "export", "read-store"};
	uint64_t g = tf_generation(t);

	(void)state;
	for (size_t i = 0; i < sizeof(entry_points) / sizeof(entry_points[0]); i++)
		assert_int_not_equal(tf_call(t, entry_points[i], NULL, 0),
				     MCIM_ERR_UNSUPPORTED);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_int_equal(tf_call(t, others[i], NULL, 0), MCIM_ERR_UNSUPPORTED);
	/* Of the calls above only pin-verify without a PIN ... ran nothing: */
	assert_int_equal(tf_generation(t), g);
	tf_free(t);
}

static void malformed_requests(void **state)
{
	struct tf *t = tf_new("malformed");
	uint8_t buf[64];
	struct mcim_cbor_writer w;
	size_t len;
	uint64_t g = tf_generation(t);
	static const uint8_t not_map[] = {0x83, 0x01, 0x02, 0x03};
	/* {"args": {}, "cmd": "status"}: keys out of the deterministic order */
	static const uint8_t disorder[] = {0xa2, 0x64, 'a', 'r', 'g', 's',
					   0xa0, 0x63, 'c', 'm', 'd', 0x66,
					   's',	 't',  'a', 't', 'u', 's'};
	/* {"cmd": "status"} then a stray octet */
	static const uint8_t trailing[] = {0xa1, 0x63, 'c', 'm', 'd', 0x66, 's',
					   't',	 'a',  't', 'u', 's', 0x00};
	/* {"cmd": "status", "arg": {}}: an unknown envelope key */
	static const uint8_t extra[] = {0xa2, 0x63, 'a', 'r', 'g', 0xa0, 0x63, 'c', 'm',
					'd',  0x66, 's', 't', 'a', 't',	 'u',  's'};

	(void)state;
	assert_int_equal(tf_call_raw(t, not_map, sizeof(not_map)), MCIM_ERR_PARSE);
	assert_int_equal(tf_call_raw(t, disorder, sizeof(disorder)), MCIM_ERR_PARSE);
	assert_int_equal(tf_call_raw(t, trailing, sizeof(trailing)), MCIM_ERR_PARSE);
	assert_int_equal(tf_call_raw(t, extra, sizeof(extra)), MCIM_ERR_PARSE);
	assert_int_equal(tf_call_raw(t, NULL, 0), MCIM_ERR_TRUNCATED);
	assert_null(t->r.result);
	{
		uint8_t *big = calloc(1, MCIM_TRE_MSG_MAX + 1);

		assert_int_equal(tf_call_raw(t, big, MCIM_TRE_MSG_MAX + 1),
				 MCIM_ERR_TOO_LARGE);
		free(big);
	}
	/* An argument the command does not take, a wrong type, a wrong length, a
	 * missing one. */
	{
		const struct tool_tre_arg a = {"force", TOOL_ARG_UINT, NULL, 0, 1};
		const struct tool_tre_arg pin_u = {"pin", TOOL_ARG_UINT, NULL, 0, 1234};
		const uint8_t n16[16] = {0};
		const struct tool_tre_arg nonce = {"nonce", TOOL_ARG_BSTR, n16, 16, 0};

		assert_int_equal(tf_call(t, "status", &a, 1), MCIM_ERR_INVALID_ARG);
		assert_int_equal(tf_call(t, "pin-verify", &pin_u, 1), MCIM_ERR_PARSE);
		assert_int_equal(tf_call(t, "pin-verify", NULL, 0), MCIM_ERR_INVALID_ARG);
		assert_int_equal(tf_call(t, "attest", &nonce, 1), MCIM_ERR_INVALID_ARG);
	}
	/* "args" that is not a map */
	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_map(&w, 2);
	mcim_cbor_put_cstr(&w, "cmd");
	mcim_cbor_put_cstr(&w, "status");
	mcim_cbor_put_cstr(&w, "args");
	mcim_cbor_put_array(&w, 0);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	assert_int_equal(tf_call_raw(t, buf, len), MCIM_ERR_PARSE);
	/* A response that does not fit the caller's buffer. */
	assert_int_equal(
	    tool_tre_request("status", NULL, 0, t->req, sizeof(t->req), &len), MCIM_OK);
	assert_int_equal(mcim_tre_call(t->tre, t->req, len, t->resp, 8, &t->resp_len),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(tf_generation(t), g);
	tf_free(t);
}

/* R-TRE-G08, R-TRE-G01: each maintenance command without a live session. */
static void maintenance_needs_session(void **state)
{
	struct tf *t = tf_new("maint");
	static const char *const cmds[] = {"pin-change", "tamper-ack",
					   "audit-checkpoint"};
	uint8_t bad[16] = {1};
	const struct tool_tre_arg args[3][2] = {
	    {{"session", TOOL_ARG_BSTR, bad, 16, 0},
	     {"new_pin", TOOL_ARG_TSTR, "0000", 0, 0}},
	    {{"session", TOOL_ARG_BSTR, bad, 16, 0}, {"seq", TOOL_ARG_UINT, NULL, 0, 99}},
	    {{"session", TOOL_ARG_BSTR, bad, 16, 0}, {NULL, 0, NULL, 0, 0}},
	};
	const size_t nargs[3] = {2, 2, 1};

	(void)state;
	for (int round = 0; round < 3; round++) {
		/* round 0: no session at all; 1: a wrong one; 2: an expired one */
		if (round == 1) {
			tf_login(t);
			bad[0] = (uint8_t)(t->session[0] ^ 1);
			memcpy(bad + 1, t->session + 1, 15);
		} else if (round == 2) {
			tf_login(t);
			memcpy(bad, t->session, 16);
			t->now += 301;
		}
		for (size_t i = 0; i < 3; i++) {
			uint64_t g = tf_generation(t), s = tf_audit_seq(t);

			assert_int_equal(tf_call(t, cmds[i], args[i], nargs[i]),
					 MCIM_ERR_DENIED);
			assert_null(t->r.result);
			assert_int_equal(tf_generation(t), g);
			/* one COMMAND_REFUSED record */
			assert_int_equal(tf_audit_seq(t), s + 1);
		}
	}
	/* The right session works. */
	tf_login(t);
	{
		const struct tool_tre_arg a[2] = {
		    {"session", TOOL_ARG_BSTR, t->session, 16, 0},
		    {"seq", TOOL_ARG_UINT, NULL, 0, 0},
		};

		assert_int_equal(tf_call(t, "tamper-ack", a, 2), MCIM_OK);
		assert_int_equal(tf_call(t, "pin-logout", NULL, 0), MCIM_OK);
		assert_int_equal(tf_call(t, "tamper-ack", a, 2), MCIM_ERR_DENIED);
	}
	tf_free(t);
}

/* R-TRE-G03: after issue, no manufacture command; refused, audited, no change. */
static void no_manufacture_after_issue(void **state)
{
	struct tf *t = tf_new("mfg");
	const uint8_t junk[8] = {0};
	const struct tool_tre_arg a[] = {
	    {"cert", TOOL_ARG_BSTR, junk, 8, 0},
	    {"ca", TOOL_ARG_BSTR, junk, 8, 0},
	    {"ci", TOOL_ARG_BSTR, junk, 8, 0},
	    {"manifest", TOOL_ARG_BSTR, junk, 8, 0},
	    {"platform_id", TOOL_ARG_TSTR, "1", 0, 0},
	    {"model", TOOL_ARG_TSTR, "m", 0, 0},
	    {"pcid_imsi", TOOL_ARG_TSTR, "001011234", 0, 0},
	    {"pcid_k", TOOL_ARG_BSTR, junk, 8, 0},
	    {"pcid_opc", TOOL_ARG_BSTR, junk, 8, 0},
	    {"pin", TOOL_ARG_TSTR, "0000", 0, 0},
	    {"pin_tries", TOOL_ARG_UINT, NULL, 0, 3},
	};
	uint8_t k16[16] = {0};
	struct tool_tre_arg b[sizeof(a) / sizeof(a[0])];
	uint64_t g = tf_generation(t), s = tf_audit_seq(t);

	(void)state;
	memcpy(b, a, sizeof(a));
	b[7].data = k16;
	b[7].len = 16;
	b[8].data = k16;
	b[8].len = 16;
	assert_int_equal(tf_call(t, "mfg-keys", NULL, 0), MCIM_ERR_DENIED);
	assert_int_equal(tf_call(t, "mfg-issue", b, sizeof(b) / sizeof(b[0])),
			 MCIM_ERR_DENIED);
	assert_int_equal(tf_generation(t), g);
	assert_int_equal(tf_audit_seq(t), s + 2);
	tf_free(t);
}

/* Signed objects from the wrong signer: refused, audited, nothing changes. */
static void signed_commands_need_their_signer(void **state)
{
	struct tf *t = tf_new("signers");
	struct mcim_profile p;
	struct mcim_mgmt m;
	struct mcim_p256_priv key;
	uint8_t buf[4096];
	uint8_t *pkg = malloc(MCIM_TRE_MSG_MAX);
	size_t len;
	uint64_t g, s;

	(void)state;
	assert_non_null(pkg);
	tf_profile(&p, 0x11);
	assert_int_equal(tf_install(t, &p), MCIM_OK);

	/* mgmt signed by another SHO's key (R-TRE-M07) */
	memset(&m, 0, sizeof(m));
	tf_identity(t, m.tre_id, NULL, NULL);
	memcpy(m.mcim_id, p.id, 16);
	m.counter = 1;
	m.cmd = MCIM_MGMT_ACTIVATE;
	assert_int_equal(tool_pki_key(&tf_pki_loaded, "sho2-mgmt", &key), MCIM_OK);
	assert_int_equal(mcim_mgmt_sign(&m, &key, buf, sizeof(buf), &len), MCIM_OK);
	mcim_p256_priv_wipe(&key);
	g = tf_generation(t);
	s = tf_audit_seq(t);
	{
		const struct tool_tre_arg a = {"command", TOOL_ARG_BSTR, buf, len, 0};

		assert_int_equal(tf_call(t, "mgmt", &a, 1), MCIM_ERR_BAD_SIGNATURE);
	}
	assert_int_equal(tf_generation(t), g);
	assert_int_equal(tf_audit_seq(t), s + 1);

	/* An MCIM package of sho1 delivered by sho2's DPF */
	tf_profile(&p, 0x12);
	len = tf_package(t, &p, "sho2-dpf", pkg, MCIM_TRE_MSG_MAX);
	{
		const struct tool_tre_arg a = {"package", TOOL_ARG_BSTR, pkg, len, 0};

		assert_int_equal(tf_call(t, "install", &a, 1), MCIM_ERR_WRONG_ROLE);
		/* ... and one bit changed in a genuine one */
		struct tool_tre_arg b = a;

		b.len = tf_package(t, &p, "sho1-dpf", pkg, MCIM_TRE_MSG_MAX);
		pkg[b.len - 10] ^= 1;
		assert_int_equal(tf_call(t, "install", &b, 1), MCIM_ERR_BAD_SIGNATURE);
	}
	/* A firmware manifest signed by a DPF, not the M2MES */
	{
		struct mcim_manifest mf = {0};
		struct mcim_iov chain[4];
		size_t n;
		const struct tool_tre_arg a = {"manifest", TOOL_ARG_BSTR, buf, 0, 0};
		struct tool_tre_arg b = a;

		mf.sequence = 9;
		mf.security_version = 9;
		snprintf(mf.platform, sizeof(mf.platform), "%s", TOOL_DEVICE_MODEL);
		mf.n = 1;
		snprintf(mf.components[0].name, sizeof(mf.components[0].name), "x");
		snprintf(mf.components[0].version, sizeof(mf.components[0].version), "1");
		assert_int_equal(tool_pki_key(&tf_pki_loaded, "sho1-dpf", &key), MCIM_OK);
		assert_int_equal(
		    tool_pki_chain(&tf_pki_loaded, "sho1-dpf", 0, chain, 4, &n), MCIM_OK);
		assert_int_equal(
		    mcim_manifest_sign(&mf, &key, chain, n, buf, sizeof(buf), &len),
		    MCIM_OK);
		mcim_p256_priv_wipe(&key);
		b.len = len;
		assert_int_equal(tf_call(t, "fw-update", &b, 1), MCIM_ERR_WRONG_ROLE);
	}
	assert_int_equal(tf_generation(t), g);
	tf_free(t);
	free(pkg);
}

/* R-TRE-G08: N wrong PINs lock the PIN, for good, across restarts. */
static void pin_lockout(void **state)
{
	struct tf *t = tf_new("lockout");
	const struct tool_tre_arg wrong = {"pin", TOOL_ARG_TSTR, "00000000", 0, 0};
	const struct tool_tre_arg right = {"pin", TOOL_ARG_TSTR, TF_PIN, 0, 0};

	(void)state;
	for (unsigned left = TOOL_DEVICE_PIN_TRIES; left-- > 1;) {
		assert_int_equal(tf_call(t, "pin-verify", &wrong, 1), MCIM_ERR_DENIED);
		assert_int_equal(tf_uint(t, "left"), left);
	}
	/* A right PIN before the last try resets the counter. */
	assert_int_equal(tf_call(t, "pin-verify", &right, 1), MCIM_OK);
	for (unsigned left = TOOL_DEVICE_PIN_TRIES; left-- > 0;)
		assert_int_equal(tf_call(t, "pin-verify", &wrong, 1), MCIM_ERR_DENIED);
	assert_int_equal(tf_call(t, "pin-verify", &right, 1), MCIM_ERR_LOCKED);
	tf_close(t);
	tf_open(t);
	assert_int_equal(tf_call(t, "pin-verify", &right, 1), MCIM_ERR_LOCKED);
	tf_free(t);
}

/* The retry is paid before the comparison: when that payment cannot be made
 * durable, the PIN is not compared at all and no session opens. */
static void pin_retry_persisted_first(void **state)
{
	struct tf *t = tf_new("pinfirst");
	const struct tool_tre_arg right = {"pin", TOOL_ARG_TSTR, TF_PIN, 0, 0};
	const struct tool_tre_arg wrong = {"pin", TOOL_ARG_TSTR, "99999999", 0, 0};

	(void)state;
	tf_close(t);
	memset(&fault, 0, sizeof(fault));
	assert_int_equal(tf_open_io(t, &tre_fault_io), MCIM_OK);
	fault_arm(1, 1, EIO); /* the disk dies */
	assert_int_not_equal(tf_call(t, "pin-verify", &right, 1), MCIM_OK);
	assert_null(t->r.result);
	fault_disarm();
	tf_close(t);
	tf_open(t);
	/* A wrong guess, then a power cut: the guess is still counted. */
	assert_int_equal(tf_call(t, "pin-verify", &wrong, 1), MCIM_ERR_DENIED);
	tf_close(t);
	tf_open(t);
	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	{
		const uint8_t *pin;
		size_t n;
		uint64_t left;

		assert_int_equal(
		    tool_cbor_get(t->r.result, t->r.result_len, "pin", &pin, &n),
		    MCIM_OK);
		assert_int_equal(tool_cbor_get_uint(pin, n, "left", &left), MCIM_OK);
		assert_int_equal(left, TOOL_DEVICE_PIN_TRIES - 1);
	}
	tf_free(t);
}

static void pin_change(void **state)
{
	struct tf *t = tf_new("pinchange");
	const struct tool_tre_arg old = {"pin", TOOL_ARG_TSTR, TF_PIN, 0, 0};
	const struct tool_tre_arg neu = {"pin", TOOL_ARG_TSTR, "11223344", 0, 0};

	(void)state;
	tf_login(t);
	{
		const struct tool_tre_arg a[2] = {
		    {"session", TOOL_ARG_BSTR, t->session, 16, 0},
		    {"new_pin", TOOL_ARG_TSTR, "11223344", 0, 0},
		};
		const struct tool_tre_arg short_pin[2] = {
		    {"session", TOOL_ARG_BSTR, t->session, 16, 0},
		    {"new_pin", TOOL_ARG_TSTR, "123", 0, 0},
		};

		assert_int_equal(tf_call(t, "pin-change", short_pin, 2),
				 MCIM_ERR_INVALID_ARG);
		assert_int_equal(tf_call(t, "pin-change", a, 2), MCIM_OK);
	}
	tf_close(t);
	tf_open(t);
	assert_int_equal(tf_call(t, "pin-verify", &old, 1), MCIM_ERR_DENIED);
	assert_int_equal(tf_call(t, "pin-verify", &neu, 1), MCIM_OK);
	tf_free(t);
}

/* A closed TRE answers nothing; an unmanufactured one only status and mfg. */
static void states(void **state)
{
	struct tf *t = tf_new("states");
	struct mcim_tre *closed = calloc(1, sizeof(*closed));
	size_t len;

	(void)state;
	assert_non_null(closed);
	assert_int_equal(
	    tool_tre_request("status", NULL, 0, t->req, sizeof(t->req), &len), MCIM_OK);
	assert_int_equal(
	    mcim_tre_call(closed, t->req, len, t->resp, sizeof(t->resp), &t->resp_len),
	    MCIM_ERR_STATE);
	assert_int_equal(mcim_tre_state(closed, NULL), MCIM_TRE_CLOSED);
	free(closed);
	assert_string_equal(mcim_tre_state_name(MCIM_TRE_READY), "ready");
	assert_string_equal(mcim_tre_state_name(MCIM_TRE_FAILED), "failed");
	assert_string_equal(mcim_tre_state_name(MCIM_TRE_BAD_BOOT), "bad-boot");
	assert_string_equal(mcim_tre_state_name(MCIM_TRE_UNISSUED), "unissued");
	assert_string_equal(mcim_tre_state_name(MCIM_TRE_CLOSED), "closed");

	/* No device at all: NOT_FOUND, closed. */
	{
		struct mcim_tre *tre = malloc(sizeof(*tre));
		struct mcim_tre_config cfg = t->dev.cfg;
		char hw[400];

		snprintf(hw, sizeof(hw), "%s/nohw", t->dir);
		cfg.hw_dir = hw;
		assert_int_equal(mcim_tre_open(tre, &cfg), MCIM_ERR_NOT_FOUND);
		cfg.hw_dir = t->dev.cfg.hw_dir;
		cfg.backend = MCIM_CERT_BACKEND_TPM2;
		assert_int_equal(mcim_tre_open(tre, &cfg), MCIM_ERR_UNSUPPORTED);
		cfg.backend = MCIM_CERT_BACKEND_SOFT;
		cfg.n_components = MCIM_TRE_COMPONENTS_MAX + 1;
		assert_int_equal(mcim_tre_open(tre, &cfg), MCIM_ERR_INVALID_ARG);
		/* The TRE already runs in t: its audit log is locked. */
		cfg.n_components = t->dev.cfg.n_components;
		assert_int_equal(mcim_tre_open(tre, &cfg), MCIM_ERR_LOCKED);
		free(tre);
	}
	tf_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(entry_points_only),
	    cmocka_unit_test(malformed_requests),
	    cmocka_unit_test(maintenance_needs_session),
	    cmocka_unit_test(no_manufacture_after_issue),
	    cmocka_unit_test(signed_commands_need_their_signer),
	    cmocka_unit_test(pin_lockout),
	    cmocka_unit_test(pin_retry_persisted_first),
	    cmocka_unit_test(pin_change),
	    cmocka_unit_test(states),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
