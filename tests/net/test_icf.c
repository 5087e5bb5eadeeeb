/*
 * The ICF end to end (R-PRC-101, R-PRC-103, T-12): PCID records imported through the
 * VNO's operator API into a real SQLite store, MILENAGE challenges answered by a
 * simulated TRE (mcim_auth_usim with the PCID's K and OPc), the signed session, and
 * that session opening the PVA (net_icf_session_check) and nothing else.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_pva_env.h"

#include "mcim/auth.h"
#include "mcim/sqn.h"

static struct env env;

/* The device side of one PCID. */
struct usim {
	char pcid[16];
	uint8_t k[16], opc[16];
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_ms ms;
};

static void usim_make(struct usim *u, const char *pcid)
{
	struct mcim_aka_cred c;

	memset(u, 0, sizeof(*u));
	snprintf(u->pcid, sizeof(u->pcid), "%s", pcid);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), u->k, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), u->opc, 16), MCIM_OK);
	memset(&c, 0, sizeof(c));
	c.alg = MCIM_AKA_MILENAGE;
	c.k_len = 16;
	memcpy(c.k, u->k, 16);
	memcpy(c.opc, u->opc, 16);
	mcim_milenage_default_consts(&c.params.milenage);
	assert_int_equal(mcim_aka_prepare(&u->kc, &c), MCIM_OK);
	mcim_aka_cred_wipe(&c);
	mcim_sqn_cfg_default(&u->cfg);
	mcim_sqn_ms_init(&u->ms);
}

/* {"pcid": ..., "k": hex, "opc": hex} */
static void usim_json(const struct usim *u, char *out, size_t cap)
{
	char k[33], opc[33];

	assert_int_equal(mcim_hex_encode(u->k, 16, k, sizeof(k)), MCIM_OK);
	assert_int_equal(mcim_hex_encode(u->opc, 16, opc, sizeof(opc)), MCIM_OK);
	snprintf(out, cap, "{\"pcid\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\"}", u->pcid, k,
		 opc);
}

static void import(const struct usim *u)
{
	char json[256], body[300];
	struct reply r;

	usim_json(u, json, sizeof(json));
	snprintf(body, sizeof(body), "[%s]", json);
	env_operator(&env, "POST", "/v1/tenants/vno/pcids", body, ENV_VNO_TOKEN, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr((const char *)r.body, "\"imported\":1"));
}

static long get_challenge(const char *pcid, struct mcim_proto_icf_challenge *ch,
			  struct reply *r)
{
	struct mcim_proto_icf_challenge_req q;
	uint8_t body[128];
	size_t len = 0;

	memset(&q, 0, sizeof(q));
	snprintf(q.pcid, sizeof(q.pcid), "%s", pcid);
	assert_int_equal(
	    mcim_proto_icf_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	env_device(&env, "/icf/v1/challenge", body, len, NULL, 0, r);
	if (r->status == 200)
		assert_int_equal(mcim_proto_icf_challenge_decode(r->body, r->len, ch),
				 MCIM_OK);
	return r->status;
}

static long attach(const struct mcim_proto_icf_attach_req *q, struct reply *r)
{
	uint8_t body[128];
	size_t len = 0;

	assert_int_equal(mcim_proto_icf_attach_req_encode(q, body, sizeof(body), &len),
			 MCIM_OK);
	env_device(&env, "/icf/v1/attach", body, len, NULL, 0, r);
	return r->status;
}

/* The TRE's answer to ch: RES (MCIM_OK) or AUTS (MCIM_ERR_SYNC_FAILURE) in q. */
static mcim_err usim_answer(struct usim *u, const struct mcim_proto_icf_challenge *ch,
			    struct mcim_proto_icf_attach_req *q)
{
	struct mcim_auth_usim_out out;
	mcim_err err = mcim_auth_usim(&u->kc, &u->cfg, &u->ms, ch->rand, ch->autn,
				      sizeof(ch->autn), &out);

	memset(q, 0, sizeof(*q));
	snprintf(q->pcid, sizeof(q->pcid), "%s", u->pcid);
	if (err == MCIM_OK) {
		memcpy(q->res, out.res, out.res_len);
		q->res_len = out.res_len;
	} else if (err == MCIM_ERR_SYNC_FAILURE) {
		q->resync = true;
		memcpy(q->auts, out.auts, sizeof(q->auts));
	}
	mcim_auth_usim_out_wipe(&out);
	return err;
}

/* Checks a {"session"} reply: role icf of the VNO, the PCID, every scope. */
static void check_session(const struct reply *r, const char *pcid,
			  struct mcim_proto_span *session)
{
	struct mcim_proto_icf_attach_resp a;
	struct mcim_proto_session s;
	struct mcim_proto_trust trust;

	assert_int_equal(mcim_proto_icf_attach_resp_decode(r->body, r->len, &a), MCIM_OK);
	memset(&trust, 0, sizeof(trust));
	assert_int_equal(tool_pki_root(&env.pki, &trust.ci_root, &trust.ci_root_len),
			 MCIM_OK);
	trust.now = time(NULL);
	trust.skew = MCIM_PROTO_SKEW_DEFAULT;
	assert_int_equal(mcim_proto_session_verify(a.session.data, a.session.len, &trust,
						   ENV_VNO_PLMN, MCIM_PROTO_SCOPE_DPF, &s,
						   NULL),
			 MCIM_OK);
	assert_string_equal(s.pcid, pcid);
	assert_int_equal(s.scope, MCIM_PROTO_SCOPE_DRF | MCIM_PROTO_SCOPE_PVA |
				      MCIM_PROTO_SCOPE_DPF);
	assert_true(s.exp - s.iat == NET_ICF_SESSION_TTL);
	*session = a.session;
}

static int setup(void **state)
{
	(void)state;
	env_start(&env, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	env_stop(&env);
	return 0;
}

/* R-PRC-101: the right K earns a session, which opens the PVA (R-PRC-103). */
static void test_attach_good(void **state)
{
	struct mcim_proto_pva_challenge_req pq = {.mode = MCIM_EVIDENCE_REMOTE};
	struct mcim_proto_icf_attach_req q;
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_span session;
	uint8_t body[128];
	size_t len = 0;
	struct reply r;
	struct usim u;

	(void)state;
	usim_make(&u, ENV_VNO_PLMN "1000000001");
	import(&u);
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	assert_int_equal(attach(&q, &r), 200);
	check_session(&r, u.pcid, &session);
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&pq, body, sizeof(body), &len), MCIM_OK);
	env_device(&env, "/pva/v1/challenge", body, len, session.data, session.len, &r);
	assert_int_equal(r.status, 200);
	/* The same RES again: the challenge was used. */
	assert_int_equal(attach(&q, &r), 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
	/* A second attach works with a fresh challenge (the SQN moved on). */
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	assert_int_equal(attach(&q, &r), 200);
	mcim_aka_keyctx_wipe(&u.kc);
}

/* A wrong RES is DENIED and uses the challenge up: the right RES after it fails. */
static void test_wrong_res(void **state)
{
	struct mcim_proto_icf_attach_req q;
	struct mcim_proto_icf_challenge ch;
	struct reply r;
	struct usim u;

	(void)state;
	usim_make(&u, ENV_VNO_PLMN "1000000002");
	import(&u);
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	q.res[0] ^= 0x80;
	assert_int_equal(attach(&q, &r), 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
	q.res[0] ^= 0x80;
	assert_int_equal(attach(&q, &r), 403);
	/* A RES of another length. */
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	q.res_len = 4;
	assert_int_equal(attach(&q, &r), 403);
	/* Unknown PCIDs (T-12): a decoy challenge like any other (random, the ICF's
	 * AMF), and the same DENIED as a wrong RES. */
	assert_int_equal(get_challenge(ENV_VNO_PLMN "9999999999", &ch, &r), 200);
	assert_int_equal(ch.autn[6] | ch.autn[7], 0);
	{
		struct mcim_proto_icf_challenge again;

		assert_int_equal(get_challenge(ENV_VNO_PLMN "9999999999", &again, &r),
				 200);
		assert_memory_not_equal(again.rand, ch.rand, sizeof(ch.rand));
	}
	assert_int_equal(get_challenge("0019", &ch, &r), 200); /* not IMSI-shaped */
	snprintf(q.pcid, sizeof(q.pcid), ENV_VNO_PLMN "9999999999");
	assert_int_equal(attach(&q, &r), 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
	mcim_aka_keyctx_wipe(&u.kc);
}

/* A TRE whose SQN is ahead answers AUTS; the ICF resynchronises and the next
 * challenge is accepted. A forged AUTS is DENIED. */
static void test_resync(void **state)
{
	struct mcim_proto_icf_attach_req q;
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_span session;
	struct reply r;
	struct usim u;

	(void)state;
	usim_make(&u, ENV_VNO_PLMN "1000000003");
	import(&u);
	for (size_t i = 0; i < 32; i++)
		u.ms.seq[i] = 5000; /* the TRE saw SQNs this network never issued */
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_ERR_SYNC_FAILURE);
	q.auts[13] ^= 1;
	assert_int_equal(attach(&q, &r), 403);
	assert_int_equal(env_cbor_error(&r), MCIM_ERR_DENIED);
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_ERR_SYNC_FAILURE);
	assert_int_equal(attach(&q, &r), 200);
	assert_int_equal(mcim_proto_icf_challenge_decode(r.body, r.len, &ch), MCIM_OK);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	assert_int_equal(attach(&q, &r), 200);
	check_session(&r, u.pcid, &session);
	mcim_aka_keyctx_wipe(&u.kc);
}

/* The factory import: one report line per refused record; only the VNO imports. */
static void test_import(void **state)
{
	char a[256], b[256], body[1024];
	struct reply r;
	struct usim u, v;
	json_t *doc;

	(void)state;
	usim_make(&u, ENV_VNO_PLMN "2000000001");
	usim_make(&v, "001012000000001"); /* another PLMN's range */
	usim_json(&u, a, sizeof(a));
	usim_json(&v, b, sizeof(b));
	snprintf(body, sizeof(body),
		 "[%s,%s,%s,{\"pcid\":\"" ENV_VNO_PLMN
		 "2000000002\",\"k\":\"00\",\"opc\":\"00\"},7]",
		 a, b, a);
	env_operator(&env, "POST", "/v1/tenants/vno/pcids", body, ENV_VNO_TOKEN, &r);
	assert_int_equal(r.status, 200);
	doc = json_loadb((const char *)r.body, r.len, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "imported")), 1);
	assert_int_equal(json_integer_value(json_object_get(doc, "refused")), 4);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(doc, "errors"), 1), "error")),
	    "EXISTS");
	json_decref(doc);
	env_operator(&env, "POST", "/v1/tenants/vno/pcids", "{}", ENV_VNO_TOKEN, &r);
	assert_int_equal(r.status, 400);
	env_operator(&env, "POST", "/v1/tenants/vno/pcids", "[]", ENV_SHO_TOKEN, &r);
	assert_int_equal(r.status, 403);
	env_operator(&env, "POST", "/v1/tenants/sho1/pcids", "[]", ENV_SHO_TOKEN, &r);
	assert_int_equal(r.status, 404);
	mcim_aka_keyctx_wipe(&u.kc);
	mcim_aka_keyctx_wipe(&v.kc);
}

static int64_t fake_clock;

static int64_t clock_now(void *arg)
{
	(void)arg;
	return fake_clock;
}

/* The sans-I/O ICF on a fake clock: a challenge answered too late is EXPIRED. */
static void test_expired_challenge(void **state)
{
	struct net_icf_tenant vt = {"vno", ENV_VNO_PLMN};
	struct net_icf_config ic = {0};
	struct net_icf_buf out = {NULL, 0};
	struct mcim_proto_icf_challenge_req cq;
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_icf_attach_req q;
	struct net_icf *icf = NULL;
	uint8_t body[128];
	size_t len = 0;
	char msg[256];
	struct usim u;

	(void)state;
	fake_clock = time(NULL);
	ic.store_url = env.db;
	ic.pki_dir = env.pki_dir;
	ic.tenants = &vt;
	ic.n_tenants = 1;
	ic.now = clock_now;
	assert_int_equal(net_icf_new(&ic, &icf, msg, sizeof(msg)), MCIM_OK);
	usim_make(&u, ENV_VNO_PLMN "4000000001");
	import(&u);
	memset(&cq, 0, sizeof(cq));
	snprintf(cq.pcid, sizeof(cq.pcid), "%s", u.pcid);
	assert_int_equal(
	    mcim_proto_icf_challenge_req_encode(&cq, body, sizeof(body), &len), MCIM_OK);
	assert_int_equal(net_icf_challenge(icf, body, len, &out), MCIM_OK);
	assert_int_equal(mcim_proto_icf_challenge_decode(out.data, out.len, &ch),
			 MCIM_OK);
	net_icf_buf_free(&out);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	assert_int_equal(mcim_proto_icf_attach_req_encode(&q, body, sizeof(body), &len),
			 MCIM_OK);
	fake_clock += NET_ICF_CHALLENGE_TTL;
	assert_int_equal(net_icf_attach(icf, body, len, &out, NULL), MCIM_ERR_EXPIRED);
	net_icf_free(icf);
	/* Bad configurations: no VNO certificate for that PLMN, no tenant. */
	vt.plmn = "00177";
	assert_int_equal(net_icf_new(&ic, &icf, msg, sizeof(msg)), MCIM_ERR_NOT_FOUND);
	ic.n_tenants = 0;
	assert_int_equal(net_icf_new(&ic, &icf, msg, sizeof(msg)), MCIM_ERR_INVALID_ARG);
	mcim_aka_keyctx_wipe(&u.kc);
}

/* base64 as the session header and the JSON bodies use it (RFC 4648 §10). */
static void test_base64(void **state)
{
	static const struct {
		const char *text, *plain;
	} v[] = {{"", ""},
		 {"Zg==", "f"},
		 {"Zm8=", "fo"},
		 {"Zm9v", "foo"},
		 {"Zm9vYg==", "foob"},
		 {"Zm9vYmE=", "fooba"},
		 {"Zm9vYmFy", "foobar"}};
	uint8_t out[16];
	char enc[32];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(
		    icf_b64_decode(v[i].text, strlen(v[i].text), 0, out, sizeof(out), &n),
		    MCIM_OK);
		assert_int_equal(n, strlen(v[i].plain));
		assert_memory_equal(out, v[i].plain, n);
		assert_int_equal(icf_b64url_encode((const uint8_t *)v[i].plain,
						   strlen(v[i].plain), enc, sizeof(enc)),
				 MCIM_OK);
		assert_int_equal(strncmp(enc, v[i].text, strlen(enc)), 0);
	}
	assert_int_equal(icf_b64_decode("+/8", 3, 0, out, sizeof(out), &n), MCIM_OK);
	assert_int_equal(icf_b64_decode("-_8", 3, 1, out, sizeof(out), &n), MCIM_OK);
	assert_int_equal(icf_b64_decode("-_8", 3, 0, out, sizeof(out), &n),
			 MCIM_ERR_PARSE);
	assert_int_equal(icf_b64_decode("Zh==", 4, 0, out, sizeof(out), &n),
			 MCIM_ERR_PARSE);
	assert_int_equal(icf_b64_decode("Z", 1, 0, out, sizeof(out), &n), MCIM_ERR_PARSE);
	assert_int_equal(icf_b64_decode("Zm9vYmFy", 8, 0, out, 5, &n),
			 MCIM_ERR_TOO_LARGE);
	assert_int_equal(icf_b64url_encode((const uint8_t *)"foo", 3, enc, 4),
			 MCIM_ERR_BUFFER_TOO_SMALL);
}

/* The attach outcomes are counted for /metrics. */
static void test_metrics(void **state)
{
	struct mcim_proto_icf_attach_req q;
	struct mcim_proto_icf_challenge ch;
	struct reply r;
	struct usim u;

	(void)state;
	usim_make(&u, ENV_VNO_PLMN "5000000001");
	import(&u);
	assert_int_equal(get_challenge(u.pcid, &ch, &r), 200);
	assert_int_equal(usim_answer(&u, &ch, &q), MCIM_OK);
	assert_int_equal(attach(&q, &r), 200);
	assert_int_equal(attach(&q, &r), 403);
	env_req(&env, "GET", "/metrics", NULL, NULL, 0, NULL, &r);
	r.body[r.len < sizeof(r.body) ? r.len : sizeof(r.body) - 1] = '\0';
	assert_non_null(strstr((char *)r.body, "mcimd_icf_sessions_total 1"));
	assert_non_null(strstr((char *)r.body, "mcimd_icf_denied_total 1"));
	assert_non_null(strstr((char *)r.body, "mcimd_icf_pcids_imported_total 1"));
	mcim_aka_keyctx_wipe(&u.kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_attach_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_res, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resync, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired_challenge, setup, teardown),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
