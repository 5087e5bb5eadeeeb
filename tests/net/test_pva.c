/*
 * The PVA end to end (R-NET-R07, R-PRC-201..205, R-TRE-G12, T-01): a real server on
 * 127.0.0.1:0 with a real SQLite store; devices simulated with TRE certificates
 * issued from the demo PKI and evidence signed by the library's encoder; every
 * result checked with mcim_proto_pva_result_verify as the DPF would.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_pva_env.h"

#include "mcim/evidence.h"
#include "mcim/manifest.h"

#define PLATFORM "demo-m2me"
#define SEQUENCE 7

struct dev {
	struct mcim_p256_priv key;
	uint8_t cert[MCIM_CERT_MAX_LEN];
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain;
	char tre_hex[2 * MCIM_PROTO_TRE_ID_LEN + 1];
	uint8_t tre_id[MCIM_PROTO_TRE_ID_LEN];
};

static struct env env;
static struct mcim_manifest manifest;
static uint8_t session[MCIM_PROTO_SIGNED_MAX];
static size_t session_len;

static void random_bytes(uint8_t *p, size_t n)
{
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), p, n), MCIM_OK);
}

static void dev_make(struct dev *d, unsigned assurance)
{
	struct mcim_p256_pub pub;
	struct tool_pki_tre req;
	size_t len = 0, n = 0;

	memset(d, 0, sizeof(*d));
	random_bytes(d->tre_id, sizeof(d->tre_id));
	assert_int_equal(
	    mcim_hex_encode(d->tre_id, sizeof(d->tre_id), d->tre_hex, sizeof(d->tre_hex)),
	    MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&d->key, &pub), MCIM_OK);
	memset(&req, 0, sizeof(req));
	req.pub = &pub;
	req.tre_id = d->tre_hex;
	req.platform_id = "356938035643809";
	req.backend = MCIM_CERT_BACKEND_SOFT;
	req.assurance = assurance;
	req.not_before = time(NULL) - 3600;
	assert_int_equal(
	    tool_pki_issue_tre(&env.pki, &req, d->cert, sizeof(d->cert), &len), MCIM_OK);
	d->chain[0] = (struct mcim_iov){d->cert, len};
	assert_int_equal(tool_pki_chain(&env.pki, "m2mes-ca", 0, d->chain + 1,
					MCIM_COSE_X5CHAIN_MAX - 1, &n),
			 MCIM_OK);
	d->n_chain = 1 + n;
}

/* The firmware the M2MES publishes: three components, digests at random. */
static void manifest_make(struct mcim_manifest *m, uint32_t sequence)
{
	static const char *const names[] = {"bootloader", "kernel", "app"};

	memset(m, 0, sizeof(*m));
	m->sequence = sequence;
	m->security_version = 1;
	snprintf(m->platform, sizeof(m->platform), "%s", PLATFORM);
	m->n = 3;
	for (size_t i = 0; i < 3; i++) {
		snprintf(m->components[i].name, sizeof(m->components[i].name), "%s",
			 names[i]);
		snprintf(m->components[i].version, sizeof(m->components[i].version),
			 "1.%zu", i);
		random_bytes(m->components[i].digest, MCIM_SHA256_LEN);
	}
}

/* The manifest signed by entity `who` (m2mes normally) as base64 with padding. */
static char *manifest_b64(const struct mcim_manifest *m, const char *who)
{
	static uint8_t buf[MCIM_MANIFEST_MAX_LEN];
	static char b64[MCIM_MANIFEST_MAX_LEN * 2];
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain = 0, len = 0, bl;

	assert_int_equal(tool_pki_key(&env.pki, who, &key), MCIM_OK);
	assert_int_equal(
	    tool_pki_chain(&env.pki, who, 0, chain, MCIM_COSE_X5CHAIN_MAX, &n_chain),
	    MCIM_OK);
	assert_int_equal(
	    mcim_manifest_sign(m, &key, chain, n_chain, buf, sizeof(buf), &len), MCIM_OK);
	mcim_p256_priv_wipe(&key);
	assert_int_equal(icf_b64url_encode(buf, len, b64, sizeof(b64)), MCIM_OK);
	for (char *c = b64; *c; c++)
		*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
	bl = strlen(b64);
	while (bl % 4 != 0)
		b64[bl++] = '=';
	b64[bl] = '\0';
	return b64;
}

static long upload(const struct mcim_manifest *m, const char *who, struct reply *r)
{
	char *b64 = manifest_b64(m, who);
	char *json = malloc(strlen(b64) + 32);

	sprintf(json, "{\"manifest\":\"%s\"}", b64);
	env_operator(&env, "POST", "/v1/tenants/pva/reference-values", json,
		     ENV_PVA_TOKEN, r);
	free(json);
	return r->status;
}

/* Evidence of d over n_p in mode, for firmware m; `changed` names a component whose
 * file was modified (remote) or that the TRE reports failed (semi). */
static size_t evidence(const struct dev *d, enum mcim_evidence_mode mode,
		       const uint8_t n_p[MCIM_PROTO_N_P_LEN],
		       const struct mcim_manifest *m, const char *changed, uint8_t *out,
		       size_t cap)
{
	static struct mcim_evidence ev;
	size_t len = 0;

	memset(&ev, 0, sizeof(ev));
	memcpy(ev.nonce, n_p, MCIM_PROTO_N_P_LEN);
	snprintf(ev.tre_id, sizeof(ev.tre_id), "%s", d->tre_hex);
	ev.mode = mode;
	ev.boot.state = changed != NULL ? MCIM_BOOT_BAD : MCIM_BOOT_GOOD;
	ev.boot.manifest_reason = MCIM_BOOT_OK;
	ev.boot.sequence = m->sequence;
	ev.boot.security_version = m->security_version;
	snprintf(ev.boot.platform, sizeof(ev.boot.platform), "%s", m->platform);
	ev.counters.boot_count = 3;
	if (mode == MCIM_EVIDENCE_REMOTE) {
		ev.events[0].pcr = MCIM_PCR_MANIFEST;
		ev.events[0].type = MCIM_EVENT_MANIFEST;
		snprintf(ev.events[0].name, sizeof(ev.events[0].name), "manifest");
		random_bytes(ev.events[0].digest, MCIM_SHA256_LEN);
		for (size_t i = 0; i < m->n; i++) {
			struct mcim_event *e = &ev.events[1 + i];

			e->pcr = (uint8_t)(1 + i);
			e->type = MCIM_EVENT_COMPONENT;
			memcpy(e->name, m->components[i].name, sizeof(e->name));
			memcpy(e->version, m->components[i].version, sizeof(e->version));
			memcpy(e->digest, m->components[i].digest, MCIM_SHA256_LEN);
			if (changed != NULL && strcmp(e->name, changed) == 0)
				e->digest[0] ^= 0x01; /* one bit of the file re-flashed */
		}
		ev.n_events = 1 + m->n;
		assert_int_equal(mcim_evidence_replay(ev.events, ev.n_events, ev.pcrs),
				 MCIM_OK);
	} else if (mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS && changed != NULL) {
		snprintf(ev.failed[0].name, sizeof(ev.failed[0].name), "%s", changed);
		ev.failed[0].reason = MCIM_BOOT_DIGEST_MISMATCH;
		ev.n_failed = 1;
	}
	assert_int_equal(
	    mcim_evidence_sign(&ev, &d->key, d->chain, d->n_chain, out, cap, &len),
	    MCIM_OK);
	return len;
}

static void challenge(const struct dev *d, enum mcim_evidence_mode mode,
		      uint8_t n_p[MCIM_PROTO_N_P_LEN])
{
	struct mcim_proto_pva_challenge_req q = {.mode = mode};
	struct mcim_proto_pva_challenge c;
	uint8_t body[128];
	size_t len = 0;
	struct reply r;

	memcpy(q.tre_id, d->tre_id, sizeof(q.tre_id));
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	env_device(&env, "/pva/v1/challenge", body, len, session, session_len, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_pva_challenge_decode(r.body, r.len, &c), MCIM_OK);
	assert_true(c.exp > time(NULL) && c.exp <= time(NULL) + NET_PVA_NONCE_TTL + 5);
	memcpy(n_p, c.n_p, MCIM_PROTO_N_P_LEN);
}

/* Posts evidence; on 200 verifies the result for d and n_p into *res. */
static long submit(const struct dev *d, const uint8_t *ev, size_t ev_len,
		   const uint8_t n_p[MCIM_PROTO_N_P_LEN],
		   struct mcim_proto_pva_result *res, struct reply *r)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct mcim_proto_pva_evidence_req q = {{ev, ev_len}};
	struct mcim_proto_pva_result_resp rr;
	struct mcim_proto_trust trust;
	struct mcim_cert_info signer;
	size_t len = 0;

	assert_int_equal(mcim_proto_pva_evidence_req_encode(&q, body, sizeof(body), &len),
			 MCIM_OK);
	env_device(&env, "/pva/v1/evidence", body, len, session, session_len, r);
	if (r->status != 200)
		return r->status;
	assert_int_equal(mcim_proto_pva_result_resp_decode(r->body, r->len, &rr),
			 MCIM_OK);
	memset(&trust, 0, sizeof(trust));
	assert_int_equal(tool_pki_root(&env.pki, &trust.ci_root, &trust.ci_root_len),
			 MCIM_OK);
	trust.now = time(NULL);
	trust.skew = MCIM_PROTO_SKEW_DEFAULT;
	assert_int_equal(mcim_proto_pva_result_verify(rr.result.data, rr.result.len,
						      &trust, NULL, d->tre_id, n_p, res,
						      &signer),
			 MCIM_OK);
	assert_int_equal(signer.role, MCIM_CERT_ROLE_PVA);
	assert_true(res->exp > res->iat && res->exp - res->iat <= NET_PVA_RESULT_TTL);
	return 200;
}

static enum mcim_ear_status verdict_of(const struct mcim_proto_pva_result *res,
				       const char *name)
{
	for (size_t i = 0; i < res->n_verdicts; i++)
		if (strcmp(res->verdicts[i].name, name) == 0)
			return res->verdicts[i].status;
	return MCIM_EAR_NONE;
}

/* One whole validation: challenge, evidence, result. */
static long validate(const struct dev *d, enum mcim_evidence_mode mode,
		     const struct mcim_manifest *m, const char *changed,
		     struct mcim_proto_pva_result *res)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN];
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	struct reply r;
	size_t len;

	challenge(d, mode, n_p);
	len = evidence(d, mode, n_p, m, changed, ev, sizeof(ev));
	return submit(d, ev, len, n_p, res, &r);
}

static int setup_policy(const struct net_pva_policy *policy)
{
	struct reply r;

	env_start(&env, policy);
	manifest_make(&manifest, SEQUENCE);
	assert_int_equal(upload(&manifest, "m2mes", &r), 201);
	session_len = env_session(&env, "vno-icf",
				  MCIM_PROTO_SCOPE_DRF | MCIM_PROTO_SCOPE_PVA |
				      MCIM_PROTO_SCOPE_DPF,
				  time(NULL), time(NULL) + 600, session, sizeof(session));
	return 0;
}

static int setup_strict(void **state)
{
	(void)state;
	return setup_policy(NULL);
}

static const char *const noncritical[] = {"app"};

static int setup_lenient(void **state)
{
	struct net_pva_policy p = {0};

	(void)state;
	p.semi_lenient = 1;
	p.noncritical = noncritical;
	p.n_noncritical = 1;
	return setup_policy(&p);
}

static int setup_demanding(void **state)
{
	struct net_pva_policy p = {0};

	(void)state;
	p.modes = 1u << MCIM_EVIDENCE_REMOTE | 1u << MCIM_EVIDENCE_AUTONOMOUS;
	p.min_assurance = 2;
	return setup_policy(&p);
}

static int teardown(void **state)
{
	(void)state;
	env_stop(&env);
	return 0;
}

/* R-NET-R07, R-PRC-203, R-TRE-G12: a good boot in remote mode is affirmed by a
 * signed result bound to the TRE id and n_p (verified in submit). */
static void test_remote_good(void **state)
{
	struct mcim_proto_pva_result res;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_REMOTE, &manifest, NULL, &res), 200);
	assert_int_equal(res.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(res.n_verdicts, 3);
	assert_int_equal(verdict_of(&res, "kernel"), MCIM_EAR_AFFIRMING);
}

/* R-TRE-G12, T-01: one re-flashed component is contraindicated by name. */
static void test_remote_changed_component(void **state)
{
	struct mcim_proto_pva_result res;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_REMOTE, &manifest, "kernel", &res),
			 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(verdict_of(&res, "kernel"), MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(verdict_of(&res, "app"), MCIM_EAR_AFFIRMING);
}

/* R-PRC-203: evidence replayed after its n_p was used is refused. */
static void test_replay(void **state)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_proto_pva_result res;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	struct reply r;
	struct dev d;
	size_t len;

	(void)state;
	dev_make(&d, 1);
	challenge(&d, MCIM_EVIDENCE_REMOTE, n_p);
	len = evidence(&d, MCIM_EVIDENCE_REMOTE, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&d, ev, len, n_p, &res, &r), 200);
	assert_int_equal(submit(&d, ev, len, n_p, &res, &r), 409);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_REPLAY);
	/* An n_p nobody issued. */
	random_bytes(n_p, sizeof(n_p));
	len = evidence(&d, MCIM_EVIDENCE_REMOTE, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&d, ev, len, n_p, &res, &r), 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
}

/* R-PRC-205: TRE A cannot use an n_p issued for TRE B; B's n_p stays usable. */
static void test_nonce_of_other_tre(void **state)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_proto_pva_result res;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	struct reply r;
	struct dev a, b;
	size_t len;

	(void)state;
	dev_make(&a, 1);
	dev_make(&b, 1);
	challenge(&b, MCIM_EVIDENCE_REMOTE, n_p);
	len = evidence(&a, MCIM_EVIDENCE_REMOTE, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&a, ev, len, n_p, &res, &r), 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
	len = evidence(&b, MCIM_EVIDENCE_REMOTE, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&b, ev, len, n_p, &res, &r), 200);
	assert_int_equal(res.status, MCIM_EAR_AFFIRMING);
}

/* Evidence signed by a key that is not the certificate's is refused, no result. */
static void test_forged_evidence(void **state)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_proto_pva_result res;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	struct mcim_p256_pub pub;
	struct reply r;
	struct dev d;
	size_t len;

	(void)state;
	dev_make(&d, 1);
	challenge(&d, MCIM_EVIDENCE_AUTONOMOUS, n_p);
	assert_int_equal(mcim_p256_keygen(&d.key, &pub), MCIM_OK);
	len =
	    evidence(&d, MCIM_EVIDENCE_AUTONOMOUS, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&d, ev, len, n_p, &res, &r), 422);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_BAD_SIGNATURE);
	/* Garbage is a parse error. */
	assert_int_equal(submit(&d, (const uint8_t *)"\xa1\x61x", 3, n_p, &res, &r), 400);
}

/* R-PRC-203: after the M2MES CA is revoked (and the PVA restarted, as a daemon
 * reads its PKI at start) the evidence of a TRE it issued is refused 422 BAD_CERT
 * and no result is signed; a revoked TRE certificate alone is refused the same. */
static void test_revoked_chain(void **state)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_proto_pva_result res;
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	struct reply r;
	struct dev a, b;
	size_t len;

	(void)state;
	dev_make(&a, 1);
	dev_make(&b, 1);
	assert_int_equal(tool_pki_revoke_cert(&env.pki, a.cert, a.chain[0].len, "tre-a"),
			 MCIM_OK);
	env_unserve(&env);
	env_serve(&env, NULL);
	challenge(&a, MCIM_EVIDENCE_REMOTE, n_p);
	len = evidence(&a, MCIM_EVIDENCE_REMOTE, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&a, ev, len, n_p, &res, &r), 422);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_BAD_CERT);
	assert_int_equal(validate(&b, MCIM_EVIDENCE_REMOTE, &manifest, NULL, &res), 200);
	assert_int_equal(res.status, MCIM_EAR_AFFIRMING);

	assert_int_equal(tool_pki_revoke(&env.pki, "m2mes-ca"), MCIM_OK);
	env_unserve(&env);
	env_serve(&env, NULL);
	challenge(&b, MCIM_EVIDENCE_REMOTE, n_p);
	len = evidence(&b, MCIM_EVIDENCE_REMOTE, n_p, &manifest, NULL, ev, sizeof(ev));
	assert_int_equal(submit(&b, ev, len, n_p, &res, &r), 422);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_BAD_CERT);
}

/* Firmware without reference values is contraindicated in every mode (no
 * accept-all default). */
static void test_unknown_firmware(void **state)
{
	struct mcim_proto_pva_result res;
	struct mcim_manifest other;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	manifest_make(&other, SEQUENCE + 1);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_REMOTE, &other, NULL, &res), 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(verdict_of(&res, NET_PVA_VERDICT_FIRMWARE),
			 MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_AUTONOMOUS, &other, NULL, &res), 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
	snprintf(other.platform, sizeof(other.platform), "other-model");
	other.sequence = SEQUENCE;
	assert_int_equal(validate(&d, MCIM_EVIDENCE_SEMI_AUTONOMOUS, &other, NULL, &res),
			 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
}

/* R-PRC-202, strict policy: any failed component is contraindicated. */
static void test_semi_strict(void **state)
{
	struct mcim_proto_pva_result res;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	assert_int_equal(
	    validate(&d, MCIM_EVIDENCE_SEMI_AUTONOMOUS, &manifest, NULL, &res), 200);
	assert_int_equal(res.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(
	    validate(&d, MCIM_EVIDENCE_SEMI_AUTONOMOUS, &manifest, "app", &res), 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(verdict_of(&res, "app"), MCIM_EAR_CONTRAINDICATED);
}

/* R-PRC-202, lenient policy: a listed non-critical component may fail (warning);
 * any other may not. */
static void test_semi_lenient(void **state)
{
	struct mcim_proto_pva_result res;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	assert_int_equal(
	    validate(&d, MCIM_EVIDENCE_SEMI_AUTONOMOUS, &manifest, "app", &res), 200);
	assert_int_equal(res.status, MCIM_EAR_WARNING);
	assert_int_equal(verdict_of(&res, "app"), MCIM_EAR_WARNING);
	assert_int_equal(verdict_of(&res, "kernel"), MCIM_EAR_AFFIRMING);
	assert_int_equal(
	    validate(&d, MCIM_EVIDENCE_SEMI_AUTONOMOUS, &manifest, "kernel", &res), 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
	/* Remote mode is not made lenient by the semi-autonomous list. */
	assert_int_equal(validate(&d, MCIM_EVIDENCE_REMOTE, &manifest, "app", &res), 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
}

/* R-PRC-201: a correctly signed good boot is affirmed in autonomous mode. */
static void test_autonomous_good(void **state)
{
	struct mcim_proto_pva_result res;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_AUTONOMOUS, &manifest, NULL, &res),
			 200);
	assert_int_equal(res.status, MCIM_EAR_AFFIRMING);
	assert_int_equal(res.n_verdicts, 0);
}

/* A policy with a minimum assurance and without semi-autonomous mode: an
 * autonomous claim from a low-assurance TRE is contraindicated, a disallowed mode
 * is refused at the challenge. */
static void test_autonomous_bad(void **state)
{
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_SEMI_AUTONOMOUS};
	struct mcim_proto_pva_result res;
	uint8_t body[128];
	size_t len = 0;
	struct reply r;
	struct dev low, high;

	(void)state;
	dev_make(&low, 1);
	dev_make(&high, 2);
	assert_int_equal(validate(&low, MCIM_EVIDENCE_AUTONOMOUS, &manifest, NULL, &res),
			 200);
	assert_int_equal(res.status, MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(verdict_of(&res, NET_PVA_VERDICT_ASSURANCE),
			 MCIM_EAR_CONTRAINDICATED);
	assert_int_equal(validate(&high, MCIM_EVIDENCE_AUTONOMOUS, &manifest, NULL, &res),
			 200);
	assert_int_equal(res.status, MCIM_EAR_AFFIRMING);
	memcpy(q.tre_id, high.tre_id, sizeof(q.tre_id));
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	env_device(&env, "/pva/v1/challenge", body, len, session, session_len, &r);
	assert_int_equal(r.status, 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_POLICY);
}

/* Reference values: only an m2mes may sign them; the same content again is
 * idempotent, other content for the same release a conflict; only the PVA tenant
 * may upload; the list shows them. */
static void test_reference_values(void **state)
{
	struct mcim_manifest changed = manifest;
	struct reply r;
	json_t *doc;

	(void)state;
	assert_int_equal(upload(&manifest, "pva", &r), 403);
	env_json_error(&r, "WRONG_ROLE");
	assert_int_equal(upload(&manifest, "sho1-dpf", &r), 403);
	assert_int_equal(upload(&manifest, "m2mes", &r), 200);
	changed.components[0].digest[0] ^= 1;
	assert_int_equal(upload(&changed, "m2mes", &r), 409);
	env_json_error(&r, "EXISTS");
	env_operator(&env, "POST", "/v1/tenants/pva/reference-values",
		     "{\"manifest\":\"not base64!\"}", ENV_PVA_TOKEN, &r);
	assert_int_equal(r.status, 400);
	env_operator(&env, "POST", "/v1/tenants/pva/reference-values",
		     "{\"manifest\":\"AAAA\",\"x\":1}", ENV_PVA_TOKEN, &r);
	assert_int_equal(r.status, 400);
	env_operator(&env, "POST", "/v1/tenants/pva/reference-values",
		     "{\"manifest\":\"AAAA\"}", ENV_PVA_TOKEN, &r);
	assert_int_equal(r.status, 400);
	env_operator(&env, "POST", "/v1/tenants/sho1/reference-values",
		     "{\"manifest\":\"AAAA\"}", ENV_SHO_TOKEN, &r);
	assert_int_equal(r.status, 404);
	env_operator(&env, "POST", "/v1/tenants/pva/reference-values",
		     "{\"manifest\":\"AAAA\"}", ENV_SHO_TOKEN, &r);
	assert_int_equal(r.status, 403);
	env_operator(&env, "GET", "/v1/tenants/pva/reference-values", NULL, ENV_PVA_TOKEN,
		     &r);
	assert_int_equal(r.status, 200);
	doc = json_loadb((const char *)r.body, r.len, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "reference_values")), 1);
	json_decref(doc);
	env_operator(&env, "GET", "/v1/tenants/sho1/reference-values", NULL,
		     ENV_SHO_TOKEN, &r);
	assert_int_equal(r.status, 404);
}

/* R-PRC-103: the PVA answers only a device with a valid ICF session of scope pva. */
static void test_session_required(void **state)
{
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_REMOTE};
	uint8_t body[128], s[MCIM_PROTO_SIGNED_MAX];
	int64_t now = time(NULL);
	size_t len = 0, n;
	struct reply r;

	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	(void)state;
	env_device(&env, "/pva/v1/challenge", body, len, NULL, 0, &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
	assert_non_null(strstr(r.headers, "WWW-Authenticate: MCIM-Session"));
	n = env_session(&env, "vno-icf", MCIM_PROTO_SCOPE_DRF, now, now + 600, s,
			sizeof(s));
	env_device(&env, "/pva/v1/challenge", body, len, s, n, &r);
	assert_int_equal(r.status, 401);
	n = env_session(&env, "vno-icf", MCIM_PROTO_SCOPE_PVA, now - 7200, now - 3600, s,
			sizeof(s));
	env_device(&env, "/pva/v1/evidence", body, len, s, n, &r);
	assert_int_equal(r.status, 401);
	n = env_session(&env, "pva", MCIM_PROTO_SCOPE_PVA, now, now + 600, s, sizeof(s));
	env_device(&env, "/pva/v1/challenge", body, len, s, n, &r);
	assert_int_equal(r.status, 401);
	n = env_session(&env, "vno-icf", MCIM_PROTO_SCOPE_PVA, now, now + 600, s,
			sizeof(s));
	env_device(&env, "/pva/v1/challenge", body, len, s, n, &r);
	assert_int_equal(r.status, 200);
}

static int64_t fake_clock;

static int64_t clock_now(void *arg)
{
	(void)arg;
	return fake_clock;
}

/* The sans-I/O PVA on a fake clock: an n_p past its expiry is refused (and the
 * result of a good validation is stored, so it cannot be stored twice). */
static void test_expired_nonce(void **state)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_proto_pva_evidence_req eq;
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_AUTONOMOUS};
	struct mcim_proto_pva_challenge c;
	struct net_pva_config pc = {0};
	struct net_pva_buf out = {NULL, 0};
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	enum mcim_ear_status st;
	struct net_pva *p = NULL;
	char msg[256];
	size_t len = 0, n;
	struct dev d;

	(void)state;
	fake_clock = time(NULL);
	pc.store_url = env.db;
	pc.pki_dir = env.pki_dir;
	pc.tenant = "pva";
	pc.now = clock_now;
	assert_int_equal(net_pva_new(&pc, &p, msg, sizeof(msg)), MCIM_OK);
	dev_make(&d, 1);
	memcpy(q.tre_id, d.tre_id, sizeof(q.tre_id));
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	assert_int_equal(net_pva_challenge(p, body, len, &out), MCIM_OK);
	assert_int_equal(mcim_proto_pva_challenge_decode(out.data, out.len, &c), MCIM_OK);
	net_pva_buf_free(&out);
	n = evidence(&d, MCIM_EVIDENCE_AUTONOMOUS, c.n_p, &manifest, NULL, ev,
		     sizeof(ev));
	eq.evidence = (struct mcim_proto_span){ev, n};
	assert_int_equal(
	    mcim_proto_pva_evidence_req_encode(&eq, body, sizeof(body), &len), MCIM_OK);
	fake_clock += NET_PVA_NONCE_TTL;
	assert_int_equal(net_pva_evidence(p, body, len, &out, &st), MCIM_ERR_EXPIRED);
	assert_null(out.data);
	/* Bad configurations. */
	net_pva_free(p);
	pc.tenant = "";
	assert_int_equal(net_pva_new(&pc, &p, msg, sizeof(msg)), MCIM_ERR_INVALID_ARG);
	pc.tenant = "pva";
	pc.policy.n_noncritical = NET_PVA_NONCRITICAL_MAX + 1;
	pc.policy.noncritical = noncritical;
	assert_int_equal(net_pva_new(&pc, &p, msg, sizeof(msg)), MCIM_ERR_INVALID_ARG);
	pc.policy.n_noncritical = 0;
	pc.pki_dir = "/nonexistent";
	assert_int_not_equal(net_pva_new(&pc, &p, msg, sizeof(msg)), MCIM_OK);
}

/* R-NET-R07 with several daemons on one database: reference values uploaded through
 * one PVA are listed and appraised by another one (a fresh one: nothing cached), the
 * same content again through the second is no new entry, other content is EXISTS. */
static void test_shared_reference_values(void **state)
{
	static uint8_t ev[MCIM_EVIDENCE_MAX_LEN], body[MCIM_PROTO_MSG_MAX];
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_REMOTE};
	struct mcim_proto_pva_evidence_req eq;
	struct mcim_proto_pva_challenge c;
	struct mcim_manifest next, changed;
	struct net_pva_config pc = {0};
	struct net_pva_buf out = {NULL, 0};
	enum mcim_ear_status st;
	struct net_jerr je;
	struct net_pva *p2 = NULL;
	struct reply r;
	json_t *doc, *list, *req;
	char msg[256];
	size_t len = 0, n;
	int created = -1;
	struct dev d;

	(void)state;
	manifest_make(&next, SEQUENCE + 1);
	assert_int_equal(upload(&next, "m2mes", &r), 201);
	pc.store_url = env.db;
	pc.pki_dir = env.pki_dir;
	pc.tenant = "pva";
	assert_int_equal(net_pva_new(&pc, &p2, msg, sizeof(msg)), MCIM_OK);

	assert_int_equal(net_pva_refvals_list(p2, "pva", &doc), MCIM_OK);
	list = json_object_get(doc, "reference_values");
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(list, 1), "sequence")),
	    SEQUENCE + 1);
	json_decref(doc);

	req = json_pack("{s:s}", "manifest", manifest_b64(&next, "m2mes"));
	assert_int_equal(net_pva_refvals_put(p2, "pva", req, &doc, &created, &je),
			 MCIM_OK);
	assert_int_equal(created, 0);
	json_decref(doc);
	json_decref(req);
	changed = next;
	changed.components[1].digest[3] ^= 0x40;
	req = json_pack("{s:s}", "manifest", manifest_b64(&changed, "m2mes"));
	assert_int_equal(net_pva_refvals_put(p2, "pva", req, &doc, &created, &je),
			 MCIM_ERR_EXISTS);
	assert_null(doc);
	json_decref(req);

	dev_make(&d, 1);
	memcpy(q.tre_id, d.tre_id, sizeof(q.tre_id));
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	assert_int_equal(net_pva_challenge(p2, body, len, &out), MCIM_OK);
	assert_int_equal(mcim_proto_pva_challenge_decode(out.data, out.len, &c), MCIM_OK);
	net_pva_buf_free(&out);
	n = evidence(&d, MCIM_EVIDENCE_REMOTE, c.n_p, &next, NULL, ev, sizeof(ev));
	eq.evidence = (struct mcim_proto_span){ev, n};
	assert_int_equal(
	    mcim_proto_pva_evidence_req_encode(&eq, body, sizeof(body), &len), MCIM_OK);
	assert_int_equal(net_pva_evidence(p2, body, len, &out, &st), MCIM_OK);
	assert_int_equal(st, MCIM_EAR_AFFIRMING);
	net_pva_buf_free(&out);
	net_pva_free(p2);
}

/* The outcomes are counted for /metrics. */
static void test_metrics(void **state)
{
	struct mcim_proto_pva_result res;
	struct reply r;
	struct dev d;

	(void)state;
	dev_make(&d, 1);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_REMOTE, &manifest, NULL, &res), 200);
	assert_int_equal(validate(&d, MCIM_EVIDENCE_REMOTE, &manifest, "app", &res), 200);
	env_req(&env, "GET", "/metrics", NULL, NULL, 0, NULL, &r);
	assert_int_equal(r.status, 200);
	r.body[r.len < sizeof(r.body) ? r.len : sizeof(r.body) - 1] = '\0';
	assert_non_null(strstr((char *)r.body, "mcimd_pva_affirming_total 1"));
	assert_non_null(strstr((char *)r.body, "mcimd_pva_contraindicated_total 1"));
	assert_non_null(strstr((char *)r.body, "mcimd_pva_reference_values_total 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_remote_good, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_remote_changed_component, setup_strict,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_replay, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_nonce_of_other_tre, setup_strict,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_forged_evidence, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_revoked_chain, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_firmware, setup_strict,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_semi_strict, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_semi_lenient, setup_lenient, teardown),
	    cmocka_unit_test_setup_teardown(test_autonomous_good, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_autonomous_bad, setup_demanding,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_shared_reference_values, setup_strict,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reference_values, setup_strict,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_session_required, setup_strict,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_expired_nonce, setup_strict, teardown),
	    cmocka_unit_test_setup_teardown(test_metrics, setup_strict, teardown),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
