/*
 * The PVA's HTTP routes: the device API (§4, CBOR), reachable only with an ICF
 * session of scope pva, and the reference values of the operator API (JSON, the
 * PVA tenant authenticated by the server). Handlers move bytes between the request
 * and the sans-I/O functions of net/pva.h and count outcomes for /metrics:
 *   POST /pva/v1/challenge                         {"tre_id", "mode"} -> n_p
 *   POST /pva/v1/evidence                          {"evidence"} -> {"result"}
 *   POST /v1/tenants/{tenant}/reference-values     {"manifest": base64} (201 / 200)
 *   GET  /v1/tenants/{tenant}/reference-values     the list
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/proto.h"
#include "net/config.h"
#include "net/http.h"
#include "net/icf.h"
#include "net/log.h"
#include "net/pva.h"

enum {
	C_CHALLENGES,
	C_AFFIRMING,
	C_WARNING,
	C_CONTRAINDICATED,
	C_REFUSED,
	C_REFVALS,
	N_COUNTERS
};

static const char *const counter_name[N_COUNTERS][2] = {
    {"mcimd_pva_challenges_total", "PVA nonces handed out"},
    {"mcimd_pva_affirming_total", "PVA results: affirming"},
    {"mcimd_pva_warning_total", "PVA results: warning"},
    {"mcimd_pva_contraindicated_total", "PVA results: contraindicated"},
    {"mcimd_pva_refused_total", "PVA evidence refused without a result"},
    {"mcimd_pva_reference_values_total", "PVA reference manifests accepted"},
};

struct net_pva_http {
	struct net_pva *pva;
	struct net_icf_verifier *sessions;
	struct net_metrics *metrics;
	size_t counter[N_COUNTERS];
};

static mcim_err challenge(const struct net_request *req, struct net_response *resp,
			  void *arg)
{
	struct net_pva_http *h = arg;
	struct net_pva_buf out = {NULL, 0};
	mcim_err err;

	if (net_icf_session_check(h->sessions, req, MCIM_PROTO_SCOPE_PVA, NULL) !=
	    MCIM_OK)
		return net_icf_session_refuse(resp);
	err = net_pva_challenge(h->pva, req->body, req->body_len, &out);
	if (err == MCIM_OK) {
		net_metrics_add(h->metrics, h->counter[C_CHALLENGES], 1);
		err = net_resp_cbor(resp, 200, out.data, out.len);
	}
	net_pva_buf_free(&out);
	return err;
}

static mcim_err evidence(const struct net_request *req, struct net_response *resp,
			 void *arg)
{
	struct net_pva_http *h = arg;
	struct net_pva_buf out = {NULL, 0};
	enum mcim_ear_status status = MCIM_EAR_NONE;
	mcim_err err;
	size_t c;

	if (net_icf_session_check(h->sessions, req, MCIM_PROTO_SCOPE_PVA, NULL) !=
	    MCIM_OK)
		return net_icf_session_refuse(resp);
	err = net_pva_evidence(h->pva, req->body, req->body_len, &out, &status);
	if (err == MCIM_OK) {
		c = status == MCIM_EAR_AFFIRMING ? C_AFFIRMING
		    : status == MCIM_EAR_WARNING ? C_WARNING
						 : C_CONTRAINDICATED;
		net_log(NET_LOG_INFO, req->id, "PVA result %s",
			mcim_ear_status_name(status));
		err = net_resp_cbor(resp, 200, out.data, out.len);
	} else {
		c = C_REFUSED;
		net_log(NET_LOG_INFO, req->id, "PVA evidence refused: %s",
			mcim_err_name(err));
	}
	net_metrics_add(h->metrics, h->counter[c], 1);
	net_pva_buf_free(&out);
	return err;
}

static mcim_err refvals_put(const struct net_request *req, struct net_response *resp,
			    void *arg)
{
	struct net_pva_http *h = arg;
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	int created = 0;
	mcim_err err =
	    net_pva_refvals_put(h->pva, req->tenant->name, req->json, &doc, &created, &e);

	if (err == MCIM_OK) {
		if (created)
			net_metrics_add(h->metrics, h->counter[C_REFVALS], 1);
		err = net_resp_json(resp, created ? 201 : 200, doc);
	} else if (e.msg[0] != '\0' && net_err_status(err) < 500) {
		err = net_resp_error(resp, err, "%s", e.msg);
	}
	json_decref(doc);
	return err;
}

static mcim_err refvals_list(const struct net_request *req, struct net_response *resp,
			     void *arg)
{
	struct net_pva_http *h = arg;
	json_t *doc = NULL;
	mcim_err err = net_pva_refvals_list(h->pva, req->tenant->name, &doc);

	if (err == MCIM_OK)
		err = net_resp_json(resp, 200, doc);
	json_decref(doc);
	return err;
}

mcim_err net_pva_routes(struct net_server *srv, const struct net_config *cfg,
			unsigned roles, const struct net_pva_policy *policy,
			struct net_pva_http **out, char *msg, size_t cap)
{
	const struct net_tenant *tenant = NULL;
	struct net_pva_config pc;
	struct net_pva_http *h;
	mcim_err err = MCIM_OK;

	assert(srv != NULL && cfg != NULL && out != NULL);
	*out = NULL;
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		if (cfg->tenants[i].kind != NET_TENANT_PVA)
			continue;
		if (tenant != NULL) {
			snprintf(msg, cap, "a daemon hosts one PVA: tenants %s and %s",
				 tenant->name, cfg->tenants[i].name);
			return MCIM_ERR_INVALID_ARG;
		}
		tenant = &cfg->tenants[i];
	}
	if (tenant == NULL || !(roles & NET_ROLE_PVA))
		return MCIM_OK;
	memset(&pc, 0, sizeof(pc));
	pc.store_url = cfg->store_path;
	pc.pki_dir = cfg->pki_dir;
	pc.tenant = tenant->name;
	pc.skew = cfg->clock_skew_s;
	if (policy != NULL)
		pc.policy = *policy;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return MCIM_ERR_NOMEM;
	h->metrics = net_server_metrics(srv);
	err = net_pva_new(&pc, &h->pva, msg, cap);
	if (err == MCIM_OK)
		err = net_icf_verifier_new(cfg->pki_dir, NULL, cfg->clock_skew_s, NULL,
					   NULL, &h->sessions, msg, cap);
	for (int i = 0; err == MCIM_OK && i < N_COUNTERS; i++)
		err = net_metrics_counter(h->metrics, counter_name[i][0],
					  counter_name[i][1], &h->counter[i]);
	if (err == MCIM_OK) {
		const struct net_route routes[] = {
		    {"POST", "/pva/v1/challenge", NET_API_DEVICE, 1, MCIM_PROTO_MSG_MAX,
		     challenge, h},
		    {"POST", "/pva/v1/evidence", NET_API_DEVICE, 1, MCIM_PROTO_MSG_MAX,
		     evidence, h},
		    {"POST", "/v1/tenants/{tenant}/reference-values", NET_API_OPERATOR, 1,
		     64 * 1024, refvals_put, h},
		    {"GET", "/v1/tenants/{tenant}/reference-values", NET_API_OPERATOR, 0,
		     0, refvals_list, h},
		};
		err = net_server_add_routes(srv, routes,
					    sizeof(routes) / sizeof(routes[0]));
	}
	if (err != MCIM_OK) {
		net_pva_http_free(h);
		return err;
	}
	*out = h;
	return MCIM_OK;
}

void net_pva_http_free(struct net_pva_http *h)
{
	if (h == NULL)
		return;
	net_pva_free(h->pva);
	net_icf_verifier_free(h->sessions);
	free(h);
}
