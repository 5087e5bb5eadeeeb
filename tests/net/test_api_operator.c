/*
 * The operator REST API end to end: mcimd's HTTP front on 127.0.0.1 (port 0) with the
 * routes of net/roles.h, a real SQLite file in a temporary directory, requests
 * through libcurl. Every endpoint; tenant isolation on every one (another tenant's
 * path is 403 at the front, another tenant's object on one's own path is the same 404
 * as an absent one, and nothing changes); the streamed NDJSON batch with per-line
 * results and an upload cut midway (R-NET-F02, R-PRC-109, R-SEED-02).
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
#include "mcim/rand.h"
#include "net/api_operator.h"
#include "net/config.h"
#include "net/log.h"
#include "net/roles.h"

#include "http_client.h"

#define TOKEN_A "tok-sho-a-51d0c3"
#define TOKEN_B "tok-sho-b-9e27aa"
#define TOKEN_R "tok-ro-0c44e1b2"

static char dir[64];
static struct net_config cfg;
static struct net_tenant tenants[3];
static struct net_api_ctx *api;
static struct net_server *srv;
static char base[64];
static int64_t clock_now;
static FILE *log_file;

static int64_t test_clock(void *arg)
{
	(void)arg;
	return clock_now;
}

/* A request to this test's server (http_client.h). */
static void request(const char *method, const char *path, const char *ctype,
		    const void *body, size_t len, const char *token, struct reply *r)
{
	http_request(base, method, path, ctype, body, len, token, r);
}

/* A JSON request: method path with body (may be NULL) and token; the reply in r. */
static void jreq(const char *method, const char *path, const char *body,
		 const char *token, struct reply *r)
{
	request(method, path, body ? "application/json" : NULL, body,
		body ? strlen(body) : 0, token, r);
}

static void fmt_path(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fmt_path(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

static void error_is(const struct reply *r, long status, const char *name)
{
	if (r->status != status)
		fail_msg("status %ld, expected %ld: %s", r->status, status,
			 r->body ? r->body : "");
	assert_non_null(r->json);
	assert_string_equal(json_string_value(json_object_get(r->json, "error")), name);
	assert_non_null(json_string_value(json_object_get(r->json, "message")));
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

static json_int_t jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* ---- fixture ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void hash_token(const char *token, uint8_t out[MCIM_SHA256_LEN])
{
	assert_int_equal(mcim_sha256(token, strlen(token), out), MCIM_OK);
}

static int setup(void **state)
{
	char msg[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mcim-api-XXXXXX");
	assert_non_null(mkdtemp(dir));
	clock_now = (int64_t)time(NULL);

	net_config_defaults(&cfg, dir);
	snprintf(cfg.store_path, sizeof(cfg.store_path), "%s/mcimd.db", dir);
	strcpy(tenants[0].name, "sho-a");
	tenants[0].kind = NET_TENANT_SHO;
	strcpy(tenants[0].plmn, "00101");
	strcpy(tenants[1].name, "sho-b");
	tenants[1].kind = NET_TENANT_SHO;
	strcpy(tenants[1].plmn, "00102");
	strcpy(tenants[2].name, "ro");
	tenants[2].kind = NET_TENANT_RO;
	hash_token(TOKEN_A, tenants[0].token_sha256[0]);
	hash_token(TOKEN_B, tenants[1].token_sha256[0]);
	hash_token(TOKEN_R, tenants[2].token_sha256[0]);
	for (size_t i = 0; i < 3; i++)
		tenants[i].n_tokens = 1;
	cfg.tenants = tenants;
	cfg.n_tenants = 3;
	cfg.limits.threads = 2;

	log_file = tmpfile();
	net_log_set_stream(log_file);
	const struct net_api_opts aopts = {.cfg = &cfg, .clock = test_clock};
	if (net_api_new(&aopts, &api, msg, sizeof(msg)) != MCIM_OK)
		fail_msg("net_api_new: %s", msg);
	srv = net_server_new(&cfg, NULL, NULL);
	assert_non_null(srv);
	assert_int_equal(net_operator_api_routes(srv, api), MCIM_OK);
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
	net_api_free(api);
	curl_global_cleanup();
	net_log_set_stream(NULL);
	fclose(log_file);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* A fresh TRE id for each use, so tests do not depend on their order. */
static void new_tre(char hex[33])
{
	static unsigned n;
	uint8_t id[16];

	assert_int_equal(mcim_rng_fill(mcim_rng_system(), id, 12), MCIM_OK);
	n++;
	id[12] = (uint8_t)(n >> 24);
	id[13] = (uint8_t)(n >> 16);
	id[14] = (uint8_t)(n >> 8);
	id[15] = (uint8_t)n;
	net_api_hex(id, 16, hex);
}

/* The number of audit records of tenant (through the store, not the API). */
static size_t audit_count(size_t tenant)
{
	mcim_err err;
	struct net_store *st = net_api_store_take(api, &err);
	uint64_t count = 0, bad = 0;

	assert_non_null(st);
	assert_int_equal(net_store_audit_verify(
			     st, net_api_tenant_id(api, &tenants[tenant]), &count, &bad),
			 MCIM_OK);
	net_api_store_give(api, st);
	return (size_t)count;
}

static int64_t create_subscriber(const char *token, const char *tenant, const char *ref)
{
	char path[128], body[128];
	struct reply r;
	int64_t id;

	fmt_path(path, sizeof(path), "/v1/tenants/%s/subscribers", tenant);
	snprintf(body, sizeof(body), "{\"ref\":\"%s\",\"name\":\"Acme %s\"}", ref, ref);
	jreq("POST", path, body, token, &r);
	assert_int_equal(r.status, 201);
	id = jint(r.json, "id");
	reply_free(&r);
	return id;
}

static void register_one(const char *token, const char *tenant, const char *tre,
			 const char *extra, long status)
{
	char path[128], body[256];
	struct reply r;

	fmt_path(path, sizeof(path), "/v1/tenants/%s/registrations", tenant);
	snprintf(body, sizeof(body), "{\"tre_id\":\"%s\",\"sho\":\"%s\"%s}", tre,
		 strcmp(tenant, "sho-a") == 0 ? "00101" : tenant, extra ? extra : "");
	jreq("POST", path, body, token, &r);
	if (r.status != status)
		fail_msg("register %s: %ld %s", tre, r.status, r.body ? r.body : "");
	reply_free(&r);
}

/* ---- subscribers ---- */

static void test_subscribers(void **state)
{
	struct reply r;
	char path[128], loc[128];
	int64_t id;
	size_t before = audit_count(0);

	(void)state;
	jreq("POST", "/v1/tenants/sho-a/subscribers",
	     "{\"ref\":\"acct-1\",\"name\":\"Acme\"}", TOKEN_A, &r);
	assert_int_equal(r.status, 201);
	id = jint(r.json, "id");
	assert_true(id > 0);
	assert_string_equal(jstr(r.json, "ref"), "acct-1");
	assert_string_equal(jstr(r.json, "name"), "Acme");
	assert_string_equal(jstr(r.json, "state"), "active");
	assert_int_equal(jint(r.json, "created"), clock_now);
	snprintf(loc, sizeof(loc), "Location: /v1/tenants/sho-a/subscribers/%lld",
		 (long long)id);
	assert_non_null(strcasestr(r.headers, loc));
	reply_free(&r);
	assert_int_equal(audit_count(0), before + 1);

	/* The same reference twice: 409, nothing written or audited. */
	jreq("POST", "/v1/tenants/sho-a/subscribers", "{\"ref\":\"acct-1\"}", TOKEN_A,
	     &r);
	error_is(&r, 409, "EXISTS");
	reply_free(&r);
	assert_int_equal(audit_count(0), before + 1);

	/* Malformed bodies. */
	jreq("POST", "/v1/tenants/sho-a/subscribers", "{\"name\":\"x\"}", TOKEN_A, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
	jreq("POST", "/v1/tenants/sho-a/subscribers", "{\"ref\":\"a\",\"colour\":1}",
	     TOKEN_A, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
	jreq("POST", "/v1/tenants/sho-a/subscribers", "[1]", TOKEN_A, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);

	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/subscribers/%lld", (long long)id);
	jreq("GET", path, NULL, TOKEN_A, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(r.json, "id"), id);
	assert_string_equal(jstr(r.json, "ref"), "acct-1");
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-a/subscribers/999999", NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-a/subscribers/x1", NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-a/subscribers/0", NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
}

static void test_subscriber_list_paged(void **state)
{
	struct reply r;
	char path[128];
	int64_t ids[3];
	json_int_t next;

	(void)state;
	ids[0] = create_subscriber(TOKEN_B, "sho-b", "page-1");
	ids[1] = create_subscriber(TOKEN_B, "sho-b", "page-2");
	ids[2] = create_subscriber(TOKEN_B, "sho-b", "page-3");
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/subscribers?after=%lld&limit=2",
		 (long long)ids[0] - 1);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
	assert_int_equal(jint(json_array_get(json_object_get(r.json, "items"), 0), "id"),
			 ids[0]);
	next = jint(r.json, "next");
	assert_int_equal(next, ids[1]);
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/subscribers?after=%lld&limit=2",
		 (long long)next);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_int_equal(jint(json_array_get(json_object_get(r.json, "items"), 0), "id"),
			 ids[2]);
	assert_true(json_is_null(json_object_get(r.json, "next")));
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-b/subscribers?limit=0", NULL, TOKEN_B, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-b/subscribers?limit=1001", NULL, TOKEN_B, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-b/subscribers?after=-1", NULL, TOKEN_B, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
}

/* ---- registrations ---- */

static void test_register_one(void **state)
{
	char tre[33], tre2[33], tre3[33], path[160], extra[96];
	struct reply r;
	int64_t sub = create_subscriber(TOKEN_A, "sho-a", "fleet-7");
	size_t before = audit_count(0);

	(void)state;
	new_tre(tre);
	fmt_path(path, sizeof(path),
		 "{\"tre_id\":\"%s\",\"sho\":\"sho-a\",\"subscriber\":%lld}", tre,
		 (long long)sub);
	jreq("POST", "/v1/tenants/sho-a/registrations", path, TOKEN_A, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(jstr(r.json, "tre_id"), tre);
	assert_string_equal(jstr(r.json, "sho"), "00101");
	assert_string_equal(jstr(r.json, "state"), "registered");
	assert_int_equal(jint(r.json, "subscriber"), sub);
	reply_free(&r);
	assert_int_equal(audit_count(0), before + 1);

	/* By PLMN id, linked through the account reference; upper-case hex accepted. */
	new_tre(tre2);
	for (char *p = tre2; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	register_one(TOKEN_A, "sho-a", tre2, ",\"subscription\":\"fleet-7\"", 201);
	/* Before delivery, without a subscription (R-SEED-02). */
	new_tre(tre3);
	register_one(TOKEN_A, "sho-a", tre3, NULL, 201);

	/* Refusals, none of which writes or audits anything. */
	before = audit_count(0);
	register_one(TOKEN_A, "sho-a", tre, NULL, 409);
	new_tre(tre3);
	register_one(TOKEN_A, "sho-a", tre3, ",\"subscriber\":987654", 404);
	register_one(TOKEN_A, "sho-a", tre3, ",\"subscription\":\"nobody\"", 404);
	snprintf(extra, sizeof(extra), ",\"subscriber\":%lld,\"subscription\":\"other\"",
		 (long long)sub);
	create_subscriber(TOKEN_A, "sho-a", "other");
	before = audit_count(0);
	register_one(TOKEN_A, "sho-a", tre3, extra, 400);
	register_one(TOKEN_A, "sho-a", "00ff", NULL, 400);
	register_one(TOKEN_A, "sho-a", tre3, ",\"imei\":\"1\"", 400);
	jreq("POST", "/v1/tenants/sho-a/registrations",
	     "{\"tre_id\":1,\"sho\":\"00101\"}", TOKEN_A, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
	fmt_path(path, sizeof(path), "{\"tre_id\":\"%s\",\"sho\":\"00102\"}", tre3);
	jreq("POST", "/v1/tenants/sho-a/registrations", path, TOKEN_A, &r);
	error_is(&r, 403, "DENIED");
	reply_free(&r);
	jreq("POST", "/v1/tenants/sho-a/registrations", "not json", TOKEN_A, &r);
	error_is(&r, 400, "PARSE");
	reply_free(&r);
	/* A registration operator keeps no registrations of its own. */
	fmt_path(path, sizeof(path), "{\"tre_id\":\"%s\",\"sho\":\"ro\"}", tre3);
	jreq("POST", "/v1/tenants/ro/registrations", path, TOKEN_R, &r);
	error_is(&r, 403, "WRONG_ROLE");
	reply_free(&r);
	assert_int_equal(audit_count(0), before);
	assert_int_equal(audit_count(2), 0);

	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/registrations/%s", tre3);
	jreq("GET", path, NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/registrations/%s", tre);
	jreq("GET", path, NULL, TOKEN_A, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "tre_id"), tre);
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-a/registrations/xyz", NULL, TOKEN_A, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
}

static void test_registration_list_and_delete(void **state)
{
	char tre[4][33], path[160];
	struct reply r;
	json_t *items;
	size_t before;
	int64_t first = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		new_tre(tre[i]);
		register_one(TOKEN_B, "sho-b", tre[i], NULL, 201);
	}
	/* Find the first one's id, then page through from just before it. */
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/registrations/%s", tre[0]);
	jreq("GET", path, NULL, TOKEN_B, &r);
	first = jint(r.json, "id");
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/registrations?after=%lld&limit=3",
		 (long long)first - 1);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_int_equal(r.status, 200);
	items = json_object_get(r.json, "items");
	assert_int_equal(json_array_size(items), 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(jstr(json_array_get(items, (size_t)i), "tre_id"),
				    tre[i]);
		assert_string_equal(jstr(json_array_get(items, (size_t)i), "state"),
				    "registered");
		assert_string_equal(jstr(json_array_get(items, (size_t)i), "sho"),
				    "00102");
	}
	assert_int_equal(jint(r.json, "next"), first + 2);
	reply_free(&r);

	before = audit_count(1);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/registrations/%s", tre[1]);
	jreq("DELETE", path, NULL, TOKEN_B, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "state"), "released");
	reply_free(&r);
	assert_int_equal(audit_count(1), before + 1);
	jreq("DELETE", path, NULL, TOKEN_B, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
	jreq("GET", path, NULL, TOKEN_B, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
	assert_int_equal(audit_count(1), before + 1);
	/* The list still shows it, released; the TRE id may be registered again. */
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/registrations?after=%lld&limit=2",
		 (long long)first);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_string_equal(
	    jstr(json_array_get(json_object_get(r.json, "items"), 0), "state"),
	    "released");
	reply_free(&r);
	register_one(TOKEN_B, "sho-b", tre[1], NULL, 201);
	jreq("DELETE", "/v1/tenants/sho-b/registrations/zz", NULL, TOKEN_B, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
}

/* ---- tenant isolation ---- */

static void test_isolation(void **state)
{
	char tre_b[33], path[200], body[200];
	struct reply r;
	int64_t sub_b = create_subscriber(TOKEN_B, "sho-b", "iso-b");
	size_t audit_a, audit_b;
	const char *const paths[][2] = {
	    {"POST", "/v1/tenants/sho-b/subscribers"},
	    {"GET", "/v1/tenants/sho-b/subscribers"},
	    {"GET", "/v1/tenants/sho-b/subscribers/1"},
	    {"POST", "/v1/tenants/sho-b/registrations"},
	    {"GET", "/v1/tenants/sho-b/registrations"},
	    {"GET", "/v1/tenants/sho-b/registrations/00000000000000000000000000000001"},
	    {"DELETE",
	     "/v1/tenants/sho-b/registrations/00000000000000000000000000000001"},
	    {"GET", "/v1/tenants/sho-b/audit"},
	};

	(void)state;
	new_tre(tre_b);
	register_one(TOKEN_B, "sho-b", tre_b, NULL, 201);
	audit_a = audit_count(0);
	audit_b = audit_count(1);

	/* Tenant A's token on tenant B's paths: 403 at the front, for every route. */
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *b =
		    strcmp(paths[i][0], "POST") == 0 ? "{\"ref\":\"x\"}" : NULL;
		jreq(paths[i][0], paths[i][1], b, TOKEN_A, &r);
		error_is(&r, 403, "DENIED");
		reply_free(&r);
	}
	request("POST", "/v1/tenants/sho-b/registrations:batch", "application/x-ndjson",
		"{}\n", 3, TOKEN_A, &r);
	error_is(&r, 403, "DENIED");
	reply_free(&r);
	/* No token, a wrong one: 401. */
	jreq("GET", "/v1/tenants/sho-b/registrations", NULL, NULL, &r);
	error_is(&r, 401, "DENIED");
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-b/registrations", NULL, "tok-nobody", &r);
	error_is(&r, 401, "DENIED");
	reply_free(&r);

	/* B's objects through A's own paths: the same 404 as for absent ones. */
	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/subscribers/%lld",
		 (long long)sub_b);
	jreq("GET", path, NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	assert_string_equal(jstr(r.json, "message"), "no such subscriber");
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/registrations/%s", tre_b);
	jreq("GET", path, NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	assert_string_equal(jstr(r.json, "message"), "no such registration");
	reply_free(&r);
	jreq("DELETE", path, NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	assert_string_equal(jstr(r.json, "message"), "no such registration");
	reply_free(&r);
	/* Linking to B's subscriber from A: unknown to A. */
	snprintf(body, sizeof(body), ",\"subscriber\":%lld", (long long)sub_b);
	{
		char t[33];
		new_tre(t);
		register_one(TOKEN_A, "sho-a", t, body, 404);
		register_one(TOKEN_A, "sho-a", t, ",\"subscription\":\"iso-b\"", 404);
	}
	/* A's lists do not show B's rows. */
	jreq("GET", "/v1/tenants/sho-a/registrations?limit=1000", NULL, TOKEN_A, &r);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, tre_b));
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-a/subscribers?limit=1000", NULL, TOKEN_A, &r);
	assert_null(strstr(r.body, "iso-b"));
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-a/audit?limit=1000", NULL, TOKEN_A, &r);
	assert_null(strstr(r.body, tre_b));
	reply_free(&r);

	/* Nothing changed on either side; B's registration is still active. */
	assert_int_equal(audit_count(0), audit_a);
	assert_int_equal(audit_count(1), audit_b);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/registrations/%s", tre_b);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(jstr(r.json, "state"), "registered");
	reply_free(&r);
}

/* ---- the batch ---- */

/* The report's line objects, keyed by input line number; the summary apart. */
struct report {
	json_t *lines[32];
	json_t *summary;
	size_t n;
};

static void parse_report(const struct reply *r, struct report *rep)
{
	const char *p = r->body;

	memset(rep, 0, sizeof(*rep));
	assert_non_null(strcasestr(r->headers, "Content-Type: application/x-ndjson"));
	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		json_t *o;
		assert_non_null(nl);
		o = json_loadb(p, (size_t)(nl - p), 0, NULL);
		assert_non_null(o);
		if (json_object_get(o, "summary") != NULL) {
			assert_null(rep->summary);
			rep->summary = o;
		} else {
			json_int_t line = jint(o, "line");
			assert_true(line > 0 && line < 32);
			assert_null(rep->lines[line]);
			rep->lines[line] = o;
			rep->n++;
		}
		p = nl + 1;
	}
	assert_non_null(rep->summary);
}

static void report_free(struct report *rep)
{
	for (size_t i = 0; i < 32; i++)
		json_decref(rep->lines[i]);
	json_decref(rep->summary);
}

static void line_is(const struct report *rep, int line, const char *result,
		    const char *tre)
{
	const json_t *o = rep->lines[line];

	if (o == NULL)
		fail_msg("no report for line %d", line);
	assert_string_equal(jstr(o, "result"), result);
	if (tre != NULL)
		assert_string_equal(jstr(o, "tre_id"), tre);
	else
		assert_true(json_is_null(json_object_get(o, "tre_id")));
	if (strcmp(result, "OK") != 0)
		assert_non_null(jstr(o, "message"));
	else
		assert_null(json_object_get(o, "message"));
}

static void test_batch(void **state)
{
	char t[8][33], old[33], body[4096], path[160], big[1200];
	struct reply r;
	struct report rep;
	int64_t sub = create_subscriber(TOKEN_A, "sho-a", "batch-acct");
	size_t before;
	json_t *audit;

	(void)state;
	new_tre(old);
	register_one(TOKEN_A, "sho-a", old, NULL, 201);
	for (int i = 0; i < 8; i++)
		new_tre(t[i]);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(
	    body, sizeof(body),
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\"}\n"			    /* 1 ok */
	    "{\"tre_id\":\"%s\",\"sho\":\"sho-a\",\"subscriber\":%lld}\r\n" /* 2 ok */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\"}\n"			    /* 3 in db */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\"}\n" /* 4 dup of 1 */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\"\n"  /* 5 bad JSON */
	    "\n"				      /* 6 skipped */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\",\"subscriber\":999999}\n"   /* 7 */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\",\"subscription\":\"no\"}\n" /* 8 */
	    "{\"tre_id\":\"%s\",\"sho\":\"00102\"}\n"		   /* 9 other */
	    "{\"tre_id\":\"12\",\"sho\":\"00101\"}\n"		   /* 10 */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\",\"x\":\"%s\"}\n" /* 11 long */
	    "{\"tre_id\":\"%s\",\"sho\":\"00101\",\"subscription\":\"batch-acct\"}",
	    t[0], t[1], (long long)sub, old, t[0], t[2], t[3], t[4], t[5], t[6], big,
	    t[7]); /* 12 ok, no final newline */
	before = audit_count(0);
	request("POST", "/v1/tenants/sho-a/registrations:batch", "application/x-ndjson",
		body, strlen(body), TOKEN_A, &r);
	assert_int_equal(r.status, 200);
	parse_report(&r, &rep);
	reply_free(&r);
	assert_int_equal(rep.n, 11);
	line_is(&rep, 1, "OK", t[0]);
	line_is(&rep, 2, "OK", t[1]);
	line_is(&rep, 3, "EXISTS", old);
	line_is(&rep, 4, "EXISTS", t[0]);
	line_is(&rep, 5, "PARSE", NULL);
	assert_null(rep.lines[6]);
	line_is(&rep, 7, "NOT_FOUND", t[3]);
	line_is(&rep, 8, "NOT_FOUND", t[4]);
	line_is(&rep, 9, "DENIED", t[5]);
	line_is(&rep, 10, "INVALID_ARG", NULL);
	line_is(&rep, 11, "TOO_LARGE", NULL);
	line_is(&rep, 12, "OK", t[7]);
	assert_int_equal(jint(json_object_get(rep.summary, "summary"), "lines"), 11);
	assert_int_equal(jint(json_object_get(rep.summary, "summary"), "registered"), 3);
	assert_int_equal(jint(json_object_get(rep.summary, "summary"), "refused"), 8);
	assert_null(json_object_get(rep.summary, "error"));
	report_free(&rep);

	/* The good ones are there, linked as asked; the refused ones are not. */
	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/registrations/%s", t[1]);
	jreq("GET", path, NULL, TOKEN_A, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(jint(r.json, "subscriber"), sub);
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/registrations/%s", t[7]);
	jreq("GET", path, NULL, TOKEN_A, &r);
	assert_int_equal(jint(r.json, "subscriber"), sub);
	reply_free(&r);
	for (int i = 3; i <= 5; i++) {
		fmt_path(path, sizeof(path), "/v1/tenants/sho-a/registrations/%s", t[i]);
		jreq("GET", path, NULL, TOKEN_A, &r);
		error_is(&r, 404, "NOT_FOUND");
		reply_free(&r);
	}
	/* One audit record for the chunk. */
	assert_int_equal(audit_count(0), before + 1);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-a/audit?since=%zu", before);
	jreq("GET", path, NULL, TOKEN_A, &r);
	audit = json_array_get(json_object_get(r.json, "items"), 0);
	assert_string_equal(jstr(audit, "event"), "REGISTERED_BATCH");
	assert_non_null(strstr(jstr(audit, "detail"), "3 registered"));
	reply_free(&r);

	/* An empty body: just the summary. */
	request("POST", "/v1/tenants/sho-a/registrations:batch", "application/x-ndjson",
		"", 0, TOKEN_A, &r);
	assert_int_equal(r.status, 200);
	parse_report(&r, &rep);
	assert_int_equal(rep.n, 0);
	report_free(&rep);
	reply_free(&r);
	/* Wrong media type, wrong role. */
	request("POST", "/v1/tenants/sho-a/registrations:batch", "application/json", "{}",
		2, TOKEN_A, &r);
	error_is(&r, 415, "UNSUPPORTED");
	reply_free(&r);
	request("POST", "/v1/tenants/ro/registrations:batch", "application/x-ndjson",
		"{}\n", 3, TOKEN_R, &r);
	error_is(&r, 403, "WRONG_ROLE");
	reply_free(&r);
	assert_int_equal(audit_count(0), before + 1);
	assert_int_equal(audit_count(2), 0);
}

/* An upload that sends some lines, then gives up. */
struct cut {
	int sent;
};

static size_t cut_read(char *buf, size_t size, size_t n, void *arg)
{
	struct cut *c = arg;
	static const char line[] =
	    "{\"tre_id\":\"00000000000000000000000000000abc\",\"sho\":"
	    "\"00101\"}\n";

	(void)size;
	(void)n;
	if (c->sent++ == 3)
		return CURL_READFUNC_ABORT;
	memcpy(buf, line, sizeof(line) - 1);
	return sizeof(line) - 1;
}

/* The client goes away mid-body: the server frees the request's state, writes no
 * part of an unfinished chunk, and goes on serving. */
static void test_batch_cut(void **state)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct cut cut = {0};
	struct reply r;
	char url[256];
	size_t before = audit_count(0);

	(void)state;
	assert_non_null(c);
	snprintf(url, sizeof(url), "%s/v1/tenants/sho-a/registrations:batch", base);
	h = curl_slist_append(h, "Content-Type: application/x-ndjson");
	h = curl_slist_append(h, "Transfer-Encoding: chunked");
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, "Authorization: Bearer " TOKEN_A);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, cut_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &cut);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	assert_int_equal(curl_easy_perform(c), CURLE_ABORTED_BY_CALLBACK);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	/* The server notices the closed connection on its own time. */
	usleep(200000);
	jreq("GET", "/v1/tenants/sho-a/registrations/00000000000000000000000000000abc",
	     NULL, TOKEN_A, &r);
	error_is(&r, 404, "NOT_FOUND");
	reply_free(&r);
	assert_int_equal(audit_count(0), before);
}

/* ---- audit ---- */

static void test_audit(void **state)
{
	struct reply r;
	json_t *items;
	size_t n;
	char path[128];

	(void)state;
	create_subscriber(TOKEN_B, "sho-b", "audit-me");
	jreq("GET", "/v1/tenants/sho-b/audit?limit=1000", NULL, TOKEN_B, &r);
	assert_int_equal(r.status, 200);
	items = json_object_get(r.json, "items");
	n = json_array_size(items);
	assert_true(n >= 1);
	assert_int_equal(n, audit_count(1));
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(items, i);
		assert_int_equal(jint(a, "seq"), (json_int_t)i + 1);
		assert_string_equal(jstr(a, "outcome"), "OK");
		assert_int_equal(strlen(jstr(a, "hash")), 64);
		assert_string_equal(jstr(a, "actor"), "api:sho-b");
	}
	assert_string_equal(jstr(json_array_get(items, n - 1), "event"),
			    "SUBSCRIBER_CREATED");
	assert_string_equal(jstr(json_array_get(items, n - 1), "subject"), "audit-me");
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/audit?since=%zu", n - 1);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 1);
	assert_true(json_is_null(json_object_get(r.json, "next")));
	reply_free(&r);
	fmt_path(path, sizeof(path), "/v1/tenants/sho-b/audit?since=%zu", n);
	jreq("GET", path, NULL, TOKEN_B, &r);
	assert_int_equal(json_array_size(json_object_get(r.json, "items")), 0);
	reply_free(&r);
	jreq("GET", "/v1/tenants/sho-b/audit?since=abc", NULL, TOKEN_B, &r);
	error_is(&r, 400, "INVALID_ARG");
	reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subscribers),
	    cmocka_unit_test(test_subscriber_list_paged),
	    cmocka_unit_test(test_register_one),
	    cmocka_unit_test(test_registration_list_and_delete),
	    cmocka_unit_test(test_isolation),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_batch_cut),
	    cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
