/*
 * net/pva.h: the platform validation authority (R-NET-R07, R-PRC-201..205,
 * docs/protocol.md §4, docs/pva.md).
 *
 * A device asks for a nonce n_p (32 random octets, single use, short-lived, kept in
 * the store for its TRE id), its TRE signs evidence over it (mcim/evidence.h), and
 * the PVA answers with a signed result, Sign_PVA{"mcim/pva/result", tre_id, n_p,
 * status, verdicts, ev_hash, iat, exp}, bound to that TRE id and nonce and valid for
 * minutes. The evidence is appraised against the reference values the M2MES
 * published for that platform and firmware (a manifest signed by an m2mes
 * certificate, uploaded through the operator API) under the policy of each mode:
 *   remote      every measurement must match the reference (else contraindicated);
 *   semi        the TRE's list of failed components: the strict policy refuses any
 *               failure, the lenient one lets the listed non-critical components
 *               fail with a warning;
 *   autonomous  a good boot, claimed by correctly signed evidence.
 * Firmware the PVA has no reference values for is contraindicated in every mode:
 * there is no accept-all default (docs/pva.md). A contraindicated result is still
 * signed and returned, so the device learns why; the DPF refuses it.
 *
 * Like net/sho.h, this header names neither the store's nor the server's types.
 * Threads: every function may be called from any number of threads at once. NULL
 * where a pointer is required is a caller bug (assert).
 */
#ifndef MCIM_NET_PVA_H
#define MCIM_NET_PVA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcim/err.h"
#include "mcim/evidence.h"
#include "net/api_util.h"

#define NET_PVA_NONCE_TTL	120  /* seconds an n_p waits for its evidence */
#define NET_PVA_RESULT_TTL	600  /* seconds a result is valid */
#define NET_PVA_REFVALS_MAX	4096 /* verified reference manifests cached */
#define NET_PVA_NONCRITICAL_MAX MCIM_MANIFEST_COMPONENTS_MAX

/* Verdict names the policy adds beside the components' (docs/pva.md). */
#define NET_PVA_VERDICT_FIRMWARE  "firmware"
#define NET_PVA_VERDICT_MODE	  "mode"
#define NET_PVA_VERDICT_ASSURANCE "assurance"
#define NET_PVA_VERDICT_BOOT	  "boot"

/* The SHO's policy (docs/pva.md). All zero: every mode, strict, no minimum. */
struct net_pva_policy {
	unsigned modes;	  /* bits 1u << enum mcim_evidence_mode; 0: all three */
	int semi_lenient; /* 0: strict (any failure is contraindicated) */
	const char *const *noncritical; /* lenient: components that may fail */
	size_t n_noncritical;		/* 0..NET_PVA_NONCRITICAL_MAX */
	unsigned min_assurance; /* the TRE certificate's assurance at least this */
};

struct net_pva_config {
	const char *store_url;
	const char *pki_dir; /* tool/pki.h layout: the pva entity signs results */
	const char *tenant;  /* the PVA tenant's name (config and store) */
	struct net_pva_policy policy; /* copied */
	int64_t skew;		      /* 0: MCIM_PROTO_SKEW_DEFAULT */
	int64_t nonce_ttl;	      /* 0: NET_PVA_NONCE_TTL */
	int64_t result_ttl;	      /* 0: NET_PVA_RESULT_TTL */
	int64_t (*now)(void *arg);    /* NULL: time() */
	void *now_arg;
};

struct net_pva;

/* A response body (malloc'd). */
struct net_pva_buf {
	uint8_t *data;
	size_t len;
};

void net_pva_buf_free(struct net_pva_buf *b);

/*
 * Loads the PKI (the pva entity's key and chain), opens the store and finds or
 * creates the tenant there (role PVA). Errors: MCIM_ERR_INVALID_ARG (config, policy),
 * MCIM_ERR_NOT_FOUND (no pva entity), the errors of tool_pki_load and
 * net_store_open, MCIM_ERR_NOMEM; msg says why.
 */
mcim_err net_pva_new(const struct net_pva_config *cfg, struct net_pva **out, char *msg,
		     size_t cap);
void net_pva_free(struct net_pva *p);

/*
 * POST /pva/v1/challenge {"mode", "tre_id"} -> {"exp", "n_p"}. Errors: the decoder's,
 * MCIM_ERR_POLICY (a mode the policy does not allow), store errors.
 */
mcim_err net_pva_challenge(struct net_pva *p, const uint8_t *req, size_t len,
			   struct net_pva_buf *resp);

/*
 * POST /pva/v1/evidence {"evidence": Sign_TRE} -> {"result": Sign_PVA}. Refused
 * without a result (nothing stored, the nonce untouched unless said): the decoder's
 * errors; mcim_evidence_verify's (MCIM_ERR_BAD_CERT, MCIM_ERR_EXPIRED,
 * MCIM_ERR_WRONG_ROLE, MCIM_ERR_BAD_SIGNATURE, MCIM_ERR_PARSE, MCIM_ERR_TAMPERED);
 * MCIM_ERR_BAD_CERT for a revoked TRE certificate; then the nonce, consumed now
 * whatever the appraisal says: MCIM_ERR_DENIED (not an n_p this PVA issued for this
 * TRE id, R-PRC-205), MCIM_ERR_EXPIRED, MCIM_ERR_REPLAY (already used). Otherwise
 * MCIM_OK with a signed, stored result of any status; *status (may be NULL) gets it.
 */
mcim_err net_pva_evidence(struct net_pva *p, const uint8_t *req, size_t len,
			  struct net_pva_buf *resp, enum mcim_ear_status *status);

/*
 * POST /v1/tenants/{t}/reference-values {"manifest": base64 of the signed manifest}:
 * verified (chain to the CI root, role m2mes) and kept as the reference values of
 * its (platform, sequence). *created is 1 for a new entry, 0 when the same content
 * was there. *out describes it. Errors: MCIM_ERR_NOT_FOUND (tenant is not this
 * PVA's), MCIM_ERR_INVALID_ARG (body: e->msg), mcim_manifest_verify's errors
 * (MCIM_ERR_WRONG_ROLE for a signer that is not an m2mes), MCIM_ERR_EXISTS (other
 * content for that platform and sequence), store errors. Kept in the store: every
 * daemon on the database sees them at once.
 */
mcim_err net_pva_refvals_put(struct net_pva *p, const char *tenant, const json_t *body,
			     json_t **out, int *created, struct net_jerr *e);
/* GET .../reference-values -> {"reference_values": [{platform, sequence, ...}]} */
mcim_err net_pva_refvals_list(struct net_pva *p, const char *tenant, json_t **out);

/* ---- HTTP (pva_routes.c) ---- */

struct net_server;
struct net_config;
struct net_pva_http;

/*
 * Starts the PVA for cfg's PVA tenant (exactly one: MCIM_ERR_INVALID_ARG for more)
 * under policy (NULL: the defaults) when roles has NET_ROLE_PVA, and adds its routes
 * to srv: the device API, which needs an ICF session of scope pva
 * (net_icf_session_check), and the reference values of the operator API. *out is
 * NULL (nothing added) without a PVA tenant or the role. Errors: those of
 * net_pva_new and net_icf_verifier_new (msg says why), of net_server_add_routes.
 */
mcim_err net_pva_routes(struct net_server *srv, const struct net_config *cfg,
			unsigned roles, const struct net_pva_policy *policy,
			struct net_pva_http **out, char *msg, size_t cap);
void net_pva_http_free(struct net_pva_http *h);

#endif
