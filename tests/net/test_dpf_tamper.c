/*
 * Tamper reports at the SHO's DPF (docs/protocol.md §10) end to end: a real server on
 * loopback over a real SQLite file, the device side simulated with mcim/tamper.h and
 * mcim/proto.h (a TRE identity issued by the M2MES CA, its signed reports and chain),
 * after a real download. Checked here:
 * - R-TRE-G11, R-PRC-602, R-PRC-305: a report from a provisioned TRE whose MCIM's
 *   policy is suspend reaches its SHO: 200 accepted, the AuC refuses the attach
 *   afterwards, the order is suspended, the audit trail has TAMPER_REPORTED and
 *   MCIM_STATE (actor tamper) in one verified hash chain; the same request again is
 *   all duplicates and changes nothing (R-SEED-03), not even after the operator
 *   resumed the MCIM; a new report suspends the activated MCIM again;
 * - the other policies: wipe closes the AuC record and deletes the order for good,
 *   none only records; a TRE registered but not provisioned is recorded about the TRE;
 *   a TRE known by two SHOs (change of subscription) is reported to both;
 * - every refusal with its documented error, and nothing changed (no report row, no
 *   audit record, the AuC record still live): a forged signature, another TRE's key,
 *   a kid naming another TRE, a chain not to the CI root, a revoked TRE certificate,
 *   truncated and garbage CBOR, 17 reports, a TRE no SHO here knows (404).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mcim/tamper.h"
#include "net/sho_int.h"
#include "test_dpf_env.h"

static int setup(void **state)
{
	(void)state;
	env_up();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	env_down();
	return 0;
}

/* The daemon restarted (it reads its PKI, and so the revocation list, at start). */
static void env_restart(void)
{
	char msg[256];

	net_server_free(env.srv);
	net_sho_http_free(env.sho);
	env.srv = net_server_new(&env.cfg, NULL, NULL);
	assert_non_null(env.srv);
	assert_int_equal(
	    net_sho_routes(env.srv, &env.cfg, NET_ROLES_ALL, &env.sho, msg, sizeof(msg)),
	    MCIM_OK);
	assert_int_equal(net_server_start(env.srv), MCIM_OK);
	snprintf(env.base, sizeof(env.base), "http://127.0.0.1:%u",
		 (unsigned)net_server_port(env.srv));
}

/* ---- the device's side ---- */

/* A report of the TRE `id` signed with key (kid = id), as mcim/tamper.h makes it. */
static size_t report(const struct mcim_p256_priv *key, const uint8_t id[16], uint64_t seq,
		     uint8_t *out, size_t cap)
{
	struct mcim_tamper_report r;
	size_t len = 0;

	memset(&r, 0, sizeof(r));
	memcpy(r.tre_id, id, 16);
	r.seq = seq;
	r.time = (uint64_t)env_now();
	r.reason = MCIM_ERR_BAD_BOOT;
	r.state = MCIM_TRE_BAD_BOOT;
	snprintf(r.detail, sizeof(r.detail), "app: digest-mismatch");
	assert_int_equal(mcim_tamper_sign(&r, key, out, cap, &len), MCIM_OK);
	return len;
}

struct batch {
	uint8_t rep[MCIM_PROTO_TAMPER_REPORTS_MAX + 1][MCIM_TAMPER_REPORT_MAX];
	size_t len[MCIM_PROTO_TAMPER_REPORTS_MAX + 1];
	size_t n;
};

static void batch_add(struct batch *b, const struct mcim_p256_priv *key,
		      const uint8_t id[16], uint64_t seq)
{
	b->len[b->n] = report(key, id, seq, b->rep[b->n], sizeof(b->rep[b->n]));
	b->n++;
}

/* POST /dpf/v1/tamper-reports with chain (d's unless NULL); the HTTP status, the
 * answer or the error. */
static long post(const struct dev *d, const struct mcim_iov *chain, size_t n_chain,
		 const struct batch *b, struct mcim_proto_tamper_resp *out, mcim_err *err)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct mcim_proto_tamper_req m;
	size_t len = 0;
	struct reply r;
	long status;

	memset(&m, 0, sizeof(m));
	if (chain == NULL) {
		chain = d->chain;
		n_chain = d->n_chain;
	}
	for (size_t i = 0; i < n_chain; i++)
		m.chain[i] = (struct mcim_proto_span){chain[i].data, chain[i].len};
	m.n_chain = n_chain;
	for (size_t i = 0; i < b->n; i++)
		m.reports[i] = (struct mcim_proto_span){b->rep[i], b->len[i]};
	m.n_reports = b->n;
	assert_int_equal(mcim_proto_tamper_req_encode(&m, body, sizeof(body), &len),
			 MCIM_OK);
	env_post("/dpf/v1/tamper-reports", body, len, &r);
	status = r.status;
	*err = MCIM_OK;
	if (status == 200)
		assert_int_equal(mcim_proto_tamper_resp_decode(r.body, r.len, out),
				 MCIM_OK);
	else
		*err = env_err(&r);
	reply_free(&r);
	return status;
}

/* The raw body's status and error. */
static long post_raw(const uint8_t *body, size_t len, mcim_err *err)
{
	struct reply r;
	long status;

	env_post("/dpf/v1/tamper-reports", body, len, &r);
	status = r.status;
	*err = status == 200 ? MCIM_OK : env_err(&r);
	reply_free(&r);
	return status;
}

/* ---- what the network holds ---- */

/* POST /auc/v1/challenge for imsi: 200 while the AuC record is live. */
static long attach_status(const char *imsi)
{
	struct mcim_proto_attach_challenge_req m;
	uint8_t buf[128];
	size_t len = 0;
	struct reply r;
	long status;

	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", imsi);
	snprintf(m.snn, sizeof(m.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&m, buf, sizeof(buf), &len), MCIM_OK);
	env_post("/auc/v1/challenge", buf, len, &r);
	status = r.status;
	if (status != 200)
		assert_int_equal(env_err(&r), MCIM_ERR_DENIED);
	reply_free(&r);
	return status;
}

static size_t rows(int64_t tenant)
{
	struct net_tamper_report *t = calloc(64, sizeof(*t));
	size_t n = 0;

	assert_non_null(t);
	assert_int_equal(net_store_tamper_list(env.st, tenant, 0, t, 64, &n), MCIM_OK);
	free(t);
	return n;
}

static uint64_t audit_count(int64_t tenant)
{
	uint64_t count = 0, bad = 0;

	assert_int_equal(net_store_audit_verify(env.st, tenant, &count, &bad), MCIM_OK);
	return count;
}

static int order_state(int64_t tenant, const uint8_t mcim_id[16])
{
	struct net_mcim_order o;

	assert_int_equal(net_store_order_get(env.st, tenant, mcim_id, &o), MCIM_OK);
	return o.state;
}

static int auc_state(int64_t tenant, const char *imsi)
{
	struct net_auc_record *r = calloc(1, sizeof(*r));
	int state;

	assert_non_null(r);
	assert_int_equal(net_store_auc_get(env.st, tenant, imsi, r), MCIM_OK);
	state = r->state;
	free(r);
	return state;
}

/* The MCIM sho1 ordered for d through the operator API with on_tamper as its
 * policy, then the whole download: the TRE gets that policy. */
static void provision(struct dev *d, struct dl *x, enum mcim_tamper_response on_tamper)
{
	static const char *const names[] = {"none", "suspend", "wipe"};
	char hex[33], body[160];
	struct reply r;

	dev_new(d);
	dev_register(d, env.sho1, ENV_SHO1, env_now() + 600);
	assert_int_equal(mcim_hex_encode(d->tre_id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(body, sizeof(body),
		 "{\"tre_id\": \"%s\", \"policy\": {\"on_tamper\": \"%s\"}}", hex,
		 names[on_tamper]);
	env_op("POST", "/v1/tenants/sho1/mcims", ENV_TOKEN_SHO1, body, &r);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	dl_full(x, d);
	assert_int_equal(x->profile.policy.on_tamper, on_tamper);
	assert_int_equal(order_state(env.sho1, x->profile.id), NET_MCIM_INSTALLED);
	assert_int_equal(attach_status(x->profile.imsi), 200);
}

/* ---- tests ---- */

/* R-TRE-G11, R-PRC-602, R-PRC-305, R-SEED-03: suspend policy; replays change
 * nothing. */
static void test_suspend_and_replay(void **state)
{
	static struct batch b, b2;
	struct dev d;
	struct dl x;
	struct mcim_proto_tamper_resp a;
	char trail[4096], again[4096];
	uint8_t cmds[4][256];
	size_t lens[4];
	uint64_t audits;
	mcim_err err;

	(void)state;
	provision(&d, &x, MCIM_TAMPER_SUSPEND);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(a.duplicates, 0);
	/* The network mirrors the MCIM's policy: no attach, order and record
	 * suspended. */
	assert_int_equal(attach_status(x.profile.imsi), 403);
	assert_int_equal(order_state(env.sho1, x.profile.id), NET_MCIM_SUSPENDED);
	assert_int_equal(auc_state(env.sho1, x.profile.imsi), NET_AUC_SUSPENDED);
	assert_int_equal(rows(env.sho1), 1);
	assert_int_equal(rows(env.sho2), 0);
	env_audit_of(env.sho1, x.profile.id, trail, sizeof(trail));
	assert_non_null(strstr(trail,
			       "MCIM_STATE dpf: packaged -> installed\n"
			       "TAMPER_REPORTED tre: seq 1: BAD_BOOT (TRE bad-boot), "
			       "policy suspend: app: digest-mismatch\n"
			       "MCIM_STATE tamper: installed -> suspended\n"));
	audits = audit_count(env.sho1);

	/* The same request again: all duplicates, nothing changed. */
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 0);
	assert_int_equal(a.duplicates, 1);
	assert_int_equal(rows(env.sho1), 1);
	assert_int_equal(audit_count(env.sho1), audits);
	env_audit_of(env.sho1, x.profile.id, again, sizeof(again));
	assert_string_equal(again, trail);

	/* The operator resumes the MCIM (the TRE confirms: activated). The old report
	 * replayed does not undo that decision. */
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "resume"), 200);
	assert_int_equal(dev_pull(&d, cmds, lens, 4), 1);
	assert_int_equal(dev_result(&d, x.profile.id, 1, MCIM_OK, "activated", &err),
			 200);
	assert_int_equal(order_state(env.sho1, x.profile.id), NET_MCIM_ACTIVATED);
	assert_int_equal(attach_status(x.profile.imsi), 200);
	audits = audit_count(env.sho1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.duplicates, 1);
	assert_int_equal(attach_status(x.profile.imsi), 200);
	assert_int_equal(order_state(env.sho1, x.profile.id), NET_MCIM_ACTIVATED);
	assert_int_equal(audit_count(env.sho1), audits);

	/* A new report beside the old one: one accepted, and the activated MCIM is
	 * suspended again. */
	memset(&b2, 0, sizeof(b2));
	batch_add(&b2, &d.key, d.tre_id, 2);
	memcpy(b2.rep[1], b.rep[0], b.len[0]);
	b2.len[1] = b.len[0];
	b2.n = 2;
	assert_int_equal(post(&d, NULL, 0, &b2, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(a.duplicates, 1);
	assert_int_equal(rows(env.sho1), 2);
	assert_int_equal(attach_status(x.profile.imsi), 403);
	env_audit_of(env.sho1, x.profile.id, again, sizeof(again));
	assert_non_null(strstr(again,
			       "TAMPER_REPORTED tre: seq 2: BAD_BOOT (TRE bad-boot), "
			       "policy suspend: app: digest-mismatch\n"
			       "MCIM_STATE tamper: activated -> suspended\n"));
	/* The same report twice in one request: once. */
	memset(&b2, 0, sizeof(b2));
	batch_add(&b2, &d.key, d.tre_id, 3);
	memcpy(b2.rep[1], b2.rep[0], b2.len[0]);
	b2.len[1] = b2.len[0];
	b2.n = 2;
	assert_int_equal(post(&d, NULL, 0, &b2, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(a.duplicates, 1);
	assert_int_equal(rows(env.sho1), 3);
	dl_wipe(&x);
}

/* R-PRC-602: wipe closes the AuC record for good and deletes the order; none records
 * only. */
static void test_wipe_and_none(void **state)
{
	static struct batch b;
	struct dev d, e;
	struct dl x, y;
	struct mcim_proto_tamper_resp a;
	char trail[4096];
	mcim_err err;

	(void)state;
	provision(&d, &x, MCIM_TAMPER_WIPE);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(attach_status(x.profile.imsi), 403);
	assert_int_equal(order_state(env.sho1, x.profile.id), NET_MCIM_DELETED);
	assert_int_equal(auc_state(env.sho1, x.profile.imsi), NET_AUC_DELETED);
	env_audit_of(env.sho1, x.profile.id, trail, sizeof(trail));
	assert_non_null(strstr(trail, "policy wipe: app: digest-mismatch\n"
				      "MCIM_STATE tamper: installed -> deleted\n"));
	/* Deleted is final: the operator cannot resume it. */
	assert_int_equal(env_action("sho1", ENV_TOKEN_SHO1, x.profile.id, "resume"), 409);
	/* The TRE is still known to its SHO (registration): a replay is a duplicate,
	 * a new report is recorded about the TRE. */
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.duplicates, 1);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 2);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(rows(env.sho1), 2);

	provision(&e, &y, MCIM_TAMPER_NONE);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &e.key, e.tre_id, 1);
	assert_int_equal(post(&e, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(attach_status(y.profile.imsi), 200);
	assert_int_equal(order_state(env.sho1, y.profile.id), NET_MCIM_INSTALLED);
	env_audit_of(env.sho1, y.profile.id, trail, sizeof(trail));
	assert_non_null(strstr(trail, "policy none: "));
	assert_null(strstr(trail, "MCIM_STATE tamper"));
	assert_int_equal(rows(env.sho1), 3);
	dl_wipe(&x);
	dl_wipe(&y);
}

/* R-PRC-305: a registered TRE not provisioned yet is reported to its SHO (about the
 * TRE); during a change of subscription both the old SHO (its MCIM) and the new
 * (the registration) learn of it; an SHO that does not know the TRE records nothing. */
static void test_registered_and_two_shos(void **state)
{
	static struct batch b;
	struct net_audit au[64];
	struct dev d, e;
	struct dl x;
	struct mcim_proto_tamper_resp a;
	char hex[33];
	size_t n = 0;
	mcim_err err;

	(void)state;
	dev_new(&e);
	dev_register(&e, env.sho2, ENV_SHO2, env_now() + 600);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &e.key, e.tre_id, 4);
	assert_int_equal(post(&e, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(rows(env.sho2), 1);
	assert_int_equal(rows(env.sho1), 0);
	assert_int_equal(net_store_audit_list(env.st, env.sho2, 0, au, 64, &n), MCIM_OK);
	assert_true(n > 0);
	assert_int_equal(mcim_hex_encode(e.tre_id, 16, hex, sizeof(hex)), MCIM_OK);
	assert_int_equal(au[n - 1].event, NET_AUDIT_TAMPER_REPORTED);
	assert_string_equal(au[n - 1].subject, hex);
	assert_non_null(
	    strstr(au[n - 1].detail, "seq 4: BAD_BOOT (TRE bad-boot), no MCIM"));

	/* d provisioned at sho1, then released there and registered at sho2. */
	provision(&d, &x, MCIM_TAMPER_SUSPEND);
	assert_int_equal(net_store_registration_set_state(
			     env.st, env.sho1, d.registration, NET_REG_PROVISIONED,
			     NET_REG_RELEASED, env_now()),
			 MCIM_OK);
	dev_register(&d, env.sho2, ENV_SHO2, env_now() + 600);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.accepted, 1);
	assert_int_equal(a.duplicates, 0);
	assert_int_equal(rows(env.sho1), 1);
	assert_int_equal(rows(env.sho2), 2);
	assert_int_equal(order_state(env.sho1, x.profile.id), NET_MCIM_SUSPENDED);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 200);
	assert_int_equal(a.duplicates, 1);
	dl_wipe(&x);
}

/* Everything refused: the documented error, and nothing changed anywhere. */
static void test_refusals(void **state)
{
	static struct batch b;
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	struct dev d, e;
	struct dl x;
	struct mcim_proto_tamper_resp a;
	struct mcim_proto_tamper_req m;
	struct tool_pki_tre req;
	struct mcim_p256_pub pub;
	struct mcim_iov rogue[MCIM_COSE_X5CHAIN_MAX];
	uint8_t rogue_cert[MCIM_CERT_MAX_LEN];
	char hex[33];
	uint64_t audits1, audits2;
	size_t len = 0, n = 0;
	mcim_err err;

	(void)state;
	provision(&d, &x, MCIM_TAMPER_SUSPEND);
	dev_new(&e);
	audits1 = audit_count(env.sho1);
	audits2 = audit_count(env.sho2);

	/* A forged signature (the last octet of a report). */
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	b.rep[0][b.len[0] - 1] ^= 1;
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_SIGNATURE);
	/* Another TRE's key in d's name, with d's chain. */
	memset(&b, 0, sizeof(b));
	batch_add(&b, &e.key, d.tre_id, 1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_SIGNATURE);
	/* d's key, a kid (and payload) naming e. */
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, e.tre_id, 1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 403);
	assert_int_equal(err, MCIM_ERR_DENIED);
	/* One bad report refuses the good one beside it. */
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	batch_add(&b, &e.key, d.tre_id, 2);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 422);
	/* A chain that does not lead to the CI root: d's key certified by the rogue
	 * PKI's M2MES CA. */
	assert_int_equal(mcim_p256_pub_from_priv(&d.key, &pub), MCIM_OK);
	assert_int_equal(mcim_hex_encode(d.tre_id, 16, hex, sizeof(hex)), MCIM_OK);
	memset(&req, 0, sizeof(req));
	req.pub = &pub;
	req.tre_id = hex;
	req.platform_id = "356938035643809";
	req.backend = MCIM_CERT_BACKEND_SOFT;
	req.assurance = 1;
	req.not_before = time(NULL) - 3600;
	assert_int_equal(
	    tool_pki_issue_tre(&env.rogue, &req, rogue_cert, sizeof(rogue_cert), &len),
	    MCIM_OK);
	rogue[0] = (struct mcim_iov){rogue_cert, len};
	assert_int_equal(tool_pki_chain(&env.rogue, "m2mes-ca", 0, rogue + 1,
					MCIM_COSE_X5CHAIN_MAX - 1, &n),
			 MCIM_OK);
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	assert_int_equal(post(&d, rogue, 1 + n, &b, &a, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_CERT);
	/* Not a TRE's certificate: the M2MES CA alone as the chain. */
	assert_int_equal(post(&d, d.chain + 1, 1, &b, &a, &err), 403);
	assert_int_equal(err, MCIM_ERR_WRONG_ROLE);
	/* Truncated and garbage CBOR; no report; 17 reports. */
	memset(&m, 0, sizeof(m));
	m.chain[0] = (struct mcim_proto_span){d.chain[0].data, d.chain[0].len};
	m.chain[1] = (struct mcim_proto_span){d.chain[1].data, d.chain[1].len};
	m.n_chain = 2;
	m.reports[0] = (struct mcim_proto_span){b.rep[0], b.len[0]};
	m.n_reports = 1;
	assert_int_equal(mcim_proto_tamper_req_encode(&m, body, sizeof(body), &len),
			 MCIM_OK);
	assert_int_equal(post_raw(body, len - 1, &err), 400);
	assert_int_equal(err, MCIM_ERR_TRUNCATED);
	assert_int_equal(post_raw((const uint8_t *)"\xa1\x61x\x01", 4, &err), 400);
	assert_int_equal(err, MCIM_ERR_PARSE);
	assert_int_equal(post_raw((const uint8_t *)"garbage", 7, &err), 400);
	{
		/* {"chain": [...], "reports": []} */
		struct mcim_cbor_writer w;

		mcim_cbor_writer_init(&w, body, sizeof(body));
		mcim_cbor_put_map(&w, 2);
		mcim_cbor_put_cstr(&w, "chain");
		mcim_cbor_put_array(&w, 1);
		mcim_cbor_put_bstr(&w, d.chain[0].data, d.chain[0].len);
		mcim_cbor_put_cstr(&w, "reports");
		mcim_cbor_put_array(&w, 0);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(post_raw(body, len, &err), 400);
		assert_int_equal(err, MCIM_ERR_PARSE);
		/* 17 valid reports: above the bound. */
		memset(&b, 0, sizeof(b));
		for (uint64_t i = 1; i <= MCIM_PROTO_TAMPER_REPORTS_MAX + 1; i++)
			batch_add(&b, &d.key, d.tre_id, i);
		mcim_cbor_writer_init(&w, body, sizeof(body));
		mcim_cbor_put_map(&w, 2);
		mcim_cbor_put_cstr(&w, "chain");
		mcim_cbor_put_array(&w, 2);
		mcim_cbor_put_bstr(&w, d.chain[0].data, d.chain[0].len);
		mcim_cbor_put_bstr(&w, d.chain[1].data, d.chain[1].len);
		mcim_cbor_put_cstr(&w, "reports");
		mcim_cbor_put_array(&w, b.n);
		for (size_t i = 0; i < b.n; i++)
			mcim_cbor_put_bstr(&w, b.rep[i], b.len[i]);
		assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
		assert_int_equal(post_raw(body, len, &err), 413);
		assert_int_equal(err, MCIM_ERR_TOO_LARGE);
	}
	/* A genuine TRE no SHO here knows. */
	memset(&b, 0, sizeof(b));
	batch_add(&b, &e.key, e.tre_id, 1);
	assert_int_equal(post(&e, NULL, 0, &b, &a, &err), 404);
	assert_int_equal(err, MCIM_ERR_NOT_FOUND);

	/* Nothing of all that changed anything. */
	assert_int_equal(rows(env.sho1), 0);
	assert_int_equal(rows(env.sho2), 0);
	assert_int_equal(audit_count(env.sho1), audits1);
	assert_int_equal(audit_count(env.sho2), audits2);
	assert_int_equal(order_state(env.sho1, x.profile.id), NET_MCIM_INSTALLED);
	assert_int_equal(attach_status(x.profile.imsi), 200);

	/* A revoked TRE certificate (the daemon restarted with the new list). */
	assert_int_equal(tool_pki_revoke_cert(&env.pki, d.cert, d.cert_len, "tre-d"),
			 MCIM_OK);
	env_restart();
	memset(&b, 0, sizeof(b));
	batch_add(&b, &d.key, d.tre_id, 1);
	assert_int_equal(post(&d, NULL, 0, &b, &a, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_CERT);
	assert_int_equal(rows(env.sho1), 0);
	assert_int_equal(audit_count(env.sho1), audits1);
	assert_int_equal(attach_status(x.profile.imsi), 200);
	dl_wipe(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_suspend_and_replay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wipe_and_none, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_registered_and_two_shos, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
