/*
 * The TRE's audit log (R-TRE-G09): every state change of the TRE leaves one record,
 * checkpoints are signed by the TRE's identity key, and the log verified offline
 * with the key of the TRE certificate finds the break wherever it is: a changed
 * octet in any record, a log cut inside any record, a record removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/endian.h"
#include "tre_fault.h"

#include "tre_core_fixture.h"

#define LOG_MAX 65536

static void identity_key(struct tf *t, struct mcim_p256_pub *pub)
{
	char path[400];
	uint8_t der[MCIM_CERT_MAX_LEN];
	size_t len;
	struct mcim_cert_info info;

	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_CERT);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &len), MCIM_OK);
	assert_int_equal(mcim_cert_parse(der, len, &info, pub), MCIM_OK);
}

/* A device with a log of some records and checkpoints: boots, PIN attempts. */
static struct tf *busy_device(const char *name)
{
	struct tf *t;
	const struct tool_tre_arg wrong = {"pin", TOOL_ARG_TSTR, "00000000", 0, 0};

	tf_checkpoint_every = 4;
	t = tf_new(name);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tf_call(t, "pin-verify", &wrong, 1), MCIM_ERR_DENIED);
		tf_close(t);
		tf_open(t);
	}
	tf_login(t);
	tf_close(t);
	tf_checkpoint_every = 1000;
	return t;
}

/* Offsets of the records of log (n of them). */
static size_t record_offsets(const uint8_t *log, size_t len, size_t *off, size_t cap)
{
	size_t n = 0, o = MCIM_AUDIT_HEADER_LEN;

	while (o < len && n < cap) {
		off[n++] = o;
		o += mcim_load_be16(log + o);
	}
	assert_int_equal(o, len);
	return n;
}

static void log_intact_and_signed(void **state)
{
	struct tf *t = busy_device("intact");
	struct mcim_p256_pub pub, other;
	struct mcim_p256_priv priv;
	struct mcim_audit_report rep;
	char path[400];

	(void)state;
	identity_key(t, &pub);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	assert_int_equal(mcim_audit_verify_file(path, NULL, &pub, NULL, &rep), MCIM_OK);
	assert_true(rep.records >= 12);
	assert_true(rep.checkpoints >= 2);
	/* Checkpoints are the TRE's: another key does not verify them. */
	assert_int_equal(mcim_p256_keygen(&priv, &other), MCIM_OK);
	mcim_p256_priv_wipe(&priv);
	assert_int_equal(mcim_audit_verify_file(path, NULL, &other, NULL, &rep),
			 MCIM_ERR_TAMPERED);
	assert_int_equal(rep.brk, MCIM_AUDIT_BAD_CHECKPOINT);
	tf_free(t);
}

static void break_found_anywhere(void **state)
{
	struct tf *t = busy_device("breaks");
	struct mcim_p256_pub pub;
	struct mcim_audit_report rep;
	char path[400];
	static uint8_t log[LOG_MAX], bad[LOG_MAX];
	size_t len, off[256], n;

	(void)state;
	identity_key(t, &pub);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	len = file_read(path, log, sizeof(log));
	n = record_offsets(log, len, off, 256);
	assert_true(n >= 12);
	for (size_t i = 0; i < n; i++) {
		size_t rec_len = mcim_load_be16(log + off[i]);

		/* one octet changed in the middle of record i+1 */
		memcpy(bad, log, len);
		bad[off[i] + rec_len / 2] ^= 0x20;
		assert_int_equal(mcim_audit_verify_buf(bad, len, &pub, NULL, &rep),
				 MCIM_ERR_TAMPERED);
		assert_int_equal(rep.index, i + 1);
		assert_int_equal(rep.offset, off[i]);
		/* the log cut inside record i+1 */
		assert_int_equal(
		    mcim_audit_verify_buf(log, off[i] + rec_len - 1, &pub, NULL, &rep),
		    MCIM_ERR_TAMPERED);
		assert_int_equal(rep.brk, MCIM_AUDIT_TRUNCATED);
		assert_int_equal(rep.index, i + 1);
		/* record i+1 removed (the last one removed is a shorter, intact log:
		 * only an anchor finds that, tested through the TRE's own anchor) */
		if (i + 1 < n) {
			memcpy(bad, log, off[i]);
			memcpy(bad + off[i], log + off[i] + rec_len,
			       len - off[i] - rec_len);
			assert_int_equal(
			    mcim_audit_verify_buf(bad, len - rec_len, &pub, NULL, &rep),
			    MCIM_ERR_TAMPERED);
			assert_int_equal(rep.index, i + 1);
		}
	}
	/* The TRE's anchor (its last transaction's record names the head it follows)
	 * finds records cut off the end: a tamper report. (One record less would be
	 * that pending record itself, which the TRE appends again.) */
	file_write(path, log, off[n - 3]);
	tf_open(t);
	assert_int_equal(tf_call(t, "tamper-reports", NULL, 0), MCIM_OK);
	assert_int_equal(tf_uint(t, "next"), 2);
	tf_free(t);
}

struct tally {
	unsigned boots, repaired;
	uint64_t last_boot_seq, repaired_seq;
};

static void tally_visit(void *ctx, const struct mcim_audit_record *rec)
{
	struct tally *c = ctx;

	if (rec->type == MCIM_AUDIT_EV_BOOT) {
		c->boots++;
		c->last_boot_seq = rec->seq;
	} else if (rec->type == MCIM_AUDIT_EV_LOG_REPAIRED) {
		c->repaired++;
		c->repaired_seq = rec->seq;
	}
}

static void tally(struct tf *t, struct tally *c)
{
	struct mcim_p256_pub pub;
	struct mcim_audit_verifier v;
	struct mcim_audit_report rep;
	static uint8_t log[LOG_MAX];
	char path[400];
	size_t n;

	memset(c, 0, sizeof(*c));
	identity_key(t, &pub);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	n = file_read(path, log, sizeof(log));
	mcim_audit_verify_init(&v, &pub, NULL, tally_visit, c);
	mcim_audit_verify_update(&v, log, n);
	assert_int_equal(mcim_audit_verify_final(&v, &rep), MCIM_OK);
}

/* An append torn by a crash: the writer cuts the tail, the TRE appends its pending
 * record again, once, and only then records the repair. */
static void torn_tail_reappended(void **state)
{
	struct tf *t = tf_new("torn");
	struct tally before, after;
	static uint8_t log[LOG_MAX];
	size_t len, off[256], n;
	char path[400];

	(void)state;
	tf_close(t);
	tally(t, &before);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	len = file_read(path, log, sizeof(log));
	n = record_offsets(log, len, off, 256);
	/* the last record is the last boot's, still named by the store's anchor */
	file_write(path, log, off[n - 1] + mcim_load_be16(log + off[n - 1]) / 2);
	tf_open(t);
	tf_close(t);
	tally(t, &after);
	assert_int_equal(after.boots, before.boots + 1);
	assert_int_equal(after.repaired, 1);
	assert_true(after.repaired_seq == n + 1);
	tf_open(t);
	tf_free(t);
}

/* The maintenance user can force a checkpoint; the agent cannot. */
static void checkpoint_command(void **state)
{
	struct tf *t = tf_new("ckpt");
	uint64_t s;

	(void)state;
	tf_login(t);
	s = tf_audit_seq(t);
	{
		const struct tool_tre_arg a = {"session", TOOL_ARG_BSTR, t->session, 16,
					       0};

		assert_int_equal(tf_call(t, "audit-checkpoint", &a, 1), MCIM_OK);
		assert_int_equal(tf_uint(t, "seq"), s + 1);
	}
	tf_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(log_intact_and_signed),
	    cmocka_unit_test(break_found_anywhere),
	    cmocka_unit_test(checkpoint_command),
	    cmocka_unit_test(torn_tail_reappended),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
