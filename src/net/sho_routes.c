/*
 * The SHO's HTTP routes: the device API of the DPF (§5 download, §6 management
 * pull) and of the AuC (§7), CBOR in and out, and the CCIF's operator API, JSON
 * with tenant authentication by the server. Each handler only moves bytes between
 * the request and the sans-I/O functions of net/sho.h.
 *
 * Operator routes (the server has checked the bearer token and that {tenant} is
 * the caller's):
 *   POST /v1/tenants/{tenant}/mcims                  order an MCIM (201)
 *   GET  /v1/tenants/{tenant}/mcims[?state=&after=]  list
 *   GET  /v1/tenants/{tenant}/mcims/{id}             one MCIM
 *   POST /v1/tenants/{tenant}/mcims/{id}:{action}    activate|suspend|resume|delete
 *   PUT  /v1/tenants/{tenant}/mcims/{id}/policy      queue a set_policy command
 * (the router matches whole segments, so "{id}:{action}" is one parameter, split
 * here).
 *
 * The download routes (M1, M3, receipt) need the device's ICF session with the dpf
 * scope (net/icf.h): 401 DENIED without one.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/proto.h"
#include "net/config.h"
#include "net/http.h"
#include "net/icf.h"
#include "net/sho.h"

typedef mcim_err (*device_fn)(struct net_sho *s, const uint8_t *req, size_t len,
			      struct net_sho_buf *resp);

/* The download needs the device's ICF session (docs/protocol.md §2); the
 * management pull and the attach come over the operational connection, which the
 * MCIM itself authenticates (signed commands and results, AKA). */
struct device_route {
	const char *path;
	device_fn fn;
	int session;
};

static const struct device_route dpf_routes[] = {
    {"/dpf/v1/m1", net_dpf_m1, 1},
    {"/dpf/v1/m3", net_dpf_m3, 1},
    {"/dpf/v1/receipt", net_dpf_receipt, 1},
    {"/dpf/v1/commands", net_dpf_commands, 0},
    {"/dpf/v1/command-results", net_dpf_command_result, 0},
    {"/dpf/v1/tamper-reports", net_dpf_tamper, 0},
};

static const struct device_route auc_routes[] = {
    {"/auc/v1/challenge", net_auc_challenge, 0},
    {"/auc/v1/confirm", net_auc_confirm, 0},
};

/* The handler's arg: the context, which function, and the session verifier when
 * the route needs a session. */
struct device_arg {
	struct net_sho *sho;
	device_fn fn;
	const struct net_icf_verifier *session;
};

static mcim_err device_handler(const struct net_request *req, struct net_response *resp,
			       void *arg)
{
	const struct device_arg *a = arg;
	struct net_sho_buf out = {NULL, 0};
	mcim_err err;

	if (a->session != NULL &&
	    net_icf_session_check(a->session, req, MCIM_PROTO_SCOPE_DPF, NULL) != MCIM_OK)
		return net_icf_session_refuse(resp);
	err = a->fn(a->sho, req->body, req->body_len, &out);

	if (err == MCIM_OK)
		err = net_resp_cbor(resp, 200, out.data, out.len);
	net_sho_buf_free(&out);
	return err;
}

static mcim_err json_reply(struct net_response *resp, mcim_err err, unsigned status,
			   json_t *doc, const struct net_jerr *e)
{
	if (err == MCIM_OK)
		err = net_resp_json(resp, status, doc);
	else if (e->msg[0] != '\0' && net_err_status(err) < 500)
		err = net_resp_error(resp, err, "%s", e->msg);
	json_decref(doc);
	return err;
}

static mcim_err mcim_order(const struct net_request *req, struct net_response *resp,
			   void *arg)
{
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	mcim_err err = net_ccif_order(arg, req->tenant->name, req->json, &doc, &e);

	return json_reply(resp, err, 201, doc, &e);
}

static mcim_err mcim_list(const struct net_request *req, struct net_response *resp,
			  void *arg)
{
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	mcim_err err = net_ccif_list(arg, req->tenant->name, net_req_query(req, "state"),
				     net_req_query(req, "after"), &doc, &e);

	return json_reply(resp, err, 200, doc, &e);
}

static mcim_err mcim_get(const struct net_request *req, struct net_response *resp,
			 void *arg)
{
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	mcim_err err =
	    net_ccif_get(arg, req->tenant->name, net_req_param(req, "id"), &doc, &e);

	return json_reply(resp, err, 200, doc, &e);
}

static mcim_err mcim_action(const struct net_request *req, struct net_response *resp,
			    void *arg)
{
	const char *p = net_req_param(req, "id"), *colon = strchr(p, ':');
	char id[2 * 16 + 1];
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	mcim_err err;

	if (colon == NULL || (size_t)(colon - p) >= sizeof(id))
		return net_resp_error(resp, MCIM_ERR_INVALID_ARG,
				      "expected {mcim_id}:{action}");
	memcpy(id, p, (size_t)(colon - p));
	id[colon - p] = '\0';
	err = net_ccif_action(arg, req->tenant->name, id, colon + 1, &doc, &e);
	return json_reply(resp, err, 200, doc, &e);
}

static mcim_err mcim_policy_put(const struct net_request *req, struct net_response *resp,
				void *arg)
{
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	mcim_err err = net_ccif_set_policy(arg, req->tenant->name,
					   net_req_param(req, "id"), req->json, &doc, &e);

	return json_reply(resp, err, 200, doc, &e);
}

struct net_sho_http {
	struct net_sho *sho;
	struct net_icf_verifier *verifier;
	struct device_arg dpf[sizeof(dpf_routes) / sizeof(dpf_routes[0])];
	struct device_arg auc[sizeof(auc_routes) / sizeof(auc_routes[0])];
};

static mcim_err add_device(struct net_server *srv, const struct device_route *r,
			   struct device_arg *args, size_t n,
			   const struct net_sho_http *h)
{
	struct net_route routes[8];

	assert(n <= 8);
	for (size_t i = 0; i < n; i++) {
		args[i] = (struct device_arg){h->sho, r[i].fn,
					      r[i].session ? h->verifier : NULL};
		routes[i] = (struct net_route){
		    "POST",	    r[i].path, NET_API_DEVICE, 1, MCIM_PROTO_MSG_MAX,
		    device_handler, &args[i]};
	}
	return net_server_add_routes(srv, routes, n);
}

mcim_err net_sho_routes(struct net_server *srv, const struct net_config *cfg,
			unsigned roles, struct net_sho_http **out, char *msg, size_t cap)
{
	struct net_sho_tenant tenants[NET_SHO_TENANTS_MAX];
	struct net_sho_config sc;
	struct net_sho_http *h;
	size_t n = 0;
	mcim_err err;

	assert(srv != NULL && cfg != NULL && out != NULL);
	*out = NULL;
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		if (cfg->tenants[i].kind != NET_TENANT_SHO)
			continue;
		if (n == NET_SHO_TENANTS_MAX) {
			snprintf(msg, cap, "more than %d SHO tenants",
				 NET_SHO_TENANTS_MAX);
			return MCIM_ERR_FULL;
		}
		tenants[n++] =
		    (struct net_sho_tenant){cfg->tenants[i].name, cfg->tenants[i].plmn};
	}
	if (n == 0 || !(roles & (NET_ROLE_DPF | NET_ROLE_AUC)))
		return MCIM_OK;
	memset(&sc, 0, sizeof(sc));
	sc.store_url = cfg->store_path;
	sc.pki_dir = cfg->pki_dir;
	sc.tenants = tenants;
	sc.n_tenants = n;
	sc.skew = cfg->clock_skew_s;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return MCIM_ERR_NOMEM;
	err = net_sho_new(&sc, &h->sho, msg, cap);
	if (err == MCIM_OK)
		err = net_icf_verifier_new(cfg->pki_dir, NULL, cfg->clock_skew_s, NULL,
					   NULL, &h->verifier, msg, cap);
	if (err == MCIM_OK && (roles & NET_ROLE_DPF)) {
		const struct net_route ops[] = {
		    {"POST", "/v1/tenants/{tenant}/mcims", NET_API_OPERATOR, 1, 0,
		     mcim_order, h->sho},
		    {"GET", "/v1/tenants/{tenant}/mcims", NET_API_OPERATOR, 0, 0,
		     mcim_list, h->sho},
		    {"GET", "/v1/tenants/{tenant}/mcims/{id}", NET_API_OPERATOR, 0, 0,
		     mcim_get, h->sho},
		    {"POST", "/v1/tenants/{tenant}/mcims/{id}", NET_API_OPERATOR, 0, 0,
		     mcim_action, h->sho},
		    {"PUT", "/v1/tenants/{tenant}/mcims/{id}/policy", NET_API_OPERATOR, 1,
		     0, mcim_policy_put, h->sho},
		};
		err = add_device(srv, dpf_routes, h->dpf,
				 sizeof(dpf_routes) / sizeof(dpf_routes[0]), h);
		if (err == MCIM_OK)
			err =
			    net_server_add_routes(srv, ops, sizeof(ops) / sizeof(ops[0]));
	}
	if (err == MCIM_OK && (roles & NET_ROLE_AUC))
		err = add_device(srv, auc_routes, h->auc,
				 sizeof(auc_routes) / sizeof(auc_routes[0]), h);
	if (err != MCIM_OK) {
		net_sho_http_free(h);
		return err;
	}
	*out = h;
	return MCIM_OK;
}

void net_sho_http_free(struct net_sho_http *h)
{
	if (h == NULL)
		return;
	net_icf_verifier_free(h->verifier);
	net_sho_free(h->sho);
	free(h);
}
