/*
 * net/icf.h: the initial connectivity function (docs/protocol.md §2, R-PRC-101,
 * docs/pva.md) and the check every device-facing function makes of its session.
 *
 * The ICF authenticates a device by its PCID, a MILENAGE credential the factory
 * wrote into the TRE: the VNO's operator imports the factory export (PCID, K, OPc)
 * through the operator API, the ICF hands out a challenge (RAND, AUTN) with the SQN
 * kept in the store (compare-and-set, so several daemons never issue one SQN twice),
 * and a correct RES earns a session signed by the ICF, Sign_ICF{"mcim/icf/session",
 * pcid, scope, sid, iat, exp}, that reaches the DRF, the PVA and the DPF only. Only
 * the PCID travels on this path, never the TRE id (T-12).
 *
 * PCID records live in the store's AuC table under the VNO tenant (the PCID is an
 * IMSI of the VNO's range): the credential and the SQN state are sealed with
 * AES-256-GCM under keys derived from the VNO's key-encryption key file
 * (NET_ICF_KEK_FILE in the PKI directory), bound to the tenant and the PCID.
 *
 * The session check (net_icf_session_check) is for the DRF, PVA and DPF: the
 * request's "Authorization: MCIM-Session <base64url of the COSE>" header must hold
 * a session of role icf, chained to the CI root, fresh, with the scope asked for.
 *
 * Like net/sho.h this header names neither the store's nor the server's types
 * beyond forward declarations, so both sides can include it. Threads: every
 * function may be called from any number of threads at once. NULL where a pointer
 * is required is a caller bug (assert).
 */
#ifndef MCIM_NET_ICF_H
#define MCIM_NET_ICF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcim/err.h"
#include "mcim/proto.h"
#include "net/api_util.h"

#define NET_ICF_TENANTS_MAX   16
#define NET_ICF_SESSION_TTL   1800   /* seconds a session lives */
#define NET_ICF_CHALLENGE_TTL 300    /* seconds a challenge waits for RES */
#define NET_ICF_IMPORT_MAX    100000 /* PCID records in one import request */
/* The key-encryption key file of VNO <plmn>, in the PKI directory. */
#define NET_ICF_KEK_FILE "icf-%s.kek"
/* The scheme of the session header. */
#define NET_ICF_AUTH_SCHEME "MCIM-Session"

/* ---- the session check (DRF, PVA, DPF) ---- */

/* What a function trusts to verify sessions: loaded once at start, read-only. */
struct net_icf_verifier;

/*
 * Loads the CI root and the revocation list of the PKI in pki_dir. icf_operator:
 * the PLMN id the ICF certificate must carry (NULL: any ICF the CI certified).
 * skew: tolerated clock difference (0: MCIM_PROTO_SKEW_DEFAULT); now: the clock
 * (NULL: time()). Errors: those of tool_pki_load (msg says why), MCIM_ERR_NOMEM.
 */
mcim_err net_icf_verifier_new(const char *pki_dir, const char *icf_operator, int64_t skew,
			      int64_t (*now)(void *arg), void *now_arg,
			      struct net_icf_verifier **out, char *msg, size_t cap);
void net_icf_verifier_free(struct net_icf_verifier *v);

struct net_request;
struct net_response;

/*
 * MCIM_OK when req carries a valid session that includes scope (one
 * MCIM_PROTO_SCOPE_* bit); *out (may be NULL) gets it. Otherwise MCIM_ERR_DENIED,
 * whatever the cause (none, malformed, forged, another role, expired, another
 * scope): the cause is logged at debug level with the request id, never told.
 */
mcim_err net_icf_session_check(const struct net_icf_verifier *v,
			       const struct net_request *req, uint32_t scope,
			       struct mcim_proto_session *out)
    __attribute__((warn_unused_result));

/* The refusal of a request without a valid session: 401, {"error": "DENIED",
 * "message"} in CBOR, and WWW-Authenticate: MCIM-Session. */
mcim_err net_icf_session_refuse(struct net_response *resp);

/* ---- the ICF itself ---- */

struct net_icf_tenant {
	const char *name; /* the VNO tenant's name (config and store) */
	const char *plmn; /* its MCC+MNC: its PCIDs start with it */
};

struct net_icf_config {
	const char *store_url;
	const char *pki_dir; /* tool/pki.h layout; each VNO needs an icf entity with its
				PLMN id; the KEK files live here too */
	const struct net_icf_tenant *tenants;
	size_t n_tenants;	   /* 1..NET_ICF_TENANTS_MAX */
	int64_t session_ttl;	   /* 0: NET_ICF_SESSION_TTL */
	int64_t challenge_ttl;	   /* 0: NET_ICF_CHALLENGE_TTL */
	int64_t (*now)(void *arg); /* NULL: time() */
	void *now_arg;
};

struct net_icf;

/* A response body (malloc'd). */
struct net_icf_buf {
	uint8_t *data;
	size_t len;
};

void net_icf_buf_free(struct net_icf_buf *b);

/*
 * Loads the PKI (the ICF key of each VNO), reads or creates each VNO's KEK, opens
 * the store and finds or creates each tenant there (role VNO). msg gets the reason
 * of a failure. Errors: MCIM_ERR_INVALID_ARG (config), MCIM_ERR_NOT_FOUND (no icf
 * entity for a VNO's PLMN), the errors of tool_pki_load, net_store_open and
 * net_kek_load, MCIM_ERR_NOMEM.
 */
mcim_err net_icf_new(const struct net_icf_config *cfg, struct net_icf **out, char *msg,
		     size_t cap);
void net_icf_free(struct net_icf *icf);

/*
 * POST /icf/v1/challenge {"pcid"} -> {"rand", "autn"}: a MILENAGE vector from the
 * PCID's record, which keeps RAND, XRES and an expiry as its one pending challenge
 * (a newer challenge replaces it). Errors: the decoder's, MCIM_ERR_NOT_FOUND (no
 * such PCID), MCIM_ERR_DENIED (the record is not active), MCIM_ERR_SQN_EXHAUSTED,
 * MCIM_ERR_LOCKED (compare-and-set lost too often), store errors.
 */
mcim_err net_icf_challenge(struct net_icf *icf, const uint8_t *req, size_t len,
			   struct net_icf_buf *resp);

/*
 * POST /icf/v1/attach {"pcid", "res"} -> {"session": Sign_ICF}, or {"pcid",
 * "auts"} -> a new challenge {"rand", "autn"} after resynchronisation. The pending
 * challenge is used once, whatever the answer. *resynced (may be NULL) tells which
 * happened. Errors: MCIM_ERR_DENIED (wrong RES, compared in constant time; an AUTS
 * whose MAC-S fails; no PCID, no pending challenge: one answer for all of them, so
 * that the ICF tells nothing about its PCIDs), MCIM_ERR_EXPIRED (the challenge is
 * too old), the decoder's errors, store errors.
 */
mcim_err net_icf_attach(struct net_icf *icf, const uint8_t *req, size_t len,
			struct net_icf_buf *resp, int *resynced);

/*
 * POST /v1/tenants/{t}/pcids: body a JSON array of {"pcid": digits, "k": hex32,
 * "opc": hex32} (the factory export), at most NET_ICF_IMPORT_MAX records. Each
 * record is imported or refused on its own: *out = {"imported": n, "refused": n,
 * "errors": [{"index": i, "error": NAME, "message": text}, ...]}. Errors (the whole
 * request): MCIM_ERR_NOT_FOUND (tenant is no VNO served here), MCIM_ERR_INVALID_ARG
 * (not an array, too many records: e->msg), store errors.
 */
mcim_err net_icf_import(struct net_icf *icf, const char *tenant, const json_t *body,
			json_t **out, struct net_jerr *e);

/* ---- HTTP (icf_routes.c) ---- */

struct net_server;
struct net_config;
struct net_icf_http;

/*
 * Starts the ICF for cfg's VNO tenants and adds its routes to srv (the device API
 * and the PCID import) when roles has NET_ROLE_ICF. *out is NULL (nothing added)
 * when cfg has no VNO tenant or the role is off; else release it with
 * net_icf_http_free() after the server stopped. Errors: those of net_icf_new (msg
 * says why) and of net_server_add_routes.
 */
mcim_err net_icf_routes(struct net_server *srv, const struct net_config *cfg,
			unsigned roles, struct net_icf_http **out, char *msg, size_t cap);
void net_icf_http_free(struct net_icf_http *h);

#endif
