/*
 * The HTTP front (src/net/http.c) end to end: a server on 127.0.0.1, port 0, started
 * inside the test, and real requests through libcurl. Routing with parameters and
 * literal precedence, 404/405, body limits (413 from Content-Length, with
 * Expect: 100-continue, and mid-stream for chunked uploads), content types (415),
 * JSON parsing (400), typed errors in JSON and CBOR, bearer authentication
 * (401/403) and tenant isolation, /metrics checked line by line against the text
 * exposition format, /healthz, request ids, graceful stop with a request in flight,
 * and a log that never holds a token or a body (T-05, R-MCIM-C02).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <regex.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "mcim/cbor.h"
#include "mcim/crypto.h"
#include "net/http.h"
#include "net/log.h"

#define TOKEN_A	 "tok-A-3c1f0e0a9d"
#define TOKEN_A2 "tok-A-rotated-77"
#define TOKEN_B	 "tok-B-52e6b1d4aa"

static struct net_config cfg;
static struct net_tenant tenants[2];
static struct net_server *srv;
static char base[64];
static FILE *log_file;
static int healthy = 1;

struct reply {
	long status;
	char *body;
	size_t len;
	char headers[4096];
	size_t hlen;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	char *b = realloc(r->body, r->len + size * n + 1);

	if (b == NULL)
		return 0;
	memcpy(b + r->len, p, size * n);
	r->body = b;
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;

	if (len < sizeof(r->headers) - r->hlen) {
		memcpy(r->headers + r->hlen, p, len);
		r->hlen += len;
		r->headers[r->hlen] = '\0';
	}
	return len;
}

/* A chunked upload of n octets (no Content-Length). */
struct upload {
	size_t left;
};

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t len = size * n < u->left ? size * n : u->left;

	if (len > 1000)
		len = 1000;
	memset(p, 'x', len);
	u->left -= len;
	return len;
}

/*
 * One request. body NULL: none; token NULL: no Authorization; hdr: one extra header
 * or NULL; chunked > 0: a chunked upload of that many octets instead of body.
 */
static void req_full(const char *method, const char *path, const char *ctype,
		     const void *body, size_t len, const char *token, const char *hdr,
		     size_t chunked, struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[512], line[256];
	struct upload up = {chunked};

	assert_non_null(c);
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (ctype != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		h = curl_slist_append(h, line);
	}
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
	}
	if (hdr != NULL)
		h = curl_slist_append(h, hdr);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (chunked > 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
		h = curl_slist_append(h, "Expect:");
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(c);
	/* A server that answers early may close before the upload is through. */
	if (rc != CURLE_OK && rc != CURLE_SEND_ERROR && rc != CURLE_GOT_NOTHING &&
	    rc != CURLE_RECV_ERROR)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void req(const char *method, const char *path, const char *ctype, const char *body,
		const char *token, struct reply *r)
{
	req_full(method, path, ctype, body, body != NULL ? strlen(body) : 0, token, NULL,
		 0, r);
}

static void reply_free(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* The value of response header name (case-insensitive), copied into out; 0 if none. */
static int header(const struct reply *r, const char *name, char *out, size_t cap)
{
	const char *p = r->headers;
	size_t n = strlen(name);

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			size_t len = strcspn(v, "\r\n");
			if (len >= cap)
				len = cap - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Parses a JSON error body and checks its two fields. */
static void json_error_is(const struct reply *r, const char *name, const char *message)
{
	json_error_t jerr;
	json_t *doc = json_loadb(r->body, r->len, 0, &jerr);
	char ct[64];

	assert_non_null(doc);
	assert_true(header(r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/json");
	assert_int_equal(json_object_size(doc), 2);
	assert_string_equal(json_string_value(json_object_get(doc, "error")), name);
	if (message != NULL)
		assert_string_equal(json_string_value(json_object_get(doc, "message")),
				    message);
	json_decref(doc);
}

/* Reads a CBOR text string into out. */
static void cbor_tstr(struct mcim_cbor_reader *rd, char *out, size_t cap)
{
	const char *s;
	size_t len;

	assert_int_equal(mcim_cbor_read_tstr(rd, &s, &len), MCIM_OK);
	assert_true(len < cap);
	memcpy(out, s, len);
	out[len] = '\0';
}

static void cbor_error_is(const struct reply *r, const char *name, const char *message)
{
	struct mcim_cbor_reader rd;
	char k[16], v[256], ct[64];
	size_t pairs;

	assert_true(header(r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "application/cbor");
	mcim_cbor_reader_init(&rd, (const uint8_t *)r->body, r->len);
	assert_int_equal(mcim_cbor_read_map(&rd, &pairs), MCIM_OK);
	assert_int_equal(pairs, 2);
	cbor_tstr(&rd, k, sizeof(k));
	assert_string_equal(k, "error");
	cbor_tstr(&rd, v, sizeof(v));
	assert_string_equal(v, name);
	cbor_tstr(&rd, k, sizeof(k));
	assert_string_equal(k, "message");
	cbor_tstr(&rd, v, sizeof(v));
	assert_string_equal(v, message);
	assert_int_equal(rd.off, rd.len);
}

/* ---- the routes under test ---- */

static mcim_err h_echo(const struct net_request *rq, struct net_response *resp, void *arg)
{
	const char *q = net_req_query(rq, "q");
	const char *x = net_req_header(rq, "X-Test");
	json_t *doc =
	    json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s?,s:i}", "route", (const char *)arg, "a",
		      net_req_param(rq, "a"), "b", net_req_param(rq, "b"), "path",
		      rq->path, "q", q, "x", x, "n", (json_int_t)rq->n_params);
	mcim_err err;

	assert_null(net_req_param(rq, "c"));
	assert_null(rq->tenant);
	err = net_resp_json(resp, 200, doc);
	json_decref(doc);
	return err;
}

static mcim_err h_item(const struct net_request *rq, struct net_response *resp, void *arg)
{
	char text[128];

	snprintf(text, sizeof(text), "%s:%s", (const char *)arg,
		 rq->n_params > 0 ? net_req_param(rq, "id") : "-");
	return net_resp_text(resp, 200, text);
}

/* Device message: echoes the CBOR body. */
static mcim_err h_dev(const struct net_request *rq, struct net_response *resp, void *arg)
{
	(void)arg;
	assert_int_equal(rq->api, NET_API_DEVICE);
	assert_null(rq->json);
	return net_resp_cbor(resp, 200, rq->body, rq->body_len);
}

static mcim_err h_dev_fail(const struct net_request *rq, struct net_response *resp,
			   void *arg)
{
	(void)rq;
	(void)resp;
	return (mcim_err)(intptr_t)arg;
}

/* Operator: who am I, and what did I send. */
static mcim_err h_op(const struct net_request *rq, struct net_response *resp, void *arg)
{
	json_t *doc;
	mcim_err err;

	(void)arg;
	assert_non_null(rq->tenant);
	if (net_req_param(rq, "tenant") != NULL)
		assert_string_equal(net_req_param(rq, "tenant"), rq->tenant->name);
	doc = json_pack("{s:s,s:i}", "tenant", rq->tenant->name, "keys",
			(json_int_t)(rq->json != NULL ? json_object_size(rq->json) : 0));
	err = net_resp_json(resp, 201, doc);
	json_decref(doc);
	return err;
}

static mcim_err h_custom(const struct net_request *rq, struct net_response *resp,
			 void *arg)
{
	(void)arg;
	(void)rq;
	assert_int_equal(net_resp_header(resp, "X-Custom", "yes"), MCIM_OK);
	assert_int_equal(net_resp_header(resp, "Bad:Name", "v"), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_resp_header(resp, "X-Bad", "a\nb"), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_resp_header(resp, "X-2", "2"), MCIM_OK);
	assert_int_equal(net_resp_header(resp, "X-3", "3"), MCIM_OK);
	assert_int_equal(net_resp_header(resp, "X-4", "4"), MCIM_OK);
	assert_int_equal(net_resp_header(resp, "X-5", "5"), MCIM_ERR_FULL);
	assert_int_equal(net_resp_error(resp, MCIM_OK, NULL), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_resp_body(resp, 600, "text/plain", "x", 1),
			 MCIM_ERR_INVALID_ARG);
	return net_resp_error(resp, MCIM_ERR_NOT_FOUND, "device %d is not registered",
			      42);
}

static mcim_err h_noresp(const struct net_request *rq, struct net_response *resp,
			 void *arg)
{
	(void)rq;
	(void)resp;
	(void)arg;
	return MCIM_OK;
}

static mcim_err h_slow(const struct net_request *rq, struct net_response *resp, void *arg)
{
	struct timespec ts = {0, 400 * 1000000L};

	(void)rq;
	(void)arg;
	nanosleep(&ts, NULL);
	return net_resp_text(resp, 200, "slow\n");
}

static mcim_err health(void *arg)
{
	(void)arg;
	return healthy ? MCIM_OK : MCIM_ERR_IO;
}

static const struct net_route routes[] = {
    {"GET", "/v1/echo/{a}/x/{b}", NET_API_OPS, 0, 0, h_echo, "echo"},
    {"GET", "/v1/items/{id}", NET_API_OPS, 0, 0, h_item, "param"},
    {"GET", "/v1/items/special", NET_API_OPS, 0, 0, h_item, "literal"},
    {"GET", "/", NET_API_OPS, 0, 0, h_item, "root"},
    {"POST", "/v1/dev/msg", NET_API_DEVICE, 1, 0, h_dev, NULL},
    {"POST", "/v1/dev/small", NET_API_DEVICE, 1, 16, h_dev, NULL},
    {"GET", "/v1/dev/replay", NET_API_DEVICE, 0, 0, h_dev_fail,
     (void *)(intptr_t)MCIM_ERR_REPLAY},
    {"GET", "/v1/dev/forged", NET_API_DEVICE, 0, 0, h_dev_fail,
     (void *)(intptr_t)MCIM_ERR_BAD_SIGNATURE},
    {"GET", "/v1/dev/broken", NET_API_DEVICE, 0, 0, h_dev_fail,
     (void *)(intptr_t)MCIM_ERR_IO},
    {"POST", "/v1/tenants/{tenant}/things", NET_API_OPERATOR, 1, 0, h_op, NULL},
    {"GET", "/v1/tenants/{tenant}/things", NET_API_OPERATOR, 0, 0, h_op, NULL},
    {"GET", "/v1/whoami", NET_API_OPERATOR, 0, 0, h_op, NULL},
    {"GET", "/v1/custom", NET_API_OPS, 0, 0, h_custom, NULL},
    {"GET", "/v1/noresp", NET_API_OPS, 0, 0, h_noresp, NULL},
    {"GET", "/v1/slow", NET_API_OPS, 0, 0, h_slow, NULL},
};

static void set_token(struct net_tenant *t, size_t i, const char *token)
{
	assert_int_equal(mcim_sha256(token, strlen(token), t->token_sha256[i]), MCIM_OK);
	t->n_tokens = i + 1;
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	log_file = tmpfile();
	if (log_file == NULL)
		return -1;
	net_log_set_stream(log_file);
	net_log_set_level(NET_LOG_DEBUG);
	net_config_defaults(&cfg, "");
	cfg.limits.max_body_bytes = 64 * 1024;
	cfg.limits.threads = 2;
	cfg.limits.shutdown_grace_s = 5;
	strcpy(tenants[0].name, "sho-a");
	tenants[0].kind = NET_TENANT_SHO;
	strcpy(tenants[0].plmn, "00101");
	set_token(&tenants[0], 0, TOKEN_A);
	set_token(&tenants[0], 1, TOKEN_A2);
	strcpy(tenants[1].name, "sho-b");
	tenants[1].kind = NET_TENANT_SHO;
	strcpy(tenants[1].plmn, "00102");
	set_token(&tenants[1], 0, TOKEN_B);
	cfg.tenants = tenants;
	cfg.n_tenants = 2;
	srv = net_server_new(&cfg, health, NULL);
	if (srv == NULL ||
	    net_server_add_routes(srv, routes, sizeof(routes) / sizeof(routes[0])) !=
		MCIM_OK)
		return -1;
	if (net_server_port(srv) != 0 || net_server_start(srv) != MCIM_OK)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 (unsigned)net_server_port(srv));
	return net_server_port(srv) != 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	net_server_free(srv);
	net_log_set_stream(NULL);
	fclose(log_file);
	curl_global_cleanup();
	return 0;
}

/* ---- tests ---- */

static void routing_and_params(void **state)
{
	struct reply r;
	char v[64];
	json_t *doc;

	(void)state;
	req_full("GET", "/v1/echo/one/x/t%C3%A9%20st?q=a%26b", NULL, NULL, 0, NULL,
		 "X-Test: hello", 0, &r);
	assert_int_equal(r.status, 200);
	doc = json_loadb(r.body, r.len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "route")), "echo");
	assert_string_equal(json_string_value(json_object_get(doc, "a")), "one");
	assert_string_equal(json_string_value(json_object_get(doc, "b")), "t\xc3\xa9 st");
	assert_string_equal(json_string_value(json_object_get(doc, "path")),
			    "/v1/echo/one/x/t\xc3\xa9 st");
	assert_string_equal(json_string_value(json_object_get(doc, "q")), "a&b");
	assert_string_equal(json_string_value(json_object_get(doc, "x")), "hello");
	assert_int_equal(json_integer_value(json_object_get(doc, "n")), 2);
	json_decref(doc);
	assert_true(header(&r, "X-Request-Id", v, sizeof(v)));
	assert_int_equal(strlen(v), NET_REQ_ID_LEN);
	assert_true(header(&r, "Cache-Control", v, sizeof(v)));
	assert_string_equal(v, "no-store");
	assert_true(header(&r, "X-Content-Type-Options", v, sizeof(v)));
	assert_string_equal(v, "nosniff");
	reply_free(&r);

	/* A literal segment beats a parameter, whatever the order of registration. */
	req("GET", "/v1/items/special", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "literal:-");
	reply_free(&r);
	req("GET", "/v1/items/other", NULL, NULL, NULL, &r);
	assert_string_equal(r.body, "param:other");
	reply_free(&r);
	req("GET", "/", NULL, NULL, NULL, &r);
	assert_string_equal(r.body, "root:-");
	reply_free(&r);
}

static void not_found_and_method(void **state)
{
	static const char *const missing[] = {
	    "/v1/items",      "/v1/items/", "/v1/items//", "/v1/items/a/b",
	    "/v1/echo/a/y/b", "/nothing",   "/v1//items/a"};
	struct reply r;
	char v[64];

	(void)state;
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		req("GET", missing[i], NULL, NULL, NULL, &r);
		if (r.status != 404)
			fail_msg("%s: %ld", missing[i], r.status);
		json_error_is(&r, "NOT_FOUND", "no such resource");
		reply_free(&r);
	}
	/* A device asking with CBOR gets its error in CBOR. */
	req("POST", "/v1/dev/nothing", "application/cbor", "\xa0", NULL, &r);
	assert_int_equal(r.status, 404);
	cbor_error_is(&r, "NOT_FOUND", "no such resource");
	reply_free(&r);

	req("POST", "/healthz", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 405);
	assert_true(header(&r, "Allow", v, sizeof(v)));
	assert_string_equal(v, "GET");
	json_error_is(&r, "UNSUPPORTED", "method not allowed on this path");
	reply_free(&r);
	req("DELETE", "/v1/tenants/sho-a/things", NULL, NULL, TOKEN_A, &r);
	assert_int_equal(r.status, 405);
	assert_true(header(&r, "Allow", v, sizeof(v)));
	assert_string_equal(v, "POST, GET");
	reply_free(&r);
	req("BREW", "/v1/dev/msg", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 405);
	reply_free(&r);
}

static void body_limits(void **state)
{
	static char big[70 * 1024];
	struct reply r;

	(void)state;
	memset(big, 'x', sizeof(big));
	req_full("POST", "/v1/dev/small", "application/cbor", big, 16, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 16);
	reply_free(&r);
	req_full("POST", "/v1/dev/small", "application/cbor", big, 17, NULL, NULL, 0, &r);
	assert_int_equal(r.status, 413);
	cbor_error_is(&r, "TOO_LARGE", "request body too large");
	reply_free(&r);
	/* Over the config's limit: refused from the Content-Length, with and without
	 * Expect: 100-continue (then the body is never sent). */
	req_full("POST", "/v1/dev/msg", "application/cbor", big, 64 * 1024, NULL, NULL, 0,
		 &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 64 * 1024);
	reply_free(&r);
	req_full("POST", "/v1/dev/msg", "application/cbor", big, sizeof(big), NULL, NULL,
		 0, &r);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	req_full("POST", "/v1/dev/msg", "application/cbor", big, sizeof(big), NULL,
		 "Expect:", 0, &r);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	/* Chunked, no length given: refused once the data passes the limit. */
	req_full("POST", "/v1/dev/small", "application/cbor", NULL, 0, NULL, NULL, 5000,
		 &r);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	/* Past the drain allowance the connection is cut: no answer at all. */
	req_full("POST", "/v1/dev/small", "application/cbor", NULL, 0, NULL, NULL,
		 NET_DRAIN_MAX + 100000, &r);
	assert_int_equal(r.status, 0);
	reply_free(&r);
	req_full("POST", "/v1/dev/small", "application/cbor", NULL, 0, NULL, NULL, 10,
		 &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 10);
	reply_free(&r);
	/* A route without a body refuses one, by length or chunked. */
	req("GET", "/healthz", "text/plain", "x", NULL, &r);
	assert_int_equal(r.status, 413);
	json_error_is(&r, "TOO_LARGE", "this resource takes no request body");
	reply_free(&r);
	req_full("GET", "/healthz", NULL, NULL, 0, NULL, NULL, 3, &r);
	assert_int_equal(r.status, 413);
	reply_free(&r);
}

static void content_types(void **state)
{
	struct reply r;

	(void)state;
	req("POST", "/v1/dev/msg", "application/json", "{}", NULL, &r);
	assert_int_equal(r.status, 415);
	cbor_error_is(&r, "UNSUPPORTED", "the body must be application/cbor");
	reply_free(&r);
	req("POST", "/v1/dev/msg", NULL, "\xa0", NULL, &r);
	assert_int_equal(r.status, 415);
	reply_free(&r);
	req("POST", "/v1/dev/msg", "application/cbor-seq", "\xa0", NULL, &r);
	assert_int_equal(r.status, 415);
	reply_free(&r);
	req("POST", "/v1/dev/msg", "Application/CBOR ; foo=bar", "\xa0", NULL, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	req("POST", "/v1/tenants/sho-a/things", "application/cbor", "\xa0", TOKEN_A, &r);
	assert_int_equal(r.status, 415);
	json_error_is(&r, "UNSUPPORTED", "the body must be application/json");
	reply_free(&r);
	req("POST", "/v1/tenants/sho-a/things", "application/json; charset=utf-8",
	    "{\"a\":1,\"b\":2}", TOKEN_A, &r);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	req("POST", "/v1/tenants/sho-a/things", "application/json", "{\"a\":1,", TOKEN_A,
	    &r);
	assert_int_equal(r.status, 400);
	json_error_is(&r, "PARSE", "body: not valid JSON at line 1, column 7");
	reply_free(&r);
	req("POST", "/v1/tenants/sho-a/things", "application/json", "{\"a\":1,\"a\":2}",
	    TOKEN_A, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);
}

static void typed_errors(void **state)
{
	struct reply r;
	char v[64];

	(void)state;
	req("GET", "/v1/dev/replay", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 409);
	cbor_error_is(&r, "REPLAY", "replayed or already used");
	reply_free(&r);
	req("GET", "/v1/dev/forged", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 422);
	cbor_error_is(&r, "BAD_SIGNATURE", "signature does not verify");
	reply_free(&r);
	req("GET", "/v1/dev/broken", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 500);
	cbor_error_is(&r, "IO", "input/output error");
	reply_free(&r);
	req("GET", "/v1/custom", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	json_error_is(&r, "NOT_FOUND", "device 42 is not registered");
	assert_true(header(&r, "X-Custom", v, sizeof(v)));
	assert_string_equal(v, "yes");
	assert_true(header(&r, "X-4", v, sizeof(v)));
	reply_free(&r);
	req("GET", "/v1/noresp", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 500);
	json_error_is(&r, "INTERNAL", "internal error");
	reply_free(&r);
}

/* The documented table (docs/mcimd.md), value by value. */
static void status_table(void **state)
{
	static const struct {
		mcim_err err;
		unsigned status;
	} table[] = {
	    {MCIM_OK, 200},
	    {MCIM_ERR_INVALID_ARG, 400},
	    {MCIM_ERR_PARSE, 400},
	    {MCIM_ERR_TRUNCATED, 400},
	    {MCIM_ERR_TOO_LARGE, 413},
	    {MCIM_ERR_BUFFER_TOO_SMALL, 500},
	    {MCIM_ERR_UNSUPPORTED, 400},
	    {MCIM_ERR_CRYPTO, 500},
	    {MCIM_ERR_RANDOM, 500},
	    {MCIM_ERR_NOMEM, 500},
	    {MCIM_ERR_IO, 500},
	    {MCIM_ERR_MAC_FAILURE, 422},
	    {MCIM_ERR_SYNC_FAILURE, 409},
	    {MCIM_ERR_SQN_EXHAUSTED, 409},
	    {MCIM_ERR_AMF, 400},
	    {MCIM_ERR_BAD_SIGNATURE, 422},
	    {MCIM_ERR_BAD_CERT, 422},
	    {MCIM_ERR_WRONG_ROLE, 403},
	    {MCIM_ERR_EXPIRED, 410},
	    {MCIM_ERR_REPLAY, 409},
	    {MCIM_ERR_NOT_FOUND, 404},
	    {MCIM_ERR_EXISTS, 409},
	    {MCIM_ERR_STATE, 409},
	    {MCIM_ERR_DENIED, 403},
	    {MCIM_ERR_LOCKED, 423},
	    {MCIM_ERR_TAMPERED, 422},
	    {MCIM_ERR_ROLLBACK, 422},
	    {MCIM_ERR_FOREIGN_STORE, 422},
	    {MCIM_ERR_BAD_BOOT, 422},
	    {MCIM_ERR_DECRYPT, 422},
	    {MCIM_ERR_POLICY, 403},
	    {MCIM_ERR_FULL, 507},
	    {MCIM_ERR_INTERNAL, 500},
	};

	(void)state;
	assert_int_equal(sizeof(table) / sizeof(table[0]), MCIM_ERR_COUNT_);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (net_err_status(table[i].err) != table[i].status)
			fail_msg("%s: %u, expected %u", mcim_err_name(table[i].err),
				 net_err_status(table[i].err), table[i].status);
}

static void auth(void **state)
{
	static const char *const bad_auth[] = {
	    NULL,
	    "Authorization: Basic c2hvLWE6eA==",
	    "Authorization: Bearer",
	    "Authorization: Bearer ",
	    "Authorization: Bearer tok-A-3c1f0e0a9d x",
	    "Authorization: Bearer tok-A-3c1f0e0a9",
	    "Authorization: Bearer tok-A-3c1f0e0a9dd",
	    "Authorization: Bearer tok-A-3c1f0e0a9d\"",
	};
	struct reply r;
	char v[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_auth) / sizeof(bad_auth[0]); i++) {
		req_full("GET", "/v1/tenants/sho-a/things", NULL, NULL, 0, NULL,
			 bad_auth[i], 0, &r);
		if (r.status != 401)
			fail_msg("%s: %ld", bad_auth[i] ? bad_auth[i] : "(none)",
				 r.status);
		json_error_is(&r, "DENIED", "a valid bearer token is required");
		assert_true(header(&r, "WWW-Authenticate", v, sizeof(v)));
		assert_string_equal(v, "Bearer realm=\"mcimd\"");
		reply_free(&r);
	}
	/* A token longer than any accepted is refused before hashing. */
	char longtok[NET_TOKEN_MAX + 40];
	snprintf(longtok, sizeof(longtok), "Authorization: Bearer %0*d",
		 NET_TOKEN_MAX + 1, 0);
	req_full("GET", "/v1/whoami", NULL, NULL, 0, NULL, longtok, 0, &r);
	assert_int_equal(r.status, 401);
	reply_free(&r);
	/* The scheme is case-insensitive; both of a tenant's tokens work. */
	req_full("GET", "/v1/whoami", NULL, NULL, 0, NULL,
		 "Authorization: bearer " TOKEN_A2, 0, &r);
	assert_int_equal(r.status, 201);
	reply_free(&r);
	/* Authentication comes before the body checks: no 415 or 413 to strangers. */
	req("POST", "/v1/tenants/sho-a/things", "text/plain", "x", NULL, &r);
	assert_int_equal(r.status, 401);
	reply_free(&r);
}

/* Each token reaches its own tenant only, whatever the URL says. */
static void tenant_isolation(void **state)
{
	static const struct {
		const char *token, *path;
		long status;
		const char *tenant;
	} cases[] = {
	    {TOKEN_A, "/v1/tenants/sho-a/things", 201, "sho-a"},
	    {TOKEN_A2, "/v1/tenants/sho-a/things", 201, "sho-a"},
	    {TOKEN_B, "/v1/tenants/sho-b/things", 201, "sho-b"},
	    {TOKEN_A, "/v1/tenants/sho-b/things", 403, NULL},
	    {TOKEN_B, "/v1/tenants/sho-a/things", 403, NULL},
	    {TOKEN_A, "/v1/tenants/nobody/things", 403, NULL},
	    {TOKEN_A, "/v1/tenants/SHO-A/things", 403, NULL},
	    {TOKEN_A, "/v1/whoami", 201, "sho-a"},
	    {TOKEN_B, "/v1/whoami", 201, "sho-b"},
	};
	struct reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req("GET", cases[i].path, NULL, NULL, cases[i].token, &r);
		if (r.status != cases[i].status)
			fail_msg("case %zu: %ld", i, r.status);
		if (cases[i].tenant != NULL) {
			json_t *doc = json_loadb(r.body, r.len, 0, NULL);
			assert_non_null(doc);
			assert_string_equal(
			    json_string_value(json_object_get(doc, "tenant")),
			    cases[i].tenant);
			json_decref(doc);
		} else {
			json_error_is(&r, "DENIED",
				      "this token does not give access to that tenant");
		}
		reply_free(&r);
	}
	/* Another tenant's POST is refused before its body is read or parsed. */
	req("POST", "/v1/tenants/sho-b/things", "application/json", "{not json", TOKEN_A,
	    &r);
	assert_int_equal(r.status, 403);
	reply_free(&r);
}

static void healthz(void **state)
{
	struct reply r;
	char v[64];

	(void)state;
	req("GET", "/healthz", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok\n");
	assert_true(header(&r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/plain; charset=utf-8");
	reply_free(&r);
	healthy = 0;
	req("GET", "/healthz", NULL, NULL, NULL, &r);
	healthy = 1;
	assert_int_equal(r.status, 503);
	assert_string_equal(r.body, "unavailable\n");
	reply_free(&r);
}

/* A sample line: name{labels} value, labels as name="value" with escapes. */
static const char sample_re[] =
    "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\""
    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\")*)?\\})? "
    "(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|\\+Inf|-Inf|NaN)$";

/* The value of the sample whose line starts with prefix; -1 when absent. */
static double sample(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

static void metrics_format(void **state)
{
	struct reply r;
	regex_t re;
	char typed[16][80], ct[64];
	size_t n_typed = 0;

	(void)state;
	req("GET", "/healthz", NULL, NULL, NULL, &r);
	reply_free(&r);
	req("GET", "/nowhere", NULL, NULL, NULL, &r);
	reply_free(&r);
	req("GET", "/metrics", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(header(&r, "Content-Type", ct, sizeof(ct)));
	assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
	assert_int_equal(regcomp(&re, sample_re, REG_EXTENDED | REG_NOSUB), 0);
	assert_true(r.len > 0 && r.body[r.len - 1] == '\n');

	/* Line by line: HELP, then TYPE, then samples of that family only. */
	char *save = NULL, *text = strdup(r.body);
	const char *family = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[80], type[16];
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(line, "# HELP %79s", name), 1);
			assert_true(strlen(line) > 8 + strlen(name));
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(line, "# TYPE %79s %15s", name, type), 2);
			assert_true(strcmp(type, "counter") == 0 ||
				    strcmp(type, "gauge") == 0 ||
				    strcmp(type, "histogram") == 0);
			for (size_t i = 0; i < n_typed; i++)
				assert_string_not_equal(typed[i], name);
			assert_true(n_typed < 16);
			strcpy(typed[n_typed++], name);
			family = typed[n_typed - 1];
			continue;
		}
		if (regexec(&re, line, 0, NULL, 0) != 0)
			fail_msg("not a sample line: %s", line);
		assert_non_null(family);
		size_t fl = strlen(family);
		assert_memory_equal(line, family, fl);
		const char *rest = line + fl;
		assert_true(rest[0] == '{' || rest[0] == ' ' ||
			    strncmp(rest, "_bucket{", 8) == 0 ||
			    strncmp(rest, "_sum{", 5) == 0 ||
			    strncmp(rest, "_count{", 7) == 0);
	}
	free(text);
	regfree(&re);

	assert_true(sample(r.body, "mcimd_http_requests_total{method=\"GET\","
				   "route=\"/healthz\",status=\"200\"}") >= 1);
	assert_true(sample(r.body, "mcimd_http_requests_total{method=\"GET\","
				   "route=\"unmatched\",status=\"404\"}") >= 1);
	assert_true(sample(r.body,
			   "mcimd_http_requests_total{method=\"GET\","
			   "route=\"/v1/tenants/{tenant}/things\",status=\"403\"}") >= 1);
	/* The request being answered is in flight. */
	assert_true(sample(r.body, "mcimd_http_requests_in_flight") >= 1);
	/* Cumulative buckets end at the count. */
	double last = 0,
	       count = sample(r.body, "mcimd_http_request_duration_seconds_count{"
				      "method=\"GET\",route=\"/healthz\"}");
	static const char *const les[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
					  "0.025",  "0.05",  "0.1",    "0.25",	"0.5",
					  "1",	    "2.5",   "5",      "10",	"+Inf"};
	for (size_t i = 0; i < sizeof(les) / sizeof(les[0]); i++) {
		char pfx[160];
		snprintf(pfx, sizeof(pfx),
			 "mcimd_http_request_duration_seconds_bucket{method=\"GET\","
			 "route=\"/healthz\",le=\"%s\"}",
			 les[i]);
		double b = sample(r.body, pfx);
		assert_true(b >= last);
		last = b;
	}
	assert_true(count >= 2);
	assert_true(last == count);
	/* No tenant name or client-sent path in the exposition. */
	assert_null(strstr(r.body, "sho-a"));
	assert_null(strstr(r.body, "/nowhere"));
	reply_free(&r);
}

/* The whole log so far, read under the stream's lock (server threads write it). */
static char *read_log(void)
{
	char *text;
	long size;

	flockfile(log_file);
	fflush(log_file);
	size = ftell(log_file);
	assert_true(size >= 0);
	text = malloc((size_t)size + 1);
	assert_non_null(text);
	rewind(log_file);
	assert_int_equal(fread(text, 1, (size_t)size, log_file), (size_t)size);
	text[size] = '\0';
	fseek(log_file, 0, SEEK_END);
	funlockfile(log_file);
	return text;
}

/* Request ids differ from request to request and name the log records. */
static void request_ids_and_log(void **state)
{
	struct reply r1, r2;
	char id1[32], id2[32];
	char *logtext;

	(void)state;
	req("POST", "/v1/tenants/sho-a/things", "application/json",
	    "{\"secret\":\"BODY-SECRET-9f3\"}", TOKEN_A, &r1);
	req("GET", "/v1/items/x%0Aforged%20line?k=QUERY-SECRET", NULL, NULL, NULL, &r2);
	assert_true(header(&r1, "X-Request-Id", id1, sizeof(id1)));
	assert_true(header(&r2, "X-Request-Id", id2, sizeof(id2)));
	assert_string_not_equal(id1, id2);
	assert_memory_equal(id1, id2, 8); /* same process prefix */
	reply_free(&r1);
	reply_free(&r2);

	/* The access record is written when the response is through: wait for it. */
	char want1[128], want2[128];
	snprintf(want1, sizeof(want1), "[%s] POST /v1/tenants/sho-a/things 201 ", id1);
	snprintf(want2, sizeof(want2), "[%s] GET /v1/items/x\\x0aforged line 200 ", id2);
	for (int tries = 0;; tries++) {
		logtext = read_log();
		if (strstr(logtext, want1) != NULL && strstr(logtext, want2) != NULL)
			break;
		free(logtext);
		assert_true(tries < 500);
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
	}
	assert_non_null(strstr(logtext, " tenant=sho-a"));
	assert_null(strstr(logtext, "\nforged"));
	/* T-05: no token, body or query string in the log. */
	assert_null(strstr(logtext, TOKEN_A));
	assert_null(strstr(logtext, TOKEN_A2));
	assert_null(strstr(logtext, TOKEN_B));
	assert_null(strstr(logtext, "BODY-SECRET"));
	assert_null(strstr(logtext, "QUERY-SECRET"));
	free(logtext);
}

static void registration_errors(void **state)
{
	struct net_server *s = net_server_new(&cfg, NULL, NULL);
	static const char *const bad_patterns[] = {
	    "",
	    "v1",
	    "/v1/",
	    "/v1//a",
	    "/{Bad}",
	    "/{a}/{a}",
	    "/a b",
	    "/{}",
	    "/{a",
	    "/a}",
	    "/x{a}",
	    "/%41",
	    "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q",
	    "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
	};

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < sizeof(bad_patterns) / sizeof(bad_patterns[0]); i++) {
		struct net_route rt = {"GET", bad_patterns[i], NET_API_OPS, 0,
				       0,     h_item,	       NULL};
		if (net_server_add_routes(s, &rt, 1) != MCIM_ERR_INVALID_ARG)
			fail_msg("pattern \"%s\" accepted", bad_patterns[i]);
	}
	struct net_route bad[] = {
	    {"FETCH", "/a", NET_API_OPS, 0, 0, h_item, NULL},
	    {"GET", "/a", NET_API_OPS, 0, 0, NULL, NULL},
	    {"GET", "/a", (enum net_api)9, 0, 0, h_item, NULL},
	    {"GET", "/a", NET_API_OPS, 0, 10, h_item, NULL},
	    {"POST", "/a", NET_API_DEVICE, 1, NET_BODY_LIMIT_MAX + 1, h_dev, NULL},
	    {NULL, "/a", NET_API_OPS, 0, 0, h_item, NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(net_server_add_routes(s, &bad[i], 1),
				 MCIM_ERR_INVALID_ARG);
	/* Same method and shape twice, in one table or across two. */
	struct net_route dup[] = {
	    {"GET", "/x/{a}/y", NET_API_OPS, 0, 0, h_item, NULL},
	    {"GET", "/x/{b}/y", NET_API_OPS, 0, 0, h_item, NULL},
	};
	assert_int_equal(net_server_add_routes(s, dup, 2), MCIM_ERR_EXISTS);
	assert_int_equal(net_server_add_routes(s, dup, 1), MCIM_OK);
	assert_int_equal(net_server_add_routes(s, dup + 1, 1), MCIM_ERR_EXISTS);
	struct net_route builtin = {"GET", "/metrics", NET_API_OPS, 0, 0, h_item, NULL};
	assert_int_equal(net_server_add_routes(s, &builtin, 1), MCIM_ERR_EXISTS);
	/* The same path with another method is another route. */
	dup[1].method = "PUT";
	assert_int_equal(net_server_add_routes(s, dup + 1, 1), MCIM_OK);
	/* More routes than the metrics can label. */
	struct net_route many[NET_METRICS_ROUTES_MAX];
	for (size_t i = 0; i < NET_METRICS_ROUTES_MAX; i++)
		many[i] =
		    (struct net_route){"GET", "/m", NET_API_OPS, 0, 0, h_item, NULL};
	assert_int_equal(net_server_add_routes(s, many, NET_METRICS_ROUTES_MAX),
			 MCIM_ERR_FULL);
	/* Nothing to stop before a start; no routes once started. */
	net_server_stop(s);
	assert_int_equal(net_server_start(s), MCIM_OK);
	assert_int_equal(net_server_start(s), MCIM_ERR_STATE);
	assert_int_equal(net_server_add_routes(s, &builtin, 1), MCIM_ERR_STATE);
	net_server_free(s);
	net_server_free(NULL);
}

static void listen_errors(void **state)
{
	struct net_config c2 = cfg;
	struct net_server *s;

	(void)state;
	/* The port the fixture server holds. */
	c2.port = net_server_port(srv);
	s = net_server_new(&c2, NULL, NULL);
	assert_non_null(s);
	assert_int_equal(net_server_start(s), MCIM_ERR_IO);
	assert_int_equal(net_server_port(s), 0);
	net_server_free(s);
	strcpy(c2.listen_address, "localhost");
	c2.port = 0;
	s = net_server_new(&c2, NULL, NULL);
	assert_int_equal(net_server_start(s), MCIM_ERR_IO);
	net_server_free(s);
	/* IPv6 loopback, where the host has it. */
	strcpy(c2.listen_address, "::1");
	s = net_server_new(&c2, NULL, NULL);
	if (net_server_start(s) == MCIM_OK) {
		struct reply r;
		char url[64];
		snprintf(url, sizeof(url), "http://[::1]:%u",
			 (unsigned)net_server_port(s));
		strcpy(base, url);
		req("GET", "/healthz", NULL, NULL, NULL, &r);
		assert_int_equal(r.status, 200);
		reply_free(&r);
		snprintf(base, sizeof(base), "http://127.0.0.1:%u",
			 (unsigned)net_server_port(srv));
	}
	net_server_free(s);
}

struct slow_call {
	const char *url;
	long status;
	char body[16];
};

static void *slow_client(void *arg)
{
	struct slow_call *sc = arg;
	struct reply r;

	memset(&r, 0, sizeof(r));
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, sc->url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sc->status);
	if (r.body != NULL)
		snprintf(sc->body, sizeof(sc->body), "%s", r.body);
	free(r.body);
	curl_easy_cleanup(c);
	return NULL;
}

/* A stop lets the request in flight finish, then refuses new connections. */
static void graceful_stop(void **state)
{
	struct net_config c2 = cfg;
	struct net_server *s;
	struct slow_call sc = {0};
	char url[64];
	pthread_t th;
	struct timespec ts = {0, 10 * 1000000L};

	(void)state;
	s = net_server_new(&c2, NULL, NULL);
	assert_int_equal(
	    net_server_add_routes(s, routes, sizeof(routes) / sizeof(routes[0])),
	    MCIM_OK);
	assert_int_equal(net_server_start(s), MCIM_OK);
	uint16_t port = net_server_port(s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/slow", (unsigned)port);
	sc.url = url;
	assert_int_equal(pthread_create(&th, NULL, slow_client, &sc), 0);
	/* Wait until the slow request is in its handler. */
	for (int tries = 0; net_metrics_inflight_now(net_server_metrics(s)) == 0;
	     tries++) {
		assert_true(tries < 500);
		nanosleep(&ts, NULL);
	}
	assert_int_equal(net_metrics_inflight_now(net_server_metrics(s)), 1);
	net_server_stop(s);
	pthread_join(th, NULL);
	assert_int_equal(sc.status, 200);
	assert_string_equal(sc.body, "slow\n");
	assert_int_equal(net_server_port(s), 0);
	/* Nobody listens any more. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz", (unsigned)port);
	sc.status = 0;
	slow_client(&sc);
	assert_int_equal(sc.status, 0);
	net_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(routing_and_params),
	    cmocka_unit_test(not_found_and_method),
	    cmocka_unit_test(body_limits),
	    cmocka_unit_test(content_types),
	    cmocka_unit_test(typed_errors),
	    cmocka_unit_test(status_table),
	    cmocka_unit_test(auth),
	    cmocka_unit_test(tenant_isolation),
	    cmocka_unit_test(healthz),
	    cmocka_unit_test(metrics_format),
	    cmocka_unit_test(request_ids_and_log),
	    cmocka_unit_test(registration_errors),
	    cmocka_unit_test(listen_errors),
	    cmocka_unit_test(graceful_stop),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
