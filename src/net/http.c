/*
 * The router over libmicrohttpd: route matching, bearer authentication, body checks
 * and accumulation, error mapping, response building, access logging and metrics.
 * libmicrohttpd calls the access handler several times per request (headers, then
 * body chunks, then once more with no data); every refusal that the headers alone
 * decide is queued on the first call, so an oversized or unauthenticated upload is
 * never read. Per-request state lives in a context freed by the completion callback,
 * which also does the counting, so a request is counted exactly once however it ends.
 */
#include "net/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/crypto.h"
#include "mcim/rand.h"
#include "net/log.h"

#define ROUTES_MAX	NET_METRICS_ROUTES_MAX
#define METHOD_NAME_MAX 8
#define HDR_NAME_MAX	48
#define HDR_VALUE_MAX	256

struct segment {
	const char *text; /* into the pattern */
	size_t len;
	int is_param;
};

struct route {
	struct net_route r;
	size_t n_segs;
	struct segment segs[NET_SEGMENTS_MAX];
	size_t n_literals;
	size_t metric;			      /* index in the metrics' route table */
	const char *ctype;		      /* streamed: the body's media type */
	const struct net_body_stream *stream; /* NULL: accumulated */
};

struct header {
	char name[HDR_NAME_MAX];
	char value[HDR_VALUE_MAX];
};

struct net_response {
	enum net_api api; /* for the error format */
	unsigned status;  /* 0: nothing set yet */
	char content_type[64];
	uint8_t *body;
	size_t len;
	int fd; /* a file body (net_resp_fd) when fd_set */
	int fd_set;
	uint64_t fd_len;
	size_t n_headers;
	struct header headers[NET_HEADERS_MAX + 2];
};

struct net_server {
	const struct net_config *cfg;
	net_health_fn health;
	void *health_arg;
	struct route *routes;
	size_t n_routes;
	struct net_metrics *metrics;
	struct MHD_Daemon *daemon;
	char *tls_cert, *tls_key; /* PEM, NUL-terminated, while the daemon runs */
	size_t tls_key_len;
	uint16_t port;
	uint32_t id_prefix;
	atomic_uint_least32_t next_id;
};

/* One request, from its headers to its completion. */
struct conn_ctx {
	struct net_server *srv;
	char id[NET_REQ_ID_LEN + 1];
	uint64_t t0_us;
	const struct route *route; /* NULL: unmatched */
	char *path;		   /* our copy of the path, twice: */
	char *params;		   /* the second copy, split into parameter values */
	struct net_request req;
	uint8_t *body;
	size_t len, cap;
	uint64_t limit;
	unsigned status; /* of the response queued; 0: none yet */
	int queued;
	uint64_t discarded; /* octets dropped after the body passed its limit */
	void *stream_state; /* a streamed route's, from open to close */
	int stream_open;
	mcim_err stream_err; /* the first error of data (or the limit passed) */
	uint64_t streamed;   /* octets given to data */
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- errors ---- */

unsigned net_err_status(mcim_err err)
{
	switch (err) {
	case MCIM_OK:
		return 200;
	case MCIM_ERR_INVALID_ARG:
	case MCIM_ERR_PARSE:
	case MCIM_ERR_TRUNCATED:
	case MCIM_ERR_UNSUPPORTED:
	case MCIM_ERR_AMF:
		return 400;
	case MCIM_ERR_DENIED:
	case MCIM_ERR_WRONG_ROLE:
	case MCIM_ERR_POLICY:
		return 403;
	case MCIM_ERR_NOT_FOUND:
		return 404;
	case MCIM_ERR_EXISTS:
	case MCIM_ERR_STATE:
	case MCIM_ERR_REPLAY:
	case MCIM_ERR_SYNC_FAILURE:
	case MCIM_ERR_SQN_EXHAUSTED:
		return 409;
	case MCIM_ERR_EXPIRED:
		return 410;
	case MCIM_ERR_TOO_LARGE:
		return 413;
	case MCIM_ERR_MAC_FAILURE:
	case MCIM_ERR_BAD_SIGNATURE:
	case MCIM_ERR_BAD_CERT:
	case MCIM_ERR_DECRYPT:
	case MCIM_ERR_BAD_BOOT:
	case MCIM_ERR_TAMPERED:
	case MCIM_ERR_ROLLBACK:
	case MCIM_ERR_FOREIGN_STORE:
		return 422;
	case MCIM_ERR_LOCKED:
		return 423;
	case MCIM_ERR_FULL:
		return 507;
	default:
		return 500;
	}
}

/* ---- responses ---- */

static void drop_fd(struct net_response *resp)
{
	if (resp->fd_set)
		close(resp->fd);
	resp->fd_set = 0;
}

static mcim_err set_body(struct net_response *resp, unsigned status, const char *ctype,
			 const void *data, size_t len)
{
	uint8_t *copy = NULL;

	if (status < 100 || status > 599 || strlen(ctype) >= sizeof(resp->content_type))
		return MCIM_ERR_INVALID_ARG;
	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL)
			return MCIM_ERR_NOMEM;
		memcpy(copy, data, len);
	}
	free(resp->body);
	drop_fd(resp);
	resp->body = copy;
	resp->len = len;
	resp->status = status;
	strcpy(resp->content_type, ctype);
	return MCIM_OK;
}

mcim_err net_resp_fd(struct net_response *resp, unsigned status, const char *content_type,
		     int fd, uint64_t len)
{
	mcim_err err = set_body(resp, status, content_type, NULL, 0);

	if (err != MCIM_OK) {
		close(fd);
		return err;
	}
	resp->fd = fd;
	resp->fd_set = 1;
	resp->fd_len = len;
	return MCIM_OK;
}

mcim_err net_resp_body(struct net_response *resp, unsigned status,
		       const char *content_type, const void *data, size_t len)
{
	return set_body(resp, status, content_type, data, len);
}

mcim_err net_resp_json(struct net_response *resp, unsigned status, const json_t *doc)
{
	size_t len = json_dumpb(doc, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
	char *buf;
	mcim_err err;

	if (len == 0)
		return MCIM_ERR_INVALID_ARG;
	buf = malloc(len);
	if (buf == NULL)
		return MCIM_ERR_NOMEM;
	if (json_dumpb(doc, buf, len, JSON_COMPACT | JSON_ENCODE_ANY) != len)
		err = MCIM_ERR_INTERNAL;
	else
		err = set_body(resp, status, "application/json", buf, len);
	free(buf);
	return err;
}

mcim_err net_resp_cbor(struct net_response *resp, unsigned status, const uint8_t *data,
		       size_t len)
{
	return set_body(resp, status, "application/cbor", data, len);
}

mcim_err net_resp_text(struct net_response *resp, unsigned status, const char *text)
{
	return set_body(resp, status, "text/plain; charset=utf-8", text, strlen(text));
}

/*
 * The error body in the format of resp->api (CBOR for devices, JSON otherwise) with
 * status, or net_err_status(err) when status is 0.
 */
static mcim_err error_body(struct net_response *resp, mcim_err err, unsigned status,
			   const char *msg)
{
	const char *name = mcim_err_name(err);

	if (status == 0)
		status = net_err_status(err);
	if (resp->api == NET_API_DEVICE) {
		size_t cap = 32 + strlen(name) + strlen(msg);
		uint8_t *buf = malloc(cap);
		struct mcim_cbor_writer w;
		size_t len;
		mcim_err e;

		if (buf == NULL)
			return MCIM_ERR_NOMEM;
		mcim_cbor_writer_init(&w, buf, cap);
		mcim_cbor_put_map(&w, 2);
		mcim_cbor_put_cstr(&w, "error");
		mcim_cbor_put_cstr(&w, name);
		mcim_cbor_put_cstr(&w, "message");
		mcim_cbor_put_cstr(&w, msg);
		e = mcim_cbor_writer_finish(&w, &len);
		if (e == MCIM_OK)
			e = net_resp_cbor(resp, status, buf, len);
		free(buf);
		return e;
	}
	json_t *doc = json_pack("{s:s,s:s}", "error", name, "message", msg);
	if (doc == NULL)
		doc =
		    json_pack("{s:s,s:s}", "error", name, "message", mcim_strerror(err));
	if (doc == NULL)
		return MCIM_ERR_NOMEM;
	mcim_err e = net_resp_json(resp, status, doc);
	json_decref(doc);
	return e;
}

mcim_err net_resp_error(struct net_response *resp, mcim_err err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (err == MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	if (fmt == NULL) {
		snprintf(msg, sizeof(msg), "%s", mcim_strerror(err));
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	return error_body(resp, err, 0, msg);
}

static int header_text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Adds a header; room for two beyond a handler's own (Allow, WWW-Authenticate). */
static mcim_err add_header(struct net_response *resp, size_t max, const char *name,
			   const char *value)
{
	if (!header_text_ok(name, HDR_NAME_MAX) ||
	    !header_text_ok(value, HDR_VALUE_MAX) || strchr(name, ':') != NULL)
		return MCIM_ERR_INVALID_ARG;
	if (resp->n_headers >= max)
		return MCIM_ERR_FULL;
	strcpy(resp->headers[resp->n_headers].name, name);
	strcpy(resp->headers[resp->n_headers].value, value);
	resp->n_headers++;
	return MCIM_OK;
}

mcim_err net_resp_header(struct net_response *resp, const char *name, const char *value)
{
	return add_header(resp, NET_HEADERS_MAX, name, value);
}

/* ---- requests ---- */

const char *net_req_param(const struct net_request *req, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < req->n_params; i++)
		if (req->params[i].name_len == len &&
		    memcmp(req->params[i].name, name, len) == 0)
			return req->params[i].value;
	return NULL;
}

const char *net_req_query(const struct net_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_GET_ARGUMENT_KIND, name);
}

const char *net_req_header(const struct net_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_HEADER_KIND, name);
}

/* ---- routes ---- */

static int method_ok(const char *m)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i]) == 0)
			return 1;
	return 0;
}

static int literal_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' || c == '-' ||
	       c == ':';
}

/* Splits pattern into segments; 0 when it is not a valid pattern. */
static int compile_pattern(struct route *rt)
{
	const char *p = rt->r.pattern;
	size_t n_params = 0;

	rt->n_segs = 0;
	rt->n_literals = 0;
	if (p[0] != '/' || strlen(p) >= 256)
		return 0;
	if (p[1] == '\0')
		return 1; /* "/": no segment */
	while (*p == '/') {
		const char *s = p + 1;
		size_t len = strcspn(s, "/");
		struct segment *seg;

		if (len == 0 || rt->n_segs == NET_SEGMENTS_MAX)
			return 0;
		seg = &rt->segs[rt->n_segs++];
		if (s[0] == '{') {
			if (len < 3 || s[len - 1] != '}' || n_params == NET_PARAMS_MAX)
				return 0;
			for (size_t i = 1; i + 1 < len; i++)
				if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
					return 0;
			for (size_t i = 0; i + 1 < rt->n_segs; i++)
				if (rt->segs[i].is_param && rt->segs[i].len == len - 2 &&
				    memcmp(rt->segs[i].text, s + 1, len - 2) == 0)
					return 0;
			seg->text = s + 1;
			seg->len = len - 2;
			seg->is_param = 1;
			n_params++;
		} else {
			for (size_t i = 0; i < len; i++)
				if (!literal_char(s[i]))
					return 0;
			seg->text = s;
			seg->len = len;
			seg->is_param = 0;
			rt->n_literals++;
		}
		p = s + len;
	}
	return *p == '\0';
}

/* Same shape: two patterns that would match the same paths. */
static int same_shape(const struct route *a, const struct route *b)
{
	if (a->n_segs != b->n_segs)
		return 0;
	for (size_t i = 0; i < a->n_segs; i++) {
		if (a->segs[i].is_param != b->segs[i].is_param)
			return 0;
		if (!a->segs[i].is_param &&
		    (a->segs[i].len != b->segs[i].len ||
		     memcmp(a->segs[i].text, b->segs[i].text, a->segs[i].len) != 0))
			return 0;
	}
	return 1;
}

static mcim_err add_routes(struct net_server *srv, const struct net_route *routes,
			   size_t n, const char *ctype,
			   const struct net_body_stream *stream)
{
	struct route *grown;
	size_t first = srv->n_routes;

	if (srv->daemon != NULL)
		return MCIM_ERR_STATE;
	if (n > ROUTES_MAX - srv->n_routes)
		return MCIM_ERR_FULL;
	grown = realloc(srv->routes, (srv->n_routes + n) * sizeof(*grown));
	if (grown == NULL)
		return MCIM_ERR_NOMEM;
	srv->routes = grown;
	for (size_t i = 0; i < n; i++) {
		struct route *rt = &srv->routes[first + i];
		const struct net_route *r = &routes[i];

		memset(rt, 0, sizeof(*rt));
		rt->r = *r;
		rt->ctype = ctype;
		rt->stream = stream;
		if (r->method == NULL || r->pattern == NULL ||
		    (r->handler == NULL) == (stream == NULL) || !method_ok(r->method) ||
		    !compile_pattern(rt) ||
		    (r->api != NET_API_OPS && r->api != NET_API_DEVICE &&
		     r->api != NET_API_OPERATOR) ||
		    r->max_body > (stream ? NET_STREAM_LIMIT_MAX : NET_BODY_LIMIT_MAX) ||
		    (r->max_body > 0 && !r->has_body) || (stream && !r->has_body))
			return MCIM_ERR_INVALID_ARG;
		for (size_t j = 0; j < first + i; j++)
			if (strcmp(srv->routes[j].r.method, r->method) == 0 &&
			    same_shape(&srv->routes[j], rt))
				return MCIM_ERR_EXISTS;
	}
	/* Metrics slots only once the whole table is accepted. */
	if (n > NET_METRICS_ROUTES_MAX - first)
		return MCIM_ERR_FULL;
	for (size_t i = 0; i < n; i++) {
		mcim_err err =
		    net_metrics_route(srv->metrics, routes[i].method, routes[i].pattern,
				      &srv->routes[first + i].metric);
		if (err != MCIM_OK)
			return err;
	}
	srv->n_routes = first + n;
	return MCIM_OK;
}

mcim_err net_server_add_routes(struct net_server *srv, const struct net_route *routes,
			       size_t n)
{
	return add_routes(srv, routes, n, NULL, NULL);
}

mcim_err net_server_add_stream_route(struct net_server *srv, const struct net_route *r,
				     const char *content_type,
				     const struct net_body_stream *stream)
{
	if (stream == NULL || stream->open == NULL || stream->data == NULL ||
	    stream->finish == NULL || stream->close == NULL || content_type == NULL ||
	    content_type[0] == '\0' || strlen(content_type) >= 64)
		return MCIM_ERR_INVALID_ARG;
	return add_routes(srv, r, 1, content_type, stream);
}

/*
 * Whether path matches rt. With req, scratch (a copy of path) is split in place into
 * the parameter values, which req then points to.
 */
static int match(const struct route *rt, const char *path, struct net_request *req,
		 char *scratch)
{
	size_t off = 0, np = 0;
	size_t ends[NET_PARAMS_MAX];

	if (rt->n_segs == 0)
		return strcmp(path, "/") == 0;
	for (size_t i = 0; i < rt->n_segs; i++) {
		const struct segment *seg = &rt->segs[i];
		const char *s;
		size_t len;

		if (path[off] != '/')
			return 0;
		s = path + off + 1;
		len = strcspn(s, "/");
		if (len == 0)
			return 0;
		if (seg->is_param) {
			if (req != NULL) {
				req->params[np].name = seg->text;
				req->params[np].name_len = seg->len;
				req->params[np].value = scratch + off + 1;
			}
			ends[np++] = off + 1 + len;
		} else if (len != seg->len || memcmp(s, seg->text, len) != 0) {
			return 0;
		}
		off += 1 + len;
	}
	if (path[off] != '\0')
		return 0;
	if (req != NULL) {
		req->n_params = np;
		for (size_t i = 0; i < np; i++)
			scratch[ends[i]] = '\0';
	}
	return 1;
}

/*
 * The best route for method and path, with the parameters in ctx; NULL when none.
 * *allow gets the methods of routes that match the path with another method.
 */
static const struct route *route_find(const struct net_server *srv, const char *method,
				      struct conn_ctx *ctx, char *allow, size_t allow_cap)
{
	const struct route *best = NULL;
	const char *path = ctx->req.path;

	allow[0] = '\0';
	for (size_t i = 0; i < srv->n_routes; i++) {
		const struct route *rt = &srv->routes[i];
		if (!match(rt, path, NULL, NULL))
			continue;
		if (strcmp(rt->r.method, method) != 0) {
			if (strstr(allow, rt->r.method) == NULL) {
				size_t n = strlen(allow);
				snprintf(allow + n, allow_cap - n, "%s%s",
					 n > 0 ? ", " : "", rt->r.method);
			}
			continue;
		}
		if (best == NULL || rt->n_literals > best->n_literals)
			best = rt;
	}
	if (best != NULL)
		match(best, path, &ctx->req, ctx->params);
	return best;
}

/* ---- authentication ---- */

/*
 * The tenant whose token hash equals SHA-256(token), comparing every configured
 * hash whatever the outcome so that the time taken does not depend on which
 * tenant (if any) matched.
 */
static const struct net_tenant *tenant_by_token(const struct net_config *cfg,
						const char *token, size_t len)
{
	uint8_t digest[MCIM_SHA256_LEN];
	const struct net_tenant *found = NULL;

	if (mcim_sha256(token, len, digest) != MCIM_OK)
		return NULL;
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const struct net_tenant *tn = &cfg->tenants[t];
		for (size_t k = 0; k < tn->n_tokens; k++) {
			int eq =
			    mcim_ct_equal(digest, tn->token_sha256[k], MCIM_SHA256_LEN);
			uintptr_t mask = (uintptr_t)0 - (uintptr_t)eq;
			found = (const struct net_tenant *)(((uintptr_t)tn & mask) |
							    ((uintptr_t)found & ~mask));
		}
	}
	mcim_wipe(digest, sizeof(digest));
	return found;
}

static int token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' ||
	       c == '+' || c == '/' || c == '=';
}

/* The token of "Bearer <token>" (RFC 6750 b64token syntax), or NULL. */
static const char *bearer_token(const char *auth, size_t *len)
{
	const char *t;
	size_t n = 0;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	t = auth + 7;
	while (*t == ' ')
		t++;
	while (t[n] != '\0' && token_char(t[n]))
		n++;
	if (n == 0 || n > NET_TOKEN_MAX || t[n] != '\0')
		return NULL;
	*len = n;
	return t;
}

/* ---- the request cycle ---- */

static int media_type_is(const char *ctype, const char *want)
{
	size_t n = strlen(want);

	if (ctype == NULL)
		return 0;
	while (*ctype == ' ')
		ctype++;
	if (strncasecmp(ctype, want, n) != 0)
		return 0;
	ctype += n;
	while (*ctype == ' ')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct conn_ctx *ctx,
			     struct net_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (resp->fd_set) {
		r = MHD_create_response_from_fd(resp->fd_len, resp->fd);
		if (r != NULL)
			resp->fd_set = 0;
		drop_fd(resp);
	} else if (resp->len > 0) {
		r = MHD_create_response_from_buffer(resp->len, resp->body,
						    MHD_RESPMEM_MUST_FREE);
		if (r != NULL)
			resp->body = NULL;
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"",
						    MHD_RESPMEM_PERSISTENT);
	}
	free(resp->body);
	resp->body = NULL;
	if (r == NULL)
		return MHD_NO;
	if (resp->content_type[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					resp->content_type);
	MHD_add_response_header(r, "X-Request-Id", ctx->id);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	ret = MHD_queue_response(conn, resp->status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES) {
		ctx->status = resp->status;
		ctx->queued = 1;
	}
	return ret;
}

/*
 * Queues the typed error err with msg and status (0: the error's own); an extra
 * header (hname, hvalue) when hname is not NULL.
 */
static enum MHD_Result refuse(struct MHD_Connection *conn, struct conn_ctx *ctx,
			      enum net_api api, mcim_err err, unsigned status,
			      const char *msg, const char *hname, const char *hvalue)
{
	struct net_response resp = {.api = api};

	if (hname != NULL)
		add_header(&resp, NET_HEADERS_MAX + 2, hname, hvalue);
	if (error_body(&resp, err, status, msg) != MCIM_OK) {
		free(resp.body);
		return MHD_NO;
	}
	net_log(NET_LOG_DEBUG, ctx->id, "refused: %s: %s", mcim_err_name(err), msg);
	return queue(conn, ctx, &resp);
}

static struct conn_ctx *ctx_new(struct net_server *srv, struct MHD_Connection *conn,
				const char *method, const char *url)
{
	struct conn_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	size_t n = strlen(url);

	ctx->path = malloc(2 * (n + 1));
	if (ctx->path == NULL) {
		free(ctx);
		return NULL;
	}
	memcpy(ctx->path, url, n + 1);
	ctx->params = ctx->path + n + 1;
	memcpy(ctx->params, url, n + 1);
	ctx->req.path = ctx->path;
	ctx->srv = srv;
	ctx->t0_us = now_us();
	snprintf(ctx->id, sizeof(ctx->id), "%08x-%08x", (unsigned)srv->id_prefix,
		 (unsigned)(atomic_fetch_add(&srv->next_id, 1) + 1));
	ctx->req.method = method;
	ctx->req.id = ctx->id;
	ctx->req.conn_ = conn;
	net_metrics_inflight(srv->metrics, +1);
	return ctx;
}

/* The first call: everything the headers decide. */
static enum MHD_Result on_headers(struct net_server *srv, struct MHD_Connection *conn,
				  struct conn_ctx *ctx, const char *method)
{
	char allow[64];
	const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_LENGTH);
	enum net_api err_api =
	    media_type_is(ctype, "application/cbor") ? NET_API_DEVICE : NET_API_OPERATOR;
	const struct route *rt = route_find(srv, method, ctx, allow, sizeof(allow));

	if (rt == NULL) {
		if (allow[0] != '\0')
			return refuse(conn, ctx, err_api, MCIM_ERR_UNSUPPORTED, 405,
				      "method not allowed on this path", "Allow", allow);
		return refuse(conn, ctx, err_api, MCIM_ERR_NOT_FOUND, 0,
			      "no such resource", NULL, NULL);
	}
	ctx->route = rt;
	ctx->req.api = rt->r.api;
	if (rt->r.api == NET_API_OPERATOR) {
		size_t tlen = 0;
		const char *token = bearer_token(
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_AUTHORIZATION),
		    &tlen);
		const struct net_tenant *tn =
		    token != NULL ? tenant_by_token(srv->cfg, token, tlen) : NULL;
		const char *want;

		if (tn == NULL)
			return refuse(conn, ctx, rt->r.api, MCIM_ERR_DENIED, 401,
				      "a valid bearer token is required",
				      "WWW-Authenticate", "Bearer realm=\"mcimd\"");
		want = net_req_param(&ctx->req, "tenant");
		if (want != NULL && strcmp(want, tn->name) != 0)
			return refuse(conn, ctx, rt->r.api, MCIM_ERR_DENIED, 403,
				      "this token does not give access to that tenant",
				      NULL, NULL);
		ctx->req.tenant = tn;
	}
	ctx->limit = !rt->r.has_body  ? 0
		     : rt->r.max_body ? rt->r.max_body
		     : rt->stream     ? NET_STREAM_LIMIT_MAX
				      : srv->cfg->limits.max_body_bytes;
	if (rt->r.has_body) {
		const char *want = rt->ctype			 ? rt->ctype
				   : rt->r.api == NET_API_DEVICE ? "application/cbor"
								 : "application/json";
		char msg[96];
		if (!media_type_is(ctype, want)) {
			snprintf(msg, sizeof(msg), "the body must be %s", want);
			return refuse(conn, ctx, rt->r.api, MCIM_ERR_UNSUPPORTED, 415,
				      msg, NULL, NULL);
		}
	}
	if (clen != NULL) {
		char *end;
		unsigned long long n = strtoull(clen, &end, 10);
		if (*end == '\0' && n > ctx->limit)
			return refuse(conn, ctx, rt->r.api, MCIM_ERR_TOO_LARGE, 0,
				      rt->r.has_body
					  ? "request body too large"
					  : "this resource takes no request body",
				      NULL, NULL);
	}
	if (rt->stream != NULL) {
		mcim_err err = rt->stream->open(&ctx->req, rt->r.arg, &ctx->stream_state);
		if (err != MCIM_OK)
			return refuse(conn, ctx, rt->r.api, err, 0, mcim_strerror(err),
				      NULL, NULL);
		ctx->stream_open = 1;
	}
	return MHD_YES;
}

/* A piece of a streamed body: to the route while all is well, else drained. */
static enum MHD_Result stream_piece(struct conn_ctx *ctx, const char *data, size_t len)
{
	if (ctx->stream_err == MCIM_OK && len > ctx->limit - ctx->streamed)
		ctx->stream_err = MCIM_ERR_TOO_LARGE;
	if (ctx->stream_err == MCIM_OK) {
		ctx->streamed += len;
		ctx->stream_err = ctx->route->stream->data(ctx->stream_state,
							   (const uint8_t *)data, len);
		return MHD_YES;
	}
	ctx->discarded += len;
	return ctx->discarded > NET_DRAIN_MAX ? MHD_NO : MHD_YES;
}

/* Appends a body chunk; 0 when the limit is passed. */
static int body_append(struct conn_ctx *ctx, const char *data, size_t len)
{
	if (len > ctx->limit - ctx->len)
		return 0;
	if (ctx->len + len > ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap : 4096;
		while (cap < ctx->len + len)
			cap *= 2;
		if (cap > ctx->limit)
			cap = (size_t)ctx->limit;
		uint8_t *b = realloc(ctx->body, cap);
		if (b == NULL)
			return -1;
		ctx->body = b;
		ctx->cap = cap;
	}
	memcpy(ctx->body + ctx->len, data, len);
	ctx->len += len;
	return 1;
}

/* The last call: the whole body is here. */
static enum MHD_Result on_complete(struct MHD_Connection *conn, struct conn_ctx *ctx)
{
	const struct route *rt = ctx->route;
	struct net_response resp = {.api = rt->r.api};
	json_t *doc = NULL;
	mcim_err err;
	enum MHD_Result ret;

	ctx->req.body = ctx->len > 0 ? ctx->body : NULL;
	ctx->req.body_len = ctx->len;
	if (rt->r.api == NET_API_OPERATOR && rt->r.has_body && rt->stream == NULL) {
		json_error_t jerr;
		doc = json_loadb((const char *)ctx->body, ctx->len,
				 JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL) {
			char msg[256];
			snprintf(msg, sizeof(msg),
				 "body: not valid JSON at line %d, column %d", jerr.line,
				 jerr.column);
			return refuse(conn, ctx, rt->r.api, MCIM_ERR_PARSE, 0, msg, NULL,
				      NULL);
		}
		ctx->req.json = doc;
	}
	if (rt->stream != NULL)
		err = rt->stream->finish(ctx->stream_state, &ctx->req, &resp);
	else
		err = rt->r.handler(&ctx->req, &resp, rt->r.arg);
	ctx->req.json = NULL;
	json_decref(doc);
	if (err == MCIM_OK && resp.status == 0) {
		net_log(NET_LOG_ERROR, ctx->id, "%s %s: handler set no response",
			rt->r.method, rt->r.pattern);
		err = MCIM_ERR_INTERNAL;
	}
	if (err != MCIM_OK) {
		unsigned status = net_err_status(err);
		net_log(status >= 500 ? NET_LOG_ERROR : NET_LOG_DEBUG, ctx->id,
			"%s %s: %s", rt->r.method, rt->r.pattern, mcim_err_name(err));
		resp.n_headers = 0;
		if (error_body(&resp, err, 0, mcim_strerror(err)) != MCIM_OK) {
			free(resp.body);
			drop_fd(&resp);
			return MHD_NO;
		}
	}
	ret = queue(conn, ctx, &resp);
	return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version,
				 const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	struct net_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;
	int r;

	(void)version;
	if (ctx == NULL) {
		ctx = ctx_new(srv, conn, method, url);
		if (ctx == NULL)
			return MHD_NO;
		*con_cls = ctx;
		return on_headers(srv, conn, ctx, method);
	}
	if (ctx->queued) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0 && ctx->stream_open) {
		enum MHD_Result ret = stream_piece(ctx, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ret;
	}
	if (ctx->stream_open && ctx->stream_err != MCIM_OK)
		return refuse(conn, ctx, ctx->route->r.api, ctx->stream_err, 0,
			      ctx->stream_err == MCIM_ERR_TOO_LARGE
				  ? "request body too large"
				  : mcim_strerror(ctx->stream_err),
			      NULL, NULL);
	if (*upload_data_size > 0) {
		/*
		 * libmicrohttpd lets a response be queued before the body or after
		 * it, not in the middle: a chunked body that passes its limit is
		 * drained (up to NET_DRAIN_MAX more octets, then the connection is
		 * cut) so that the client still gets its 413.
		 */
		if (ctx->discarded == 0)
			r = body_append(ctx, upload_data, *upload_data_size);
		else
			r = 0;
		if (r == 0) {
			ctx->discarded += *upload_data_size;
			if (ctx->discarded > NET_DRAIN_MAX)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return r < 0 ? MHD_NO : MHD_YES;
	}
	if (ctx->discarded > 0)
		return refuse(conn, ctx, ctx->route->r.api, MCIM_ERR_TOO_LARGE, 0,
			      ctx->route->r.has_body
				  ? "request body too large"
				  : "this resource takes no request body",
			      NULL, NULL);
	return on_complete(conn, ctx);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct net_server *srv = cls;
	struct conn_ctx *ctx = *con_cls;
	uint64_t dt;
	unsigned status;

	(void)conn;
	if (ctx == NULL)
		return;
	dt = now_us() - ctx->t0_us;
	/* 499: the client went away before an answer (nginx's convention). */
	status = ctx->queued ? ctx->status : 499;
	if (ctx->route != NULL)
		net_metrics_observe(srv->metrics, ctx->route->metric, status, dt);
	else
		net_metrics_observe_unmatched(srv->metrics, ctx->req.method, status, dt);
	net_log(NET_LOG_INFO, ctx->id, "%s %s %u %llu.%03llums%s%s%s", ctx->req.method,
		ctx->req.path != NULL ? ctx->req.path : "?", status,
		(unsigned long long)(dt / 1000u), (unsigned long long)(dt % 1000u),
		ctx->req.tenant != NULL ? " tenant=" : "",
		ctx->req.tenant != NULL ? ctx->req.tenant->name : "",
		toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
							   : " (connection ended early)");
	net_metrics_inflight(srv->metrics, -1);
	if (ctx->stream_open)
		ctx->route->stream->close(ctx->stream_state);
	free(ctx->body);
	free(ctx->path);
	free(ctx);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	net_log(NET_LOG_WARN, NULL, "libmicrohttpd: %s", msg);
}

/* ---- built-in routes ---- */

static mcim_err healthz(const struct net_request *req, struct net_response *resp,
			void *arg)
{
	struct net_server *srv = arg;
	mcim_err err = srv->health != NULL ? srv->health(srv->health_arg) : MCIM_OK;

	if (err != MCIM_OK) {
		net_log(NET_LOG_WARN, req->id, "health check failed: %s",
			mcim_err_name(err));
		return net_resp_text(resp, 503, "unavailable\n");
	}
	return net_resp_text(resp, 200, "ok\n");
}

static mcim_err metrics(const struct net_request *req, struct net_response *resp,
			void *arg)
{
	struct net_server *srv = arg;
	char *text;
	size_t len;
	mcim_err err;

	(void)req;
	err = net_metrics_render(srv->metrics, &text, &len);
	if (err != MCIM_OK)
		return err;
	err = net_resp_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text,
			    len);
	free(text);
	return err;
}

/* ---- the server ---- */

struct net_server *net_server_new(const struct net_config *cfg, net_health_fn health,
				  void *health_arg)
{
	struct net_server *srv = calloc(1, sizeof(*srv));
	uint8_t rnd[4] = {0};

	if (srv == NULL)
		return NULL;
	srv->cfg = cfg;
	srv->health = health;
	srv->health_arg = health_arg;
	srv->metrics = net_metrics_new();
	if (srv->metrics == NULL) {
		free(srv);
		return NULL;
	}
	/* Ids only need to differ between daemons sharing a log; a failed draw is 0. */
	(void)mcim_rng_fill(mcim_rng_system(), rnd, sizeof(rnd));
	srv->id_prefix = (uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
			 (uint32_t)rnd[2] << 8 | rnd[3];
	const struct net_route builtin[] = {
	    {"GET", "/healthz", NET_API_OPS, 0, 0, healthz, srv},
	    {"GET", "/metrics", NET_API_OPS, 0, 0, metrics, srv},
	};
	if (net_server_add_routes(srv, builtin, 2) != MCIM_OK) {
		net_server_free(srv);
		return NULL;
	}
	return srv;
}

#define TLS_PEM_MAX (256 * 1024)

/* The whole file at path, NUL-terminated, into a new buffer of *len + 1 octets. */
static mcim_err read_pem(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return MCIM_ERR_IO;
	buf = malloc(TLS_PEM_MAX + 1);
	n = buf != NULL ? fread(buf, 1, TLS_PEM_MAX + 1, f) : 0;
	if (buf == NULL || ferror(f) || n == 0 || n > TLS_PEM_MAX) {
		fclose(f);
		if (buf != NULL)
			mcim_wipe(buf, TLS_PEM_MAX + 1);
		free(buf);
		return buf == NULL ? MCIM_ERR_NOMEM : MCIM_ERR_IO;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return MCIM_OK;
}

static void tls_free(struct net_server *srv)
{
	if (srv->tls_key != NULL)
		mcim_wipe(srv->tls_key, srv->tls_key_len);
	free(srv->tls_key);
	free(srv->tls_cert);
	srv->tls_key = srv->tls_cert = NULL;
}

/* The configured certificate chain and key, read at every start (a restart picks up
 * renewed files). */
static mcim_err tls_load(struct net_server *srv)
{
	const struct net_config *cfg = srv->cfg;
	size_t cert_len = 0;
	mcim_err err;

	if (cfg->tls_cert[0] == '\0')
		return MCIM_OK;
	err = read_pem(cfg->tls_cert, &srv->tls_cert, &cert_len);
	if (err != MCIM_OK) {
		net_log(NET_LOG_ERROR, NULL, "tls.cert %s: cannot read it",
			cfg->tls_cert);
		return err;
	}
	err = read_pem(cfg->tls_key, &srv->tls_key, &srv->tls_key_len);
	if (err != MCIM_OK) {
		net_log(NET_LOG_ERROR, NULL, "tls.key %s: cannot read it", cfg->tls_key);
		tls_free(srv);
	}
	return err;
}

mcim_err net_server_start(struct net_server *srv)
{
	const struct net_config *cfg = srv->cfg;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	if (srv->daemon != NULL)
		return MCIM_ERR_STATE;
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, cfg->listen_address, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(cfg->port);
		sa = (struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, cfg->listen_address, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(cfg->port);
		sa = (struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	} else {
		net_log(NET_LOG_ERROR, NULL, "listen address %s is not an IP address",
			cfg->listen_address);
		return MCIM_ERR_IO;
	}
	if (tls_load(srv) != MCIM_OK)
		return MCIM_ERR_IO;
	if (srv->tls_cert != NULL)
		flags |= MHD_USE_TLS;
	/* Without TLS the option list ends where the HTTPS options would start. */
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
	    NULL, MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned)cfg->limits.threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cfg->limits.idle_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cfg->limits.max_connections, MHD_OPTION_NOTIFY_COMPLETED,
	    completed_cb, srv,
	    srv->tls_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    srv->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, srv->tls_key, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		net_log(NET_LOG_ERROR, NULL, "cannot listen on %s port %u%s",
			cfg->listen_address, (unsigned)cfg->port,
			srv->tls_cert != NULL ? " (or tls.cert/tls.key are not a usable "
						"certificate and key)"
					      : "");
		tls_free(srv);
		return MCIM_ERR_IO;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info != NULL ? info->port : cfg->port;
	return MCIM_OK;
}

uint16_t net_server_port(const struct net_server *srv)
{
	return srv->port;
}

struct net_metrics *net_server_metrics(struct net_server *srv)
{
	return srv->metrics;
}

void net_server_stop(struct net_server *srv)
{
	MHD_socket lsock;
	uint64_t deadline;

	if (srv->daemon == NULL)
		return;
	lsock = MHD_quiesce_daemon(srv->daemon);
	if (lsock != MHD_INVALID_SOCKET)
		close(lsock);
	deadline = now_us() + (uint64_t)srv->cfg->limits.shutdown_grace_s * 1000000u;
	while (net_metrics_inflight_now(srv->metrics) > 0 && now_us() < deadline) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (net_metrics_inflight_now(srv->metrics) > 0)
		net_log(NET_LOG_WARN, NULL,
			"stopping with %lld request(s) still in flight",
			(long long)net_metrics_inflight_now(srv->metrics));
	MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	tls_free(srv);
	srv->port = 0;
}

void net_server_free(struct net_server *srv)
{
	if (srv == NULL)
		return;
	net_server_stop(srv);
	net_metrics_free(srv->metrics);
	free(srv->routes);
	free(srv);
}
