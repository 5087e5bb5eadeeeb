/*
 * The operator REST API of the registration side (docs/api.md): subscribers, M2ME
 * registrations for an SHO (one, or a streamed NDJSON batch), the device list, and
 * the tenant's audit trail. The HTTP front has already authenticated the bearer token
 * and checked that the path's tenant is the token's; every store call below is
 * scoped to that tenant's store id, so another tenant's row is simply "not found"
 * (the same answer as an absent one). Each change and its audit record are one
 * transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/api_operator.h"
#include "net/api_util.h"
#include "net/config.h"
#include "net/drf_batch.h"
#include "net/roles.h"

#define LIST_DEFAULT 100
#define LIST_MAX     1000
#define NDJSON	     "application/x-ndjson"

/* One request's share of the context. */
struct call {
	struct net_api_ctx *api;
	struct net_store *st;
	const struct net_tenant *t;
	int64_t tenant; /* store id */
	int64_t now;
	char actor[NET_STORE_NAME_MAX + 1];
};

static mcim_err call_open(const struct net_request *req, void *arg, struct call *c)
{
	mcim_err err;

	c->api = arg;
	c->t = req->tenant;
	c->tenant = net_api_tenant_id(c->api, c->t);
	c->now = net_api_now(c->api);
	snprintf(c->actor, sizeof(c->actor), "api:%s", c->t->name);
	c->st = net_api_store_take(c->api, &err);
	return c->st != NULL ? MCIM_OK : err;
}

static void call_close(struct call *c)
{
	net_api_store_give(c->api, c->st);
	c->st = NULL;
}

/* Ends the transaction: commit when err is MCIM_OK, else roll back; the first error. */
static mcim_err tx_end(struct net_store *st, mcim_err err)
{
	if (err == MCIM_OK)
		return net_store_commit(st);
	net_store_rollback(st);
	return err;
}

static mcim_err reply(struct net_response *resp, unsigned status, json_t *doc)
{
	mcim_err err;

	if (doc == NULL)
		return MCIM_ERR_NOMEM;
	err = net_resp_json(resp, status, doc);
	json_decref(doc);
	return err;
}

/* A non-negative decimal integer of at most 18 digits (no sign, no blanks). */
static int parse_count(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!net_is_digits(s, 1, 18))
		return 0;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	*out = v;
	return 1;
}

/* ?after=&limit= (or the name given for after). */
static mcim_err page_args(const struct net_request *req, struct net_response *resp,
			  const char *after_name, int64_t *after, size_t *limit, int *bad)
{
	const char *a = net_req_query(req, after_name), *l = net_req_query(req, "limit");
	int64_t v;

	*bad = 1;
	*after = 0;
	*limit = LIST_DEFAULT;
	if (a != NULL && !parse_count(a, after))
		return net_resp_error(resp, MCIM_ERR_INVALID_ARG,
				      "%s: must be a non-negative integer", after_name);
	if (l != NULL) {
		if (!parse_count(l, &v) || v < 1 || v > LIST_MAX)
			return net_resp_error(resp, MCIM_ERR_INVALID_ARG,
					      "limit: must be an integer in 1..%d",
					      LIST_MAX);
		*limit = (size_t)v;
	}
	*bad = 0;
	return MCIM_OK;
}

/* {"items": items, "next": next or null} */
static json_t *page(json_t *items, size_t n, size_t limit, int64_t last)
{
	if (items == NULL)
		return NULL;
	return json_pack("{s:o,s:o}", "items", items, "next",
			 n == limit ? json_integer(last) : json_null());
}

/* ---- subscribers ---- */

static json_t *subscriber_json(const struct net_subscriber *s)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I}", "id", (json_int_t)s->id, "ref",
			 s->ref, "name", s->name, "state",
			 s->state == NET_SUB_ACTIVE ? "active" : "closed", "created",
			 (json_int_t)s->created, "updated", (json_int_t)s->updated);
}

static mcim_err subscriber_create(const struct net_request *req,
				  struct net_response *resp, void *arg)
{
	static const char *const allowed[] = {"ref", "name", NULL};
	const char *ref = NULL, *name = "";
	struct net_subscriber s;
	struct net_jerr e;
	struct call c;
	char loc[128];
	mcim_err err;

	err = net_json_object(req->json, "", allowed, &e);
	if (err == MCIM_OK)
		err = net_json_str(req->json, "", "ref", 1, 1, NET_STORE_NAME_MAX, &ref,
				   &e);
	if (err == MCIM_OK)
		err = net_json_str(req->json, "", "name", 0, 0, NET_STORE_NAME_MAX, &name,
				   &e);
	if (err != MCIM_OK)
		return net_resp_error(resp, err, "%s", e.msg);
	err = call_open(req, arg, &c);
	if (err != MCIM_OK)
		return err;
	memset(&s, 0, sizeof(s));
	s.tenant = c.tenant;
	snprintf(s.ref, sizeof(s.ref), "%s", ref);
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.state = NET_SUB_ACTIVE;
	s.created = s.updated = c.now;
	err = net_store_begin(c.st);
	if (err == MCIM_OK) {
		err = net_store_subscriber_create(c.st, &s);
		if (err == MCIM_OK)
			err = net_api_audit(c.st, c.tenant, c.now, c.actor,
					    NET_AUDIT_SUBSCRIBER_CREATED, MCIM_OK, s.ref,
					    "subscriber %" PRId64, s.id);
		err = tx_end(c.st, err);
	}
	call_close(&c);
	if (err == MCIM_ERR_EXISTS)
		return net_resp_error(resp, err, "an account with this ref exists");
	if (err != MCIM_OK)
		return err;
	snprintf(loc, sizeof(loc), "/v1/tenants/%s/subscribers/%" PRId64,
		 req->tenant->name, s.id);
	err = reply(resp, 201, subscriber_json(&s));
	return err == MCIM_OK ? net_resp_header(resp, "Location", loc) : err;
}

static mcim_err subscriber_get(const struct net_request *req, struct net_response *resp,
			       void *arg)
{
	struct net_subscriber s;
	struct call c;
	int64_t id;
	mcim_err err;

	if (!parse_count(net_req_param(req, "id"), &id) || id == 0)
		return net_resp_error(resp, MCIM_ERR_NOT_FOUND, "no such subscriber");
	err = call_open(req, arg, &c);
	if (err != MCIM_OK)
		return err;
	err = net_store_subscriber_get(c.st, c.tenant, id, &s);
	call_close(&c);
	if (err == MCIM_ERR_NOT_FOUND)
		return net_resp_error(resp, err, "no such subscriber");
	return err != MCIM_OK ? err : reply(resp, 200, subscriber_json(&s));
}

static mcim_err subscriber_list(const struct net_request *req, struct net_response *resp,
				void *arg)
{
	struct net_subscriber *rows;
	size_t limit, n = 0;
	int64_t after;
	struct call c;
	json_t *items;
	mcim_err err;
	int bad;

	err = page_args(req, resp, "after", &after, &limit, &bad);
	if (bad)
		return err;
	rows = calloc(limit, sizeof(*rows));
	if (rows == NULL)
		return MCIM_ERR_NOMEM;
	err = call_open(req, arg, &c);
	if (err == MCIM_OK) {
		err = net_store_subscriber_list(c.st, c.tenant, after, rows, limit, &n);
		call_close(&c);
	}
	items = err == MCIM_OK ? json_array() : NULL;
	for (size_t i = 0; items != NULL && i < n; i++)
		if (json_array_append_new(items, subscriber_json(&rows[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	if (err == MCIM_OK)
		err = reply(resp, 200, page(items, n, limit, n ? rows[n - 1].id : 0));
	free(rows);
	return err;
}

/* ---- registrations ---- */

static const char *reg_state_name(int state)
{
	switch (state) {
	case NET_REG_REGISTERED:
		return "registered";
	case NET_REG_PROVISIONED:
		return "provisioned";
	default:
		return "released";
	}
}

static json_t *registration_json(const struct net_registration *r, const char *sho)
{
	char tre[2 * NET_TRE_ID_LEN + 1];

	net_api_hex(r->tre_id, NET_TRE_ID_LEN, tre);
	return json_pack("{s:I,s:s,s:s,s:o,s:s,s:I,s:I}", "id", (json_int_t)r->id,
			 "tre_id", tre, "sho", sho, "subscriber",
			 r->subscriber ? json_integer(r->subscriber) : json_null(),
			 "state", reg_state_name(r->state), "created",
			 (json_int_t)r->created, "updated", (json_int_t)r->updated);
}

/* Registrations are an SHO's (the operator the M2ME's subscriber chose). */
static int is_sho(const struct net_request *req, struct net_response *resp, mcim_err *err)
{
	if (req->tenant->kind == NET_TENANT_SHO)
		return 1;
	*err = net_resp_error(resp, MCIM_ERR_WRONG_ROLE,
			      "registrations are kept by SHO tenants only");
	return 0;
}

static mcim_err registration_create(const struct net_request *req,
				    struct net_response *resp, void *arg)
{
	struct net_registration r;
	struct net_reg_in in;
	struct net_jerr e;
	struct call c;
	char tre[2 * NET_TRE_ID_LEN + 1], loc[160];
	int64_t id = 0;
	int has_tre;
	mcim_err err;

	if (!is_sho(req, resp, &err))
		return err;
	err = call_open(req, arg, &c);
	if (err != MCIM_OK)
		return err;
	err = drf_reg_parse(c.st, c.tenant, c.t->name, c.t->plmn, req->json, &in,
			    &has_tre, &e);
	if (err != MCIM_OK) {
		call_close(&c);
		return net_resp_error(resp, err, "%s", e.msg);
	}
	net_api_hex(in.tre_id, NET_TRE_ID_LEN, tre);
	err = net_store_begin(c.st);
	if (err == MCIM_OK) {
		err = net_store_register(c.st, c.tenant, &in, c.now, &id);
		if (err == MCIM_OK)
			err = net_api_audit(
			    c.st, c.tenant, c.now, c.actor, NET_AUDIT_REGISTERED, MCIM_OK,
			    tre, "registration %" PRId64 ", subscriber %" PRId64, id,
			    in.subscriber);
		err = tx_end(c.st, err);
	}
	if (err == MCIM_OK)
		err = net_store_registration_get(c.st, c.tenant, id, &r);
	call_close(&c);
	if (err == MCIM_ERR_EXISTS)
		return net_resp_error(resp, err, "this TRE id is registered already");
	if (err == MCIM_ERR_NOT_FOUND)
		return net_resp_error(resp, err, "subscriber: no such account");
	if (err != MCIM_OK)
		return err;
	snprintf(loc, sizeof(loc), "/v1/tenants/%s/registrations/%s", req->tenant->name,
		 tre);
	err = reply(resp, 201, registration_json(&r, c.t->plmn));
	return err == MCIM_OK ? net_resp_header(resp, "Location", loc) : err;
}

/* The path's {tre_id}: 32 hex digits, else a 400 is set. */
static int path_tre(const struct net_request *req, struct net_response *resp,
		    uint8_t tre_id[NET_TRE_ID_LEN], mcim_err *err)
{
	if (net_api_unhex(net_req_param(req, "tre_id"), tre_id, NET_TRE_ID_LEN))
		return 1;
	*err = net_resp_error(resp, MCIM_ERR_INVALID_ARG, "tre_id: must be %d hex digits",
			      2 * NET_TRE_ID_LEN);
	return 0;
}

static mcim_err registration_get(const struct net_request *req, struct net_response *resp,
				 void *arg)
{
	uint8_t tre_id[NET_TRE_ID_LEN];
	struct net_registration r;
	struct call c;
	mcim_err err;

	if (!is_sho(req, resp, &err))
		return err;
	if (!path_tre(req, resp, tre_id, &err))
		return err;
	err = call_open(req, arg, &c);
	if (err != MCIM_OK)
		return err;
	err = net_store_registration_find(c.st, c.tenant, tre_id, &r);
	call_close(&c);
	if (err == MCIM_ERR_NOT_FOUND)
		return net_resp_error(resp, err, "no such registration");
	return err != MCIM_OK ? err : reply(resp, 200, registration_json(&r, c.t->plmn));
}

static mcim_err registration_delete(const struct net_request *req,
				    struct net_response *resp, void *arg)
{
	uint8_t tre_id[NET_TRE_ID_LEN];
	struct net_registration r;
	char tre[2 * NET_TRE_ID_LEN + 1];
	struct call c;
	mcim_err err;

	if (!is_sho(req, resp, &err))
		return err;
	if (!path_tre(req, resp, tre_id, &err))
		return err;
	net_api_hex(tre_id, NET_TRE_ID_LEN, tre);
	err = call_open(req, arg, &c);
	if (err != MCIM_OK)
		return err;
	err = net_store_begin(c.st);
	if (err == MCIM_OK) {
		err = net_store_registration_find(c.st, c.tenant, tre_id, &r);
		if (err == MCIM_OK && r.state != NET_REG_REGISTERED)
			err = MCIM_ERR_STATE;
		if (err == MCIM_OK)
			err = net_store_registration_set_state(c.st, c.tenant, r.id,
							       NET_REG_REGISTERED,
							       NET_REG_RELEASED, c.now);
		if (err == MCIM_OK)
			err = net_api_audit(c.st, c.tenant, c.now, c.actor,
					    NET_AUDIT_REG_RELEASED, MCIM_OK, tre,
					    "registration %" PRId64, r.id);
		err = tx_end(c.st, err);
	}
	if (err == MCIM_OK)
		err = net_store_registration_get(c.st, c.tenant, r.id, &r);
	call_close(&c);
	if (err == MCIM_ERR_NOT_FOUND)
		return net_resp_error(resp, err, "no such registration");
	if (err == MCIM_ERR_STATE)
		return net_resp_error(
		    resp, err,
		    "the M2ME is provisioned: its SHO releases the MCIM "
		    "first");
	return err != MCIM_OK ? err : reply(resp, 200, registration_json(&r, c.t->plmn));
}

static mcim_err registration_list(const struct net_request *req,
				  struct net_response *resp, void *arg)
{
	struct net_registration *rows;
	size_t limit, n = 0;
	int64_t after;
	struct call c;
	json_t *items;
	mcim_err err;
	int bad;

	if (!is_sho(req, resp, &err))
		return err;
	err = page_args(req, resp, "after", &after, &limit, &bad);
	if (bad)
		return err;
	rows = calloc(limit, sizeof(*rows));
	if (rows == NULL)
		return MCIM_ERR_NOMEM;
	err = call_open(req, arg, &c);
	if (err == MCIM_OK) {
		err = net_store_registration_list(c.st, c.tenant, after, rows, limit, &n);
		call_close(&c);
	}
	items = err == MCIM_OK ? json_array() : NULL;
	for (size_t i = 0; items != NULL && i < n; i++)
		if (json_array_append_new(items,
					  registration_json(&rows[i], c.t->plmn)) != 0) {
			json_decref(items);
			items = NULL;
		}
	if (err == MCIM_OK)
		err = reply(resp, 200, page(items, n, limit, n ? rows[n - 1].id : 0));
	free(rows);
	return err;
}

/* ---- the streamed batch ---- */

struct batch_req {
	struct call c;
	struct drf_batch *b;
	FILE *report; /* spooled: a million report lines are not held in memory */
};

static mcim_err spool(void *arg, const char *data, size_t len)
{
	return fwrite(data, 1, len, arg) == len ? MCIM_OK : MCIM_ERR_IO;
}

static void batch_close(void *state)
{
	struct batch_req *br = state;

	drf_batch_free(br->b);
	if (br->report != NULL)
		fclose(br->report);
	call_close(&br->c);
	free(br);
}

static mcim_err batch_open(const struct net_request *req, void *arg, void **state)
{
	struct batch_req *br;
	struct drf_batch_opts o;
	mcim_err err;

	if (req->tenant->kind != NET_TENANT_SHO)
		return MCIM_ERR_WRONG_ROLE;
	br = calloc(1, sizeof(*br));
	if (br == NULL)
		return MCIM_ERR_NOMEM;
	err = call_open(req, arg, &br->c);
	if (err != MCIM_OK) {
		free(br);
		return err;
	}
	br->report = tmpfile();
	if (br->report == NULL) {
		batch_close(br);
		return MCIM_ERR_IO;
	}
	memset(&o, 0, sizeof(o));
	o.st = br->c.st;
	o.tenant = br->c.tenant;
	o.tenant_name = br->c.t->name;
	o.plmn = br->c.t->plmn;
	o.actor = br->c.actor;
	o.now = br->c.now;
	o.emit = spool;
	o.emit_arg = br->report;
	err = drf_batch_new(&o, &br->b);
	if (err != MCIM_OK) {
		batch_close(br);
		return err;
	}
	*state = br;
	return MCIM_OK;
}

static mcim_err batch_data(void *state, const uint8_t *data, size_t len)
{
	struct batch_req *br = state;

	return drf_batch_feed(br->b, data, len);
}

static mcim_err batch_finish(void *state, const struct net_request *req,
			     struct net_response *resp)
{
	struct batch_req *br = state;
	struct drf_batch_summary sum;
	off_t size;
	int fd;
	mcim_err err = drf_batch_finish(br->b, &sum);

	if (err != MCIM_OK)
		return err;
	if (fflush(br->report) != 0 || (size = ftello(br->report)) < 0)
		return MCIM_ERR_IO;
	fd = dup(fileno(br->report));
	if (fd < 0)
		return MCIM_ERR_IO;
	net_log(NET_LOG_INFO, req->id,
		"batch: %" PRIu64 " lines, %" PRIu64 " registered, %" PRIu64
		" refused%s%s",
		sum.lines, sum.registered, sum.refused, sum.error ? ", stopped: " : "",
		sum.error ? mcim_err_name(sum.error) : "");
	return net_resp_fd(resp, 200, NDJSON, fd, (uint64_t)size);
}

static const struct net_body_stream batch_stream = {
    .open = batch_open,
    .data = batch_data,
    .finish = batch_finish,
    .close = batch_close,
};

/* ---- audit ---- */

static mcim_err audit_list(const struct net_request *req, struct net_response *resp,
			   void *arg)
{
	struct net_audit *rows;
	size_t limit, n = 0;
	int64_t since;
	struct call c;
	json_t *items;
	mcim_err err;
	int bad;

	err = page_args(req, resp, "since", &since, &limit, &bad);
	if (bad)
		return err;
	rows = calloc(limit, sizeof(*rows));
	if (rows == NULL)
		return MCIM_ERR_NOMEM;
	err = call_open(req, arg, &c);
	if (err == MCIM_OK) {
		err = net_store_audit_list(c.st, c.tenant, (uint64_t)since, rows, limit,
					   &n);
		call_close(&c);
	}
	items = err == MCIM_OK ? json_array() : NULL;
	for (size_t i = 0; items != NULL && i < n; i++) {
		const struct net_audit *a = &rows[i];
		const char *name = net_api_audit_name(a->event);
		char hash[2 * NET_AUDIT_HASH_LEN + 1];
		net_api_hex(a->hash, NET_AUDIT_HASH_LEN, hash);
		if (json_array_append_new(
			items, json_pack("{s:I,s:I,s:s,s:o,s:i,s:s,s:s,s:s,s:s}", "seq",
					 (json_int_t)a->seq, "time", (json_int_t)a->time,
					 "actor", a->actor, "event",
					 name ? json_string(name) : json_null(), "code",
					 (int)a->event, "outcome",
					 mcim_err_name(a->outcome), "subject", a->subject,
					 "detail", a->detail, "hash", hash)) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	if (err == MCIM_OK)
		err = reply(resp, 200,
			    page(items, n, limit, n ? (int64_t)rows[n - 1].seq : 0));
	free(rows);
	return err;
}

mcim_err net_operator_api_routes(struct net_server *srv, struct net_api_ctx *api)
{
	const struct net_route routes[] = {
	    {"POST", "/v1/tenants/{tenant}/subscribers", NET_API_OPERATOR, 1, 0,
	     subscriber_create, api},
	    {"GET", "/v1/tenants/{tenant}/subscribers", NET_API_OPERATOR, 0, 0,
	     subscriber_list, api},
	    {"GET", "/v1/tenants/{tenant}/subscribers/{id}", NET_API_OPERATOR, 0, 0,
	     subscriber_get, api},
	    {"POST", "/v1/tenants/{tenant}/registrations", NET_API_OPERATOR, 1, 0,
	     registration_create, api},
	    {"GET", "/v1/tenants/{tenant}/registrations", NET_API_OPERATOR, 0, 0,
	     registration_list, api},
	    {"GET", "/v1/tenants/{tenant}/registrations/{tre_id}", NET_API_OPERATOR, 0, 0,
	     registration_get, api},
	    {"DELETE", "/v1/tenants/{tenant}/registrations/{tre_id}", NET_API_OPERATOR, 0,
	     0, registration_delete, api},
	    {"GET", "/v1/tenants/{tenant}/audit", NET_API_OPERATOR, 0, 0, audit_list,
	     api},
	};
	const struct net_route batch = {"POST",
					"/v1/tenants/{tenant}/registrations:batch",
					NET_API_OPERATOR,
					1,
					0,
					NULL,
					api};
	mcim_err err =
	    net_server_add_routes(srv, routes, sizeof(routes) / sizeof(routes[0]));

	return err == MCIM_OK
		   ? net_server_add_stream_route(srv, &batch, NDJSON, &batch_stream)
		   : err;
}
