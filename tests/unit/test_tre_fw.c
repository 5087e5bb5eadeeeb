/*
 * Firmware updates (R-TRE-G10, R-PRC-601, R-PRC-204): an M2MES-signed manifest with a
 * newer sequence is accepted, tried at the next boot and made current only by
 * fw-confirm after a good boot with it, which is also the only moment the
 * anti-rollback floor rises (lessons.md: MCUboot); an older sequence or a lower
 * security version is ROLLBACK, another device model or a manifest that leaves out a
 * component the device boots is POLICY; a new manifest whose boot fails reverts to
 * the current one at once; a device with a bad boot is remediated by an update.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "tre_fault.h"

#include "tre_core_fixture.h"

static mcim_err offer(struct tf *t, const uint8_t *m, size_t len)
{
	const struct tool_tre_arg a = {"manifest", TOOL_ARG_BSTR, m, len, 0};

	return tf_call(t, "fw-update", &a, 1);
}

/* The boot map of status, as JSON (caller frees). */
static json_t *boot_status(struct tf *t)
{
	const uint8_t *b;
	size_t n;

	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "boot", &b, &n),
			 MCIM_OK);
	return tool_cbor_to_json(b, n);
}

static json_int_t boot_int(struct tf *t, const char *key)
{
	json_t *j = boot_status(t);
	json_int_t v = json_integer_value(json_object_get(j, key));

	json_decref(j);
	return v;
}

static int boot_flag(struct tf *t, const char *key)
{
	json_t *j = boot_status(t);
	int v = json_is_true(json_object_get(j, key));

	json_decref(j);
	return v;
}

static void update_trial_confirm(void **state)
{
	struct tf *t = tf_new("fw-ok");
	uint8_t m2[8192], m3[8192], m1b[8192];
	size_t l2, l3, l1b;

	(void)state;
	l2 = tf_manifest(t, 2, 2, m2, sizeof(m2));
	assert_int_equal(tf_call(t, "fw-confirm", NULL, 0), MCIM_ERR_STATE);
	assert_int_equal(offer(t, m2, l2), MCIM_OK);
	assert_true(boot_flag(t, "pending"));
	assert_int_equal(boot_int(t, "floor"), 1);
	tf_close(t);
	tf_open(t);
	/* booted on trial: the floor has not moved yet */
	assert_int_equal(boot_int(t, "sequence"), 2);
	assert_true(boot_flag(t, "trial"));
	assert_int_equal(boot_int(t, "floor"), 1);
	assert_int_equal(tf_call(t, "fw-confirm", NULL, 0), MCIM_OK);
	assert_int_equal(tf_uint(t, "floor"), 2);
	assert_false(boot_flag(t, "pending"));
	tf_close(t);
	tf_open(t);
	assert_int_equal(boot_int(t, "sequence"), 2);
	assert_false(boot_flag(t, "trial"));

	/* Rollback: the same or an older sequence, or a lower security version. */
	assert_int_equal(offer(t, m2, l2), MCIM_ERR_ROLLBACK);
	l1b = tf_manifest(t, 5, 1, m1b, sizeof(m1b));
	assert_int_equal(offer(t, m1b, l1b), MCIM_ERR_ROLLBACK);
	l3 = tf_manifest(t, 1, 3, m3, sizeof(m3));
	assert_int_equal(offer(t, m3, l3), MCIM_ERR_ROLLBACK);
	/* Garbage and a one-bit change: not a manifest, or not signed. */
	assert_int_equal(offer(t, (const uint8_t *)"abc", 3), MCIM_ERR_PARSE);
	l3 = tf_manifest(t, 3, 3, m3, sizeof(m3));
	m3[l3 - 5] ^= 1;
	assert_int_equal(offer(t, m3, l3), MCIM_ERR_BAD_SIGNATURE);
	tf_free(t);
}

/* A manifest for other firmware than the device runs: refused at the boot it is
 * tried, reverted at once, the device ready on the current one. */
static void failed_trial_reverts(void **state)
{
	struct tf *t = tf_new("fw-revert");
	uint8_t m[8192], orig[8192];
	size_t l, n;
	char path[400];

	(void)state;
	snprintf(path, sizeof(path), "%s", t->dev.paths[0]);
	n = file_read(path, orig, sizeof(orig));
	/* a manifest for a changed component, then the component put back */
	tf_close(t);
	file_write(path, (const uint8_t *)"new bootloader", 14);
	tf_open(t);
	l = tf_manifest(t, 2, 2, m, sizeof(m));
	tf_close(t);
	file_write(path, orig, n);
	tf_open(t);
	assert_int_equal(offer(t, m, l), MCIM_OK);
	tf_close(t);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_READY);
	assert_int_equal(boot_int(t, "sequence"), 1);
	assert_false(boot_flag(t, "pending"));
	assert_false(boot_flag(t, "trial"));
	assert_int_equal(tf_call(t, "fw-confirm", NULL, 0), MCIM_ERR_STATE);
	tf_free(t);
}

/* R-PRC-204: a device whose boot is bad is remediated remotely by a signed update
 * for the firmware it now holds; R-PRC-601: incompatible manifests refused. */
static void remediation_and_compatibility(void **state)
{
	struct tf *t = tf_new("fw-remedy");
	uint8_t m[8192];
	size_t l;
	char path[400];

	(void)state;
	snprintf(path, sizeof(path), "%s", t->dev.paths[2]);
	tf_close(t);
	file_write(path, (const uint8_t *)"agent 2.0", 9);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_BAD_BOOT);
	l = tf_manifest(t, 2, 1, m, sizeof(m));
	assert_int_equal(offer(t, m, l), MCIM_OK);
	tf_close(t);
	tf_open(t);
	assert_int_equal(mcim_tre_state(t->tre, NULL), MCIM_TRE_READY);
	assert_int_equal(tf_call(t, "fw-confirm", NULL, 0), MCIM_OK);

	/* Another model, or a component left out. */
	{
		struct mcim_manifest mf;
		struct mcim_p256_priv key;
		struct mcim_iov chain[4];
		size_t n;

		memset(&mf, 0, sizeof(mf));
		mf.sequence = 7;
		mf.security_version = 7;
		snprintf(mf.platform, sizeof(mf.platform), "other-model");
		mf.n = 1;
		snprintf(mf.components[0].name, sizeof(mf.components[0].name), "%s",
			 t->dev.names[0]);
		snprintf(mf.components[0].version, sizeof(mf.components[0].version), "7");
		assert_int_equal(tool_pki_key(&tf_pki_loaded, "m2mes", &key), MCIM_OK);
		assert_int_equal(tool_pki_chain(&tf_pki_loaded, "m2mes", 0, chain, 4, &n),
				 MCIM_OK);
		assert_int_equal(
		    mcim_manifest_sign(&mf, &key, chain, n, m, sizeof(m), &l), MCIM_OK);
		assert_int_equal(offer(t, m, l), MCIM_ERR_POLICY);
		snprintf(mf.platform, sizeof(mf.platform), "%s", TOOL_DEVICE_MODEL);
		assert_int_equal(
		    mcim_manifest_sign(&mf, &key, chain, n, m, sizeof(m), &l), MCIM_OK);
		mcim_p256_priv_wipe(&key);
		assert_int_equal(offer(t, m, l), MCIM_ERR_POLICY);
	}
	tf_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(update_trial_confirm),
	    cmocka_unit_test(failed_trial_reverts),
	    cmocka_unit_test(remediation_and_compatibility),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
