/*
 * Streamed request bodies and file-backed responses of the HTTP front
 * (net_server_add_stream_route, net_resp_fd), end to end through libcurl on
 * 127.0.0.1: a body of many megabytes arrives in order, in pieces, without being
 * held; a client that goes away mid-body still gets its stream closed exactly once;
 * the route's limit is enforced from Content-Length (before open) and mid-stream
 * for chunked uploads (413); a data error stops the body with its typed error; an
 * open error refuses the request without close; a file body is sent as written;
 * ':' is accepted inside literal path segments ("registrations:batch"). T-05.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "net/http.h"
#include "net/log.h"

#define TOKEN	    "tok-stream-81c0d2"
#define BIG	    (48u * 1024 * 1024) /* octets of the many-megabyte upload */
#define SMALL_LIMIT (1u << 20)		/* max_body of the limited route */
#define FILE_LEN    (3u * 1024 * 1024 + 17)

/* The byte at offset i of every upload: position-dependent, so order is checked. */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 7u + (i >> 13)) % 251u);
}

/* What the server side saw, across its threads. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned opens, closes, finishes;
	uint64_t octets, pieces, largest_piece, mismatches;
	int fail_at_mb; /* > 0: data fails once this many MiB arrived */
} seen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, 0};

struct sstate {
	uint64_t off;
	char tenant[64];
};

static mcim_err s_open(const struct net_request *req, void *arg, void **state)
{
	struct sstate *s;

	if (arg != NULL)
		return (mcim_err)(intptr_t)arg;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MCIM_ERR_NOMEM;
	snprintf(s->tenant, sizeof(s->tenant), "%s",
		 req->tenant ? req->tenant->name : "");
	pthread_mutex_lock(&seen.mu);
	seen.opens++;
	pthread_mutex_unlock(&seen.mu);
	*state = s;
	return MCIM_OK;
}

static mcim_err s_data(void *state, const uint8_t *data, size_t len)
{
	struct sstate *s = state;
	uint64_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += data[i] != pattern(s->off + i);
	s->off += len;
	pthread_mutex_lock(&seen.mu);
	seen.octets += len;
	seen.pieces++;
	if (len > seen.largest_piece)
		seen.largest_piece = len;
	seen.mismatches += bad;
	int fail = seen.fail_at_mb > 0 && s->off >= (uint64_t)seen.fail_at_mb << 20;
	pthread_mutex_unlock(&seen.mu);
	return fail ? MCIM_ERR_PARSE : MCIM_OK;
}

static mcim_err s_finish(void *state, const struct net_request *req,
			 struct net_response *resp)
{
	struct sstate *s = state;
	char body[160];

	(void)req;
	pthread_mutex_lock(&seen.mu);
	seen.finishes++;
	pthread_mutex_unlock(&seen.mu);
	snprintf(body, sizeof(body), "{\"octets\":%llu,\"tenant\":\"%s\"}",
		 (unsigned long long)s->off, s->tenant);
	return net_resp_body(resp, 200, "application/json", body, strlen(body));
}

static void s_close(void *state)
{
	free(state);
	pthread_mutex_lock(&seen.mu);
	seen.closes++;
	pthread_cond_broadcast(&seen.cv);
	pthread_mutex_unlock(&seen.mu);
}

static const struct net_body_stream stream = {s_open, s_data, s_finish, s_close};

/* A response spooled to an unlinked temporary file, FILE_LEN octets of pattern(). */
static mcim_err h_file(const struct net_request *req, struct net_response *resp,
		       void *arg)
{
	char path[] = "/tmp/mcim-stream-XXXXXX";
	uint8_t buf[4096];
	int fd = mkstemp(path);

	(void)req;
	(void)arg;
	if (fd < 0)
		return MCIM_ERR_IO;
	unlink(path);
	for (uint64_t off = 0; off < FILE_LEN;) {
		size_t n =
		    FILE_LEN - off < sizeof(buf) ? (size_t)(FILE_LEN - off) : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return MCIM_ERR_IO;
		}
		off += n;
	}
	return net_resp_fd(resp, 200, "application/octet-stream", fd, FILE_LEN);
}

static mcim_err h_action(const struct net_request *req, struct net_response *resp,
			 void *arg)
{
	char body[96];

	snprintf(body, sizeof(body), "%s/%s", (const char *)arg,
		 net_req_param(req, "id"));
	return net_resp_text(resp, 200, body);
}

static struct net_config cfg;
static struct net_tenant tenant;
static struct net_server *srv;
static char base[64];
static FILE *log_file;

static const struct net_route r_big = {"POST", "/v1/upload", NET_API_OPERATOR, 1, 0,
				       NULL,   NULL};
static const struct net_route r_small = {
    "POST", "/v1/upload-small", NET_API_OPERATOR, 1, SMALL_LIMIT, NULL, NULL};
static const struct net_route r_denied = {"POST",
					  "/v1/upload-denied",
					  NET_API_OPERATOR,
					  1,
					  0,
					  NULL,
					  (void *)(intptr_t)MCIM_ERR_DENIED};
static const struct net_route plain[] = {
    {"GET", "/v1/report", NET_API_OPS, 0, 0, h_file, NULL},
    {"POST", "/v1/things/{id}/go:activate", NET_API_OPS, 0, 0, h_action, "activate"},
    {"POST", "/v1/things/{id}/go:suspend", NET_API_OPS, 0, 0, h_action, "suspend"},
};

static mcim_err health(void *arg)
{
	(void)arg;
	return MCIM_OK;
}

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	log_file = tmpfile();
	if (log_file == NULL)
		return -1;
	net_log_set_stream(log_file);
	net_config_defaults(&cfg, "");
	cfg.limits.max_body_bytes = 64 * 1024; /* streamed routes are not bound by it */
	cfg.limits.threads = 2;
	cfg.limits.idle_timeout_s = 2; /* a client gone mid-body: see below */
	strcpy(tenant.name, "sho-a");
	tenant.kind = NET_TENANT_SHO;
	strcpy(tenant.plmn, "00101");
	if (mcim_sha256(TOKEN, strlen(TOKEN), tenant.token_sha256[0]) != MCIM_OK)
		return -1;
	tenant.n_tokens = 1;
	cfg.tenants = &tenant;
	cfg.n_tenants = 1;
	srv = net_server_new(&cfg, health, NULL);
	if (srv == NULL ||
	    net_server_add_stream_route(srv, &r_big, "application/x-ndjson", &stream) !=
		MCIM_OK ||
	    net_server_add_stream_route(srv, &r_small, "application/x-ndjson", &stream) !=
		MCIM_OK ||
	    net_server_add_stream_route(srv, &r_denied, "application/x-ndjson",
					&stream) != MCIM_OK ||
	    net_server_add_routes(srv, plain, sizeof(plain) / sizeof(plain[0])) !=
		MCIM_OK ||
	    net_server_start(srv) != MCIM_OK)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
		 (unsigned)net_server_port(srv));
	return 0;
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

static void reset_seen(int fail_at_mb)
{
	pthread_mutex_lock(&seen.mu);
	seen.opens = seen.closes = seen.finishes = 0;
	seen.octets = seen.pieces = seen.largest_piece = seen.mismatches = 0;
	seen.fail_at_mb = fail_at_mb;
	pthread_mutex_unlock(&seen.mu);
}

/* Waits (up to 10 s) until the server closed n streams; the count reached. */
static unsigned wait_closes(unsigned n)
{
	struct timespec until;
	unsigned got;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&seen.mu);
	while (seen.closes < n && pthread_cond_timedwait(&seen.cv, &seen.mu, &until) == 0)
		;
	got = seen.closes;
	pthread_mutex_unlock(&seen.mu);
	return got;
}

struct upload {
	uint64_t off, total, abort_at; /* abort_at > 0: the client gives up there */
	int expect; /* 1: Expect: 100-continue (no body sent before a refusal) */
};

static size_t on_read(char *p, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t len = size * n;

	if (u->abort_at > 0 && u->off >= u->abort_at)
		return CURL_READFUNC_ABORT;
	if (len > u->total - u->off)
		len = (size_t)(u->total - u->off);
	for (size_t i = 0; i < len; i++)
		p[i] = (char)pattern(u->off + i);
	u->off += len;
	return len;
}

struct reply {
	char *body;
	size_t len;
	uint64_t mismatches;
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

/*
 * Uploads u->total octets of pattern() to path; chunked, or with Content-Length.
 * Returns the HTTP status (0 when the transfer failed) and the body in r.
 */
static long upload(const char *path, const char *ctype, struct upload *u, int chunked,
		   struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[256], line[128];
	long status = 0;

	assert_non_null(c);
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, u);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	snprintf(line, sizeof(line), "Content-Type: %s", ctype);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Authorization: Bearer " TOKEN);
	h = curl_slist_append(h, u->expect ? "Expect: 100-continue" : "Expect:");
	if (chunked)
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
	else
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->total);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static void reply_free(struct reply *r)
{
	free(r->body);
	r->body = NULL;
}

/* Tens of megabytes, chunked and with Content-Length: every octet in order, in
 * pieces (never held whole), one open, one finish, one close. */
static void many_megabytes(void **state)
{
	for (int chunked = 0; chunked <= 1; chunked++) {
		struct upload u = {0, BIG, 0, 0};
		struct reply r;
		char want[128];

		(void)state;
		reset_seen(0);
		assert_int_equal(
		    upload("/v1/upload", "application/x-ndjson", &u, chunked, &r), 200);
		snprintf(want, sizeof(want), "{\"octets\":%u,\"tenant\":\"sho-a\"}", BIG);
		assert_string_equal(r.body, want);
		reply_free(&r);
		assert_int_equal(wait_closes(1), 1);
		pthread_mutex_lock(&seen.mu);
		assert_int_equal(seen.opens, 1);
		assert_int_equal(seen.finishes, 1);
		assert_int_equal(seen.octets, BIG);
		assert_int_equal(seen.mismatches, 0);
		assert_true(seen.pieces > 100);
		assert_true(seen.largest_piece < 1024 * 1024);
		pthread_mutex_unlock(&seen.mu);
	}
}

/*
 * The client gives up after 2 MiB of a declared 32 MiB: close is still called, once,
 * and finish is not. libmicrohttpd (0.9.75) reports a peer gone in the middle of a
 * body when the connection's idle timeout passes, hence the short one in setup().
 */
static void client_drops_mid_body(void **state)
{
	for (int chunked = 0; chunked <= 1; chunked++) {
		struct upload u = {0, 32u << 20, 2u << 20, 0};
		struct reply r;

		(void)state;
		reset_seen(0);
		assert_int_equal(
		    upload("/v1/upload", "application/x-ndjson", &u, chunked, &r), 0);
		reply_free(&r);
		assert_int_equal(wait_closes(1), 1);
		pthread_mutex_lock(&seen.mu);
		assert_int_equal(seen.opens, 1);
		assert_int_equal(seen.finishes, 0);
		assert_true(seen.octets <= u.off);
		assert_int_equal(seen.mismatches, 0);
		pthread_mutex_unlock(&seen.mu);
	}
}

/* Over the route's limit: from Content-Length, 413 before open; chunked, 413 once the
 * limit passes, with no octet beyond it handed to data, and close called. */
static void limit(void **state)
{
	struct upload u = {0, SMALL_LIMIT + 1, 0, 1};
	struct reply r;

	(void)state;
	reset_seen(0);
	/* Refused from its headers: the client is told before it sends the body. */
	assert_int_equal(upload("/v1/upload-small", "application/x-ndjson", &u, 0, &r),
			 413);
	assert_non_null(strstr(r.body, "\"TOO_LARGE\""));
	reply_free(&r);
	pthread_mutex_lock(&seen.mu);
	assert_int_equal(seen.opens, 0);
	pthread_mutex_unlock(&seen.mu);

	/* Exactly at the limit is accepted. */
	u = (struct upload){0, SMALL_LIMIT, 0, 0};
	assert_int_equal(upload("/v1/upload-small", "application/x-ndjson", &u, 1, &r),
			 200);
	reply_free(&r);
	assert_int_equal(wait_closes(1), 1);

	reset_seen(0);
	u = (struct upload){0, SMALL_LIMIT + 300 * 1024, 0, 0};
	assert_int_equal(upload("/v1/upload-small", "application/x-ndjson", &u, 1, &r),
			 413);
	assert_non_null(strstr(r.body, "request body too large"));
	reply_free(&r);
	assert_int_equal(wait_closes(1), 1);
	pthread_mutex_lock(&seen.mu);
	assert_int_equal(seen.opens, 1);
	assert_int_equal(seen.finishes, 0);
	assert_true(seen.octets <= SMALL_LIMIT);
	pthread_mutex_unlock(&seen.mu);
}

/* data fails after 1 MiB: its error is the answer (400 PARSE), the rest is drained,
 * finish is not called, close is. */
static void data_error(void **state)
{
	struct upload u = {0, 1536u * 1024, 0, 0};
	struct reply r;

	(void)state;
	reset_seen(1);
	assert_int_equal(upload("/v1/upload", "application/x-ndjson", &u, 1, &r), 400);
	assert_non_null(strstr(r.body, "\"PARSE\""));
	reply_free(&r);
	assert_int_equal(wait_closes(1), 1);
	pthread_mutex_lock(&seen.mu);
	assert_int_equal(seen.finishes, 0);
	assert_true(seen.octets < 1536u * 1024);
	pthread_mutex_unlock(&seen.mu);
	reset_seen(0);
}

/* open refusing: its error, 403, and no close (no state was made); a wrong media type:
 * 415 naming the stream's own type, open never called. */
static void refusals(void **state)
{
	struct upload u = {0, 1000, 0, 0};
	struct reply r;

	(void)state;
	reset_seen(0);
	assert_int_equal(upload("/v1/upload-denied", "application/x-ndjson", &u, 0, &r),
			 403);
	assert_non_null(strstr(r.body, "\"DENIED\""));
	reply_free(&r);
	u = (struct upload){0, 1000, 0, 0};
	assert_int_equal(upload("/v1/upload", "application/json", &u, 0, &r), 415);
	assert_non_null(strstr(r.body, "the body must be application/x-ndjson"));
	reply_free(&r);
	usleep(100 * 1000);
	pthread_mutex_lock(&seen.mu);
	assert_int_equal(seen.opens, 0);
	assert_int_equal(seen.closes, 0);
	pthread_mutex_unlock(&seen.mu);
}

/* A response body from a file: every octet as written, with its length. */
static void file_response(void **state)
{
	CURL *c = curl_easy_init();
	struct reply r = {0};
	char url[128];
	long status = 0;
	curl_off_t len = 0;

	(void)state;
	snprintf(url, sizeof(url), "%s/v1/report", base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	curl_easy_cleanup(c);
	assert_int_equal(status, 200);
	assert_int_equal(len, FILE_LEN);
	assert_int_equal(r.len, FILE_LEN);
	for (size_t i = 0; i < r.len; i++)
		if ((uint8_t)r.body[i] != pattern(i))
			fail_msg("octet %zu differs", i);
	reply_free(&r);
}

/* ':' inside a literal segment ("registrations:batch" style): each its own route;
 * a segment is still wholly literal or wholly a parameter, so "{id}:x" is refused. */
static void colon_literals(void **state)
{
	const char *paths[] = {"/v1/things/abc/go:activate", "/v1/things/abc/go:suspend",
			       "/v1/things/abc/go:delete"};
	const char *want[] = {"activate/abc", "suspend/abc", NULL};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		CURL *c = curl_easy_init();
		struct reply r = {0};
		char url[128];
		long status = 0;

		snprintf(url, sizeof(url), "%s%s", base, paths[i]);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
		if (want[i] != NULL) {
			assert_int_equal(status, 200);
			assert_string_equal(r.body, want[i]);
		} else {
			assert_int_equal(status, 404);
		}
		reply_free(&r);
	}
}

/* Registration errors: a stream missing a function, an empty media type, a handler
 * as well as a stream, no body, a limit past NET_STREAM_LIMIT_MAX. */
static void registration_errors(void **state)
{
	struct net_server *s = net_server_new(&cfg, health, NULL);
	struct net_body_stream partial = stream;
	struct net_route r = {"POST", "/v1/x", NET_API_OPERATOR, 1, 0, NULL, NULL};

	(void)state;
	assert_non_null(s);
	partial.close = NULL;
	assert_int_equal(
	    net_server_add_stream_route(s, &r, "application/x-ndjson", &partial),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_server_add_stream_route(s, &r, "", &stream),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_server_add_stream_route(s, &r, "application/x-ndjson", NULL),
			 MCIM_ERR_INVALID_ARG);
	r.handler = h_file;
	assert_int_equal(
	    net_server_add_stream_route(s, &r, "application/x-ndjson", &stream),
	    MCIM_ERR_INVALID_ARG);
	r.handler = NULL;
	r.has_body = 0;
	assert_int_equal(
	    net_server_add_stream_route(s, &r, "application/x-ndjson", &stream),
	    MCIM_ERR_INVALID_ARG);
	r.has_body = 1;
	r.max_body = NET_STREAM_LIMIT_MAX + 1;
	assert_int_equal(
	    net_server_add_stream_route(s, &r, "application/x-ndjson", &stream),
	    MCIM_ERR_INVALID_ARG);
	r.max_body = 0;
	r.pattern = "/v1/{id}:batch";
	assert_int_equal(
	    net_server_add_stream_route(s, &r, "application/x-ndjson", &stream),
	    MCIM_ERR_INVALID_ARG);
	r.pattern = "/v1/x:batch";
	r.max_body = NET_STREAM_LIMIT_MAX;
	assert_int_equal(
	    net_server_add_stream_route(s, &r, "application/x-ndjson", &stream), MCIM_OK);
	net_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(many_megabytes), cmocka_unit_test(client_drops_mid_body),
	    cmocka_unit_test(limit),	      cmocka_unit_test(data_error),
	    cmocka_unit_test(refusals),	      cmocka_unit_test(file_response),
	    cmocka_unit_test(colon_literals), cmocka_unit_test(registration_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
