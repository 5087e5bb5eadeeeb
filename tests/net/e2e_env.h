/*
 * The real-daemon fixture of the end-to-end tests (test_e2e.c, test_e2e_refusals.c):
 * the mcimd binary (MCIM_BIN_DIR/mcimd) started with a temporary config over a PKI
 * made by `mcim pki init` and a fresh SQLite file, the operators' REST calls, and
 * simulated devices (mcim/proto.h, mcim/evidence.h, a TRE identity issued by the
 * M2MES CA; test_dpf_env.h's download helpers) that reach the daemons only over
 * HTTP on loopback and use only the URLs the DRF's token gives them. Also a
 * read-only view of the daemons' SQLite file, to show that a refused request
 * changed nothing, and for the refusal tests: one daemon with every role, devices
 * brought to each step of the download, a PKI nobody trusts (env.rogue) and
 * objects signed with the genuine keys but stale or never issued.
 *
 * Tenants of the config: sho1 (ENV_SHO1) and sho2 (ENV_SHO2), the VNO (E2E_VNO_PLMN,
 * whose ICF grants the sessions), the PVA and the registration operator, each with
 * its API token. Include after <cmocka.h>; everything is static (inline).
 */
#ifndef MCIM_TESTS_NET_E2E_ENV_H
#define MCIM_TESTS_NET_E2E_ENV_H

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/evidence.h"
#include "mcim/kdf.h"
#include "mcim/manifest.h"
#include "mcim/rand.h"
#include "crypto/sha256_int.h"
#include "mcim/sqn.h"
#include "test_dpf_env.h"

#define E2E_TOK_VNO  "e2e-vno-5d1c"
#define E2E_TOK_PVA  "e2e-pva-77a0"
#define E2E_TOK_RO   "e2e-ro-1b2b"
#define E2E_VNO_PLMN "00199"
#define E2E_PLATFORM "m2me-e2e"
#define E2E_TTL	     900 /* drf.token_ttl_s */

struct e2e_daemon {
	pid_t pid;
	char base[64], log[320];
};

static char e2e_cfg_path[320];
static struct mcim_manifest e2e_manifest; /* the reference firmware */

static inline void hex_of(const uint8_t *in, size_t n, char *out)
{
	assert_int_equal(mcim_hex_encode(in, n, out, 2 * n + 1), MCIM_OK);
}

/* ---- daemons ---- */

static inline void e2e_write_config(void)
{
	char h[5][65];
	const char *toks[5] = {ENV_TOKEN_SHO1, ENV_TOKEN_SHO2, E2E_TOK_VNO, E2E_TOK_PVA,
			       E2E_TOK_RO};
	uint8_t d[MCIM_SHA256_LEN];
	FILE *f;

	for (int i = 0; i < 5; i++) {
		env_hash_token(toks[i], d);
		hex_of(d, sizeof(d), h[i]);
	}
	snprintf(e2e_cfg_path, sizeof(e2e_cfg_path), "%s/mcimd.json", env.dir);
	f = fopen(e2e_cfg_path, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"listen\": {\"address\": \"127.0.0.1\", \"port\": 0},\n"
		" \"store\": {\"path\": \"mcimd.db\"}, \"pki\": {\"dir\": \"pki\"},\n"
		" \"log\": {\"level\": \"warn\"},\n"
		" \"protocol\": {\"clock_skew_s\": 60},\n"
		" \"drf\": {\"token_ttl_s\": %d},\n"
		" \"pva\": {\"modes\": [\"remote\", \"semi\"]},\n"
		" \"tenants\": [\n"
		"  {\"name\": \"sho1\", \"kind\": \"sho\", \"plmn\": \"%s\", "
		"\"api_token_sha256\": [\"%s\"]},\n"
		"  {\"name\": \"sho2\", \"kind\": \"sho\", \"plmn\": \"%s\", "
		"\"api_token_sha256\": [\"%s\"]},\n"
		"  {\"name\": \"vno\", \"kind\": \"vno\", \"plmn\": \"%s\", "
		"\"api_token_sha256\": [\"%s\"]},\n"
		"  {\"name\": \"pva\", \"kind\": \"pva\", \"plmn\": \"00190\", "
		"\"api_token_sha256\": [\"%s\"]},\n"
		"  {\"name\": \"ro\", \"kind\": \"ro\", \"plmn\": \"00191\", "
		"\"api_token_sha256\": [\"%s\"]}],\n"
		" \"limits\": {\"threads\": 4, \"shutdown_grace_s\": 5}}\n",
		E2E_TTL, ENV_SHO1, h[0], ENV_SHO2, h[1], E2E_VNO_PLMN, h[2], h[3], h[4]);
	assert_int_equal(fclose(f), 0);
}

/* A temporary directory with the PKI of `mcim pki init` (sho1, sho2, the VNO);
 * 0 on success, for a group setup. */
static inline int e2e_pki_init(const char *prefix)
{
	const char *bin = getenv("MCIM_BIN_DIR");
	char cmd[1024];

	if (bin == NULL)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tre_test_mkdtemp(env.dir, sizeof(env.dir), prefix);
	snprintf(env.pki_dir, sizeof(env.pki_dir), "%s/pki", env.dir);
	snprintf(env.db, sizeof(env.db), "%s/mcimd.db", env.dir);
	snprintf(cmd, sizeof(cmd),
		 "'%s/mcim' pki init '%s' --sho sho1:%s --sho sho2:%s "
		 "--vno %s >/dev/null",
		 bin, env.pki_dir, ENV_SHO1, ENV_SHO2, E2E_VNO_PLMN);
	if (system(cmd) != 0 || tool_pki_load(env.pki_dir, &env.pki) != MCIM_OK)
		return -1;
	return 0;
}

/* mcimd with the config and roles; its base URL once it listens. */
static inline void e2e_daemon_start(struct e2e_daemon *dm, const char *roles,
				    const char *name)
{
	const char *bin = getenv("MCIM_BIN_DIR");
	char exe[512], port_file[320], buf[16] = "";

	assert_non_null(bin);
	snprintf(exe, sizeof(exe), "%s/mcimd", bin);
	snprintf(port_file, sizeof(port_file), "%s/%s.port", env.dir, name);
	snprintf(dm->log, sizeof(dm->log), "%s/%s.log", env.dir, name);
	dm->pid = fork();
	assert_true(dm->pid >= 0);
	if (dm->pid == 0) {
		if (freopen(dm->log, "w", stderr) == NULL)
			_exit(127);
		execl(exe, exe, "--config", e2e_cfg_path, "--port-file", port_file,
		      "--roles", roles, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(port_file, "r");

		if (f != NULL) {
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			if (n > 0)
				break;
		}
		assert_int_equal(waitpid(dm->pid, NULL, WNOHANG), 0);
		usleep(20 * 1000);
	}
	assert_true(atoi(buf) > 0);
	snprintf(dm->base, sizeof(dm->base), "http://127.0.0.1:%d", atoi(buf));
}

/* SIGTERM: a clean stop (exit 0) and a log without a token or an error record. */
static inline void e2e_daemon_stop(struct e2e_daemon *dm)
{
	const char *toks[] = {ENV_TOKEN_SHO1, ENV_TOKEN_SHO2, E2E_TOK_VNO, E2E_TOK_PVA,
			      E2E_TOK_RO};
	static uint8_t log[1 << 20];
	size_t len;
	int status = 0;

	assert_int_equal(kill(dm->pid, SIGTERM), 0);
	assert_int_equal(waitpid(dm->pid, &status, 0), dm->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	len = file_read(dm->log, log, sizeof(log));
	for (size_t i = 0; i < sizeof(toks) / sizeof(toks[0]); i++)
		assert_false(
		    env_contains(log, len, (const uint8_t *)toks[i], strlen(toks[i])));
	assert_false(env_contains(log, len, (const uint8_t *)" error ", 7));
}

/* The test's own connection to the daemons' database (read-write: the store API). */
static inline int e2e_store_open(void)
{
	struct net_store_config sc = {0};

	sc.url = env.db;
	return net_store_open(&sc, &env.st, NULL, 0) == MCIM_OK ? 0 : -1;
}

static inline void e2e_down(void)
{
	net_store_close(env.st);
	tool_pki_free(&env.pki);
	rm_tree(env.dir);
	curl_global_cleanup();
}

/* ---- HTTP ---- */

/* Where env's helpers send their requests: a URL the DRF handed out, or a daemon's. */
static inline void set_base(const char *url)
{
	size_t n = strlen(url);

	assert_true(n < sizeof(env.base));
	memcpy(env.base, url, n + 1);
}

/* A device request to base+path with body of Content-Type type and the session
 * header hdr ("Authorization: MCIM-Session ...", or NULL: none). */
static inline void e2e_post(const char *base, const char *path, const char *type,
			    const void *body, size_t len, const char *hdr,
			    struct reply *r)
{
	char url[512], ct[96];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();

	assert_non_null(c);
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(ct, sizeof(ct), "Content-Type: %s", type);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, env_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	if (hdr != NULL)
		h = curl_slist_append(h, hdr);
	h = curl_slist_append(h, ct);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, len > 0 ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* A device's CBOR request to base+path with its session header (or none). */
static inline void dev_http(const char *base, const char *path, const uint8_t *body,
			    size_t len, const char *session, struct reply *r)
{
	e2e_post(base, path, "application/cbor", body, len, session, r);
}

/* An operator API call; *doc (when not NULL) the JSON answer. Returns the status. */
static inline long op(const char *base, const char *method, const char *path,
		      const char *token, const char *json, json_t **doc)
{
	struct reply r;
	long status;

	set_base(base);
	env_op(method, path, token, json, &r);
	status = r.status;
	if (doc != NULL)
		*doc =
		    r.len > 0 ? json_loadb((const char *)r.body, r.len, 0, NULL) : NULL;
	reply_free(&r);
	return status;
}

/* ---- the device ---- */

struct e2e_dev {
	struct dev d;
	char tre_hex[33];
	char pcid[16];
	uint8_t k[16], opc[16];
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg sqn_cfg;
	struct mcim_sqn_ms ms;
	char session[MCIM_PROTO_SIGNED_MAX * 2 + 64];
	uint8_t n_d[MCIM_PROTO_NONCE_LEN];
	int modified; /* its firmware differs from the reference */
	uint8_t pva[MCIM_PROTO_SIGNED_MAX];
	size_t pva_len;
	enum mcim_ear_status pva_status;
};

/* Device i: a TRE identity and a PCID of the VNO with fresh K and OPc. */
static inline void e2e_dev_new(struct e2e_dev *e, unsigned i, int modified)
{
	struct mcim_aka_cred c;

	memset(e, 0, sizeof(*e));
	dev_new(&e->d);
	hex_of(e->d.tre_id, 16, e->tre_hex);
	snprintf(e->pcid, sizeof(e->pcid), "%s%010u", E2E_VNO_PLMN, 4200 + i);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), e->k, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), e->opc, 16), MCIM_OK);
	memset(&c, 0, sizeof(c));
	c.alg = MCIM_AKA_MILENAGE;
	c.k_len = 16;
	memcpy(c.k, e->k, 16);
	memcpy(c.opc, e->opc, 16);
	mcim_milenage_default_consts(&c.params.milenage);
	assert_int_equal(mcim_aka_prepare(&e->kc, &c), MCIM_OK);
	mcim_aka_cred_wipe(&c);
	mcim_sqn_cfg_default(&e->sqn_cfg);
	mcim_sqn_ms_init(&e->ms);
	e->modified = modified;
}

static inline void e2e_dev_free(struct e2e_dev *e)
{
	mcim_aka_keyctx_wipe(&e->kc);
	mcim_p256_priv_wipe(&e->d.key);
}

/* §2 up to the challenge: the ICF's RAND and AUTN for e's PCID. */
static inline void icf_challenge(const struct e2e_dev *e, const char *base,
				 struct mcim_proto_icf_challenge *ch)
{
	struct mcim_proto_icf_challenge_req q;
	uint8_t body[160];
	size_t len = 0;
	struct reply r;

	memset(&q, 0, sizeof(q));
	snprintf(q.pcid, sizeof(q.pcid), "%s", e->pcid);
	assert_int_equal(
	    mcim_proto_icf_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	dev_http(base, "/icf/v1/challenge", body, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_icf_challenge_decode(r.body, r.len, ch), MCIM_OK);
	reply_free(&r);
}

/* The USIM's answer to ch as an attach request body; *len its size. */
static inline void icf_answer(struct e2e_dev *e,
			      const struct mcim_proto_icf_challenge *ch, uint8_t *body,
			      size_t cap, size_t *len)
{
	struct mcim_proto_icf_attach_req a;
	struct mcim_auth_usim_out out;

	assert_int_equal(mcim_auth_usim(&e->kc, &e->sqn_cfg, &e->ms, ch->rand, ch->autn,
					sizeof(ch->autn), &out),
			 MCIM_OK);
	memset(&a, 0, sizeof(a));
	snprintf(a.pcid, sizeof(a.pcid), "%s", e->pcid);
	memcpy(a.res, out.res, out.res_len);
	a.res_len = out.res_len;
	mcim_auth_usim_out_wipe(&out);
	assert_int_equal(mcim_proto_icf_attach_req_encode(&a, body, cap, len), MCIM_OK);
}

/* §2: PCID AKA at the ICF of base; the session it earns goes with every later
 * request. */
static inline void icf_attach(struct e2e_dev *e, const char *base)
{
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_icf_attach_resp resp;
	uint8_t body[160];
	char b64[MCIM_PROTO_SIGNED_MAX * 2];
	size_t len = 0;
	struct reply r;

	icf_challenge(e, base, &ch);
	icf_answer(e, &ch, body, sizeof(body), &len);
	dev_http(base, "/icf/v1/attach", body, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_icf_attach_resp_decode(r.body, r.len, &resp),
			 MCIM_OK);
	env_b64url(resp.session.data, resp.session.len, b64, sizeof(b64));
	snprintf(e->session, sizeof(e->session), "Authorization: MCIM-Session %s", b64);
	reply_free(&r);
}

/* §3 at the DRF of base: the registration token, checked as the TRE does. Returns
 * the status. */
static inline long drf_discover(struct e2e_dev *e, const char *base, const char *session)
{
	struct mcim_proto_discover_req q;
	struct mcim_proto_discover_resp resp;
	struct mcim_proto_trust t;
	uint8_t body[96];
	size_t len = 0;
	struct reply r;
	long status;

	memcpy(q.tre_id, e->d.tre_id, 16);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), e->n_d, sizeof(e->n_d)),
			 MCIM_OK);
	memcpy(q.n_d, e->n_d, sizeof(q.n_d));
	assert_int_equal(mcim_proto_discover_req_encode(&q, body, sizeof(body), &len),
			 MCIM_OK);
	dev_http(base, "/drf/v1/discover", body, len, session, &r);
	status = r.status;
	if (status == 200) {
		assert_int_equal(mcim_proto_discover_resp_decode(r.body, r.len, &resp),
				 MCIM_OK);
		dev_trust(&env.pki, &t);
		assert_int_equal(mcim_proto_reg_token_verify(
				     resp.token.data, resp.token.len, &t, e->d.tre_id,
				     e->n_d, NULL, &e->d.tok, NULL),
				 MCIM_OK);
		assert_true(resp.token.len <= sizeof(e->d.token));
		memcpy(e->d.token, resp.token.data, resp.token.len);
		e->d.token_len = resp.token.len;
		assert_true(e->d.tok.exp - e->d.tok.iat == E2E_TTL);
	}
	reply_free(&r);
	return status;
}

/* §4 at the PVA of pva_url: a nonce for e (remote mode) into n_p. */
static inline void pva_nonce(const struct e2e_dev *e, const char *pva_url,
			     uint8_t n_p[MCIM_PROTO_N_P_LEN])
{
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_REMOTE};
	struct mcim_proto_pva_challenge c;
	uint8_t body[128];
	size_t len = 0;
	struct reply r;

	memcpy(q.tre_id, e->d.tre_id, 16);
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	dev_http(pva_url, "/pva/v1/challenge", body, len, e->session, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_pva_challenge_decode(r.body, r.len, &c), MCIM_OK);
	memcpy(n_p, c.n_p, MCIM_PROTO_N_P_LEN);
	reply_free(&r);
}

/* The evidence request body for nonce n_p (remote mode), signed by signer (e's TRE
 * key or another's) and claiming e's TRE id: the reference firmware, or a re-flashed
 * kernel when e->modified. */
static inline void pva_evidence_body(const struct e2e_dev *e, const struct dev *signer,
				     const uint8_t n_p[MCIM_PROTO_N_P_LEN], uint8_t *body,
				     size_t cap, size_t *len)
{
	static struct mcim_evidence ev;
	static uint8_t evbuf[MCIM_EVIDENCE_MAX_LEN];
	struct mcim_proto_pva_evidence_req eq;
	size_t evlen = 0;

	memset(&ev, 0, sizeof(ev));
	memcpy(ev.nonce, n_p, MCIM_PROTO_N_P_LEN);
	snprintf(ev.tre_id, sizeof(ev.tre_id), "%s", e->tre_hex);
	ev.mode = MCIM_EVIDENCE_REMOTE;
	ev.boot.state = MCIM_BOOT_GOOD;
	ev.boot.manifest_reason = MCIM_BOOT_OK;
	ev.boot.sequence = e2e_manifest.sequence;
	ev.boot.security_version = e2e_manifest.security_version;
	snprintf(ev.boot.platform, sizeof(ev.boot.platform), "%s", e2e_manifest.platform);
	ev.counters.boot_count = 1;
	ev.events[0].pcr = MCIM_PCR_MANIFEST;
	ev.events[0].type = MCIM_EVENT_MANIFEST;
	snprintf(ev.events[0].name, sizeof(ev.events[0].name), "manifest");
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), ev.events[0].digest, 32),
			 MCIM_OK);
	for (size_t i = 0; i < e2e_manifest.n; i++) {
		struct mcim_event *x = &ev.events[1 + i];

		x->pcr = (uint8_t)(1 + i);
		x->type = MCIM_EVENT_COMPONENT;
		memcpy(x->name, e2e_manifest.components[i].name, sizeof(x->name));
		memcpy(x->version, e2e_manifest.components[i].version,
		       sizeof(x->version));
		memcpy(x->digest, e2e_manifest.components[i].digest, 32);
		if (e->modified && i == 1)
			x->digest[5] ^= 0x10; /* a re-flashed kernel */
	}
	ev.n_events = 1 + e2e_manifest.n;
	assert_int_equal(mcim_evidence_replay(ev.events, ev.n_events, ev.pcrs), MCIM_OK);
	assert_int_equal(mcim_evidence_sign(&ev, &signer->key, signer->chain,
					    signer->n_chain, evbuf, sizeof(evbuf),
					    &evlen),
			 MCIM_OK);
	eq.evidence = (struct mcim_proto_span){evbuf, evlen};
	assert_int_equal(mcim_proto_pva_evidence_req_encode(&eq, body, cap, len),
			 MCIM_OK);
}

/* §4 at the PVA of pva_url (remote mode): the signed result in e->pva. */
static inline void pva_validate(struct e2e_dev *e, const char *pva_url)
{
	static uint8_t body[MCIM_PROTO_MSG_MAX];
	uint8_t n_p[MCIM_PROTO_N_P_LEN];
	struct mcim_proto_pva_result_resp er;
	struct mcim_proto_pva_result res;
	struct mcim_proto_trust t;
	size_t len = 0;
	struct reply r;

	pva_nonce(e, pva_url, n_p);
	pva_evidence_body(e, &e->d, n_p, body, sizeof(body), &len);
	dev_http(pva_url, "/pva/v1/evidence", body, len, e->session, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_pva_result_resp_decode(r.body, r.len, &er), MCIM_OK);
	dev_trust(&env.pki, &t);
	assert_int_equal(mcim_proto_pva_result_verify(er.result.data, er.result.len, &t,
						      NULL, e->d.tre_id, n_p, &res, NULL),
			 MCIM_OK);
	assert_true(er.result.len <= sizeof(e->pva));
	memcpy(e->pva, er.result.data, er.result.len);
	e->pva_len = er.result.len;
	e->pva_status = res.status;
	reply_free(&r);
}

/* A registration's state through sho1's operator API. */
static inline const char *reg_state(const char *base, const struct e2e_dev *e, char *out,
				    size_t cap)
{
	char path[128];
	json_t *doc = NULL;

	snprintf(path, sizeof(path), "/v1/tenants/sho1/registrations/%s", e->tre_hex);
	assert_int_equal(op(base, "GET", path, ENV_TOKEN_SHO1, NULL, &doc), 200);
	snprintf(out, cap, "%s", json_string_value(json_object_get(doc, "state")));
	json_decref(doc);
	return out;
}

/* §7 up to the challenge: the AuC's RAND and AUTN for p's IMSI; the status. */
static inline long auc_challenge(const struct mcim_profile *p, const char *base,
				 struct mcim_proto_attach_challenge *ch, mcim_err *err)
{
	struct mcim_proto_attach_challenge_req q;
	uint8_t buf[160];
	size_t len = 0;
	struct reply r;
	long status;

	memset(&q, 0, sizeof(q));
	snprintf(q.imsi, sizeof(q.imsi), "%s", p->imsi);
	snprintf(q.snn, sizeof(q.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&q, buf, sizeof(buf), &len), MCIM_OK);
	dev_http(base, "/auc/v1/challenge", buf, len, NULL, &r);
	status = r.status;
	*err = MCIM_OK;
	if (status == 200)
		assert_int_equal(mcim_proto_attach_challenge_decode(r.body, r.len, ch),
				 MCIM_OK);
	else
		*err = env_err(&r);
	reply_free(&r);
	return status;
}

/* The UE's confirm request for ch with the MCIM p (its SQN state in *ms), and the
 * KAUSF it derived. */
static inline void auc_answer(const struct mcim_profile *p, struct mcim_sqn_ms *ms,
			      const struct mcim_proto_attach_challenge *ch,
			      struct mcim_proto_attach_confirm_req *m, uint8_t kausf[32])
{
	struct mcim_auth_usim_out o;
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg sc = p->sqn;

	assert_int_equal(mcim_aka_prepare(&kc, &p->cred), MCIM_OK);
	assert_int_equal(
	    mcim_auth_usim(&kc, &sc, ms, ch->rand, ch->autn, sizeof(ch->autn), &o),
	    MCIM_OK);
	memset(m, 0, sizeof(*m));
	snprintf(m->imsi, sizeof(m->imsi), "%s", p->imsi);
	assert_int_equal(mcim_kdf_res_star(o.ck, o.ck_len, o.ik, o.ik_len, ENV_SNN,
					   strlen(ENV_SNN), ch->rand, o.res, o.res_len,
					   m->res_star),
			 MCIM_OK);
	assert_int_equal(mcim_kdf_kausf(o.ck, o.ck_len, o.ik, o.ik_len, ENV_SNN,
					strlen(ENV_SNN), ch->autn, kausf),
			 MCIM_OK);
	mcim_auth_usim_out_wipe(&o);
	mcim_aka_keyctx_wipe(&kc);
	assert_int_equal(
	    mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch->rand, m->kc), MCIM_OK);
}

/* Posts a confirm request to the AuC of base; the status, and the reply in *cf. */
static inline long auc_confirm(const struct mcim_proto_attach_confirm_req *m,
			       const char *base, struct mcim_proto_attach_confirm *cf,
			       mcim_err *err)
{
	uint8_t buf[160];
	size_t len = 0;
	struct reply r;
	long status;

	assert_int_equal(mcim_proto_attach_confirm_req_encode(m, buf, sizeof(buf), &len),
			 MCIM_OK);
	dev_http(base, "/auc/v1/confirm", buf, len, NULL, &r);
	status = r.status;
	*err = MCIM_OK;
	if (status == 200)
		assert_int_equal(mcim_proto_attach_confirm_decode(r.body, r.len, cf),
				 MCIM_OK);
	else
		*err = env_err(&r);
	reply_free(&r);
	return status;
}

/* The USIM's SQN state of a freshly installed MCIM p. */
static inline void e2e_usim_init(const struct mcim_profile *p, struct mcim_sqn_ms *ms)
{
	struct mcim_sqn_cfg sc = p->sqn;

	assert_int_equal(mcim_sqn_ms_init_at(&sc, ms, p->sqn_init), MCIM_OK);
}

/* §7: AKA with the new MCIM at the AuC, key confirmation both ways; *ms is the
 * USIM's SQN state, kept across attaches. */
static inline void auc_attach(const struct mcim_profile *p, struct mcim_sqn_ms *ms,
			      const char *base)
{
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req m;
	struct mcim_proto_attach_confirm cf;
	uint8_t kausf[32];
	mcim_err err;

	assert_int_equal(auc_challenge(p, base, &ch, &err), 200);
	auc_answer(p, ms, &ch, &m, kausf);
	assert_int_equal(auc_confirm(&m, base, &cf, &err), 200);
	assert_int_equal(
	    mcim_proto_attach_kc_check(kausf, MCIM_PROTO_ATTACH_HN, ch.rand, cf.kc),
	    MCIM_OK);
	mcim_wipe(kausf, sizeof(kausf));
	mcim_wipe(&m, sizeof(m));
}

/* ---- the operators ---- */

/* The PVA tenant publishes a signed manifest (len octets) through base; the status. */
static inline long e2e_publish_manifest(const char *base, const uint8_t *man, size_t len)
{
	static char b64[MCIM_MANIFEST_MAX_LEN * 2], json[MCIM_MANIFEST_MAX_LEN * 2 + 32];
	size_t bl;

	assert_true(len <= MCIM_MANIFEST_MAX_LEN);
	env_b64url(man, len, b64, sizeof(b64));
	for (char *c = b64; *c; c++)
		*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
	bl = strlen(b64);
	while (bl % 4 != 0)
		b64[bl++] = '=';
	b64[bl] = '\0';
	snprintf(json, sizeof(json), "{\"manifest\":\"%s\"}", b64);
	return op(base, "POST", "/v1/tenants/pva/reference-values", E2E_TOK_PVA, json,
		  NULL);
}

/* The M2MES signs the reference firmware (e2e_manifest), the PVA tenant publishes it
 * through base. */
static inline void publish_reference_values(const char *base)
{
	static uint8_t buf[MCIM_MANIFEST_MAX_LEN];
	static const char *const names[] = {"bootloader", "kernel", "app"};
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain = 0, len = 0;

	memset(&e2e_manifest, 0, sizeof(e2e_manifest));
	e2e_manifest.sequence = 7;
	e2e_manifest.security_version = 1;
	snprintf(e2e_manifest.platform, sizeof(e2e_manifest.platform), E2E_PLATFORM);
	e2e_manifest.n = 3;
	for (size_t i = 0; i < 3; i++) {
		struct mcim_manifest_component *c = &e2e_manifest.components[i];

		snprintf(c->name, sizeof(c->name), "%s", names[i]);
		snprintf(c->version, sizeof(c->version), "2.%zu", i);
		assert_int_equal(mcim_rng_fill(mcim_rng_system(), c->digest, 32),
				 MCIM_OK);
	}
	assert_int_equal(tool_pki_key(&env.pki, "m2mes", &key), MCIM_OK);
	assert_int_equal(
	    tool_pki_chain(&env.pki, "m2mes", 0, chain, MCIM_COSE_X5CHAIN_MAX, &n_chain),
	    MCIM_OK);
	assert_int_equal(mcim_manifest_sign(&e2e_manifest, &key, chain, n_chain, buf,
					    sizeof(buf), &len),
			 MCIM_OK);
	mcim_p256_priv_wipe(&key);
	assert_int_equal(e2e_publish_manifest(base, buf, len), 201);
}

/* The VNO imports the devices' PCIDs (K, OPc) through base. */
static inline void import_pcids(const char *base, struct e2e_dev *devs, size_t n)
{
	char body[4096], k[33], opc[33];
	size_t off = 0;
	json_t *doc = NULL;

	off += (size_t)snprintf(body, sizeof(body), "[");
	for (size_t i = 0; i < n; i++) {
		hex_of(devs[i].k, 16, k);
		hex_of(devs[i].opc, 16, opc);
		off += (size_t)snprintf(body + off, sizeof(body) - off,
					"%s{\"pcid\":\"%s\",\"k\":\"%s\",\"opc\":\"%s\"}",
					i ? "," : "", devs[i].pcid, k, opc);
	}
	assert_true(off + 2 <= sizeof(body));
	snprintf(body + off, sizeof(body) - off, "]");
	assert_int_equal(
	    op(base, "POST", "/v1/tenants/vno/pcids", E2E_TOK_VNO, body, &doc), 200);
	assert_int_equal(json_integer_value(json_object_get(doc, "imported")),
			 (json_int_t)n);
	json_decref(doc);
}

/* ---- the database, read-only ---- */

#define E2E_TABLES_MAX 16

/* Every table of the store: its name and the sorted SHA-256 of each row. */
struct e2e_snapshot {
	size_t n;
	struct {
		char name[32];
		size_t rows;
		uint8_t (*digest)[32];
	} t[E2E_TABLES_MAX];
};

static inline int e2e_digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Row digest: each column's type and value, length-prefixed. */
static inline void e2e_row_digest(sqlite3_stmt *q, uint8_t out[32])
{
	struct crypto_sha256 h;
	int n = sqlite3_column_count(q);

	crypto_sha256_init(&h);
	for (int c = 0; c < n; c++) {
		uint8_t hdr[9];
		int type = sqlite3_column_type(q, c);
		const void *v = type == SQLITE_BLOB ? sqlite3_column_blob(q, c)
						    : sqlite3_column_text(q, c);
		uint64_t len = (uint64_t)sqlite3_column_bytes(q, c);

		hdr[0] = (uint8_t)type;
		for (int i = 0; i < 8; i++)
			hdr[1 + i] = (uint8_t)(len >> (56 - 8 * i));
		crypto_sha256_update(&h, hdr, sizeof(hdr));
		if (len > 0)
			crypto_sha256_update(&h, v, (size_t)len);
	}
	crypto_sha256_final(&h, out);
}

/* Reads the whole database file as a separate, read-only connection does. */
static inline void e2e_snapshot_take(struct e2e_snapshot *s)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *tables = NULL;

	memset(s, 0, sizeof(*s));
	assert_int_equal(sqlite3_open_v2(env.db, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT name FROM sqlite_master WHERE "
					    "type = 'table' ORDER BY name",
					    -1, &tables, NULL),
			 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		char sql[96];
		sqlite3_stmt *q = NULL;
		size_t cap = 64;

		assert_true(s->n < E2E_TABLES_MAX);
		snprintf(s->t[s->n].name, sizeof(s->t[s->n].name), "%s",
			 (const char *)sqlite3_column_text(tables, 0));
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", s->t[s->n].name);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
		s->t[s->n].digest = malloc(cap * 32);
		assert_non_null(s->t[s->n].digest);
		while (sqlite3_step(q) == SQLITE_ROW) {
			if (s->t[s->n].rows == cap) {
				cap *= 2;
				s->t[s->n].digest = realloc(s->t[s->n].digest, cap * 32);
				assert_non_null(s->t[s->n].digest);
			}
			e2e_row_digest(q, s->t[s->n].digest[s->t[s->n].rows++]);
		}
		sqlite3_finalize(q);
		qsort(s->t[s->n].digest, s->t[s->n].rows, 32, e2e_digest_cmp);
		s->n++;
	}
	sqlite3_finalize(tables);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static inline void e2e_snapshot_free(struct e2e_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->t[i].digest);
	memset(s, 0, sizeof(*s));
}

/* How many rows of table changed from a to b: present in one and not the other
 * (a changed row counts twice: its old and its new version). */
static inline size_t e2e_snapshot_diff(const struct e2e_snapshot *a,
				       const struct e2e_snapshot *b, const char *table)
{
	size_t d = 0;

	assert_int_equal(a->n, b->n);
	for (size_t k = 0; k < a->n; k++) {
		size_t i = 0, j = 0;

		assert_string_equal(a->t[k].name, b->t[k].name);
		if (strcmp(a->t[k].name, table) != 0)
			continue;
		while (i < a->t[k].rows || j < b->t[k].rows) {
			int c = i == a->t[k].rows ? 1
				: j == b->t[k].rows
				    ? -1
				    : memcmp(a->t[k].digest[i], b->t[k].digest[j], 32);
			d += c != 0;
			i += c <= 0;
			j += c >= 0;
		}
	}
	return d;
}

/* Fails naming the first table whose rows differ between a and b, but for except
 * (NULL: none). */
static inline void e2e_snapshot_same(const struct e2e_snapshot *a,
				     const struct e2e_snapshot *b, const char *except)
{
	for (size_t k = 0; k < a->n; k++)
		if ((except == NULL || strcmp(a->t[k].name, except) != 0) &&
		    e2e_snapshot_diff(a, b, a->t[k].name) != 0)
			fail_msg("table %s changed", a->t[k].name);
}

/* ---- refusals ---- */

/* A second PKI with the same entities that nobody trusts (env.rogue). */
static inline void e2e_rogue_init(void)
{
	struct tool_pki_opts opts;
	char err[TOOL_PKI_ERR_MAX];

	snprintf(env.rogue_dir, sizeof(env.rogue_dir), "%s/rogue", env.dir);
	memset(&opts, 0, sizeof(opts));
	opts.now = time(NULL);
	assert_int_equal(tool_pki_init(env.rogue_dir, &opts, err), MCIM_OK);
	assert_int_equal(tool_pki_load(env.rogue_dir, &env.rogue), MCIM_OK);
}

/* An ICF session header signed by pki's vno-icf for [iat, exp) with scope bits. */
static inline void e2e_session_make(struct tool_pki *pki, int64_t iat, int64_t exp,
				    uint32_t scope, int flip, char *hdr, size_t cap)
{
	struct mcim_proto_session ss;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer;
	uint8_t cose[MCIM_PROTO_SIGNED_MAX];
	char b64[MCIM_PROTO_SIGNED_MAX * 2];
	size_t n = 0, len = 0;

	memset(&ss, 0, sizeof(ss));
	snprintf(ss.pcid, sizeof(ss.pcid), "%s0000004242", E2E_VNO_PLMN);
	ss.scope = scope;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), ss.sid, sizeof(ss.sid)),
			 MCIM_OK);
	ss.iat = iat;
	ss.exp = exp;
	assert_int_equal(tool_pki_key(pki, "vno-icf", &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(pki, "vno-icf", 0, chain, 4, &n), MCIM_OK);
	signer = (struct mcim_proto_signer){&key, chain, n};
	assert_int_equal(mcim_proto_session_sign(&ss, &signer, cose, sizeof(cose), &len),
			 MCIM_OK);
	mcim_p256_priv_wipe(&key);
	if (flip)
		cose[len - 1] ^= 0x01; /* the last octet of the signature */
	env_b64url(cose, len, b64, sizeof(b64));
	snprintf(hdr, cap, "Authorization: MCIM-Session %s", b64);
}

/* A registration token for d signed by pki's drf, never issued by the DRF. */
static inline void e2e_token_make(struct tool_pki *pki, struct dev *d, const char *base,
				  int64_t iat, int64_t exp)
{
	struct mcim_p256_priv drf;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer;
	size_t n = 0;

	memset(&d->tok, 0, sizeof(d->tok));
	memcpy(d->tok.tre_id, d->tre_id, 16);
	snprintf(d->tok.sho, sizeof(d->tok.sho), "%s", ENV_SHO1);
	snprintf(d->tok.dpf_url, sizeof(d->tok.dpf_url), "%s", base);
	snprintf(d->tok.pva_url, sizeof(d->tok.pva_url), "%s", base);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), d->tok.reg_id, 16), MCIM_OK);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), d->tok.n_d, 16), MCIM_OK);
	d->tok.iat = iat;
	d->tok.exp = exp;
	assert_int_equal(tool_pki_key(pki, "ro-drf", &drf), MCIM_OK);
	assert_int_equal(
	    tool_pki_chain(pki, "ro-drf", 0, chain, MCIM_COSE_X5CHAIN_MAX, &n), MCIM_OK);
	signer = (struct mcim_proto_signer){&drf, chain, n};
	assert_int_equal(mcim_proto_reg_token_sign(&d->tok, &signer, d->token,
						   sizeof(d->token), &d->token_len),
			 MCIM_OK);
	mcim_p256_priv_wipe(&drf);
}

/* A TRE identity for tre_id issued by pki's M2MES CA (the rogue one: a certificate
 * that does not chain to the CI root). */
static inline void e2e_dev_issued(struct dev *d, struct tool_pki *pki,
				  const uint8_t tre_id[16])
{
	struct mcim_p256_pub pub;
	struct tool_pki_tre req;
	char hex[33];
	size_t n = 0;

	memset(d, 0, sizeof(*d));
	memcpy(d->tre_id, tre_id, 16);
	hex_of(tre_id, 16, hex);
	assert_int_equal(mcim_p256_keygen(&d->key, &pub), MCIM_OK);
	memset(&req, 0, sizeof(req));
	req.pub = &pub;
	req.tre_id = hex;
	req.platform_id = "356938035643809";
	req.backend = MCIM_CERT_BACKEND_SOFT;
	req.assurance = 1;
	req.not_before = time(NULL) - 3600;
	assert_int_equal(
	    tool_pki_issue_tre(pki, &req, d->cert, sizeof(d->cert), &d->cert_len),
	    MCIM_OK);
	d->chain[0] = (struct mcim_iov){d->cert, d->cert_len};
	assert_int_equal(tool_pki_chain(pki, "m2mes-ca", 0, d->chain + 1,
					MCIM_COSE_X5CHAIN_MAX - 1, &n),
			 MCIM_OK);
	d->n_chain = 1 + n;
}

/* Flips one bit of the first occurrence of needle (n octets) in buf; the needle
 * must be there. */
static inline void e2e_flip(uint8_t *buf, size_t len, const uint8_t *needle, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0) {
			buf[i + n / 2] ^= 0x01;
			return;
		}
	fail_msg("the octets to modify are not in the message");
}

/* POST /v1/tenants/{tenant}/registrations for tre_hex with the tenant's token. */
static inline void e2e_register(const char *base, const char *tenant, const char *token,
				const char *sho, const char *tre_hex)
{
	char path[96], body[128];

	snprintf(path, sizeof(path), "/v1/tenants/%s/registrations", tenant);
	snprintf(body, sizeof(body), "{\"tre_id\":\"%s\",\"sho\":\"%s\"}", tre_hex, sho);
	assert_int_equal(op(base, "POST", path, token, body, NULL), 201);
}

/* A device refusal: status and error name of r. */
static inline void e2e_refused(const struct reply *r, long status, mcim_err err)
{
	if (r->status != status)
		fail_msg("HTTP %ld, expected %ld", r->status, status);
	if (env_err(r) != err)
		fail_msg("%s, expected %s", mcim_err_name(env_err(r)),
			 mcim_err_name(err));
}

/* ---- one daemon for refusal tests ---- */

/* The daemon with every role, the ICF session every test device carries (earned
 * by the first PCID of the setup) and a device counter for fresh PCID numbers. */
static struct e2e_daemon e2e_d;
static char e2e_session[sizeof(env.session)];
static unsigned e2e_n_devs;

/* Group setup after e2e_pki_init (and whatever must be in the PKI before the
 * daemon starts): the rogue PKI, the config, the daemon, n PCIDs imported, the
 * reference values, the shared session, the test's store connection. */
static inline void e2e_refusals_up(struct e2e_dev *pcids, size_t n)
{
	e2e_rogue_init();
	e2e_write_config();
	e2e_daemon_start(&e2e_d, "drf,pva,dpf,auc,icf", "all");
	for (size_t i = 0; i < n; i++)
		e2e_dev_new(&pcids[i], (unsigned)i, 0);
	import_pcids(e2e_d.base, pcids, n);
	publish_reference_values(e2e_d.base);
	icf_attach(&pcids[0], e2e_d.base);
	memcpy(e2e_session, pcids[0].session, sizeof(e2e_session));
	e2e_n_devs = (unsigned)n;
	assert_int_equal(e2e_store_open(), 0);
}

static inline void e2e_refusals_down(void)
{
	e2e_daemon_stop(&e2e_d);
	tool_pki_free(&env.rogue);
	e2e_down();
}

/* Posts body to path with hdr (NULL: no session) and checks the refusal and that
 * the database did not change. */
static inline void refused(const char *path, const uint8_t *body, size_t len,
			   const char *hdr, long status, mcim_err err)
{
	struct e2e_snapshot a, b;
	struct reply r;

	e2e_snapshot_take(&a);
	dev_http(e2e_d.base, path, body, len, hdr, &r);
	e2e_refused(&r, status, err);
	reply_free(&r);
	e2e_snapshot_take(&b);
	e2e_snapshot_same(&a, &b, NULL);
	e2e_snapshot_free(&a);
	e2e_snapshot_free(&b);
}

/* Posts body and expects 200. */
static inline void accepted(const char *path, const uint8_t *body, size_t len,
			    const char *hdr)
{
	struct reply r;

	dev_http(e2e_d.base, path, body, len, hdr, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
}

/* A new device, registered with sho1, holding the common ICF session. */
static inline void fresh(struct e2e_dev *e)
{
	e2e_dev_new(e, e2e_n_devs++, 0);
	memcpy(e->session, e2e_session, sizeof(e->session));
	e2e_register(e2e_d.base, "sho1", ENV_TOKEN_SHO1, ENV_SHO1, e->tre_hex);
}

/* fresh, discovered, validated (affirming), and M1 -> M2 done in x. */
static inline void at_m3(struct e2e_dev *e, struct dl *x)
{
	mcim_err err;

	fresh(e);
	assert_int_equal(drf_discover(e, e2e_d.base, e->session), 200);
	pva_validate(e, e->d.tok.pva_url);
	assert_int_equal(e->pva_status, MCIM_EAR_AFFIRMING);
	memset(x, 0, sizeof(*x));
	memcpy(env.session, e->session, sizeof(env.session));
	set_base(e->d.tok.dpf_url);
	assert_int_equal(dl_m1(x, &e->d, e->d.token, e->d.token_len, e->d.tre_id, &err),
			 200);
}

/* at_m3, then M3 -> M4 done and the receipt made in x. */
static inline void at_receipt(struct e2e_dev *e, struct dl *x)
{
	mcim_err err;

	at_m3(e, x);
	dl_m3_make(x, &e->d, e->pva, e->pva_len);
	assert_int_equal(dl_m3_post(x, &e->d, &err), 200);
	dl_receipt_make(x, &e->d, MCIM_OK, &x->keys);
}

static inline void provisioned(struct e2e_dev *e, struct dl *x)
{
	char st[32];

	at_receipt(e, x);
	accepted("/dpf/v1/receipt", x->receipt, x->receipt_len, e->session);
	assert_string_equal(reg_state(e2e_d.base, e, st, sizeof(st)), "provisioned");
}

#endif
