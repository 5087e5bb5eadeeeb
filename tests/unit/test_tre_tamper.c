/*
 * Tamper detection and reporting (R-TRE-G11, R-PRC-602, R-TRE-M08, R-TRE-G02):
 * a sealed store tampered with, rolled back, moved from another device or deleted
 * leaves the TRE in the failed state answering status (which names the cause) and
 * the tamper queue only, with a report signed by the identity key; a modified
 * firmware component makes the boot bad: the MCIM functions are refused
 * (BAD_BOOT), the MCIMs' tamper policy runs (an active MCIM is suspended), a report
 * is queued; a damaged audit log is a tamper event too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "mcim/tamper.h"
#include "tre_fault.h"

#include "tre_core_fixture.h"

/* The newest tamper report: verified with mcim/tamper.h (the DPF's check) under the
 * identity key and TRE id of the TRE certificate in the device directory, its
 * reason returned. */
static mcim_err last_report(struct tf *t, char *reason, size_t cap)
{
	char path[400];
	uint8_t der[MCIM_CERT_MAX_LEN], tre_id[MCIM_TAMPER_TRE_ID_LEN];
	size_t der_len;
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	struct mcim_tamper_report r;
	json_t *j, *reports, *last;
	const char *hex;
	uint8_t rep[MCIM_TAMPER_REPORT_MAX];
	size_t rep_len;

	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_CERT);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &der_len), MCIM_OK);
	assert_int_equal(mcim_cert_parse(der, der_len, &info, &pub), MCIM_OK);
	assert_int_equal(mcim_hex_decode_exact(info.tre_id, strlen(info.tre_id), tre_id,
					       sizeof(tre_id)),
			 MCIM_OK);
	assert_int_equal(tf_call(t, "tamper-reports", NULL, 0), MCIM_OK);
	j = tool_cbor_to_json(t->r.result, t->r.result_len);
	reports = json_object_get(j, "reports");
	assert_true(json_array_size(reports) > 0);
	last = json_array_get(reports, json_array_size(reports) - 1);
	hex = json_string_value(json_object_get(last, "report"));
	assert_int_equal(mcim_hex_decode(hex, strlen(hex), rep, sizeof(rep), &rep_len),
			 MCIM_OK);
	assert_int_equal(mcim_tamper_verify(rep, rep_len, &pub, tre_id, &r), MCIM_OK);
	assert_int_equal(r.seq, json_integer_value(json_object_get(last, "seq")));
	json_decref(j);
	snprintf(reason, cap, "%s", mcim_err_name(r.reason));
	return MCIM_OK;
}

static void expect_failed(struct tf *t, const char *cause)
{
	char s[64];

	tf_state(t, s, sizeof(s));
	assert_string_equal(s, "failed");
	tf_str(t, "cause", s, sizeof(s));
	assert_string_equal(s, cause);
	/* Nothing but status and the tamper queue answers. */
	assert_int_not_equal(tf_call(t, "identity", NULL, 0), MCIM_OK);
	assert_string_equal(mcim_err_name(t->r.status), cause);
	assert_int_not_equal(tf_call(t, "mcim-list", NULL, 0), MCIM_OK);
	assert_int_not_equal(tf_call(t, "audit-head", NULL, 0), MCIM_OK);
	{
		const struct tool_tre_arg a = {"pin", TOOL_ARG_TSTR, TF_PIN, 0, 0};

		assert_int_not_equal(tf_call(t, "pin-verify", &a, 1), MCIM_OK);
	}
	assert_int_equal(tf_call(t, "tamper-reports", NULL, 0), MCIM_OK);
	last_report(t, s, sizeof(s));
	assert_string_equal(s, cause);
}

static void store_path(struct tf *t, char *out, size_t cap)
{
	snprintf(out, cap, "%s/store/store", t->dir);
}

static void store_tampered(void **state)
{
	struct tf *t = tf_new("tampered");
	char path[400];
	uint8_t buf[40000];
	size_t n;

	(void)state;
	tf_close(t);
	store_path(t, path, sizeof(path));
	n = file_read(path, buf, sizeof(buf));
	buf[n / 2] ^= 0x04;
	file_write(path, buf, n);
	assert_int_equal(tf_open_io(t, NULL), MCIM_OK); /* open, in the failed state */
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_FAILED);
	expect_failed(t, "TAMPERED");
	tf_free(t);
}

static void store_rolled_back(void **state)
{
	struct tf *t = tf_new("rollback");
	char path[400], old[400];
	struct mcim_profile p;

	(void)state;
	store_path(t, path, sizeof(path));
	snprintf(old, sizeof(old), "%s/old-store", t->dir);
	tf_copy(path, old);
	/* Something worth rolling back: an MCIM installed after the copy. */
	tf_profile(&p, 0x31);
	assert_int_equal(tf_install(t, &p), MCIM_OK);
	tf_close(t);
	tf_copy(old, path);
	tf_open(t);
	expect_failed(t, "ROLLBACK");
	mcim_profile_wipe(&p);
	tf_free(t);
}

/* R-TRE-M08: the store of device B copied onto device A does not open there. */
static void store_from_another_device(void **state)
{
	struct tf *a = tf_new("dev-a"), *b = tf_new("dev-b");
	char pa[400], pb[400];

	(void)state;
	tf_close(a);
	tf_close(b);
	store_path(a, pa, sizeof(pa));
	store_path(b, pb, sizeof(pb));
	tf_copy(pb, pa);
	tf_open(a);
	expect_failed(a, "FOREIGN_STORE");
	tf_free(a);
	tf_free(b);
}

static void store_deleted(void **state)
{
	struct tf *t = tf_new("deleted");
	char path[400];

	(void)state;
	tf_close(t);
	store_path(t, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	tf_open(t);
	expect_failed(t, "TAMPERED");
	tf_free(t);
}

/* R-TRE-G02, R-PRC-602: a modified component. */
static void bad_boot(void **state)
{
	struct tf *t = tf_new("badboot");
	struct mcim_profile p;
	char s[64], path[400];
	uint8_t buf[8192];
	size_t n;
	const uint8_t nonce[32] = {7};

	(void)state;
	tf_profile(&p, 0x32);
	assert_int_equal(tf_install(t, &p), MCIM_OK);
	assert_int_equal(tf_mgmt(t, p.id, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	tf_close(t);
	snprintf(path, sizeof(path), "%s", t->dev.paths[1]);
	n = file_read(path, buf, sizeof(buf));
	buf[100] ^= 1;
	file_write(path, buf, n);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_BAD_BOOT);
	tf_state(t, s, sizeof(s));
	assert_string_equal(s, "bad-boot");
	tf_str(t, "detail", s, sizeof(s));
	assert_non_null(strstr(s, "digest-mismatch"));
	/* MCIM functions refused */
	assert_int_equal(tf_call(t, "mcim-list", NULL, 0), MCIM_ERR_BAD_BOOT);
	assert_int_equal(tf_install(t, &p), MCIM_ERR_BAD_BOOT);
	assert_int_equal(tf_mgmt(t, p.id, 2, MCIM_MGMT_RESUME), MCIM_ERR_BAD_BOOT);
	{
		const uint8_t r16[16] = {0}, autn[16] = {0};
		const struct tool_tre_arg a[2] = {{"rand", TOOL_ARG_BSTR, r16, 16, 0},
						  {"autn", TOOL_ARG_BSTR, autn, 16, 0}};
		const struct tool_tre_arg m[2] = {
		    {"nonce", TOOL_ARG_BSTR, nonce, 32, 0},
		    {"mode", TOOL_ARG_TSTR, "autonomous", 0, 0}};
		const struct tool_tre_arg r[2] = {
		    {"nonce", TOOL_ARG_BSTR, nonce, 32, 0},
		    {"mode", TOOL_ARG_TSTR, "remote", 0, 0}};

		assert_int_equal(tf_call(t, "aka", a, 2), MCIM_ERR_BAD_BOOT);
		/* autonomous validation: a bad boot attests nothing (R-PRC-201) */
		assert_int_equal(tf_call(t, "attest", m, 2), MCIM_ERR_BAD_BOOT);
		/* remote validation: the PVA sees the evidence (R-PRC-203) */
		assert_int_equal(tf_call(t, "attest", r, 2), MCIM_OK);
	}
	assert_int_equal(tf_call(t, "identity", NULL, 0), MCIM_OK);
	last_report(t, s, sizeof(s));
	assert_string_equal(s, "BAD_BOOT");
	/* Repaired firmware: the MCIM was suspended by its tamper policy meanwhile. */
	tf_close(t);
	buf[100] ^= 1;
	file_write(path, buf, n);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_READY);
	assert_int_equal(tf_call(t, "mcim-list", NULL, 0), MCIM_OK);
	{
		json_t *j = tool_cbor_to_json(t->r.result, t->r.result_len);

		assert_string_equal(
		    json_string_value(json_object_get(
			json_array_get(json_object_get(j, "mcims"), 0), "state")),
		    "suspended");
		json_decref(j);
	}
	mcim_profile_wipe(&p);
	tf_free(t);
}

static void audit_log_damaged(void **state)
{
	struct tf *t = tf_new("auditdmg");
	char path[400];
	uint8_t buf[8192];
	size_t n;

	(void)state;
	tf_close(t);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	n = file_read(path, buf, sizeof(buf));
	buf[60] ^= 1; /* inside the first record */
	file_write(path, buf, n);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_FAILED);
	{
		char s[64];

		tf_state(t, s, sizeof(s));
		tf_str(t, "detail", s, sizeof(s));
		assert_string_equal(s, "audit log");
		last_report(t, s, sizeof(s));
		assert_string_equal(s, "TAMPERED");
	}
	tf_free(t);
}

/* An older copy of the audit log (records cut off behind the sealed store's
 * anchor) is a tamper event; the TRE goes on. */
static void audit_log_rolled_back(void **state)
{
	struct tf *t = tf_new("auditold");
	char path[400], old[400], s[64];
	struct mcim_profile p;

	(void)state;
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	snprintf(old, sizeof(old), "%s/old-audit", t->dir);
	tf_close(t);
	tf_copy(path, old);
	tf_open(t);
	tf_profile(&p, 0x33);
	assert_int_equal(tf_install(t, &p), MCIM_OK);
	tf_close(t);
	tf_copy(old, path);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_READY);
	last_report(t, s, sizeof(s));
	assert_string_equal(s, "TAMPERED");
	mcim_profile_wipe(&p);
	tf_free(t);
}

/* The queue keeps the newest TRE_TAMPER_QUEUE reports; ack drops up to a seq. */
static void report_queue(void **state)
{
	struct tf *t = tf_new("queue");
	char path[400];

	(void)state;
	snprintf(path, sizeof(path), "%s", t->dev.paths[0]);
	for (int i = 0; i < 18; i++) {
		tf_close(t);
		tf_copy(t->dev.paths[1], path); /* wrong content: bad boot */
		tf_open(t);
	}
	assert_int_equal(tf_call(t, "tamper-reports", NULL, 0), MCIM_OK);
	assert_int_equal(tf_uint(t, "next"), 19);
	{
		json_t *j = tool_cbor_to_json(t->r.result, t->r.result_len);

		assert_int_equal(json_array_size(json_object_get(j, "reports")), 16);
		assert_int_equal(
		    json_integer_value(json_object_get(
			json_array_get(json_object_get(j, "reports"), 0), "seq")),
		    3);
		json_decref(j);
	}
	tf_login(t);
	{
		const struct tool_tre_arg a[2] = {
		    {"session", TOOL_ARG_BSTR, t->session, 16, 0},
		    {"seq", TOOL_ARG_UINT, NULL, 0, 10},
		};

		assert_int_equal(tf_call(t, "tamper-ack", a, 2), MCIM_OK);
		assert_int_equal(tf_uint(t, "dropped"), 8);
	}
	tf_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(store_tampered),
	    cmocka_unit_test(store_rolled_back),
	    cmocka_unit_test(store_from_another_device),
	    cmocka_unit_test(store_deleted),
	    cmocka_unit_test(bad_boot),
	    cmocka_unit_test(audit_log_damaged),
	    cmocka_unit_test(audit_log_rolled_back),
	    cmocka_unit_test(report_queue),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
