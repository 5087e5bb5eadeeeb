/*
 * The check the DRF, the PVA and the DPF make of a device request's ICF session
 * (docs/protocol.md §2): the Authorization header's scheme and base64url, then
 * mcim_proto_session_verify (role icf, chain to the CI root, revocation,
 * freshness, scope). Every failure is the same DENIED to the client; the log keeps
 * the cause for the operator, with the request id.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/http.h"
#include "net/icf.h"
#include "net/icf_int.h"
#include "net/log.h"
#include "tool/pki.h"

struct net_icf_verifier {
	struct tool_pki pki;
	const uint8_t *ci_root;
	size_t ci_root_len;
	char op[MCIM_CERT_OPERATOR_MAX + 1]; /* "" : any */
	int64_t skew;
	int64_t (*now)(void *arg);
	void *now_arg;
};

mcim_err net_icf_verifier_new(const char *pki_dir, const char *icf_operator, int64_t skew,
			      int64_t (*now)(void *arg), void *now_arg,
			      struct net_icf_verifier **out, char *msg, size_t cap)
{
	struct net_icf_verifier *v;
	mcim_err err;

	assert(pki_dir != NULL && out != NULL);
	*out = NULL;
	if (skew < 0 ||
	    (icf_operator != NULL && strlen(icf_operator) > MCIM_CERT_OPERATOR_MAX))
		return MCIM_ERR_INVALID_ARG;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return MCIM_ERR_NOMEM;
	err = tool_pki_load(pki_dir, &v->pki);
	if (err == MCIM_OK)
		err = tool_pki_root(&v->pki, &v->ci_root, &v->ci_root_len);
	if (err != MCIM_OK) {
		if (msg != NULL && cap > 0)
			snprintf(msg, cap, "%s", v->pki.err);
		net_icf_verifier_free(v);
		return err;
	}
	snprintf(v->op, sizeof(v->op), "%s", icf_operator != NULL ? icf_operator : "");
	v->skew = skew ? skew : MCIM_PROTO_SKEW_DEFAULT;
	v->now = now;
	v->now_arg = now_arg;
	*out = v;
	return MCIM_OK;
}

void net_icf_verifier_free(struct net_icf_verifier *v)
{
	if (v == NULL)
		return;
	tool_pki_free(&v->pki);
	free(v);
}

static mcim_err check(const struct net_icf_verifier *v, const char *h, uint32_t scope,
		      struct mcim_proto_session *out)
{
	static const size_t scheme_len = sizeof(NET_ICF_AUTH_SCHEME) - 1;
	uint8_t obj[MCIM_PROTO_SIGNED_MAX];
	struct mcim_proto_trust trust;
	size_t n = 0, len;
	mcim_err err;

	if (h == NULL)
		return MCIM_ERR_NOT_FOUND;
	if (strncasecmp(h, NET_ICF_AUTH_SCHEME, scheme_len) != 0 || h[scheme_len] != ' ')
		return MCIM_ERR_UNSUPPORTED;
	h += scheme_len + 1;
	len = strlen(h);
	if (len > (MCIM_PROTO_SIGNED_MAX + 2) / 3 * 4)
		return MCIM_ERR_TOO_LARGE;
	err = icf_b64_decode(h, len, 1, obj, sizeof(obj), &n);
	if (err != MCIM_OK)
		return err;
	memset(&trust, 0, sizeof(trust));
	trust.ci_root = v->ci_root;
	trust.ci_root_len = v->ci_root_len;
	trust.revoked = v->pki.revoked;
	trust.n_revoked = v->pki.n_revoked;
	trust.now = v->now != NULL ? v->now(v->now_arg) : (int64_t)time(NULL);
	trust.skew = v->skew;
	return mcim_proto_session_verify(obj, n, &trust, v->op[0] ? v->op : NULL, scope,
					 out, NULL);
}

mcim_err net_icf_session_check(const struct net_icf_verifier *v,
			       const struct net_request *req, uint32_t scope,
			       struct mcim_proto_session *out)
{
	struct mcim_proto_session s;
	mcim_err err;

	assert(v != NULL && req != NULL);
	err = check(v, net_req_header(req, "Authorization"), scope, &s);
	if (err != MCIM_OK) {
		net_log(NET_LOG_DEBUG, req->id, "ICF session refused: %s",
			mcim_err_name(err));
		return MCIM_ERR_DENIED;
	}
	if (out != NULL)
		*out = s;
	return MCIM_OK;
}

mcim_err net_icf_session_refuse(struct net_response *resp)
{
	struct mcim_proto_error e = {MCIM_ERR_DENIED, "no valid ICF session"};
	uint8_t body[MCIM_PROTO_MESSAGE_MAX + 64];
	size_t n = 0;
	mcim_err err = mcim_proto_error_encode(&e, body, sizeof(body), &n);

	if (err == MCIM_OK)
		err = net_resp_cbor(resp, 401, body, n);
	if (err == MCIM_OK)
		err = net_resp_header(resp, "WWW-Authenticate", NET_ICF_AUTH_SCHEME);
	return err;
}
