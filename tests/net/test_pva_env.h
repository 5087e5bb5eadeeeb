/*
 * Shared by test_pva.c and test_icf.c: a real mcimd front (net_server on
 * 127.0.0.1:0) with the PVA and ICF routes over a real SQLite file, a demo PKI made
 * by tool_pki_init in a temporary directory, and a libcurl client. The device side
 * is simulated with the library's own encoders (evidence.h, manifest.h, proto.h,
 * auth.h) and keys from that PKI. Include after <cmocka.h>, with _XOPEN_SOURCE 700
 * defined before any header (nftw); everything is static.
 */
#ifndef MCIM_TESTS_NET_PVA_ENV_H
#define MCIM_TESTS_NET_PVA_ENV_H

#include <curl/curl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/cose.h"
#include "mcim/crypto.h"
#include "mcim/proto.h"
#include "net/config.h"
#include "net/http.h"
#include "net/icf.h"
#include "net/icf_int.h"
#include "net/pva.h"
#include "tool/pki.h"

#define ENV_PVA_TOKEN "pva-operator-token"
#define ENV_VNO_TOKEN "vno-operator-token"
#define ENV_SHO_TOKEN "sho-operator-token"
#define ENV_VNO_PLMN  TOOL_PKI_VNO_PLMN

struct env {
	char dir[256];
	char pki_dir[300];
	char db[300];
	struct tool_pki pki;
	struct net_tenant tenants[3];
	struct net_config cfg;
	struct net_server *srv;
	struct net_pva_http *pva;
	struct net_icf_http *icf;
	uint16_t port;
};

struct reply {
	long status;
	uint8_t body[65536];
	size_t len;
	char headers[4096];
	size_t hlen;
};

static int env_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static size_t env_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;

	if (len > sizeof(r->body) - r->len)
		return 0;
	memcpy(r->body + r->len, p, len);
	r->len += len;
	return len;
}

static size_t env_on_header(char *p, size_t size, size_t n, void *arg)
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

/* One request; body NULL for none, auth a whole "Authorization: ..." value or NULL. */
static void env_req(const struct env *e, const char *method, const char *path,
		    const char *ctype, const void *body, size_t len, const char *auth,
		    struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[512], line[8192];

	assert_non_null(c);
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)e->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, env_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, env_on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (ctype != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		h = curl_slist_append(h, line);
	}
	if (auth != NULL) {
		snprintf(line, sizeof(line), "Authorization: %s", auth);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

/* A device request (CBOR) with an optional session (a Sign_ICF object). */
static void env_device(const struct env *e, const char *path, const uint8_t *body,
		       size_t len, const uint8_t *session, size_t session_len,
		       struct reply *r)
{
	char auth[MCIM_PROTO_SIGNED_MAX * 2];

	if (session != NULL) {
		strcpy(auth, NET_ICF_AUTH_SCHEME " ");
		assert_int_equal(icf_b64url_encode(session, session_len,
						   auth + strlen(auth),
						   sizeof(auth) - strlen(auth)),
				 MCIM_OK);
	}
	env_req(e, "POST", path, "application/cbor", body, len,
		session != NULL ? auth : NULL, r);
}

/* An operator request (JSON) with a bearer token. */
static void env_operator(const struct env *e, const char *method, const char *path,
			 const char *json, const char *token, struct reply *r)
{
	char auth[256];

	snprintf(auth, sizeof(auth), "Bearer %s", token);
	env_req(e, method, path, json != NULL ? "application/json" : NULL, json,
		json != NULL ? strlen(json) : 0, auth, r);
}

/* The mcim_err name of an error reply (CBOR). */
static mcim_err env_cbor_error(const struct reply *r)
{
	struct mcim_proto_error pe;

	assert_int_equal(mcim_proto_error_decode(r->body, r->len, &pe), MCIM_OK);
	return pe.err;
}

/* The "error" name of an error reply (JSON). */
static inline void env_json_error(const struct reply *r, const char *name)
{
	json_t *doc = json_loadb((const char *)r->body, r->len, 0, NULL);

	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "error")), name);
	json_decref(doc);
}

static void env_tenant(struct net_tenant *t, const char *name, enum net_tenant_kind kind,
		       const char *plmn, const char *token)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->kind = kind;
	snprintf(t->plmn, sizeof(t->plmn), "%s", plmn);
	t->n_tokens = 1;
	assert_int_equal(mcim_sha256(token, strlen(token), t->token_sha256[0]), MCIM_OK);
}

/* Makes the PKI and starts a server with the PVA (under policy) and the ICF. */
/* The daemon's part: a server with the PVA and ICF routes over e's config and PKI
 * directory (read afresh, as a daemon does at start). */
static void env_serve(struct env *e, const struct net_pva_policy *policy)
{
	char msg[512] = "";

	e->srv = net_server_new(&e->cfg, NULL, NULL);
	assert_non_null(e->srv);
	if (net_pva_routes(e->srv, &e->cfg, NET_ROLES_ALL, policy, &e->pva, msg,
			   sizeof(msg)) != MCIM_OK)
		fail_msg("PVA: %s", msg);
	if (net_icf_routes(e->srv, &e->cfg, NET_ROLES_ALL, &e->icf, msg, sizeof(msg)) !=
	    MCIM_OK)
		fail_msg("ICF: %s", msg);
	assert_non_null(e->pva);
	assert_non_null(e->icf);
	assert_int_equal(net_server_start(e->srv), MCIM_OK);
	e->port = net_server_port(e->srv);
}

static void env_unserve(struct env *e)
{
	net_server_free(e->srv);
	net_pva_http_free(e->pva);
	net_icf_http_free(e->icf);
}

static void env_start(struct env *e, const struct net_pva_policy *policy)
{
	struct tool_pki_opts opts;
	char err[TOOL_PKI_ERR_MAX];

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/mcim-pva-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->pki_dir, sizeof(e->pki_dir), "%s/pki", e->dir);
	snprintf(e->db, sizeof(e->db), "%s/mcimd.db", e->dir);
	memset(&opts, 0, sizeof(opts));
	assert_int_equal(tool_pki_init(e->pki_dir, &opts, err), MCIM_OK);
	assert_int_equal(tool_pki_load(e->pki_dir, &e->pki), MCIM_OK);

	env_tenant(&e->tenants[0], "pva", NET_TENANT_PVA, "00190", ENV_PVA_TOKEN);
	env_tenant(&e->tenants[1], "vno", NET_TENANT_VNO, ENV_VNO_PLMN, ENV_VNO_TOKEN);
	env_tenant(&e->tenants[2], "sho1", NET_TENANT_SHO, "00101", ENV_SHO_TOKEN);
	net_config_defaults(&e->cfg, e->dir);
	snprintf(e->cfg.store_path, sizeof(e->cfg.store_path), "%s", e->db);
	snprintf(e->cfg.pki_dir, sizeof(e->cfg.pki_dir), "%s", e->pki_dir);
	e->cfg.tenants = e->tenants;
	e->cfg.n_tenants = 3;
	e->cfg.limits.threads = 2;
	e->cfg.limits.shutdown_grace_s = 5;
	env_serve(e, policy);
}

static void env_stop(struct env *e)
{
	env_unserve(e);
	tool_pki_free(&e->pki);
	nftw(e->dir, env_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A session signed with the VNO's ICF key, or with the key of entity `who`. */
static inline size_t env_session(struct env *e, const char *who, uint32_t scope,
				 int64_t iat, int64_t exp, uint8_t *out, size_t cap)
{
	struct mcim_proto_session s;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	struct mcim_proto_signer signer = {&key, chain, 0};
	size_t n = 0;

	memset(&s, 0, sizeof(s));
	snprintf(s.pcid, sizeof(s.pcid), "%s0000000001", ENV_VNO_PLMN);
	s.scope = scope;
	s.iat = iat;
	s.exp = exp;
	assert_int_equal(tool_pki_key(&e->pki, who, &key), MCIM_OK);
	assert_int_equal(tool_pki_chain(&e->pki, who, 0, chain, MCIM_COSE_X5CHAIN_MAX,
					&signer.n_chain),
			 MCIM_OK);
	assert_int_equal(mcim_proto_session_sign(&s, &signer, out, cap, &n), MCIM_OK);
	mcim_p256_priv_wipe(&key);
	return n;
}

#endif
