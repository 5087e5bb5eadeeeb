/*
 * net/http.h: mcimd's HTTP front, a small router over libmicrohttpd.
 *
 * A network function (DRF, PVA, DPF, CCIF, AuC, ICF) is a table of struct net_route
 * given to net_server_add_routes() before the server starts. For each request the
 * server, in this order:
 *   1. matches method and path against the patterns: literal segments and {name}
 *      parameters ("/v1/tenants/{tenant}/devices/{tre_id}"); the match with the most
 *      literal segments wins. No match: 404; the path matches with another method
 *      only: 405 with an Allow header;
 *   2. on NET_API_OPERATOR routes, authenticates the bearer token: SHA-256 of the
 *      token, compared in constant time with every configured token hash; no or an
 *      unknown token: 401 (with WWW-Authenticate); a {tenant} parameter that is not
 *      the token's own tenant: 403. A handler thus only ever sees its own tenant;
 *   3. checks the request body's content type (application/cbor for NET_API_DEVICE,
 *      application/json for NET_API_OPERATOR): 415 otherwise; a route without a
 *      body refuses one;
 *   4. accumulates the body up to the route's limit: 413 beyond it, before the
 *      body is read when the Content-Length says so; a chunked body is read and
 *      dropped up to NET_DRAIN_MAX octets past the limit for its 413, and the
 *      connection is cut beyond that;
 *   5. parses a JSON body (operator routes) into req->json: 400 PARSE otherwise;
 *   6. calls the handler, which fills the response.
 * A streamed route (net_server_add_stream_route) names its own content type and is
 * not accumulated nor parsed: steps 4-6 become the stream's open (after step 3),
 * data for each piece of the body as it arrives, and finish at its end.
 * GET /healthz and GET /metrics are built in (NET_API_OPS, no authentication: they
 * hold no tenant data; see docs/mcimd.md).
 *
 * Errors: a handler returns MCIM_OK with a response set, or an mcim_err that the
 * server turns into net_err_status(err) and the body {"error": NAME, "message":
 * mcim_strerror text}, in JSON or CBOR as the route speaks. net_resp_error() does
 * the same with the handler's own message. Messages are written for the client:
 * they never contain key material, tokens or internal detail (5xx bodies say only
 * the error's name and description; the log has the request id to correlate).
 * Every response carries X-Request-Id, Cache-Control: no-store and
 * X-Content-Type-Options: nosniff.
 *
 * Each request gets an id "<8 hex: per process>-<8 hex: sequence>" used in every log
 * record about it. One access record per request is logged at info (method, path,
 * status, duration, tenant); bodies, query strings and headers are never logged.
 *
 * Threads: handlers run on the server's worker threads (limits.threads) and must be
 * reentrant. The route table and the config are read-only once started.
 * Ownership: the server keeps pointers to the config, to each route's strings and
 * arg: they must outlive it.
 */
#ifndef MCIM_NET_HTTP_H
#define MCIM_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcim/err.h"
#include "net/config.h"
#include "net/metrics.h"

#define NET_PARAMS_MAX	 8   /* {name} parameters in one pattern */
#define NET_SEGMENTS_MAX 16  /* path segments in one pattern */
#define NET_REQ_ID_LEN	 17  /* "xxxxxxxx-xxxxxxxx" */
#define NET_TOKEN_MAX	 512 /* longest bearer token accepted */
#define NET_HEADERS_MAX	 4   /* extra response headers a handler may set */
/* A chunked body past its limit is read and dropped this far, for its 413 */
#define NET_DRAIN_MAX (1u << 20)
/* The largest body a streamed route may take (its max_body, or this when 0) */
#define NET_STREAM_LIMIT_MAX (1ull << 40)

/* Who calls a route, which fixes its content type, error format and authentication. */
enum net_api {
	NET_API_OPS = 1,  /* health and metrics: text, no authentication */
	NET_API_DEVICE,	  /* device-facing: CBOR; messages are protected end to end */
	NET_API_OPERATOR, /* operator REST API: JSON, bearer token per tenant */
};

struct net_request;
struct net_response;

typedef mcim_err (*net_handler)(const struct net_request *req, struct net_response *resp,
				void *arg);

struct net_route {
	const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern; /* "/a/{b}/c": segments of [A-Za-z0-9._~:-] or {[a-z_]+} */
	enum net_api api;
	int has_body;	   /* 1: a body in the API's content type; 0: no body */
	uint64_t max_body; /* has_body only; 0: the config's limits.max_body_bytes */
	net_handler handler;
	void *arg;
};

struct net_param {
	const char *name; /* points into the route's pattern, not NUL-terminated */
	size_t name_len;
	const char *value; /* NUL-terminated, percent-decoded */
};

/* What a handler sees. Valid for the duration of the handler call only. */
struct net_request {
	const char *method;
	const char *path; /* percent-decoded, without the query */
	const char *id;	  /* the request id (for net_log) */
	enum net_api api;
	const struct net_tenant *tenant; /* NET_API_OPERATOR: the caller; else NULL */
	const uint8_t *body;		 /* NULL when body_len is 0 */
	size_t body_len;
	const json_t *json; /* NET_API_OPERATOR with a body: the document */
	size_t n_params;
	struct net_param params[NET_PARAMS_MAX];
	void *conn_; /* internal: the libmicrohttpd connection */
};

/* The value of path parameter {name}, or NULL when the pattern has none. */
const char *net_req_param(const struct net_request *req, const char *name);
/* The value of query argument name (percent-decoded), or NULL. */
const char *net_req_query(const struct net_request *req, const char *name);
/* The value of request header name (case-insensitive), or NULL. */
const char *net_req_header(const struct net_request *req, const char *name);

/*
 * Response builders. Each replaces the body set before; all copy what they are given.
 * Errors: MCIM_ERR_NOMEM, MCIM_ERR_INVALID_ARG (status outside 100..599, a
 * header name or value with a control character, a JSON value that does not
 * serialise), MCIM_ERR_FULL (more than NET_HEADERS_MAX headers).
 */
mcim_err net_resp_body(struct net_response *resp, unsigned status,
		       const char *content_type, const void *data, size_t len);
/* status with doc serialised compactly as application/json (doc is not stolen). */
mcim_err net_resp_json(struct net_response *resp, unsigned status, const json_t *doc);
mcim_err net_resp_cbor(struct net_response *resp, unsigned status, const uint8_t *data,
		       size_t len);
/* text/plain; charset=utf-8 */
mcim_err net_resp_text(struct net_response *resp, unsigned status, const char *text);
/*
 * The typed error err (not MCIM_OK): net_err_status(err) and {"error", "message"}
 * in the route's format, message from fmt (NULL: mcim_strerror(err)). Never put a
 * secret or unvalidated client input in the message.
 */
mcim_err net_resp_error(struct net_response *resp, mcim_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
mcim_err net_resp_header(struct net_response *resp, const char *name, const char *value);
/*
 * The body is the file open on fd, from offset 0, len octets (a report too large to
 * hold in memory, spooled to a temporary file). The server owns fd from this call
 * on, whatever it returns, and closes it; a later builder replaces it.
 */
mcim_err net_resp_fd(struct net_response *resp, unsigned status, const char *content_type,
		     int fd, uint64_t len);

/*
 * The HTTP status for an error: 400 malformed input, 403 refused (DENIED, WRONG_ROLE,
 * POLICY), 404, 409 conflicts (EXISTS, STATE, REPLAY, SYNC_FAILURE, SQN_EXHAUSTED),
 * 410 EXPIRED (a token, nonce, challenge or result past its time), 413 TOO_LARGE,
 * 422 content that fails verification (signatures, certificates, MACs, decryption,
 * boot evidence), 423 LOCKED, 507 FULL, 500 the rest.
 * docs/mcimd.md has the full table.
 */
unsigned net_err_status(mcim_err err);

/* The store (or whatever the daemon depends on) answers: MCIM_OK, else the cause. */
typedef mcim_err (*net_health_fn)(void *arg);

struct net_server;

/*
 * A server for cfg (listen address and port, limits, tenants for authentication).
 * health is asked on each GET /healthz (200 "ok" on MCIM_OK, else 503); NULL means
 * the server answering is health enough. NULL when out of memory.
 */
struct net_server *net_server_new(const struct net_config *cfg, net_health_fn health,
				  void *health_arg);

/*
 * Adds n routes (before net_server_start). Errors: MCIM_ERR_INVALID_ARG (a bad
 * method or pattern, no handler, or a body limit above NET_BODY_LIMIT_MAX),
 * MCIM_ERR_EXISTS (same method and pattern twice), MCIM_ERR_STATE (already
 * started), MCIM_ERR_FULL, MCIM_ERR_NOMEM. On error no route of this call is added.
 */
mcim_err net_server_add_routes(struct net_server *srv, const struct net_route *routes,
			       size_t n);

/*
 * A body taken piece by piece, for uploads too large to hold (a batch of a million
 * lines). open is called once the headers are accepted (route, authentication,
 * content type, Content-Length within the limit) and creates the request's state; an
 * error refuses the request at once. data gets each piece (len > 0) in order; an
 * error stops the calls, the rest of the body is drained (NET_DRAIN_MAX, then the
 * connection is cut) and the error is the answer. finish is called at the end of the
 * body and fills the response like a handler. close is called once for every
 * successful open, however the request ended (the client may go away mid-body).
 * req (and its parameters) stays valid from open to close; arg is the route's.
 */
struct net_body_stream {
	mcim_err (*open)(const struct net_request *req, void *arg, void **state);
	mcim_err (*data)(void *state, const uint8_t *data, size_t len);
	mcim_err (*finish)(void *state, const struct net_request *req,
			   struct net_response *resp);
	void (*close)(void *state);
};

/*
 * Adds one streamed route: r as for net_server_add_routes() but has_body 1, handler
 * NULL, max_body up to NET_STREAM_LIMIT_MAX (0: that limit); the body must be of
 * content_type ("application/x-ndjson") and is handed to stream (req->json is NULL).
 * Errors as net_server_add_routes(); MCIM_ERR_INVALID_ARG also for a stream without
 * one of its functions or an empty content type. Both pointers must outlive the
 * server.
 */
mcim_err net_server_add_stream_route(struct net_server *srv, const struct net_route *r,
				     const char *content_type,
				     const struct net_body_stream *stream);

/*
 * Binds and starts answering. Errors: MCIM_ERR_IO (cannot listen; the log says why),
 * MCIM_ERR_STATE (already started).
 */
mcim_err net_server_start(struct net_server *srv);

/* The port listened on (the one chosen when the config said 0); 0 before start. */
uint16_t net_server_port(const struct net_server *srv);

/* The server's metrics, for handlers' own counters (register before start). */
struct net_metrics *net_server_metrics(struct net_server *srv);

/*
 * Stops accepting connections, waits up to limits.shutdown_grace_s for the requests
 * in flight to be answered, then closes everything. Safe to call when not started.
 */
void net_server_stop(struct net_server *srv);

/* Stops (as above) and releases the server. srv may be NULL. */
void net_server_free(struct net_server *srv);

#endif
