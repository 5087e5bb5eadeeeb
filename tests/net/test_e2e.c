/*
 * The real mcimd end to end (issue 4): the binary (MCIM_BIN_DIR/mcimd) started with
 * a temporary config over a PKI made by `mcim pki init` and a fresh SQLite file, every
 * role in one daemon plus a second daemon (pva, dpf, auc) on the same database. The
 * operators work through the REST API only: the VNO imports PCIDs, the SHO
 * batch-registers TRE ids (NDJSON stream), the PVA publishes reference values, the
 * SHO orders a TUAK MCIM for one device and activates. The devices are simulated with
 * mcim/proto.h, mcim/evidence.h and a TRE identity from the M2MES CA, and each uses
 * only the URLs the DRF's token gives it:
 *   ICF attach (PCID AKA) -> session; DRF discover -> registration token; PVA
 *   challenge + evidence -> signed result; DPF M1..receipt -> MCIM; SHO activate ->
 *   management command pulled and acknowledged; AuC attach with key confirmation.
 * Refusals through the same daemons: no session (401), another tenant's token (403),
 * a device whose firmware was modified (contraindicated by the PVA, 422 BAD_BOOT at
 * the DPF, registration unchanged), a replayed M3, a second discover after the
 * download (404), the batch's duplicate line (EXISTS). R-NET-F01..F02, R-NET-R07,
 * R-PRC-101..108, T-05.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/evidence.h"
#include "mcim/kdf.h"
#include "mcim/manifest.h"
#include "mcim/rand.h"
#include "mcim/sqn.h"
#include "test_dpf_env.h"

#define TOK_VNO	 "e2e-vno-5d1c"
#define TOK_PVA	 "e2e-pva-77a0"
#define TOK_RO	 "e2e-ro-1b2b"
#define VNO_PLMN "00199"
#define PLATFORM "m2me-e2e"
#define N_DEV	 3 /* devices in the batch */

struct daemon {
	pid_t pid;
	char base[64], log[320];
};

static struct daemon d_all, d_pva;
static char cfg_path[320];
static struct mcim_manifest manifest;

/* ---- daemons ---- */

static void hex_of(const uint8_t *in, size_t n, char *out)
{
	assert_int_equal(mcim_hex_encode(in, n, out, 2 * n + 1), MCIM_OK);
}

static void write_config(void)
{
	char h[5][65];
	const char *toks[5] = {ENV_TOKEN_SHO1, ENV_TOKEN_SHO2, TOK_VNO, TOK_PVA, TOK_RO};
	uint8_t d[MCIM_SHA256_LEN];
	FILE *f;

	for (int i = 0; i < 5; i++) {
		env_hash_token(toks[i], d);
		hex_of(d, sizeof(d), h[i]);
	}
	snprintf(cfg_path, sizeof(cfg_path), "%s/mcimd.json", env.dir);
	f = fopen(cfg_path, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"listen\": {\"address\": \"127.0.0.1\", \"port\": 0},\n"
		" \"store\": {\"path\": \"mcimd.db\"}, \"pki\": {\"dir\": \"pki\"},\n"
		" \"log\": {\"level\": \"warn\"},\n"
		" \"protocol\": {\"clock_skew_s\": 60},\n"
		" \"drf\": {\"token_ttl_s\": 900},\n"
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
		ENV_SHO1, h[0], ENV_SHO2, h[1], VNO_PLMN, h[2], h[3], h[4]);
	assert_int_equal(fclose(f), 0);
}

static void daemon_start(struct daemon *dm, const char *roles, const char *name)
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
		execl(exe, exe, "--config", cfg_path, "--port-file", port_file, "--roles",
		      roles, (char *)NULL);
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
		usleep(50 * 1000);
	}
	assert_true(atoi(buf) > 0);
	snprintf(dm->base, sizeof(dm->base), "http://127.0.0.1:%d", atoi(buf));
}

/* SIGTERM: a clean stop (exit 0) and a log without a token or an error record. */
static void daemon_stop(struct daemon *dm)
{
	const char *toks[] = {ENV_TOKEN_SHO1, ENV_TOKEN_SHO2, TOK_VNO, TOK_PVA, TOK_RO};
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

static int setup(void **state)
{
	const char *bin = getenv("MCIM_BIN_DIR");
	char cmd[1024], dbp[320];
	struct net_store_config sc = {0};

	(void)state;
	if (bin == NULL)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tre_test_mkdtemp(env.dir, sizeof(env.dir), "mcim-e2e");
	snprintf(env.pki_dir, sizeof(env.pki_dir), "%s/pki", env.dir);
	snprintf(cmd, sizeof(cmd),
		 "'%s/mcim' pki init '%s' --sho sho1:%s --sho sho2:%s "
		 "--vno %s >/dev/null",
		 bin, env.pki_dir, ENV_SHO1, ENV_SHO2, VNO_PLMN);
	if (system(cmd) != 0 || tool_pki_load(env.pki_dir, &env.pki) != MCIM_OK)
		return -1;
	write_config();
	daemon_start(&d_all, "drf,pva,dpf,auc,icf", "all");
	daemon_start(&d_pva, "pva,dpf,auc", "second");
	snprintf(dbp, sizeof(dbp), "%s/mcimd.db", env.dir);
	sc.url = dbp;
	return net_store_open(&sc, &env.st, NULL, 0) == MCIM_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	net_store_close(env.st);
	tool_pki_free(&env.pki);
	rm_tree(env.dir);
	curl_global_cleanup();
	return 0;
}

/* ---- HTTP ---- */

/* Where env's helpers send their requests: a URL the DRF handed out, or a daemon's. */
static void set_base(const char *url)
{
	size_t n = strlen(url);

	assert_true(n < sizeof(env.base));
	memcpy(env.base, url, n + 1);
}

/* A device request to base+path with the device's session header (or none). */
static void dev_http(const char *base, const char *path, const uint8_t *body, size_t len,
		     const char *session, struct reply *r)
{
	char saved[sizeof(env.base)];

	memcpy(saved, env.base, sizeof(saved));
	set_base(base);
	assert_true(session == NULL || strlen(session) < sizeof(env.session));
	memcpy(env.session, session != NULL ? session : "",
	       session != NULL ? strlen(session) + 1 : 1);
	if (session != NULL && strncmp(path, "/dpf/", 5) != 0) {
		/* env_http sends the session to /dpf/ only: the others get it here. */
		char url[512];
		struct curl_slist *h = NULL;
		CURL *c = curl_easy_init();

		memset(r, 0, sizeof(*r));
		snprintf(url, sizeof(url), "%s%s", base, path);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, env_on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
		h = curl_slist_append(h, session);
		h = curl_slist_append(h, "Content-Type: application/cbor");
		h = curl_slist_append(h, "Expect:");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
	} else {
		env_post(path, body, len, r);
	}
	memcpy(env.base, saved, sizeof(saved));
}

static long op(const char *base, const char *method, const char *path, const char *token,
	       const char *json, json_t **doc)
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

static void e2e_dev_new(struct e2e_dev *e, unsigned i, int modified)
{
	struct mcim_aka_cred c;

	memset(e, 0, sizeof(*e));
	dev_new(&e->d);
	hex_of(e->d.tre_id, 16, e->tre_hex);
	snprintf(e->pcid, sizeof(e->pcid), "%s%010u", VNO_PLMN, 4200 + i);
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

static void e2e_dev_free(struct e2e_dev *e)
{
	mcim_aka_keyctx_wipe(&e->kc);
	mcim_p256_priv_wipe(&e->d.key);
}

/* §2: PCID AKA at the ICF; the session it earns goes with every later request. */
static void icf_attach(struct e2e_dev *e)
{
	struct mcim_proto_icf_challenge_req q;
	struct mcim_proto_icf_challenge ch;
	struct mcim_proto_icf_attach_req a;
	struct mcim_proto_icf_attach_resp resp;
	struct mcim_auth_usim_out out;
	uint8_t body[160];
	char b64[MCIM_PROTO_SIGNED_MAX * 2];
	size_t len = 0;
	struct reply r;

	memset(&q, 0, sizeof(q));
	snprintf(q.pcid, sizeof(q.pcid), "%s", e->pcid);
	assert_int_equal(
	    mcim_proto_icf_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	dev_http(d_all.base, "/icf/v1/challenge", body, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_icf_challenge_decode(r.body, r.len, &ch), MCIM_OK);
	reply_free(&r);
	assert_int_equal(mcim_auth_usim(&e->kc, &e->sqn_cfg, &e->ms, ch.rand, ch.autn,
					sizeof(ch.autn), &out),
			 MCIM_OK);
	memset(&a, 0, sizeof(a));
	snprintf(a.pcid, sizeof(a.pcid), "%s", e->pcid);
	memcpy(a.res, out.res, out.res_len);
	a.res_len = out.res_len;
	mcim_auth_usim_out_wipe(&out);
	assert_int_equal(mcim_proto_icf_attach_req_encode(&a, body, sizeof(body), &len),
			 MCIM_OK);
	dev_http(d_all.base, "/icf/v1/attach", body, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_icf_attach_resp_decode(r.body, r.len, &resp),
			 MCIM_OK);
	env_b64url(resp.session.data, resp.session.len, b64, sizeof(b64));
	snprintf(e->session, sizeof(e->session), "Authorization: MCIM-Session %s", b64);
	reply_free(&r);
}

/* §3: the DRF's registration token, checked as the TRE does. Returns the status. */
static long drf_discover(struct e2e_dev *e, const char *session)
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
	dev_http(d_all.base, "/drf/v1/discover", body, len, session, &r);
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
		assert_string_equal(e->d.tok.sho, ENV_SHO1);
		assert_true(e->d.tok.exp - e->d.tok.iat == 900); /* drf.token_ttl_s */
	}
	reply_free(&r);
	return status;
}

/* §4 at the PVA the token names (remote mode): the signed result in e->pva. */
static void pva_validate(struct e2e_dev *e, const char *pva_url)
{
	static struct mcim_evidence ev;
	static uint8_t evbuf[MCIM_EVIDENCE_MAX_LEN], body[MCIM_PROTO_MSG_MAX];
	struct mcim_proto_pva_challenge_req q = {.mode = MCIM_EVIDENCE_REMOTE};
	struct mcim_proto_pva_challenge c;
	struct mcim_proto_pva_evidence_req eq;
	struct mcim_proto_pva_result_resp er;
	struct mcim_proto_pva_result res;
	struct mcim_proto_trust t;
	size_t len = 0, evlen = 0;
	struct reply r;

	memcpy(q.tre_id, e->d.tre_id, 16);
	assert_int_equal(
	    mcim_proto_pva_challenge_req_encode(&q, body, sizeof(body), &len), MCIM_OK);
	dev_http(pva_url, "/pva/v1/challenge", body, len, e->session, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_pva_challenge_decode(r.body, r.len, &c), MCIM_OK);
	reply_free(&r);

	memset(&ev, 0, sizeof(ev));
	memcpy(ev.nonce, c.n_p, MCIM_PROTO_N_P_LEN);
	snprintf(ev.tre_id, sizeof(ev.tre_id), "%s", e->tre_hex);
	ev.mode = MCIM_EVIDENCE_REMOTE;
	ev.boot.state = MCIM_BOOT_GOOD;
	ev.boot.manifest_reason = MCIM_BOOT_OK;
	ev.boot.sequence = manifest.sequence;
	ev.boot.security_version = manifest.security_version;
	snprintf(ev.boot.platform, sizeof(ev.boot.platform), "%s", manifest.platform);
	ev.counters.boot_count = 1;
	ev.events[0].pcr = MCIM_PCR_MANIFEST;
	ev.events[0].type = MCIM_EVENT_MANIFEST;
	snprintf(ev.events[0].name, sizeof(ev.events[0].name), "manifest");
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), ev.events[0].digest, 32),
			 MCIM_OK);
	for (size_t i = 0; i < manifest.n; i++) {
		struct mcim_event *x = &ev.events[1 + i];

		x->pcr = (uint8_t)(1 + i);
		x->type = MCIM_EVENT_COMPONENT;
		memcpy(x->name, manifest.components[i].name, sizeof(x->name));
		memcpy(x->version, manifest.components[i].version, sizeof(x->version));
		memcpy(x->digest, manifest.components[i].digest, 32);
		if (e->modified && i == 1)
			x->digest[5] ^= 0x10; /* a re-flashed kernel */
	}
	ev.n_events = 1 + manifest.n;
	assert_int_equal(mcim_evidence_replay(ev.events, ev.n_events, ev.pcrs), MCIM_OK);
	assert_int_equal(mcim_evidence_sign(&ev, &e->d.key, e->d.chain, e->d.n_chain,
					    evbuf, sizeof(evbuf), &evlen),
			 MCIM_OK);
	eq.evidence = (struct mcim_proto_span){evbuf, evlen};
	assert_int_equal(
	    mcim_proto_pva_evidence_req_encode(&eq, body, sizeof(body), &len), MCIM_OK);
	dev_http(pva_url, "/pva/v1/evidence", body, len, e->session, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_pva_result_resp_decode(r.body, r.len, &er), MCIM_OK);
	dev_trust(&env.pki, &t);
	assert_int_equal(mcim_proto_pva_result_verify(er.result.data, er.result.len, &t,
						      NULL, e->d.tre_id, c.n_p, &res,
						      NULL),
			 MCIM_OK);
	assert_true(er.result.len <= sizeof(e->pva));
	memcpy(e->pva, er.result.data, er.result.len);
	e->pva_len = er.result.len;
	e->pva_status = res.status;
	reply_free(&r);
}

/* A registration's state through the operator API. */
static const char *reg_state(const struct e2e_dev *e, char *out, size_t cap)
{
	char path[128];
	json_t *doc = NULL;

	snprintf(path, sizeof(path), "/v1/tenants/sho1/registrations/%s", e->tre_hex);
	assert_int_equal(op(d_all.base, "GET", path, ENV_TOKEN_SHO1, NULL, &doc), 200);
	snprintf(out, cap, "%s", json_string_value(json_object_get(doc, "state")));
	json_decref(doc);
	return out;
}

/* §7: AKA with the new MCIM at the AuC, key confirmation both ways. */
static void auc_attach(const struct mcim_profile *p, const char *base)
{
	struct mcim_proto_attach_challenge_req q;
	struct mcim_proto_attach_challenge ch;
	struct mcim_proto_attach_confirm_req m;
	struct mcim_proto_attach_confirm cf;
	struct mcim_auth_usim_out o;
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg sc = p->sqn;
	struct mcim_sqn_ms ms;
	uint8_t buf[160], kausf[32];
	size_t len = 0;
	struct reply r;

	assert_int_equal(mcim_aka_prepare(&kc, &p->cred), MCIM_OK);
	assert_int_equal(mcim_sqn_ms_init_at(&sc, &ms, p->sqn_init), MCIM_OK);
	memset(&q, 0, sizeof(q));
	snprintf(q.imsi, sizeof(q.imsi), "%s", p->imsi);
	snprintf(q.snn, sizeof(q.snn), "%s", ENV_SNN);
	assert_int_equal(
	    mcim_proto_attach_challenge_req_encode(&q, buf, sizeof(buf), &len), MCIM_OK);
	dev_http(base, "/auc/v1/challenge", buf, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_attach_challenge_decode(r.body, r.len, &ch), MCIM_OK);
	reply_free(&r);
	assert_int_equal(
	    mcim_auth_usim(&kc, &sc, &ms, ch.rand, ch.autn, sizeof(ch.autn), &o),
	    MCIM_OK);
	memset(&m, 0, sizeof(m));
	snprintf(m.imsi, sizeof(m.imsi), "%s", p->imsi);
	assert_int_equal(mcim_kdf_res_star(o.ck, o.ck_len, o.ik, o.ik_len, ENV_SNN,
					   strlen(ENV_SNN), ch.rand, o.res, o.res_len,
					   m.res_star),
			 MCIM_OK);
	assert_int_equal(mcim_kdf_kausf(o.ck, o.ck_len, o.ik, o.ik_len, ENV_SNN,
					strlen(ENV_SNN), ch.autn, kausf),
			 MCIM_OK);
	mcim_auth_usim_out_wipe(&o);
	assert_int_equal(mcim_proto_attach_kc(kausf, MCIM_PROTO_ATTACH_UE, ch.rand, m.kc),
			 MCIM_OK);
	assert_int_equal(mcim_proto_attach_confirm_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_OK);
	dev_http(base, "/auc/v1/confirm", buf, len, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mcim_proto_attach_confirm_decode(r.body, r.len, &cf), MCIM_OK);
	assert_int_equal(
	    mcim_proto_attach_kc_check(kausf, MCIM_PROTO_ATTACH_HN, ch.rand, cf.kc),
	    MCIM_OK);
	reply_free(&r);
	mcim_wipe(kausf, sizeof(kausf));
	mcim_aka_keyctx_wipe(&kc);
}

/* ---- the operators ---- */

static void publish_reference_values(void)
{
	static uint8_t buf[MCIM_MANIFEST_MAX_LEN];
	static char b64[MCIM_MANIFEST_MAX_LEN * 2], json[MCIM_MANIFEST_MAX_LEN * 2 + 32];
	static const char *const names[] = {"bootloader", "kernel", "app"};
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain = 0, len = 0, bl;
	json_t *doc = NULL;

	memset(&manifest, 0, sizeof(manifest));
	manifest.sequence = 7;
	manifest.security_version = 1;
	snprintf(manifest.platform, sizeof(manifest.platform), PLATFORM);
	manifest.n = 3;
	for (size_t i = 0; i < 3; i++) {
		snprintf(manifest.components[i].name, sizeof(manifest.components[i].name),
			 "%s", names[i]);
		snprintf(manifest.components[i].version,
			 sizeof(manifest.components[i].version), "2.%zu", i);
		assert_int_equal(
		    mcim_rng_fill(mcim_rng_system(), manifest.components[i].digest, 32),
		    MCIM_OK);
	}
	assert_int_equal(tool_pki_key(&env.pki, "m2mes", &key), MCIM_OK);
	assert_int_equal(
	    tool_pki_chain(&env.pki, "m2mes", 0, chain, MCIM_COSE_X5CHAIN_MAX, &n_chain),
	    MCIM_OK);
	assert_int_equal(
	    mcim_manifest_sign(&manifest, &key, chain, n_chain, buf, sizeof(buf), &len),
	    MCIM_OK);
	mcim_p256_priv_wipe(&key);
	env_b64url(buf, len, b64, sizeof(b64));
	for (char *c = b64; *c; c++)
		*c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
	bl = strlen(b64);
	while (bl % 4 != 0)
		b64[bl++] = '=';
	b64[bl] = '\0';
	snprintf(json, sizeof(json), "{\"manifest\":\"%s\"}", b64);
	/* Published through the first daemon, appraised by the second (shared store). */
	assert_int_equal(op(d_all.base, "POST", "/v1/tenants/pva/reference-values",
			    TOK_PVA, json, NULL),
			 201);
	assert_int_equal(op(d_pva.base, "GET", "/v1/tenants/pva/reference-values",
			    TOK_PVA, NULL, &doc),
			 200);
	assert_int_equal(json_array_size(json_object_get(doc, "reference_values")), 1);
	json_decref(doc);
}

/* The SHO's batch (NDJSON, streamed): every device, then a duplicate line. */
static void batch_register(struct e2e_dev *devs, size_t n)
{
	char body[4096], url[128];
	size_t off = 0;
	struct reply r;

	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(body + off, sizeof(body) - off,
					"{\"tre_id\":\"%s\",\"sho\":\"sho1\"}\n",
					devs[i].tre_hex);
	off += (size_t)snprintf(body + off, sizeof(body) - off,
				"{\"tre_id\":\"%s\",\"sho\":\"%s\"}\n", devs[0].tre_hex,
				ENV_SHO1);
	set_base(d_all.base);
	snprintf(url, sizeof(url), "/v1/tenants/sho1/registrations:batch");
	env_http("POST", url, "application/x-ndjson", ENV_TOKEN_SHO1, body, off, &r);
	assert_int_equal(r.status, 200);
	assert_true(
	    env_contains(r.body, r.len,
			 (const uint8_t *)"{\"summary\":{\"lines\":4,\"registered\":3,"
					  "\"refused\":1}}",
			 strlen("{\"summary\":{\"lines\":4,\"registered\":3,"
				"\"refused\":1}}")));
	assert_true(env_contains(r.body, r.len, (const uint8_t *)"\"result\":\"EXISTS\"",
				 strlen("\"result\":\"EXISTS\"")));
	reply_free(&r);
	/* Another SHO's token on sho1's path. */
	env_http("POST", url, "application/x-ndjson", ENV_TOKEN_SHO2, body, off, &r);
	assert_int_equal(r.status, 403);
	reply_free(&r);
}

static void import_pcids(struct e2e_dev *devs, size_t n)
{
	char body[2048], k[33], opc[33];
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
	snprintf(body + off, sizeof(body) - off, "]");
	assert_int_equal(
	    op(d_all.base, "POST", "/v1/tenants/vno/pcids", TOK_VNO, body, &doc), 200);
	assert_int_equal(json_integer_value(json_object_get(doc, "imported")),
			 (json_int_t)n);
	json_decref(doc);
}

/* ---- the test ---- */

static void provisioning_end_to_end(void **state)
{
	static struct e2e_dev devs[N_DEV];
	static struct dl x, y;
	uint8_t cmds[4][256];
	size_t lens[4];
	char st[32], path[160], order[128];
	json_t *doc = NULL;
	mcim_err err;
	struct reply r;

	(void)state;
	set_base(d_all.base);
	assert_int_equal(op(d_all.base, "GET", "/healthz", NULL, NULL, NULL), 200);
	for (unsigned i = 0; i < N_DEV; i++)
		e2e_dev_new(&devs[i], i, i == 2);
	import_pcids(devs, N_DEV);
	batch_register(devs, N_DEV);
	publish_reference_values();
	/* Device 1 gets a TUAK MCIM: the SHO orders it before the download. */
	snprintf(order, sizeof(order), "{\"tre_id\":\"%s\",\"algorithm\":\"tuak\"}",
		 devs[1].tre_hex);
	assert_int_equal(
	    op(d_all.base, "POST", "/v1/tenants/sho1/mcims", ENV_TOKEN_SHO1, order, NULL),
	    201);

	/* Without an ICF session the DRF answers nobody. */
	assert_int_equal(drf_discover(&devs[0], NULL), 401);

	for (unsigned i = 0; i < 2; i++) {
		struct e2e_dev *e = &devs[i];
		struct dl *dl = i == 0 ? &x : &y;

		icf_attach(e);
		assert_int_equal(drf_discover(e, e->session), 200);
		/* Device 0 validates at the URL the DRF gave; device 1 at the second
		 * daemon (same database, reference values published to the first). */
		pva_validate(e, i == 0 ? e->d.tok.pva_url : d_pva.base);
		assert_int_equal(e->pva_status, MCIM_EAR_AFFIRMING);

		memset(dl, 0, sizeof(*dl));
		memcpy(env.session, e->session, sizeof(env.session));
		set_base(i == 0 ? e->d.tok.dpf_url : d_pva.base);
		assert_int_equal(
		    dl_m1(dl, &e->d, e->d.token, e->d.token_len, e->d.tre_id, &err), 200);
		dl_m3_make(dl, &e->d, e->pva, e->pva_len);
		assert_int_equal(dl_m3_post(dl, &e->d, &err), 200);
		/* The same M3 again is refused. */
		assert_int_not_equal(dl_m3_post(dl, &e->d, &err), 200);
		dl_receipt_make(dl, &e->d, MCIM_OK, &dl->keys);
		assert_int_equal(dl_receipt_post(dl, &err), 200);
		assert_string_equal(reg_state(e, st, sizeof(st)), "provisioned");
		/* Provisioned: the DRF no longer answers for it. */
		assert_int_equal(drf_discover(e, e->session), 404);

		/* The SHO activates; the device pulls the signed command and answers. */
		assert_int_equal(
		    env_action("sho1", ENV_TOKEN_SHO1, dl->profile.id, "activate"), 200);
		set_base(d_all.base);
		assert_int_equal(dev_pull(&e->d, cmds, lens, 4), 1);
		assert_int_equal(
		    dev_result(&e->d, dl->profile.id, 1, MCIM_OK, "activated", &err),
		    200);
		hex_of(dl->profile.id, 16, order);
		snprintf(path, sizeof(path), "/v1/tenants/sho1/mcims/%s", order);
		assert_int_equal(op(d_all.base, "GET", path, ENV_TOKEN_SHO1, NULL, &doc),
				 200);
		assert_string_equal(json_string_value(json_object_get(doc, "state")),
				    "activated");
		json_decref(doc);
		/* Another SHO sees nothing of it. */
		snprintf(path, sizeof(path), "/v1/tenants/sho2/mcims/%s", order);
		assert_int_equal(op(d_all.base, "GET", path, ENV_TOKEN_SHO2, NULL, NULL),
				 404);

		auc_attach(&dl->profile, i == 0 ? d_all.base : d_pva.base);
	}
	assert_int_equal(x.profile.cred.alg, MCIM_AKA_MILENAGE);
	assert_int_equal(y.profile.cred.alg, MCIM_AKA_TUAK);

	/* Device 2 runs modified firmware: a contraindicated result, which the DPF
	 * refuses with BAD_BOOT, its registration untouched. */
	icf_attach(&devs[2]);
	assert_int_equal(drf_discover(&devs[2], devs[2].session), 200);
	pva_validate(&devs[2], devs[2].d.tok.pva_url);
	assert_int_equal(devs[2].pva_status, MCIM_EAR_CONTRAINDICATED);
	memset(&x, 0, sizeof(x));
	memcpy(env.session, devs[2].session, sizeof(env.session));
	set_base(devs[2].d.tok.dpf_url);
	assert_int_equal(dl_m1(&x, &devs[2].d, devs[2].d.token, devs[2].d.token_len,
			       devs[2].d.tre_id, &err),
			 200);
	dl_m3_make(&x, &devs[2].d, devs[2].pva, devs[2].pva_len);
	assert_int_equal(dl_m3_post(&x, &devs[2].d, &err), 422);
	assert_int_equal(err, MCIM_ERR_BAD_BOOT);
	assert_string_equal(reg_state(&devs[2], st, sizeof(st)), "registered");

	/* The metrics saw it all. */
	set_base(d_all.base);
	env_http("GET", "/metrics", NULL, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_true(env_contains(r.body, r.len,
				 (const uint8_t *)"route=\"/drf/v1/discover\"",
				 strlen("route=\"/drf/v1/discover\"")));
	reply_free(&r);

	dl_wipe(&x);
	dl_wipe(&y);
	for (unsigned i = 0; i < N_DEV; i++)
		e2e_dev_free(&devs[i]);
	daemon_stop(&d_pva);
	daemon_stop(&d_all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(provisioning_end_to_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
