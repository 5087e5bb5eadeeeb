/*
 * Shared by the TRE core tests (test_tre_cmd, _tamper, _aka, _fault, _audit, _fw,
 * _serve): one demo PKI per test program (tool_pki_init in a temp directory), a
 * device manufactured from it per test (tool_device_init), the TRE opened on it with
 * a test clock and optionally the fault-injecting I/O of tre_fault.h, requests sent
 * through mcim_tre_call and responses read strictly, and the network's side of the
 * objects the TRE consumes (an MCIM package from the PKI's DPF, SHO management
 * commands, firmware manifests).
 *
 * Include after <cmocka.h> and tre_fault.h. Everything is static so that a test
 * using part of it compiles without warnings.
 */
#ifndef MCIM_TESTS_TRE_CORE_FIXTURE_H
#define MCIM_TESTS_TRE_CORE_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcim/audit.h"
#include "mcim/bytes.h"
#include "mcim/manifest.h"
#include "mcim/mgmt.h"
#include "mcim/profile.h"
#include "mcim/tre.h"
#include "tool/device.h"
#include "tool/pki.h"

#define TF_PIN	"24681357"
#define TF_IMEI "356938035643809"
#define TF_SHO	"00101" /* sho1 of the default PKI */

static char tf_root[256]; /* the program's temp directory */
static char tf_pki[300];  /* its PKI */
static struct tool_pki tf_pki_loaded;
/* Checkpoints every this many audit records (high, so that counts stay exact). */
static uint32_t tf_checkpoint_every = 1000;

struct tf {
	char dir[320];
	struct tool_device dev;
	struct mcim_tre *tre;
	uint64_t now;
	uint8_t req[MCIM_TRE_MSG_MAX], resp[MCIM_TRE_MSG_MAX];
	size_t resp_len;
	struct tool_tre_resp r;
	uint8_t session[16];
};

static inline uint64_t tf_clock(void *ctx)
{
	return ((struct tf *)ctx)->now;
}

/* Group setup: the PKI. */
static inline int tf_setup_pki(void **state)
{
	struct tool_pki_opts o = {0};
	char err[TOOL_PKI_ERR_MAX];

	(void)state;
	tre_test_mkdtemp(tf_root, sizeof(tf_root), "tre-core");
	snprintf(tf_pki, sizeof(tf_pki), "%s/pki", tf_root);
	o.now = time(NULL);
	o.days = 3650;
	if (tool_pki_init(tf_pki, &o, err) != MCIM_OK) {
		fprintf(stderr, "pki: %s\n", err);
		return -1;
	}
	return tool_pki_load(tf_pki, &tf_pki_loaded) == MCIM_OK ? 0 : -1;
}

static inline int tf_teardown_pki(void **state)
{
	(void)state;
	tool_pki_free(&tf_pki_loaded);
	rm_tree(tf_root);
	return 0;
}

/* Opens the TRE of t->dir; io NULL for POSIX. */
static inline mcim_err tf_open_io(struct tf *t, const struct tre_soft_io *io)
{
	char err[TOOL_DEVICE_ERR_MAX];
	mcim_err e = tool_device_load(t->dir, &t->dev, err);

	if (e != MCIM_OK)
		return e;
	t->dev.cfg.clock = tf_clock;
	t->dev.cfg.clock_ctx = t;
	t->dev.cfg.soft_io = io;
	t->dev.cfg.audit_checkpoint_every = tf_checkpoint_every;
	if (t->tre == NULL)
		t->tre = malloc(sizeof(*t->tre));
	assert_non_null(t->tre);
	return mcim_tre_open(t->tre, &t->dev.cfg);
}

static inline void tf_open(struct tf *t)
{
	assert_int_equal(tf_open_io(t, NULL), MCIM_OK);
}

static inline void tf_close(struct tf *t)
{
	if (t->tre != NULL)
		mcim_tre_close(t->tre);
}

/* A new device with that backend (name under the program's temp directory), opened. */
static inline struct tf *tf_new_backend(const char *name, enum mcim_cert_backend be)
{
	struct tf *t = calloc(1, sizeof(*t));
	struct tool_device_opts o = {0};
	struct tool_device_made made;
	char err[TOOL_DEVICE_ERR_MAX];

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "%s/%s", tf_root, name);
	rm_tree(t->dir);
	o.pki_dir = tf_pki;
	o.imei = TF_IMEI;
	o.pin = TF_PIN;
	o.backend = be;
	o.now = time(NULL);
	if (tool_device_init(t->dir, &o, &made, err) != MCIM_OK)
		fail_msg("device init: %s", err);
	assert_int_equal(made.state, MCIM_TRE_READY);
	t->now = (uint64_t)time(NULL);
	tf_open(t);
	return t;
}

static inline struct tf *tf_new(const char *name)
{
	return tf_new_backend(name, MCIM_CERT_BACKEND_SOFT);
}

static inline void tf_free(struct tf *t)
{
	tf_close(t);
	free(t->tre);
	rm_tree(t->dir);
	free(t);
}

/* One request; returns the TRE's status (the result in t->r). */
static inline mcim_err tf_call(struct tf *t, const char *cmd,
			       const struct tool_tre_arg *a, size_t n)
{
	size_t len;

	assert_int_equal(tool_tre_request(cmd, a, n, t->req, sizeof(t->req), &len),
			 MCIM_OK);
	assert_int_equal(
	    mcim_tre_call(t->tre, t->req, len, t->resp, sizeof(t->resp), &t->resp_len),
	    MCIM_OK);
	assert_int_equal(tool_tre_response(t->resp, t->resp_len, &t->r), MCIM_OK);
	return t->r.status;
}

/* Raw request bytes; returns the status. */
static inline mcim_err tf_call_raw(struct tf *t, const uint8_t *req, size_t len)
{
	assert_int_equal(
	    mcim_tre_call(t->tre, req, len, t->resp, sizeof(t->resp), &t->resp_len),
	    MCIM_OK);
	assert_int_equal(tool_tre_response(t->resp, t->resp_len, &t->r), MCIM_OK);
	return t->r.status;
}

static inline uint64_t tf_uint(struct tf *t, const char *key)
{
	uint64_t v = 0;

	assert_int_equal(tool_cbor_get_uint(t->r.result, t->r.result_len, key, &v),
			 MCIM_OK);
	return v;
}

static inline const uint8_t *tf_bstr(struct tf *t, const char *key, size_t *len)
{
	const uint8_t *d = NULL;

	assert_int_equal(tool_cbor_get_bstr(t->r.result, t->r.result_len, key, &d, len),
			 MCIM_OK);
	return d;
}

static inline void tf_str(struct tf *t, const char *key, char *out, size_t cap)
{
	assert_int_equal(tool_cbor_get_str(t->r.result, t->r.result_len, key, out, cap),
			 MCIM_OK);
}

/* The store generation, from status (a change of state moves it). */
static inline uint64_t tf_generation(struct tf *t)
{
	const uint8_t *c;
	size_t cl;
	uint64_t g = 0;

	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	assert_int_equal(tool_cbor_get(t->r.result, t->r.result_len, "counters", &c, &cl),
			 MCIM_OK);
	assert_int_equal(tool_cbor_get_uint(c, cl, "generation", &g), MCIM_OK);
	return g;
}

static inline void tf_state(struct tf *t, char *out, size_t cap)
{
	assert_int_equal(tf_call(t, "status", NULL, 0), MCIM_OK);
	tf_str(t, "state", out, cap);
}

/* The audit log's head seq, from audit-head. */
static inline uint64_t tf_audit_seq(struct tf *t)
{
	assert_int_equal(tf_call(t, "audit-head", NULL, 0), MCIM_OK);
	return tf_uint(t, "seq");
}

/* A PIN session into t->session. */
static inline void tf_login(struct tf *t)
{
	const struct tool_tre_arg a = {"pin", TOOL_ARG_TSTR, TF_PIN, 0, 0};
	const uint8_t *s;
	size_t sl;

	assert_int_equal(tf_call(t, "pin-verify", &a, 1), MCIM_OK);
	s = tf_bstr(t, "session", &sl);
	assert_int_equal(sl, 16);
	memcpy(t->session, s, 16);
}

/* The TRE's ids and keys from mfg-keys' twin, identity. */
static inline void tf_identity(struct tf *t, uint8_t tre_id[16],
			       struct mcim_p256_pub *id_pub, struct mcim_p256_pub *ka_pub)
{
	const uint8_t *d;
	size_t n;

	assert_int_equal(tf_call(t, "identity", NULL, 0), MCIM_OK);
	d = tf_bstr(t, "tre_id", &n);
	assert_int_equal(n, 16);
	memcpy(tre_id, d, 16);
	if (id_pub != NULL) {
		d = tf_bstr(t, "id_pub", &n);
		assert_int_equal(n, 65);
		memcpy(id_pub->q, d, 65);
	}
	if (ka_pub != NULL) {
		d = tf_bstr(t, "ka_pub", &n);
		assert_int_equal(n, 65);
		memcpy(ka_pub->q, d, 65);
	}
}

/* ---- the network's side ---- */

/* A valid MILENAGE profile of sho1 with random K and OP, id byte b repeated. */
static inline void tf_profile(struct mcim_profile *p, uint8_t b)
{
	const struct tool_pki_entity *m = tool_pki_find(&tf_pki_loaded, "sho1-mgmt");
	uint8_t op[16];

	assert_non_null(m);
	memset(p, 0, sizeof(*p));
	memset(p->id, b, sizeof(p->id));
	p->version = 1;
	snprintf(p->sho, sizeof(p->sho), "%s", TF_SHO);
	snprintf(p->imsi, sizeof(p->imsi), "%s%010u", TF_SHO, 100u + b);
	p->cred.alg = MCIM_AKA_MILENAGE;
	p->cred.k_len = 16;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), p->cred.k, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), op, 16), MCIM_OK);
	mcim_milenage_default_consts(&p->cred.params.milenage);
	assert_int_equal(mcim_profile_set_op(p, op, sizeof(op)), MCIM_OK);
	assert_int_equal(mcim_profile_kcv(&p->cred, p->kcv), MCIM_OK);
	p->amf[0] = 0x80;
	mcim_sqn_cfg_default(&p->sqn);
	mcim_policy_default(&p->policy);
	memcpy(p->mgmt_cert, m->der, m->der_len);
	p->mgmt_cert_len = m->der_len;
}

/* The package of p for t's TRE, from sho's DPF ("sho1" or "sho2"). */
static inline size_t tf_package(struct tf *t, const struct mcim_profile *p,
				const char *dpf, uint8_t *out, size_t cap)
{
	uint8_t tre_id[16];
	struct mcim_p256_pub ka;
	struct mcim_p256_priv key;
	struct mcim_iov chain[4];
	size_t n, len;

	tf_identity(t, tre_id, NULL, &ka);
	assert_int_equal(tool_pki_key(&tf_pki_loaded, dpf, &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&tf_pki_loaded, dpf, 0, chain, 4, &n), MCIM_OK);
	assert_int_equal(tool_dl_package(p, tre_id, &ka, &key, chain, n, out, cap, &len),
			 MCIM_OK);
	mcim_p256_priv_wipe(&key);
	return len;
}

static inline mcim_err tf_install(struct tf *t, const struct mcim_profile *p)
{
	uint8_t *pkg = malloc(MCIM_TRE_MSG_MAX);
	size_t len;
	mcim_err e;

	assert_non_null(pkg);
	len = tf_package(t, p, "sho1-dpf", pkg, MCIM_TRE_MSG_MAX);
	{
		const struct tool_tre_arg a = {"package", TOOL_ARG_BSTR, pkg, len, 0};

		e = tf_call(t, "install", &a, 1);
	}
	free(pkg);
	return e;
}

/* A signed management command from sho1's management key. */
static inline size_t tf_mgmt_cmd(struct tf *t, const uint8_t id[16], uint64_t counter,
				 enum mcim_mgmt_cmd cmd, uint8_t *out, size_t cap)
{
	struct mcim_mgmt m;
	struct mcim_p256_priv key;
	size_t len;

	memset(&m, 0, sizeof(m));
	tf_identity(t, m.tre_id, NULL, NULL);
	memcpy(m.mcim_id, id, 16);
	m.counter = counter;
	m.cmd = cmd;
	assert_int_equal(tool_pki_key(&tf_pki_loaded, "sho1-mgmt", &key), MCIM_OK);
	assert_int_equal(mcim_mgmt_sign(&m, &key, out, cap, &len), MCIM_OK);
	mcim_p256_priv_wipe(&key);
	return len;
}

static inline mcim_err tf_mgmt(struct tf *t, const uint8_t id[16], uint64_t counter,
			       enum mcim_mgmt_cmd cmd)
{
	uint8_t buf[MCIM_MGMT_SIGNED_MAX];
	size_t len = tf_mgmt_cmd(t, id, counter, cmd, buf, sizeof(buf));
	const struct tool_tre_arg a = {"command", TOOL_ARG_BSTR, buf, len, 0};

	return tf_call(t, "mgmt", &a, 1);
}

/* A manifest for the device's components as they are on disk now. */
static inline size_t tf_manifest(struct tf *t, uint32_t seq, uint32_t secver,
				 uint8_t *out, size_t cap)
{
	struct mcim_manifest m;
	struct mcim_p256_priv key;
	struct mcim_iov chain[4];
	static uint8_t work[65536];
	size_t n, len;

	memset(&m, 0, sizeof(m));
	m.sequence = seq;
	m.security_version = secver;
	snprintf(m.platform, sizeof(m.platform), "%s", TOOL_DEVICE_MODEL);
	m.n = t->dev.n;
	for (size_t i = 0; i < t->dev.n; i++) {
		snprintf(m.components[i].name, sizeof(m.components[i].name), "%s",
			 t->dev.names[i]);
		snprintf(m.components[i].version, sizeof(m.components[i].version), "%u.0",
			 (unsigned)seq);
		assert_int_equal(mcim_manifest_hash_file(t->dev.paths[i], work,
							 sizeof(work),
							 m.components[i].digest, NULL),
				 MCIM_OK);
	}
	assert_int_equal(tool_pki_key(&tf_pki_loaded, "m2mes", &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&tf_pki_loaded, "m2mes", 0, chain, 4, &n),
			 MCIM_OK);
	assert_int_equal(mcim_manifest_sign(&m, &key, chain, n, out, cap, &len), MCIM_OK);
	mcim_p256_priv_wipe(&key);
	return len;
}

/* 1 when the text s occurs in hay. */
static inline int tf_contains(const uint8_t *hay, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, s, n) == 0)
			return 1;
	return 0;
}

/* Copies a file (plain, as an attacker at the flash). */
static inline void tf_copy(const char *from, const char *to)
{
	static uint8_t buf[65536];
	size_t n = file_read(from, buf, sizeof(buf));

	file_write(to, buf, n);
}

#endif
