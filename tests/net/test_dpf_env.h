/*
 * Shared by the SHO tests (test_dpf.c, test_auc.c, test_ccif.c): a real server on
 * 127.0.0.1 port 0 with the SHO routes over a real SQLite file, a PKI made by the
 * tools (tool_pki_init: CI, DRF, PVA, each SHO's DPF and management keys) plus a
 * rogue PKI nobody trusts, and the device side simulated with mcim/proto.h: a TRE
 * identity issued by the M2MES CA, registrations and DRF tokens, PVA results, and
 * the whole download M1..R.
 *
 * Include after <cmocka.h>. Everything is static (inline) so a test that uses part of it
 * compiles without warnings.
 */
#ifndef MCIM_TESTS_NET_DPF_ENV_H
#define MCIM_TESTS_NET_DPF_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "../unit/tre_fault.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/cose.h"
#include "mcim/proto.h"
#include "net/sho.h"
#include "net/store/store.h"
#include "tool/pki.h"
#include "net/http.h"
#include "net/api_operator.h"

#define ENV_TOKEN_SHO1 "tok-sho1-0f3a9c"
#define ENV_TOKEN_SHO2 "tok-sho2-77b1e2"
#define ENV_SHO1       "00101"
#define ENV_SHO2       "00102"
#define ENV_SNN	       "5G:mnc001.mcc001.3gppnetwork.org"

struct env {
	char dir[256], pki_dir[300], rogue_dir[300], db[300];
	struct tool_pki pki, rogue;
	struct net_config cfg;
	struct net_tenant tenants[2];
	struct net_server *srv;
	struct net_sho_http *sho;
	struct net_store *st; /* the test's own connection */
	int64_t sho1, sho2;   /* store tenant ids */
	char base[64];
	/* "Authorization: MCIM-Session ..." sent with every /dpf/ request ("": none) */
	char session[MCIM_PROTO_SIGNED_MAX * 2 + 64];
};

static struct env env;

struct reply {
	long status;
	uint8_t *body;
	size_t len;
};

static inline size_t env_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	uint8_t *b = realloc(r->body, r->len + size * n + 1);

	if (b == NULL)
		return 0;
	memcpy(b + r->len, p, size * n);
	r->body = b;
	r->len += size * n;
	r->body[r->len] = 0;
	return size * n;
}

static inline void reply_free(struct reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* One request; body NULL: none. type: the Content-Type. */
static inline void env_http(const char *method, const char *path, const char *type,
			    const char *token, const void *body, size_t len,
			    struct reply *r)
{
	char url[512], auth[256], ct[128];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();

	memset(r, 0, sizeof(*r));
	assert_non_null(c);
	snprintf(url, sizeof(url), "%s%s", env.base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, env_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (strncmp(path, "/dpf/", 5) == 0 && env.session[0] != '\0')
		h = curl_slist_append(h, env.session);
	if (body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", type);
		h = curl_slist_append(h, ct);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static inline void env_post(const char *path, const uint8_t *body, size_t len,
			    struct reply *r)
{
	env_http("POST", path, "application/cbor", NULL, body, len, r);
}

/* Operator API: JSON body text or NULL. */
static inline void env_op(const char *method, const char *path, const char *token,
			  const char *json, struct reply *r)
{
	env_http(method, path, "application/json", token, json,
		 json != NULL ? strlen(json) : 0, r);
}

/* The error name of a failed device response. */
static inline mcim_err env_err(const struct reply *r)
{
	struct mcim_proto_error e;

	assert_int_equal(mcim_proto_error_decode(r->body, r->len, &e), MCIM_OK);
	return e.err;
}

/* 1 when needle (n octets) occurs in hay (len octets). */
static inline int env_contains(const uint8_t *hay, size_t len, const uint8_t *needle,
			       size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/*
 * The audit trail of tenant about one MCIM, as "EVENT actor: detail" lines, after
 * checking that the tenant's whole chain verifies.
 */
static inline void env_audit_of(int64_t tenant, const uint8_t mcim_id[16], char *out,
				size_t cap)
{
	struct net_audit a[64];
	char subject[33];
	uint64_t after = 0, count = 0, bad = 0;
	size_t n = 0, used = 0;

	assert_int_equal(net_store_audit_verify(env.st, tenant, &count, &bad), MCIM_OK);
	net_api_hex(mcim_id, 16, subject);
	out[0] = '\0';
	do {
		assert_int_equal(net_store_audit_list(env.st, tenant, after, a, 64, &n),
				 MCIM_OK);
		for (size_t i = 0; i < n; i++) {
			after = a[i].seq;
			if (strcmp(a[i].subject, subject) != 0)
				continue;
			used += (size_t)snprintf(out + used, cap - used, "%s %s: %s\n",
						 net_api_audit_name(a[i].event),
						 a[i].actor, a[i].detail);
			assert_true(used < cap);
		}
	} while (n == 64);
}

static inline int64_t env_now(void)
{
	return (int64_t)time(NULL);
}

static inline void env_hash_token(const char *tok, uint8_t out[MCIM_SHA256_LEN])
{
	assert_int_equal(mcim_sha256(tok, strlen(tok), out), MCIM_OK);
}

/* base64url without padding (RFC 4648 §5), for the session header. */
static inline void env_b64url(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	assert_true(cap > (len * 4 + 2) / 3);
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		for (bits += 8; bits >= 6; bits -= 6)
			out[n++] = a[(acc >> (bits - 6)) & 63];
	}
	if (bits > 0)
		out[n++] = a[(acc << (6 - bits)) & 63];
	out[n] = '\0';
}

/* Sets env.session to an ICF session with scope (MCIM_PROTO_SCOPE_* bits). */
static inline void env_session(uint32_t scope)
{
	struct mcim_proto_session ss;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer;
	uint8_t cose[MCIM_PROTO_SIGNED_MAX];
	char b64[MCIM_PROTO_SIGNED_MAX * 2];
	size_t n = 0, len = 0;

	memset(&ss, 0, sizeof(ss));
	snprintf(ss.pcid, sizeof(ss.pcid), "pcid-test-1");
	ss.scope = scope;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), ss.sid, sizeof(ss.sid)),
			 MCIM_OK);
	ss.iat = (int64_t)time(NULL);
	ss.exp = ss.iat + 1800;
	assert_int_equal(tool_pki_key(&env.pki, "vno-icf", &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&env.pki, "vno-icf", 0, chain, 4, &n), MCIM_OK);
	signer = (struct mcim_proto_signer){&key, chain, n};
	assert_int_equal(mcim_proto_session_sign(&ss, &signer, cose, sizeof(cose), &len),
			 MCIM_OK);
	env_b64url(cose, len, b64, sizeof(b64));
	snprintf(env.session, sizeof(env.session), "Authorization: MCIM-Session %s", b64);
	mcim_p256_priv_wipe(&key);
}

static inline void env_up(void)
{
	struct tool_pki_opts opts;
	char err[TOOL_PKI_ERR_MAX], msg[256];
	struct net_store_config sc = {0};
	struct net_store_tenant t;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tre_test_mkdtemp(env.dir, sizeof(env.dir), "mcim-sho");
	snprintf(env.pki_dir, sizeof(env.pki_dir), "%s/pki", env.dir);
	snprintf(env.rogue_dir, sizeof(env.rogue_dir), "%s/rogue", env.dir);
	snprintf(env.db, sizeof(env.db), "%s/mcimd.db", env.dir);
	memset(&opts, 0, sizeof(opts));
	opts.now = time(NULL);
	assert_int_equal(tool_pki_init(env.pki_dir, &opts, err), MCIM_OK);
	assert_int_equal(tool_pki_init(env.rogue_dir, &opts, err), MCIM_OK);
	assert_int_equal(tool_pki_load(env.pki_dir, &env.pki), MCIM_OK);
	assert_int_equal(tool_pki_load(env.rogue_dir, &env.rogue), MCIM_OK);

	net_config_defaults(&env.cfg, "");
	snprintf(env.cfg.store_path, sizeof(env.cfg.store_path), "%s", env.db);
	snprintf(env.cfg.pki_dir, sizeof(env.cfg.pki_dir), "%s", env.pki_dir);
	env.cfg.log_level = NET_LOG_ERROR;
	memset(env.tenants, 0, sizeof(env.tenants));
	snprintf(env.tenants[0].name, sizeof(env.tenants[0].name), "sho1");
	snprintf(env.tenants[0].plmn, sizeof(env.tenants[0].plmn), ENV_SHO1);
	env.tenants[0].kind = NET_TENANT_SHO;
	env.tenants[0].n_tokens = 1;
	env_hash_token(ENV_TOKEN_SHO1, env.tenants[0].token_sha256[0]);
	snprintf(env.tenants[1].name, sizeof(env.tenants[1].name), "sho2");
	snprintf(env.tenants[1].plmn, sizeof(env.tenants[1].plmn), ENV_SHO2);
	env.tenants[1].kind = NET_TENANT_SHO;
	env.tenants[1].n_tokens = 1;
	env_hash_token(ENV_TOKEN_SHO2, env.tenants[1].token_sha256[0]);
	env.cfg.tenants = env.tenants;
	env.cfg.n_tenants = 2;
	env.cfg.limits.threads = 8;
	net_log_set_level(NET_LOG_ERROR);

	env.srv = net_server_new(&env.cfg, NULL, NULL);
	assert_non_null(env.srv);
	assert_int_equal(
	    net_sho_routes(env.srv, &env.cfg, NET_ROLES_ALL, &env.sho, msg, sizeof(msg)),
	    MCIM_OK);
	assert_non_null(env.sho);
	assert_int_equal(net_server_start(env.srv), MCIM_OK);
	snprintf(env.base, sizeof(env.base), "http://127.0.0.1:%u",
		 (unsigned)net_server_port(env.srv));

	env_session(MCIM_PROTO_SCOPE_DRF | MCIM_PROTO_SCOPE_PVA | MCIM_PROTO_SCOPE_DPF);
	sc.url = env.db;
	assert_int_equal(net_store_open(&sc, &env.st, NULL, 0), MCIM_OK);
	assert_int_equal(net_store_tenant_find(env.st, "sho1", &t), MCIM_OK);
	env.sho1 = t.id;
	assert_int_equal(net_store_tenant_find(env.st, "sho2", &t), MCIM_OK);
	env.sho2 = t.id;
}

static inline void env_down(void)
{
	net_server_free(env.srv);
	net_sho_http_free(env.sho);
	net_store_close(env.st);
	tool_pki_free(&env.pki);
	tool_pki_free(&env.rogue);
	rm_tree(env.dir);
	curl_global_cleanup();
}

/* A second daemon's context on the same store and PKI whose clock runs `ahead`
 * seconds in front (to reach expiries without waiting). */
static int64_t env_ahead;

static inline int64_t env_clock(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL) + env_ahead;
}

static inline struct net_sho *env_second(int64_t ahead)
{
	static const struct net_sho_tenant tenants[2] = {{"sho1", ENV_SHO1},
							 {"sho2", ENV_SHO2}};
	struct net_sho_config sc;
	struct net_sho *s = NULL;
	char msg[256];

	env_ahead = ahead;
	memset(&sc, 0, sizeof(sc));
	sc.store_url = env.db;
	sc.pki_dir = env.pki_dir;
	sc.tenants = tenants;
	sc.n_tenants = 2;
	sc.now = env_clock;
	assert_int_equal(net_sho_new(&sc, &s, msg, sizeof(msg)), MCIM_OK);
	return s;
}

/* ---- the device ---- */

struct dev {
	uint8_t tre_id[16];
	struct mcim_p256_priv key;
	uint8_t cert[MCIM_CERT_MAX_LEN];
	size_t cert_len;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain;
	int64_t registration;
	uint8_t token[MCIM_PROTO_SIGNED_MAX];
	size_t token_len;
	struct mcim_proto_reg_token tok;
};

static inline void dev_new(struct dev *d)
{
	struct mcim_p256_pub pub;
	struct tool_pki_tre req;
	char hex[33];
	size_t n = 0;

	memset(d, 0, sizeof(*d));
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), d->tre_id, 16), MCIM_OK);
	assert_int_equal(mcim_hex_encode(d->tre_id, 16, hex, sizeof(hex)), MCIM_OK);
	assert_int_equal(mcim_p256_keygen(&d->key, &pub), MCIM_OK);
	memset(&req, 0, sizeof(req));
	req.pub = &pub;
	req.tre_id = hex;
	req.platform_id = "356938035643809";
	req.backend = MCIM_CERT_BACKEND_SOFT;
	req.assurance = 1;
	req.not_before = time(NULL) - 3600;
	assert_int_equal(
	    tool_pki_issue_tre(&env.pki, &req, d->cert, sizeof(d->cert), &d->cert_len),
	    MCIM_OK);
	d->chain[0] = (struct mcim_iov){d->cert, d->cert_len};
	assert_int_equal(tool_pki_chain(&env.pki, "m2mes-ca", 0, d->chain + 1,
					MCIM_COSE_X5CHAIN_MAX - 1, &n),
			 MCIM_OK);
	d->n_chain = 1 + n;
}

/* Registered with SHO tenant (store id), and a DRF token for plmn valid until exp. */
static inline void dev_register(struct dev *d, int64_t tenant, const char *plmn,
				int64_t exp)
{
	struct net_reg_in in = {{0}, 0};
	struct net_reg_token rt;
	struct mcim_p256_priv drf;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer;
	size_t n = 0;

	memcpy(in.tre_id, d->tre_id, 16);
	assert_int_equal(
	    net_store_register(env.st, tenant, &in, env_now(), &d->registration),
	    MCIM_OK);
	memset(&d->tok, 0, sizeof(d->tok));
	memcpy(d->tok.tre_id, d->tre_id, 16);
	snprintf(d->tok.sho, sizeof(d->tok.sho), "%s", plmn);
	snprintf(d->tok.dpf_url, sizeof(d->tok.dpf_url), "%s", env.base);
	snprintf(d->tok.pva_url, sizeof(d->tok.pva_url), "%s", env.base);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), d->tok.reg_id, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), d->tok.n_d, 16), MCIM_OK);
	d->tok.iat = env_now();
	d->tok.exp = exp;
	memset(&rt, 0, sizeof(rt));
	memcpy(rt.reg_id, d->tok.reg_id, 16);
	rt.tenant = tenant;
	rt.registration = d->registration;
	rt.created = env_now();
	rt.expires = exp;
	assert_int_equal(net_store_regtoken_create(env.st, &rt), MCIM_OK);
	assert_int_equal(tool_pki_key(&env.pki, "ro-drf", &drf), MCIM_OK);
	assert_int_equal(
	    tool_pki_chain(&env.pki, "ro-drf", 0, chain, MCIM_COSE_X5CHAIN_MAX, &n),
	    MCIM_OK);
	signer = (struct mcim_proto_signer){&drf, chain, n};
	assert_int_equal(mcim_proto_reg_token_sign(&d->tok, &signer, d->token,
						   sizeof(d->token), &d->token_len),
			 MCIM_OK);
	mcim_p256_priv_wipe(&drf);
}

/* A PVA result for d signed by pki's pva, with status and validity. */
static inline void dev_pva(const struct dev *d, struct tool_pki *pki,
			   enum mcim_ear_status status, int64_t iat, int64_t exp,
			   uint8_t *out, size_t cap, size_t *len)
{
	struct mcim_proto_pva_result r;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer;
	size_t n = 0;

	memset(&r, 0, sizeof(r));
	memcpy(r.tre_id, d->tre_id, 16);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), r.n_p, sizeof(r.n_p)), MCIM_OK);
	r.status = status;
	r.n_verdicts = 1;
	snprintf(r.verdicts[0].name, sizeof(r.verdicts[0].name), "kernel");
	r.verdicts[0].status = status;
	r.iat = iat;
	r.exp = exp;
	assert_int_equal(tool_pki_key(pki, "pva", &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(pki, "pva", 0, chain, MCIM_COSE_X5CHAIN_MAX, &n),
			 MCIM_OK);
	signer = (struct mcim_proto_signer){&key, chain, n};
	assert_int_equal(mcim_proto_pva_result_sign(&r, &signer, out, cap, len), MCIM_OK);
	mcim_p256_priv_wipe(&key);
}

static inline void dev_trust(struct tool_pki *pki, struct mcim_proto_trust *t)
{
	const uint8_t *root;
	size_t len;

	assert_int_equal(tool_pki_root(pki, &root, &len), MCIM_OK);
	memset(t, 0, sizeof(*t));
	t->ci_root = root;
	t->ci_root_len = len;
	t->now = env_now();
	t->skew = MCIM_PROTO_SKEW_DEFAULT;
}

/* One download in progress, the TRE's side. */
struct dl {
	uint8_t m1[MCIM_PROTO_MSG_MAX], m2[MCIM_PROTO_MSG_MAX], m3[MCIM_PROTO_MSG_MAX];
	size_t m1_len, m2_len, m3_len;
	uint8_t c_t[16];
	struct mcim_proto_m2 m2v;
	struct mcim_p256_priv eph;
	struct mcim_p256_pub epk;
	struct mcim_proto_dl_keys keys;
	uint8_t m4[MCIM_PROTO_M4_MAX];
	size_t m4_len;
	struct mcim_proto_m4 m4v;
	struct mcim_profile profile;
	uint8_t ct_hash[32];
	uint8_t receipt[MCIM_PROTO_MSG_MAX];
	size_t receipt_len;
};

/* M1 -> M2 (verified as the TRE does); returns the HTTP status. */
static inline long dl_m1(struct dl *x, const struct dev *d, const uint8_t *token,
			 size_t token_len, const uint8_t tre_id[16], mcim_err *err)
{
	struct mcim_proto_m1 m1;
	struct mcim_proto_trust t;
	struct reply r;
	long status;

	memset(&m1, 0, sizeof(m1));
	memcpy(m1.tre_id, tre_id, 16);
	m1.token = (struct mcim_proto_span){token, token_len};
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), x->c_t, 16), MCIM_OK);
	memcpy(m1.c_t, x->c_t, 16);
	assert_int_equal(mcim_proto_m1_encode(&m1, x->m1, sizeof(x->m1), &x->m1_len),
			 MCIM_OK);
	env_post("/dpf/v1/m1", x->m1, x->m1_len, &r);
	status = r.status;
	*err = MCIM_OK;
	if (status == 200) {
		assert_true(r.len <= sizeof(x->m2));
		memcpy(x->m2, r.body, r.len);
		x->m2_len = r.len;
		dev_trust(&env.pki, &t);
		assert_int_equal(mcim_proto_m2_verify(x->m2, x->m2_len, &t, &d->tok,
						      x->c_t, &x->m2v, NULL),
				 MCIM_OK);
	} else
		*err = env_err(&r);
	reply_free(&r);
	return status;
}

/* Builds M3 with pva and signs it with d's key. */
static inline void dl_m3_make(struct dl *x, const struct dev *d, const uint8_t *pva,
			      size_t pva_len)
{
	struct mcim_proto_m3 m3;
	struct mcim_proto_signer signer = {&d->key, d->chain, d->n_chain};

	memset(&m3, 0, sizeof(m3));
	memcpy(m3.txid, x->m2v.txid, 16);
	assert_int_equal(mcim_p256_keygen(&x->eph, &x->epk), MCIM_OK);
	m3.epk = x->epk;
	m3.pva = (struct mcim_proto_span){pva, pva_len};
	assert_int_equal(
	    mcim_proto_dl_transcript(x->m1, x->m1_len, x->m2, x->m2_len, NULL, 0, m3.th),
	    MCIM_OK);
	assert_int_equal(
	    mcim_proto_m3_make(&m3, &signer, x->m3, sizeof(x->m3), &x->m3_len), MCIM_OK);
}

/* Posts M3; on 200 derives the keys and opens M4 as the TRE does. */
static inline long dl_m3_post(struct dl *x, const struct dev *d, mcim_err *err)
{
	uint8_t th3[32];
	struct reply r;
	long status;

	env_post("/dpf/v1/m3", x->m3, x->m3_len, &r);
	status = r.status;
	*err = MCIM_OK;
	if (status == 200) {
		assert_true(r.len <= sizeof(x->m4));
		memcpy(x->m4, r.body, r.len);
		x->m4_len = r.len;
		assert_int_equal(mcim_proto_dl_transcript(x->m1, x->m1_len, x->m2,
							  x->m2_len, x->m3, x->m3_len,
							  th3),
				 MCIM_OK);
		assert_int_equal(
		    mcim_proto_dl_keys_derive(&x->eph, &x->m2v.epk, th3, &x->keys),
		    MCIM_OK);
		assert_int_equal(mcim_proto_m4_decode(x->m4, x->m4_len, &x->m4v),
				 MCIM_OK);
		assert_int_equal(mcim_proto_m4_open(&x->keys, x->m4, x->m4_len,
						    x->m2v.txid, d->tre_id, &x->profile,
						    x->ct_hash),
				 MCIM_OK);
	} else
		*err = env_err(&r);
	reply_free(&r);
	return status;
}

static inline void dl_receipt_make(struct dl *x, const struct dev *d, mcim_err result,
				   const struct mcim_proto_dl_keys *keys)
{
	struct mcim_proto_receipt rc;
	struct mcim_proto_signer signer = {&d->key, d->chain, d->n_chain};

	memset(&rc, 0, sizeof(rc));
	memcpy(rc.txid, x->m2v.txid, 16);
	memcpy(rc.mcim_id, x->m4v.mcim_id, 16);
	rc.result = result;
	memcpy(rc.ct_hash, x->ct_hash, 32);
	assert_int_equal(mcim_proto_receipt_make(&rc, keys, &signer, x->receipt,
						 sizeof(x->receipt), &x->receipt_len),
			 MCIM_OK);
}

static inline long dl_receipt_post(struct dl *x, mcim_err *err)
{
	struct reply r;
	long status;

	env_post("/dpf/v1/receipt", x->receipt, x->receipt_len, &r);
	status = r.status;
	*err = status == 200 ? MCIM_OK : env_err(&r);
	reply_free(&r);
	return status;
}

static inline void dl_wipe(struct dl *x)
{
	mcim_profile_wipe(&x->profile);
	mcim_proto_dl_keys_wipe(&x->keys);
	mcim_p256_priv_wipe(&x->eph);
}

/* A whole download for a registered d with an affirming result; x keeps the
 * profile. */
static inline void dl_full(struct dl *x, const struct dev *d)
{
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len = 0;
	mcim_err err;

	memset(x, 0, sizeof(*x));
	dev_pva(d, &env.pki, MCIM_EAR_AFFIRMING, env_now(), env_now() + 600, pva,
		sizeof(pva), &pva_len);
	assert_int_equal(dl_m1(x, d, d->token, d->token_len, d->tre_id, &err), 200);
	dl_m3_make(x, d, pva, pva_len);
	assert_int_equal(dl_m3_post(x, d, &err), 200);
	dl_receipt_make(x, d, MCIM_OK, &x->keys);
	assert_int_equal(dl_receipt_post(x, &err), 200);
}

/* ---- management (§6), the TRE's side ---- */

/* Pulls d's queued commands into cmds (each up to 256 octets); returns how many. */
static inline size_t dev_pull(const struct dev *d, uint8_t cmds[][256], size_t *lens,
			      size_t cap)
{
	uint8_t req[32];
	struct mcim_cbor_writer w;
	struct mcim_cbor_reader rd;
	struct mcim_cbor_map m;
	const char *key;
	const uint8_t *item;
	size_t len = 0, klen, n = 0, il;
	struct reply r;

	mcim_cbor_writer_init(&w, req, sizeof(req));
	mcim_cbor_put_map(&w, 1);
	mcim_cbor_put_cstr(&w, "tre_id");
	mcim_cbor_put_bstr(&w, d->tre_id, 16);
	assert_int_equal(mcim_cbor_writer_finish(&w, &len), MCIM_OK);
	env_post("/dpf/v1/commands", req, len, &r);
	assert_int_equal(r.status, 200);
	mcim_cbor_reader_init(&rd, r.body, r.len);
	assert_int_equal(mcim_cbor_map_open(&rd, &m), MCIM_OK);
	assert_int_equal(mcim_cbor_map_key_tstr(&rd, &m, &key, &klen), MCIM_OK);
	assert_int_equal(klen, 8);
	assert_memory_equal(key, "commands", 8);
	assert_int_equal(mcim_cbor_read_array(&rd, &n), MCIM_OK);
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(mcim_cbor_read_bstr(&rd, &item, &il), MCIM_OK);
		assert_true(il <= 256);
		memcpy(cmds[i], item, il);
		lens[i] = il;
	}
	assert_int_equal(mcim_cbor_remaining(&rd), 0);
	reply_free(&r);
	return n;
}

/* The command-results body: d's signed result for (mcim_id, counter); *len its size
 * (req holds MCIM_PROTO_SIGNED_MAX + 32 octets). */
static inline void dev_result_body(const struct dev *d, const uint8_t mcim_id[16],
				   uint64_t counter, mcim_err result, const char *state,
				   uint8_t *req, size_t *len)
{
	uint8_t payload[256], cose[MCIM_PROTO_SIGNED_MAX];
	struct mcim_cose_sign1_opts o;
	struct mcim_cbor_writer w;
	size_t plen = 0, clen = 0;

	mcim_cbor_writer_init(&w, payload, sizeof(payload));
	mcim_cbor_put_map(&w, 5);
	mcim_cbor_put_cstr(&w, "ctx");
	mcim_cbor_put_cstr(&w, "mcim/mgmt/result");
	mcim_cbor_put_cstr(&w, "state");
	mcim_cbor_put_cstr(&w, state);
	mcim_cbor_put_cstr(&w, "result");
	mcim_cbor_put_cstr(&w, mcim_err_name(result));
	mcim_cbor_put_cstr(&w, "counter");
	mcim_cbor_put_uint(&w, counter);
	mcim_cbor_put_cstr(&w, "mcim_id");
	mcim_cbor_put_bstr(&w, mcim_id, 16);
	assert_int_equal(mcim_cbor_writer_finish(&w, &plen), MCIM_OK);
	memset(&o, 0, sizeof(o));
	o.x5chain = d->chain;
	o.x5chain_n = d->n_chain;
	assert_int_equal(
	    mcim_cose_sign1_sign(&d->key, payload, plen, &o, cose, sizeof(cose), &clen),
	    MCIM_OK);
	mcim_cbor_writer_init(&w, req, MCIM_PROTO_SIGNED_MAX + 32);
	mcim_cbor_put_map(&w, 1);
	mcim_cbor_put_cstr(&w, "result");
	mcim_cbor_put_bstr(&w, cose, clen);
	assert_int_equal(mcim_cbor_writer_finish(&w, len), MCIM_OK);
}

/* Sends d's signed result for (mcim_id, counter); returns the HTTP status. */
static inline long dev_result(const struct dev *d, const uint8_t mcim_id[16],
			      uint64_t counter, mcim_err result, const char *state,
			      mcim_err *err)
{
	uint8_t req[MCIM_PROTO_SIGNED_MAX + 32];
	size_t len = 0;
	struct reply r;
	long status;

	dev_result_body(d, mcim_id, counter, result, state, req, &len);
	env_post("/dpf/v1/command-results", req, len, &r);
	status = r.status;
	*err = status == 200 ? MCIM_OK : env_err(&r);
	reply_free(&r);
	return status;
}

/* POST /v1/tenants/{tenant}/mcims/{hex(id)}:{action} with token; the status. */
static inline long env_action(const char *tenant, const char *token, const uint8_t id[16],
			      const char *action)
{
	char hex[33], path[160];
	struct reply r;
	long status;

	assert_int_equal(mcim_hex_encode(id, 16, hex, sizeof(hex)), MCIM_OK);
	snprintf(path, sizeof(path), "/v1/tenants/%s/mcims/%s:%s", tenant, hex, action);
	env_op("POST", path, token, NULL, &r);
	status = r.status;
	reply_free(&r);
	return status;
}

#endif
