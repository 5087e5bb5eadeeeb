/*
 * The DRF's discover endpoint (net/drf.h). Per request: the session hook, the strict
 * decode of the message, the registration lookup across SHOs (the one place where
 * the store answers for any tenant, by design), then the token: signed first (pure
 * computation, outside any transaction), recorded with its audit record in one
 * transaction, and only then returned, so a device never holds a token the store
 * does not know.
 */
#include "net/drf.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"
#include "mcim/cose.h"
#include "net/config.h"
#include "net/log.h"
#include "net/roles.h"
#include "tool/pki.h"

struct net_drf {
	struct net_api_ctx *api;
	struct net_server *srv;
	uint32_t ttl;
	char dpf_url[NET_DRF_URL_MAX + 1]; /* "" : the default */
	char pva_url[NET_DRF_URL_MAX + 1];
	net_drf_session_fn session_check;
	void *session_arg;
	const struct mcim_rng *rng;
	struct tool_pki pki; /* the chain's DER lives here */
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain;
};

static void set_msg(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static int url_ok(const char *u)
{
	size_t n = strlen(u);

	if (n == 0 || n > NET_DRF_URL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (u[i] <= 0x20 || u[i] >= 0x7f)
			return 0;
	return 1;
}

mcim_err net_drf_new(const struct net_drf_opts *opts, struct net_drf **out, char *msg,
		     size_t msg_cap)
{
	const struct tool_pki_entity *ent;
	struct net_drf *drf;
	const char *dir;
	mcim_err err;

	assert(opts != NULL && opts->api != NULL && opts->srv != NULL && out != NULL);
	*out = NULL;
	if ((opts->dpf_url != NULL && !url_ok(opts->dpf_url)) ||
	    (opts->pva_url != NULL && !url_ok(opts->pva_url))) {
		set_msg(msg, msg_cap,
			"a DPF or PVA URL is empty, too long or not printable");
		return MCIM_ERR_INVALID_ARG;
	}
	drf = calloc(1, sizeof(*drf));
	if (drf == NULL)
		return MCIM_ERR_NOMEM;
	drf->api = opts->api;
	drf->srv = opts->srv;
	drf->ttl = opts->token_ttl_s ? opts->token_ttl_s : NET_DRF_TOKEN_TTL_DEFAULT;
	snprintf(drf->dpf_url, sizeof(drf->dpf_url), "%s",
		 opts->dpf_url ? opts->dpf_url : "");
	snprintf(drf->pva_url, sizeof(drf->pva_url), "%s",
		 opts->pva_url ? opts->pva_url : "");
	drf->session_check = opts->session_check;
	drf->session_arg = opts->session_arg;
	drf->rng = opts->rng ? opts->rng : mcim_rng_system();
	dir = opts->pki_dir ? opts->pki_dir : net_api_config(opts->api)->pki_dir;
	err = tool_pki_load(dir, &drf->pki);
	if (err != MCIM_OK) {
		set_msg(msg, msg_cap, "%s", drf->pki.err);
		net_drf_free(drf);
		return err;
	}
	ent = opts->entity ? tool_pki_find(&drf->pki, opts->entity)
			   : tool_pki_find_role(&drf->pki, MCIM_CERT_ROLE_DRF, NULL);
	if (ent == NULL || ent->role != MCIM_CERT_ROLE_DRF) {
		set_msg(msg, msg_cap, "%s: no drf entity%s%s", dir,
			opts->entity ? " named " : "", opts->entity ? opts->entity : "");
		net_drf_free(drf);
		return MCIM_ERR_NOT_FOUND;
	}
	err = tool_pki_key(&drf->pki, ent->name, &drf->key);
	if (err == MCIM_OK)
		err = tool_pki_chain(&drf->pki, ent->name, 0, drf->chain,
				     MCIM_COSE_X5CHAIN_MAX, &drf->n_chain);
	if (err != MCIM_OK) {
		set_msg(msg, msg_cap, "%s", drf->pki.err);
		net_drf_free(drf);
		return err;
	}
	*out = drf;
	return MCIM_OK;
}

void net_drf_free(struct net_drf *drf)
{
	if (drf == NULL)
		return;
	mcim_p256_priv_wipe(&drf->key);
	tool_pki_free(&drf->pki);
	free(drf);
}

/* The configured URL, or this daemon's own base URL. */
static void url_or_self(const struct net_drf *drf, const char *url, char *out, size_t cap)
{
	const struct net_config *cfg = net_api_config(drf->api);
	const char *addr = cfg->listen_address;
	int v6 = strchr(addr, ':') != NULL;

	if (url[0] != '\0')
		snprintf(out, cap, "%s", url);
	else
		snprintf(out, cap, "%s://%s%s%s:%u",
			 cfg->tls_cert[0] != '\0' ? "https" : "http", v6 ? "[" : "", addr,
			 v6 ? "]" : "", (unsigned)net_server_port(drf->srv));
}

/*
 * Signs the registration token. The one place that knows how: swap this for an HSM
 * or a signing service and nothing else changes.
 */
static mcim_err drf_token_sign(const struct net_drf *drf,
			       const struct mcim_proto_reg_token *t, uint8_t *out,
			       size_t cap, size_t *len)
{
	const struct mcim_proto_signer signer = {&drf->key, drf->chain, drf->n_chain};

	return mcim_proto_reg_token_sign(t, &signer, out, cap, len);
}

/* No or a bad session is 401 (docs/protocol.md §1), which net_err_status() keeps
 * for the operator API's bearer tokens: the CBOR error is written here. */
static mcim_err session_refused(struct net_response *resp)
{
	struct mcim_proto_error e = {.err = MCIM_ERR_DENIED};
	uint8_t buf[MCIM_PROTO_MESSAGE_MAX + 64];
	size_t len;
	mcim_err err;

	snprintf(e.message, sizeof(e.message), "a valid ICF session is required");
	err = mcim_proto_error_encode(&e, buf, sizeof(buf), &len);
	return err == MCIM_OK ? net_resp_cbor(resp, 401, buf, len) : err;
}

static mcim_err discover(const struct net_request *req, struct net_response *resp,
			 void *arg)
{
	struct net_drf *drf = arg;
	struct mcim_proto_discover_req m;
	struct mcim_proto_reg_token t;
	struct net_registration reg;
	struct net_store_tenant sho;
	struct net_reg_token rt;
	struct net_store *st;
	uint8_t *token = NULL, *body = NULL;
	char tre[2 * NET_TRE_ID_LEN + 1], rid[2 * NET_REG_ID_LEN + 1];
	size_t token_len = 0, body_len = 0;
	int64_t now = net_api_now(drf->api);
	mcim_err err;

	err = mcim_proto_discover_req_decode(req->body, req->body_len, &m);
	if (err != MCIM_OK)
		return net_resp_error(resp, err, "not a discover request");
	if (drf->session_check != NULL) {
		err = drf->session_check(req, &m, drf->session_arg);
		if (err == MCIM_ERR_DENIED)
			return session_refused(resp);
		if (err != MCIM_OK)
			return err;
	}
	st = net_api_store_take(drf->api, &err);
	if (st == NULL)
		return err;
	err = net_store_registration_discover(st, m.tre_id, &reg);
	if (err == MCIM_OK)
		err = net_store_tenant_get(st, reg.tenant, &sho);
	memset(&t, 0, sizeof(t));
	if (err == MCIM_OK)
		err = mcim_rng_fill(drf->rng, t.reg_id, sizeof(t.reg_id));
	if (err == MCIM_OK) {
		memcpy(t.tre_id, m.tre_id, sizeof(t.tre_id));
		snprintf(t.sho, sizeof(t.sho), "%s", sho.plmn);
		url_or_self(drf, drf->dpf_url, t.dpf_url, sizeof(t.dpf_url));
		url_or_self(drf, drf->pva_url, t.pva_url, sizeof(t.pva_url));
		memcpy(t.n_d, m.n_d, sizeof(t.n_d));
		t.iat = now;
		t.exp = now + drf->ttl;
		token = malloc(MCIM_PROTO_SIGNED_MAX);
		body = malloc(MCIM_PROTO_SIGNED_MAX + 32);
		err = token != NULL && body != NULL ? MCIM_OK : MCIM_ERR_NOMEM;
	}
	if (err == MCIM_OK)
		err = drf_token_sign(drf, &t, token, MCIM_PROTO_SIGNED_MAX, &token_len);
	if (err == MCIM_OK) {
		const struct mcim_proto_discover_resp r = {{token, token_len}};
		err = mcim_proto_discover_resp_encode(
		    &r, body, MCIM_PROTO_SIGNED_MAX + 32, &body_len);
	}
	if (err == MCIM_OK) {
		memset(&rt, 0, sizeof(rt));
		memcpy(rt.reg_id, t.reg_id, sizeof(rt.reg_id));
		rt.tenant = reg.tenant;
		rt.registration = reg.id;
		rt.created = now;
		rt.expires = t.exp;
		net_api_hex(m.tre_id, NET_TRE_ID_LEN, tre);
		net_api_hex(t.reg_id, NET_REG_ID_LEN, rid);
		err = net_store_begin(st);
		if (err == MCIM_OK) {
			err = net_store_regtoken_create(st, &rt);
			if (err == MCIM_OK)
				err = net_api_audit(st, reg.tenant, now, "drf",
						    NET_AUDIT_REG_TOKEN_ISSUED, MCIM_OK,
						    tre, "reg_id %s, expires %" PRId64,
						    rid, t.exp);
			if (err == MCIM_OK)
				err = net_store_commit(st);
			else
				net_store_rollback(st);
		}
	}
	net_api_store_give(drf->api, st);
	if (err == MCIM_OK)
		err = net_resp_cbor(resp, 200, body, body_len);
	free(token);
	free(body);
	if (err == MCIM_ERR_NOT_FOUND)
		return net_resp_error(resp, err, "no registration for this TRE id");
	return err;
}

mcim_err net_drf_routes(struct net_server *srv, struct net_drf *drf)
{
	const struct net_route routes[] = {
	    {"POST", "/drf/v1/discover", NET_API_DEVICE, 1, MCIM_PROTO_MSG_MAX, discover,
	     drf},
	};

	return net_server_add_routes(srv, routes, sizeof(routes) / sizeof(routes[0]));
}
