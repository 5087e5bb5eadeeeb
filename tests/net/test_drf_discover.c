/*
 * The DRF's discover endpoint (POST /drf/v1/discover, docs/protocol.md §3) end to
 * end: mcimd's HTTP front on 127.0.0.1 (port 0), a real SQLite file and a real PKI
 * (mcim pki's layout) in a temporary directory, CBOR requests through libcurl.
 * Registered, unknown, released and provisioned TRE ids; the registration token
 * verified as the TRE and the DPF will (role drf, TRE id, nonce, SHO, expiry); the
 * reg_id recorded single-use with its expiry and audited in the SHO's trail; the ICF
 * session hook refusing (R-NET-F02, R-PRC-104, T-14).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "mcim/crypto.h"
#include "mcim/proto.h"
#include "net/api_operator.h"
#include "net/config.h"
#include "net/drf.h"
#include "net/log.h"
#include "net/roles.h"
#include "tool/pki.h"

#include "http_client.h"

#define TTL 300

static char dir[64];
static struct net_config cfg;
static struct net_tenant tenants[2];
static struct net_api_ctx *api;
static struct net_drf *drf;
static struct net_server *srv;
static char base[64];
static int64_t clock_now;
static struct tool_pki pki;
static FILE *log_file;

static int64_t test_clock(void *arg)
{
	(void)arg;
	return clock_now;
}

/* ---- HTTP client ---- */

/* A request to this test's server, without a token (http_client.h). */
static void request(const char *method, const char *path, const char *ctype,
		    const void *body, size_t len, struct reply *r)
{
	http_request(base, method, path, ctype, body, len, NULL, r);
}

/* ---- fixture ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct tool_pki_opts popts;
	char pki_dir[128], err[TOOL_PKI_ERR_MAX], msg[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mcim-drf-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(pki_dir, sizeof(pki_dir), "%s/pki", dir);
	memset(&popts, 0, sizeof(popts));
	clock_now = (int64_t)time(NULL);
	popts.now = (time_t)clock_now;
	assert_int_equal(tool_pki_init(pki_dir, &popts, err), MCIM_OK);
	assert_int_equal(tool_pki_load(pki_dir, &pki), MCIM_OK);

	net_config_defaults(&cfg, dir);
	snprintf(cfg.pki_dir, sizeof(cfg.pki_dir), "%s", pki_dir);
	snprintf(cfg.store_path, sizeof(cfg.store_path), "%s/mcimd.db", dir);
	strcpy(tenants[0].name, "sho-a");
	tenants[0].kind = NET_TENANT_SHO;
	strcpy(tenants[0].plmn, "00101");
	strcpy(tenants[1].name, "sho-b");
	tenants[1].kind = NET_TENANT_SHO;
	strcpy(tenants[1].plmn, "00102");
	cfg.tenants = tenants;
	cfg.n_tenants = 2;
	cfg.limits.threads = 2;

	log_file = tmpfile();
	net_log_set_stream(log_file);
	const struct net_api_opts aopts = {.cfg = &cfg, .clock = test_clock};
	if (net_api_new(&aopts, &api, msg, sizeof(msg)) != MCIM_OK)
		fail_msg("net_api_new: %s", msg);
	srv = net_server_new(&cfg, NULL, NULL);
	assert_non_null(srv);
	const struct net_drf_opts dopts = {.api = api, .srv = srv, .token_ttl_s = TTL};
	if (net_drf_new(&dopts, &drf, msg, sizeof(msg)) != MCIM_OK)
		fail_msg("net_drf_new: %s", msg);
	assert_int_equal(net_drf_routes(srv, drf), MCIM_OK);
	assert_int_equal(net_server_start(srv), MCIM_OK);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 (unsigned)net_server_port(srv));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	net_server_free(srv);
	net_drf_free(drf);
	net_api_free(api);
	tool_pki_free(&pki);
	curl_global_cleanup();
	net_log_set_stream(NULL);
	fclose(log_file);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct net_store *take(void)
{
	mcim_err err;
	struct net_store *st = net_api_store_take(api, &err);

	assert_non_null(st);
	return st;
}

/* A fresh TRE id, registered for SHO t (through the store, as the API does). */
static int64_t registered_tre(size_t t, uint8_t tre_id[16])
{
	struct net_store *st = take();
	struct net_reg_in in = {0};
	int64_t id = 0;

	assert_int_equal(mcim_rng_fill(mcim_rng_system(), in.tre_id, 16), MCIM_OK);
	assert_int_equal(net_store_register(st, net_api_tenant_id(api, &tenants[t]), &in,
					    clock_now, &id),
			 MCIM_OK);
	net_api_store_give(api, st);
	memcpy(tre_id, in.tre_id, 16);
	return id;
}

static void set_state(size_t t, int64_t id, int from, int to)
{
	struct net_store *st = take();

	assert_int_equal(
	    net_store_registration_set_state(st, net_api_tenant_id(api, &tenants[t]), id,
					     from, to, clock_now),
	    MCIM_OK);
	net_api_store_give(api, st);
}

/* tenant t's audit records: their number, and the last one in *last. */
static uint64_t audit_last(size_t t, struct net_audit *last)
{
	struct net_store *st = take();
	int64_t tid = net_api_tenant_id(api, &tenants[t]);
	uint64_t count = 0, bad = 0;
	size_t n = 0;

	assert_int_equal(net_store_audit_verify(st, tid, &count, &bad), MCIM_OK);
	if (last != NULL && count > 0) {
		assert_int_equal(net_store_audit_list(st, tid, count - 1, last, 1, &n),
				 MCIM_OK);
		assert_int_equal(n, 1);
	}
	net_api_store_give(api, st);
	return count;
}

/* ---- discover ---- */

static void discover(const uint8_t tre_id[16], const uint8_t n_d[16], struct reply *r)
{
	struct mcim_proto_discover_req m;
	uint8_t buf[128];
	size_t len;

	memcpy(m.tre_id, tre_id, 16);
	memcpy(m.n_d, n_d, 16);
	assert_int_equal(mcim_proto_discover_req_encode(&m, buf, sizeof(buf), &len),
			 MCIM_OK);
	request("POST", "/drf/v1/discover", "application/cbor", buf, len, r);
}

static void cbor_error_is(const struct reply *r, long status, mcim_err err)
{
	struct mcim_proto_error e;

	assert_int_equal(r->status, status);
	assert_non_null(strcasestr(r->headers, "Content-Type: application/cbor"));
	assert_int_equal(mcim_proto_error_decode((const uint8_t *)r->body, r->len, &e),
			 MCIM_OK);
	assert_int_equal(e.err, err);
}

static void check_token(const struct reply *r, const uint8_t tre_id[16],
			const uint8_t n_d[16], const char *sho,
			struct mcim_proto_reg_token *tok)
{
	struct mcim_proto_discover_resp resp;
	struct mcim_cert_info signer;
	struct mcim_proto_trust trust;
	const uint8_t *root;
	size_t root_len;
	uint8_t other[16];

	assert_int_equal(r->status, 200);
	assert_non_null(strcasestr(r->headers, "Content-Type: application/cbor"));
	assert_int_equal(
	    mcim_proto_discover_resp_decode((const uint8_t *)r->body, r->len, &resp),
	    MCIM_OK);
	/* The TRE's check: chain to the CI root, role drf, its TRE id and nonce, fresh.
	 */
	assert_int_equal(tool_pki_root(&pki, &root, &root_len), MCIM_OK);
	memset(&trust, 0, sizeof(trust));
	trust.ci_root = root;
	trust.ci_root_len = root_len;
	trust.now = clock_now;
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, tre_id, n_d, NULL, tok,
						     &signer),
			 MCIM_OK);
	assert_int_equal(signer.role, MCIM_CERT_ROLE_DRF);
	assert_memory_equal(tok->tre_id, tre_id, 16);
	assert_memory_equal(tok->n_d, n_d, 16);
	assert_string_equal(tok->sho, sho);
	assert_int_equal(tok->iat, clock_now);
	assert_int_equal(tok->exp, clock_now + TTL);
	assert_string_equal(tok->dpf_url, base);
	assert_string_equal(tok->pva_url, base);
	/* The DPF's check (no nonce; its own SHO). */
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, tre_id, NULL, sho, tok,
						     NULL),
			 MCIM_OK);
	/* Bound: another nonce, another TRE, another SHO; not after its expiry. */
	memcpy(other, n_d, 16);
	other[0] ^= 1;
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, tre_id, other, NULL, tok,
						     NULL),
			 MCIM_ERR_REPLAY);
	memcpy(other, tre_id, 16);
	other[15] ^= 1;
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, other, n_d, NULL, tok, NULL),
			 MCIM_ERR_DENIED);
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, tre_id, NULL, "00199", tok,
						     NULL),
			 MCIM_ERR_DENIED);
	trust.now = clock_now + TTL;
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, tre_id, n_d, NULL, tok,
						     NULL),
			 MCIM_ERR_EXPIRED);
	trust.now = clock_now;
	assert_int_equal(mcim_proto_reg_token_verify(resp.token.data, resp.token.len,
						     &trust, tre_id, n_d, NULL, tok,
						     NULL),
			 MCIM_OK);
}

static void test_discover_registered(void **state)
{
	uint8_t tre_id[16], n_d[16];
	char tre[33], rid[33];
	struct mcim_proto_reg_token tok, tok2;
	struct net_reg_token stored;
	struct net_audit last;
	struct net_store *st;
	struct reply r;
	uint64_t before_b = audit_last(1, NULL), before_a = audit_last(0, NULL);
	int64_t reg = registered_tre(1, tre_id);

	(void)state;
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), n_d, 16), MCIM_OK);
	discover(tre_id, n_d, &r);
	check_token(&r, tre_id, n_d, "00102", &tok);
	reply_free(&r);

	/* The store knows the reg_id: SHO B's, this TRE's, unused, with the expiry. */
	st = take();
	assert_int_equal(net_store_regtoken_get(st, net_api_tenant_id(api, &tenants[1]),
						tok.reg_id, &stored),
			 MCIM_OK);
	assert_memory_equal(stored.tre_id, tre_id, 16);
	assert_int_equal(stored.registration, reg);
	assert_int_equal(stored.created, clock_now);
	assert_int_equal(stored.expires, clock_now + TTL);
	assert_int_equal(stored.used, 0);
	assert_int_equal(net_store_regtoken_get(st, net_api_tenant_id(api, &tenants[0]),
						tok.reg_id, &stored),
			 MCIM_ERR_NOT_FOUND);
	/* Single use: the DPF's consumption succeeds once. */
	assert_int_equal(net_store_regtoken_consume(st,
						    net_api_tenant_id(api, &tenants[1]),
						    tok.reg_id, tre_id, clock_now + 1),
			 MCIM_OK);
	assert_int_equal(net_store_regtoken_consume(st,
						    net_api_tenant_id(api, &tenants[1]),
						    tok.reg_id, tre_id, clock_now + 2),
			 MCIM_ERR_REPLAY);
	net_api_store_give(api, st);

	/* Audited in the SHO's trail only. */
	assert_int_equal(audit_last(1, &last), before_b + 1);
	assert_int_equal(audit_last(0, NULL), before_a);
	net_api_hex(tre_id, 16, tre);
	net_api_hex(tok.reg_id, 16, rid);
	assert_int_equal(last.event, NET_AUDIT_REG_TOKEN_ISSUED);
	assert_string_equal(last.subject, tre);
	assert_string_equal(last.actor, "drf");
	assert_non_null(strstr(last.detail, rid));

	/* A second discovery gives a fresh reg_id. */
	discover(tre_id, n_d, &r);
	check_token(&r, tre_id, n_d, "00102", &tok2);
	assert_memory_not_equal(tok2.reg_id, tok.reg_id, 16);
	reply_free(&r);
}

/* Unknown, released and provisioned TRE ids: one 404 for all, nothing recorded. */
static void test_discover_refused(void **state)
{
	uint8_t tre_id[16], n_d[16] = {1};
	uint64_t before_a, before_b;
	int64_t reg;
	struct reply r;

	(void)state;
	before_a = audit_last(0, NULL);
	before_b = audit_last(1, NULL);
	assert_int_equal(mcim_rng_fill(mcim_rng_system(), tre_id, 16), MCIM_OK);
	discover(tre_id, n_d, &r);
	cbor_error_is(&r, 404, MCIM_ERR_NOT_FOUND);
	reply_free(&r);

	reg = registered_tre(0, tre_id);
	set_state(0, reg, NET_REG_REGISTERED, NET_REG_RELEASED);
	before_a = audit_last(0, NULL);
	discover(tre_id, n_d, &r);
	cbor_error_is(&r, 404, MCIM_ERR_NOT_FOUND);
	reply_free(&r);

	reg = registered_tre(0, tre_id);
	set_state(0, reg, NET_REG_REGISTERED, NET_REG_PROVISIONED);
	discover(tre_id, n_d, &r);
	cbor_error_is(&r, 404, MCIM_ERR_NOT_FOUND);
	reply_free(&r);
	assert_int_equal(audit_last(0, NULL), before_a);
	assert_int_equal(audit_last(1, NULL), before_b);

	/* Not a discover message (an empty map; trailing octets); not CBOR. */
	request("POST", "/drf/v1/discover", "application/cbor", "\xa0", 1, &r);
	cbor_error_is(&r, 400, MCIM_ERR_PARSE);
	reply_free(&r);
	{
		struct mcim_proto_discover_req m = {0};
		uint8_t buf[128];
		size_t len;
		assert_int_equal(
		    mcim_proto_discover_req_encode(&m, buf, sizeof(buf), &len), MCIM_OK);
		buf[len++] = 0;
		request("POST", "/drf/v1/discover", "application/cbor", buf, len, &r);
		assert_int_equal(r.status, 400);
		reply_free(&r);
	}
	request("POST", "/drf/v1/discover", "application/json", "{}", 2, &r);
	assert_int_equal(r.status, 415);
	reply_free(&r);
}

/* The ICF session hook runs first, sees the decoded message, and its refusal is the
 * answer: nothing looked up, nothing recorded. */
struct hook_seen {
	int calls;
	uint8_t tre_id[16];
};

static mcim_err refuse_session(const struct net_request *req,
			       const struct mcim_proto_discover_req *m, void *arg)
{
	struct hook_seen *h = arg;

	assert_string_equal(req->path, "/drf/v1/discover");
	memcpy(h->tre_id, m->tre_id, 16);
	h->calls++;
	return MCIM_ERR_DENIED;
}

static void test_session_hook(void **state)
{
	struct hook_seen seen = {0};
	struct net_server *srv2 = net_server_new(&cfg, NULL, NULL);
	struct net_drf *drf2;
	const struct net_drf_opts o = {.api = api,
				       .srv = srv2,
				       .session_check = refuse_session,
				       .session_arg = &seen,
				       .dpf_url = "https://dpf.example/x",
				       .pva_url = "https://pva.example/y"};
	uint8_t tre_id[16], n_d[16] = {2};
	char saved[64];
	uint64_t before;
	struct reply r;

	(void)state;
	assert_non_null(srv2);
	assert_int_equal(net_drf_new(&o, &drf2, NULL, 0), MCIM_OK);
	assert_int_equal(net_drf_routes(srv2, drf2), MCIM_OK);
	assert_int_equal(net_server_start(srv2), MCIM_OK);
	memcpy(saved, base, sizeof(saved));
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 (unsigned)net_server_port(srv2));
	registered_tre(0, tre_id);
	before = audit_last(0, NULL);
	discover(tre_id, n_d, &r);
	cbor_error_is(&r, 401, MCIM_ERR_DENIED);
	reply_free(&r);
	assert_int_equal(seen.calls, 1);
	assert_memory_equal(seen.tre_id, tre_id, 16);
	assert_int_equal(audit_last(0, NULL), before);
	memcpy(base, saved, sizeof(saved));
	net_server_free(srv2);
	net_drf_free(drf2);
}

/* What net_drf_new refuses. */
static void test_new_errors(void **state)
{
	char msg[256], bad[300];
	struct net_drf *d = NULL;
	struct net_drf_opts o = {.api = api, .srv = srv};

	(void)state;
	o.entity = "sho1-dpf";
	assert_int_equal(net_drf_new(&o, &d, msg, sizeof(msg)), MCIM_ERR_NOT_FOUND);
	assert_null(d);
	o.entity = "nobody";
	assert_int_equal(net_drf_new(&o, &d, msg, sizeof(msg)), MCIM_ERR_NOT_FOUND);
	o.entity = NULL;
	o.pki_dir = "/nonexistent/pki";
	assert_int_equal(net_drf_new(&o, &d, msg, sizeof(msg)), MCIM_ERR_NOT_FOUND);
	o.pki_dir = NULL;
	memset(bad, 'a', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	o.dpf_url = bad;
	assert_int_equal(net_drf_new(&o, &d, msg, sizeof(msg)), MCIM_ERR_INVALID_ARG);
	o.dpf_url = "http://a b";
	assert_int_equal(net_drf_new(&o, &d, msg, sizeof(msg)), MCIM_ERR_INVALID_ARG);
	o.dpf_url = NULL;
	o.entity = "ro-drf";
	assert_int_equal(net_drf_new(&o, &d, msg, sizeof(msg)), MCIM_OK);
	net_drf_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_discover_registered),
	    cmocka_unit_test(test_discover_refused),
	    cmocka_unit_test(test_session_hook),
	    cmocka_unit_test(test_new_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
