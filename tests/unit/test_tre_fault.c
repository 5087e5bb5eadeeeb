/*
 * Fault injection at every persistence step of a command (R-TRE-M04, R-TRE-G09):
 * for install, SHO activation, a wrong PIN, a firmware update and AKA, the k-th file
 * operation of the soft backend fails and every later one too (the power is cut
 * there), for k = 1, 2, ... until the command runs through untouched. The device is
 * then restarted on working storage and must be ready, in the state before the
 * command or after it, never between, and its audit log must hold the command's
 * record exactly once when the state is after and not at all when it is before.
 * The same with the audit log's own writes failing: the state change stays, its
 * record is appended at the next start, once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "mcim/auth.h"
#include "tre/tre_int.h"
#include "tre_fault.h"

#include "tre_core_fixture.h"

/* ---- audit I/O that fails the k-th write or sync ---- */

static unsigned long audit_calls, audit_fail_at;

static mcim_err a_open(void *ctx, const char *path, int writable, int *h)
{
	return mcim_audit_io_posix()->open(ctx, path, writable, h);
}

static mcim_err a_read(void *ctx, int h, uint64_t off, uint8_t *buf, size_t len,
		       size_t *got)
{
	return mcim_audit_io_posix()->read(ctx, h, off, buf, len, got);
}

static mcim_err a_write(void *ctx, int h, const uint8_t *buf, size_t len, size_t *written)
{
	if (audit_fail_at != 0 && ++audit_calls >= audit_fail_at)
		return MCIM_ERR_IO;
	return mcim_audit_io_posix()->write(ctx, h, buf, len, written);
}

static mcim_err a_sync(void *ctx, int h)
{
	if (audit_fail_at != 0 && ++audit_calls >= audit_fail_at)
		return MCIM_ERR_IO;
	return mcim_audit_io_posix()->sync(ctx, h);
}

static mcim_err a_truncate(void *ctx, int h, uint64_t len)
{
	return mcim_audit_io_posix()->truncate(ctx, h, len);
}

static void a_close(void *ctx, int h)
{
	mcim_audit_io_posix()->close(ctx, h);
}

static const struct mcim_audit_io audit_fault_io = {a_open,	a_read,	 a_write, a_sync,
						    a_truncate, a_close, NULL};

/* ---- the scenarios ---- */

struct scenario {
	const char *name;
	uint16_t event; /* the audit record the command makes */
	void (*prepare)(struct tf *t);
	mcim_err (*run)(struct tf *t);
	/* 1 when the device is in the state after the command, 0 before; asserts that
	 * it is one of the two. */
	int (*after)(struct tf *t);
};

static struct mcim_profile prof;
static struct mcim_auth_vector vec;
static uint8_t fw_manifest[8192];
static size_t fw_manifest_len;

static void prep_none(struct tf *t)
{
	(void)t;
}

static void prep_installed(struct tf *t)
{
	assert_int_equal(tf_install(t, &prof), MCIM_OK);
}

static void prep_active(struct tf *t)
{
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_he he;

	prep_installed(t);
	assert_int_equal(tf_mgmt(t, prof.id, 1, MCIM_MGMT_ACTIVATE), MCIM_OK);
	assert_int_equal(mcim_aka_prepare(&kc, &prof.cred), MCIM_OK);
	assert_int_equal(mcim_sqn_he_init(&prof.sqn, &he, 0), MCIM_OK);
	assert_int_equal(
	    mcim_auth_generate(&kc, &prof.sqn, &he, prof.amf, mcim_rng_system(), &vec),
	    MCIM_OK);
	mcim_aka_keyctx_wipe(&kc);
}

static void prep_fw(struct tf *t)
{
	fw_manifest_len = tf_manifest(t, 2, 2, fw_manifest, sizeof(fw_manifest));
}

static const char *mcim_state(struct tf *t, char *out, size_t cap)
{
	json_t *j, *m;

	assert_int_equal(tf_call(t, "mcim-list", NULL, 0), MCIM_OK);
	j = tool_cbor_to_json(t->r.result, t->r.result_len);
	m = json_array_get(json_object_get(j, "mcims"), 0);
	snprintf(out, cap, "%s",
		 m != NULL ? json_string_value(json_object_get(m, "state")) : "none");
	json_decref(j);
	return out;
}

static mcim_err run_install(struct tf *t)
{
	return tf_install(t, &prof);
}

static int after_install(struct tf *t)
{
	char s[32];

	mcim_state(t, s, sizeof(s));
	if (strcmp(s, "none") == 0)
		return 0;
	assert_string_equal(s, "installed");
	return 1;
}

static mcim_err run_activate(struct tf *t)
{
	return tf_mgmt(t, prof.id, 1, MCIM_MGMT_ACTIVATE);
}

static int after_activate(struct tf *t)
{
	char s[32];

	mcim_state(t, s, sizeof(s));
	if (strcmp(s, "installed") == 0)
		return 0;
	assert_string_equal(s, "activated");
	return 1;
}

static mcim_err run_pin(struct tf *t)
{
	const struct tool_tre_arg a = {"pin", TOOL_ARG_TSTR, "13571357", 0, 0};

	return tf_call(t, "pin-verify", &a, 1);
}

static int after_pin(struct tf *t)
{
	const uint8_t *pin;
	size_t n;
	uint64_t left;

	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "pin", &pin, &n),
			 MCIM_OK);
	assert_int_equal(tool_cbor_get_uint(pin, n, "left", &left), MCIM_OK);
	assert_true(left == TOOL_DEVICE_PIN_TRIES || left == TOOL_DEVICE_PIN_TRIES - 1);
	return left == TOOL_DEVICE_PIN_TRIES - 1;
}

static mcim_err run_fw(struct tf *t)
{
	const struct tool_tre_arg a = {"manifest", TOOL_ARG_BSTR, fw_manifest,
				       fw_manifest_len, 0};

	return tf_call(t, "fw-update", &a, 1);
}

static int after_fw(struct tf *t)
{
	const uint8_t *b;
	size_t n;
	uint64_t seq;
	json_t *j;
	int pending;

	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "boot", &b, &n),
			 MCIM_OK);
	j = tool_cbor_to_json(b, n);
	/* After: booted the new manifest on trial. */
	seq = (uint64_t)json_integer_value(json_object_get(j, "sequence"));
	pending = json_is_true(json_object_get(j, "trial"));
	json_decref(j);
	assert_true((seq == 1 && !pending) || (seq == 2 && pending));
	return seq == 2;
}

static mcim_err run_aka(struct tf *t)
{
	const struct tool_tre_arg a[2] = {
	    {"rand", TOOL_ARG_BSTR, vec.rand, 16, 0},
	    {"autn", TOOL_ARG_BSTR, vec.autn, vec.autn_len, 0},
	};

	return tf_call(t, "aka", a, 2);
}

static int after_aka(struct tf *t)
{
	/* The SQN was accepted exactly when the same challenge is now stale. */
	mcim_err e = run_aka(t);

	assert_true(e == MCIM_OK || e == MCIM_ERR_SYNC_FAILURE);
	return e == MCIM_ERR_SYNC_FAILURE;
}

static const struct scenario scenarios[] = {
    {"install", MCIM_AUDIT_EV_MCIM_INSTALLED, prep_none, run_install, after_install},
    {"activate", MCIM_AUDIT_EV_MCIM_STATE_CHANGED, prep_installed, run_activate,
     after_activate},
    {"pin", TRE_EV_PIN_VERIFY, prep_none, run_pin, after_pin},
    {"fw", TRE_EV_FW_ACCEPTED, prep_fw, run_fw, after_fw},
    {"aka", TRE_EV_AKA, prep_active, run_aka, after_aka},
};

/* ---- the audit log, counted ---- */

struct counter {
	uint16_t type;
	unsigned n;
};

static void visit(void *ctx, const struct mcim_audit_record *rec)
{
	struct counter *c = ctx;

	if (rec->type == c->type)
		c->n++;
}

/* Records of type in t's log; the log must verify intact. */
static unsigned audit_count(struct tf *t, uint16_t type)
{
	char path[400];
	uint8_t der[MCIM_CERT_MAX_LEN];
	static uint8_t log[1 << 20];
	size_t der_len, n;
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	struct mcim_audit_verifier v;
	struct mcim_audit_report rep;
	struct counter c = {type, 0};

	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_CERT);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &der_len), MCIM_OK);
	assert_int_equal(mcim_cert_parse(der, der_len, &info, &pub), MCIM_OK);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	n = file_read(path, log, sizeof(log));
	mcim_audit_verify_init(&v, &pub, NULL, visit, &c);
	mcim_audit_verify_update(&v, log, n);
	assert_int_equal(mcim_audit_verify_final(&v, &rep), MCIM_OK);
	return c.n;
}

static void snapshot(const char *from, const char *to)
{
	char cmd[1024];

	rm_tree(to);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

/* A device at dir (a snapshot), opened with the given I/O. */
static struct tf *tf_at(const char *dir, const struct tre_soft_io *io,
			const struct mcim_audit_io *aio)
{
	struct tf *t = calloc(1, sizeof(*t));
	char err[TOOL_DEVICE_ERR_MAX];

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	t->now = (uint64_t)time(NULL);
	t->tre = malloc(sizeof(*t->tre));
	assert_non_null(t->tre);
	assert_int_equal(tool_device_load(dir, &t->dev, err), MCIM_OK);
	t->dev.cfg.clock = tf_clock;
	t->dev.cfg.clock_ctx = t;
	t->dev.cfg.soft_io = io;
	t->dev.cfg.audit_io = aio;
	t->dev.cfg.audit_checkpoint_every = tf_checkpoint_every;
	assert_int_equal(mcim_tre_open(t->tre, &t->dev.cfg), MCIM_OK);
	return t;
}

static void tf_at_free(struct tf *t)
{
	mcim_tre_close(t->tre);
	free(t->tre);
	free(t);
}

/* Restarted on good storage: ready, before or after, the record exactly then. */
static int check_after_restart(const char *dir, const struct scenario *s, unsigned base)
{
	struct tf *t = tf_at(dir, NULL, NULL);
	char st[32];
	unsigned n;
	int after;

	tf_state(t, st, sizeof(st));
	assert_string_equal(st, "ready");
	/* Counted before after() looks: its probe may make records of its own. */
	n = audit_count(t, s->event);
	after = s->after(t);
	assert_int_equal(n, base + (unsigned)after);
	tf_at_free(t);
	return after;
}

static void run_scenario(const struct scenario *s)
{
	struct tf *g;
	char golden[400], work[400];
	unsigned base, befores = 0, afters = 0, k;

	g = tf_new(s->name);
	tf_profile(&prof, 0x41);
	s->prepare(g);
	base = audit_count(g, s->event);
	tf_close(g);
	snprintf(golden, sizeof(golden), "%s", g->dir);
	snprintf(work, sizeof(work), "%s-work", g->dir);

	for (k = 1;; k++) {
		struct tf *t;
		mcim_err e;
		int done;

		snapshot(golden, work);
		memset(&fault, 0, sizeof(fault));
		t = tf_at(work, &tre_fault_io, NULL);
		fault_arm(k, 1, EIO);
		e = s->run(t);
		done = fault.failed == 0;
		fault_disarm();
		tf_at_free(t);
		if (check_after_restart(work, s, base))
			afters++;
		else
			befores++;
		if (done) {
			assert_true(e == MCIM_OK || e == MCIM_ERR_DENIED);
			break;
		}
		assert_true(k < 200);
	}
	/* Every cut before the commit point leaves the state before, every one after
	 * it the state after: both must have been seen. */
	assert_true(befores > 0 && afters > 0);

	/* The audit log's own writes failing, one point at a time. */
	for (k = 1; k <= 4; k++) {
		struct tf *t;

		snapshot(golden, work);
		t = tf_at(work, NULL, &audit_fault_io);
		audit_calls = 0;
		audit_fail_at = k;
		(void)s->run(t);
		tf_at_free(t);
		audit_fail_at = 0;
		assert_int_equal(check_after_restart(work, s, base), 1);
	}
	rm_tree(work);
	mcim_profile_wipe(&prof);
	tf_free(g);
}

/* ---- kill -9 ---- */

/* What the log says happened: boots, and MAC failures of the PCID. */
struct tally {
	uint64_t boots, mac_failures;
};

static void tally_visit(void *ctx, const struct mcim_audit_record *rec)
{
	struct tally *c = ctx;

	if (rec->type == MCIM_AUDIT_EV_BOOT)
		c->boots++;
	if (rec->type == TRE_EV_PCID_AKA && rec->outcome == MCIM_ERR_MAC_FAILURE)
		c->mac_failures++;
}

static void tally_log(struct tf *t, struct tally *c)
{
	char path[400];
	uint8_t der[MCIM_CERT_MAX_LEN];
	static uint8_t log[1 << 20];
	size_t der_len, n;
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	struct mcim_audit_verifier v;
	struct mcim_audit_report rep;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_CERT);
	assert_int_equal(mcim_cert_read_pem(path, der, sizeof(der), &der_len), MCIM_OK);
	assert_int_equal(mcim_cert_parse(der, der_len, &info, &pub), MCIM_OK);
	snprintf(path, sizeof(path), "%s/store/audit.log", t->dir);
	n = file_read(path, log, sizeof(log));
	mcim_audit_verify_init(&v, &pub, NULL, tally_visit, c);
	mcim_audit_verify_update(&v, log, n);
	assert_int_equal(mcim_audit_verify_final(&v, &rep), MCIM_OK);
}

/* The counters of the sealed store, from status. */
static void tally_store(struct tf *t, struct tally *c)
{
	const uint8_t *m;
	size_t n;

	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "counters", &m, &n),
			 MCIM_OK);
	assert_int_equal(tool_cbor_get_uint(m, n, "boots", &c->boots), MCIM_OK);
	assert_int_equal(tool_cbor_get_uint(m, n, "failed_auths", &c->mac_failures),
			 MCIM_OK);
}

/* The child: AKA with the PCID in a loop (each success commits its SQN, each forged
 * MAC the failure count), until it is killed. */
static void aka_forever(struct tf *t)
{
	char path[400];
	json_t *f, *pc;
	struct mcim_aka_cred cred = {0};
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	const uint8_t amf[2] = {0x80, 0};
	const char *k, *opc;

	snprintf(path, sizeof(path), "%s/%s", t->dir, TOOL_DEVICE_FACTORY);
	f = json_load_file(path, 0, NULL);
	pc = json_object_get(f, "pcid");
	k = json_string_value(json_object_get(pc, "k"));
	opc = json_string_value(json_object_get(pc, "opc"));
	cred.alg = MCIM_AKA_MILENAGE;
	cred.k_len = 16;
	mcim_milenage_default_consts(&cred.params.milenage);
	if (mcim_hex_decode_exact(k, strlen(k), cred.k, 16) != MCIM_OK ||
	    mcim_hex_decode_exact(opc, strlen(opc), cred.opc, 16) != MCIM_OK ||
	    mcim_aka_prepare(&kc, &cred) != MCIM_OK)
		_exit(2);
	json_decref(f);
	mcim_sqn_cfg_default(&cfg);
	/* SQNs from the child's clock: fresh across restarts of the child */
	if (mcim_sqn_he_init(&cfg, &he, (uint64_t)time(NULL) * 1000 % (1ull << 40)) !=
	    MCIM_OK)
		_exit(2);
	for (unsigned i = 0;; i++) {
		struct mcim_auth_vector av;
		struct tool_tre_arg a[3];

		he.seq += 1000;
		if (mcim_auth_generate(&kc, &cfg, &he, amf, mcim_rng_system(), &av) !=
		    MCIM_OK)
			_exit(2);
		if (i % 3 == 2)
			av.autn[av.autn_len - 1] ^= 1;
		a[0] = (struct tool_tre_arg){"rand", TOOL_ARG_BSTR, av.rand, 16, 0};
		a[1] =
		    (struct tool_tre_arg){"autn", TOOL_ARG_BSTR, av.autn, av.autn_len, 0};
		a[2] = (struct tool_tre_arg){"target", TOOL_ARG_TSTR, "pcid", 0, 0};
		(void)tf_call(t, "aka", a, 3);
	}
}

/* R-TRE-M04, R-TRE-G09: kill -9 at random moments of a TRE that boots and runs AKA
 * in a loop; every restart finds a ready TRE whose log verifies and holds exactly
 * one record per state change the store committed: as many BOOT records as the
 * store counted boots, as many MAC-failure records as it counted failures. */
static void kill9_exactly_once(void **state)
{
	struct tf *t = tf_new("kill9");
	unsigned seed = (unsigned)time(NULL);

	(void)state;
	tf_close(t);
	for (int round = 0; round < 16; round++) {
		struct timespec ts = {0, (long)(5 + rand_r(&seed) % 120) * 1000 * 1000};
		pid_t pid = fork();
		struct tally store, log;
		char st[32];

		assert_true(pid >= 0);
		if (pid == 0) {
			if (tf_open_io(t, NULL) != MCIM_OK)
				_exit(2);
			aka_forever(t);
		}
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		tf_open(t);
		tf_state(t, st, sizeof(st));
		assert_string_equal(st, "ready");
		tally_store(t, &store);
		tf_close(t);
		tally_log(t, &log);
		assert_int_equal(log.boots, store.boots);
		assert_int_equal(log.mac_failures, store.mac_failures);
	}
	tf_open(t);
	tf_free(t);
}

static void fault_install(void **state)
{
	(void)state;
	run_scenario(&scenarios[0]);
}

static void fault_activate(void **state)
{
	(void)state;
	run_scenario(&scenarios[1]);
}

static void fault_pin(void **state)
{
	(void)state;
	run_scenario(&scenarios[2]);
}

static void fault_fw(void **state)
{
	(void)state;
	run_scenario(&scenarios[3]);
}

static void fault_aka(void **state)
{
	(void)state;
	run_scenario(&scenarios[4]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fault_install), cmocka_unit_test(fault_activate),
	    cmocka_unit_test(fault_pin),     cmocka_unit_test(fault_fw),
	    cmocka_unit_test(fault_aka),     cmocka_unit_test(kill9_exactly_once),
	};

	return cmocka_run_group_tests(tests, tf_setup_pki, tf_teardown_pki);
}
