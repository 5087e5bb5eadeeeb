/*
 * The ICF's HTTP routes: the device API (§2, CBOR; no session needed, this is where
 * a device gets one) and the PCID import of the operator API (JSON, the VNO tenant
 * authenticated by the server). Handlers move bytes between the request and the
 * sans-I/O functions of net/icf.h and count outcomes for /metrics:
 *   POST /icf/v1/challenge                 {"pcid"} -> {"rand", "autn"}
 *   POST /icf/v1/attach                    {"pcid", "res" | "auts"}
 *   POST /v1/tenants/{tenant}/pcids        the factory export (200, per-record report)
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/config.h"
#include "net/http.h"
#include "net/icf.h"
#include "net/log.h"

enum { C_CHALLENGES, C_SESSIONS, C_RESYNCS, C_DENIED, C_IMPORTED, N_COUNTERS };

static const char *const counter_name[N_COUNTERS][2] = {
    {"mcimd_icf_challenges_total", "ICF challenges handed out"},
    {"mcimd_icf_sessions_total", "ICF sessions granted (correct RES)"},
    {"mcimd_icf_resyncs_total", "ICF resynchronisations (AUTS accepted)"},
    {"mcimd_icf_denied_total", "ICF attach attempts refused"},
    {"mcimd_icf_pcids_imported_total", "PCID records imported"},
};

struct net_icf_http {
	struct net_icf *icf;
	struct net_metrics *metrics;
	size_t counter[N_COUNTERS];
};

static mcim_err challenge(const struct net_request *req, struct net_response *resp,
			  void *arg)
{
	struct net_icf_http *h = arg;
	struct net_icf_buf out = {NULL, 0};
	mcim_err err = net_icf_challenge(h->icf, req->body, req->body_len, &out);

	if (err == MCIM_OK) {
		net_metrics_add(h->metrics, h->counter[C_CHALLENGES], 1);
		err = net_resp_cbor(resp, 200, out.data, out.len);
	}
	net_icf_buf_free(&out);
	return err;
}

static mcim_err attach(const struct net_request *req, struct net_response *resp,
		       void *arg)
{
	struct net_icf_http *h = arg;
	struct net_icf_buf out = {NULL, 0};
	int resynced = 0;
	mcim_err err = net_icf_attach(h->icf, req->body, req->body_len, &out, &resynced);

	if (err == MCIM_OK) {
		net_metrics_add(h->metrics, h->counter[resynced ? C_RESYNCS : C_SESSIONS],
				1);
		err = net_resp_cbor(resp, 200, out.data, out.len);
	} else if (err == MCIM_ERR_DENIED || err == MCIM_ERR_EXPIRED) {
		net_metrics_add(h->metrics, h->counter[C_DENIED], 1);
		net_log(NET_LOG_INFO, req->id, "ICF attach refused: %s",
			mcim_err_name(err));
		/* The device hears DENIED either way: a decoy challenge (for a PCID
		 * that is not served) cannot expire, so EXPIRED would tell a live PCID
		 * from an unknown one. The log keeps the cause. */
		err = MCIM_ERR_DENIED;
	}
	net_icf_buf_free(&out);
	return err;
}

static mcim_err import(const struct net_request *req, struct net_response *resp,
		       void *arg)
{
	struct net_icf_http *h = arg;
	struct net_jerr e = {{0}};
	json_t *doc = NULL;
	mcim_err err = net_icf_import(h->icf, req->tenant->name, req->json, &doc, &e);

	if (err == MCIM_OK) {
		json_t *n = json_object_get(doc, "imported");

		net_metrics_add(h->metrics, h->counter[C_IMPORTED],
				(uint64_t)json_integer_value(n));
		err = net_resp_json(resp, 200, doc);
	} else if (e.msg[0] != '\0' && net_err_status(err) < 500) {
		err = net_resp_error(resp, err, "%s", e.msg);
	}
	json_decref(doc);
	return err;
}

mcim_err net_icf_routes(struct net_server *srv, const struct net_config *cfg,
			unsigned roles, struct net_icf_http **out, char *msg, size_t cap)
{
	struct net_icf_tenant tenants[NET_ICF_TENANTS_MAX];
	struct net_icf_config ic;
	struct net_icf_http *h;
	size_t n = 0;
	mcim_err err = MCIM_OK;

	assert(srv != NULL && cfg != NULL && out != NULL);
	*out = NULL;
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		if (cfg->tenants[i].kind != NET_TENANT_VNO)
			continue;
		if (n == NET_ICF_TENANTS_MAX) {
			snprintf(msg, cap, "more than %d VNO tenants",
				 NET_ICF_TENANTS_MAX);
			return MCIM_ERR_FULL;
		}
		tenants[n++] =
		    (struct net_icf_tenant){cfg->tenants[i].name, cfg->tenants[i].plmn};
	}
	if (n == 0 || !(roles & NET_ROLE_ICF))
		return MCIM_OK;
	memset(&ic, 0, sizeof(ic));
	ic.store_url = cfg->store_path;
	ic.pki_dir = cfg->pki_dir;
	ic.tenants = tenants;
	ic.n_tenants = n;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return MCIM_ERR_NOMEM;
	h->metrics = net_server_metrics(srv);
	err = net_icf_new(&ic, &h->icf, msg, cap);
	for (int i = 0; err == MCIM_OK && i < N_COUNTERS; i++)
		err = net_metrics_counter(h->metrics, counter_name[i][0],
					  counter_name[i][1], &h->counter[i]);
	if (err == MCIM_OK) {
		const struct net_route routes[] = {
		    {"POST", "/icf/v1/challenge", NET_API_DEVICE, 1, MCIM_PROTO_MSG_MAX,
		     challenge, h},
		    {"POST", "/icf/v1/attach", NET_API_DEVICE, 1, MCIM_PROTO_MSG_MAX,
		     attach, h},
		    {"POST", "/v1/tenants/{tenant}/pcids", NET_API_OPERATOR, 1,
		     (uint64_t)NET_ICF_IMPORT_MAX * 128, import, h},
		};
		err = net_server_add_routes(srv, routes,
					    sizeof(routes) / sizeof(routes[0]));
	}
	if (err != MCIM_OK) {
		net_icf_http_free(h);
		return err;
	}
	*out = h;
	return MCIM_OK;
}

void net_icf_http_free(struct net_icf_http *h)
{
	if (h == NULL)
		return;
	net_icf_free(h->icf);
	free(h);
}
