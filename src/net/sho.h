/*
 * net/sho.h: the selected home operator's network functions in mcimd: the CCIF
 * (creates MCIM credentials, queues management commands), the DPF (MCIM download,
 * docs/protocol.md §5, and the management pull of §6) and the AuC (attach, §7).
 * docs/sho.md describes their state machines, what the store holds and how it is
 * protected.
 *
 * One struct net_sho serves every SHO tenant of the daemon. It holds only what is
 * fixed at start (the PKI: CI root, revocation list, each SHO's DPF and management
 * keys; each SHO's key-encryption key; the store tenant ids) and a pool of store
 * connections; everything that changes lives in the store, so any number of
 * daemons may serve one database.
 *
 * The functions are sans-I/O: a device request is (body, len) in, a CBOR response
 * body out (struct net_sho_buf, malloc'd, released with net_sho_buf_free); an
 * operator request is a JSON document in and out. A refusal returns the mcim_err of
 * docs/protocol.md and changes nothing in the store. The HTTP routes over them are
 * in sho_routes.c (net/roles.h declares their registration).
 *
 * This header deliberately names neither the store's nor the HTTP server's types,
 * so that both sides can include it.
 *
 * Threads: every function may be called from any number of threads at once.
 * NULL where a pointer is required is a caller bug (assert).
 */
#ifndef MCIM_NET_SHO_H
#define MCIM_NET_SHO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcim/err.h"
#include "net/api_util.h"

#define NET_SHO_TENANTS_MAX 64
/* Defaults of struct net_sho_config's times, seconds. */
#define NET_SHO_TX_TTL	      600 /* a DPF transaction waits this long for M3 */
#define NET_SHO_CHALLENGE_TTL 300 /* an AKA challenge waits this long for RES* */
/* Management commands waiting for the device, per MCIM. */
#define NET_SHO_QUEUE_MAX 3
/* The key-encryption key file of SHO <plmn>, in the PKI directory. */
#define NET_SHO_KEK_FILE "sho-%s.kek"

struct net_sho_tenant {
	const char *name; /* the tenant's name (config and store) */
	const char *plmn; /* its MCC+MNC */
};

struct net_sho_config {
	const char *store_url; /* net_store_config.url */
	const char *pki_dir;   /* tool/pki.h layout; the KEK files live here too */
	const struct net_sho_tenant *tenants; /* the SHO tenants served */
	size_t n_tenants;		      /* 1..NET_SHO_TENANTS_MAX */
	int64_t skew;	       /* clock tolerance; 0: MCIM_PROTO_SKEW_DEFAULT */
	int64_t tx_ttl;	       /* 0: NET_SHO_TX_TTL */
	int64_t challenge_ttl; /* 0: NET_SHO_CHALLENGE_TTL */
	/* The clock (seconds since the epoch); NULL: time(). */
	int64_t (*now)(void *arg);
	void *now_arg;
};

struct net_sho;

/* A response body (malloc'd). */
struct net_sho_buf {
	uint8_t *data;
	size_t len;
};

void net_sho_buf_free(struct net_sho_buf *b);

/*
 * Loads the PKI (each tenant needs "<x>-dpf" and "<x>-mgmt" entities with its PLMN
 * id), reads or creates each SHO's KEK file (0600, 32 random octets in hex; created
 * once, O_EXCL, so that daemons sharing the directory agree), opens the store and
 * finds or creates each tenant there (role SHO). msg gets the reason of a failure.
 * Errors: MCIM_ERR_INVALID_ARG (config), MCIM_ERR_NOT_FOUND (a PKI entity), the
 * errors of tool_pki_load and net_store_open, MCIM_ERR_IO, MCIM_ERR_NOMEM.
 */
mcim_err net_sho_new(const struct net_sho_config *cfg, struct net_sho **out, char *msg,
		     size_t msg_cap);
/* Closes the pooled store connections and wipes the keys; s may be NULL. */
void net_sho_free(struct net_sho *s);

/* ---- DPF (device API, CBOR bodies; docs/protocol.md §5, §6) ---- */

mcim_err net_dpf_m1(struct net_sho *s, const uint8_t *req, size_t len,
		    struct net_sho_buf *resp);
mcim_err net_dpf_m3(struct net_sho *s, const uint8_t *req, size_t len,
		    struct net_sho_buf *resp);
mcim_err net_dpf_receipt(struct net_sho *s, const uint8_t *req, size_t len,
			 struct net_sho_buf *resp);
/* {"tre_id"} -> {"commands": [Sign_SHO, ...]} (every SHO's queued commands). */
mcim_err net_dpf_commands(struct net_sho *s, const uint8_t *req, size_t len,
			  struct net_sho_buf *resp);
/* {"result": Sign_TRE{"ctx": "mcim/mgmt/result", ...}} -> {"ok": true} */
mcim_err net_dpf_command_result(struct net_sho *s, const uint8_t *req, size_t len,
				struct net_sho_buf *resp);

/* {"chain", "reports"} -> {"accepted", "duplicates"} (§10): each SHO that knows the
 * TRE records each verified report once and applies the MCIM's tamper policy. */
mcim_err net_dpf_tamper(struct net_sho *s, const uint8_t *req, size_t len,
			struct net_sho_buf *resp);

/* ---- AuC (device API, §7) ---- */

mcim_err net_auc_challenge(struct net_sho *s, const uint8_t *req, size_t len,
			   struct net_sho_buf *resp);
mcim_err net_auc_confirm(struct net_sho *s, const uint8_t *req, size_t len,
			 struct net_sho_buf *resp);

/* ---- CCIF (operator API, JSON; the tenant is the authenticated caller) ---- */

/*
 * POST /v1/tenants/{t}/mcims {"tre_id": hex32, "algorithm": "milenage"|"tuak",
 * "policy": {...} (optional, see net_ccif_set_policy)}: creates the credential, the AuC
 * record (not live until the receipt) and the order for the TRE's active registration.
 * *out: the MCIM's view (as net_ccif_get). Errors: MCIM_ERR_INVALID_ARG (e->msg names the
 * field), MCIM_ERR_NOT_FOUND (no registration of this tenant), MCIM_ERR_EXISTS (a live
 * MCIM for this TRE).
 */
mcim_err net_ccif_order(struct net_sho *s, const char *tenant, const json_t *body,
			json_t **out, struct net_jerr *e);
/* GET .../mcims?state=NAME&after=N -> {"mcims": [...], "next": N or null}. */
mcim_err net_ccif_list(struct net_sho *s, const char *tenant, const char *state,
		       const char *after, json_t **out, struct net_jerr *e);
/* GET .../mcims/{id}: {"mcim_id", "tre_id", "imsi", "algorithm", "state",
 * "auc_state", "version", "created", "updated", "pending_commands", "policy"} (the
 * policy as issued, or as the TRE last confirmed it). */
mcim_err net_ccif_get(struct net_sho *s, const char *tenant, const char *mcim_id,
		      json_t **out, struct net_jerr *e);
/*
 * POST .../mcims/{id}:{action}, action activate|suspend|resume|delete: queues the
 * Sign_SHO command with the MCIM's next counter. suspend and delete take effect at
 * the AuC at once (R-MCIM-L07: a deleted MCIM's record is closed for good); resume
 * reopens it. Errors: MCIM_ERR_NOT_FOUND, MCIM_ERR_STATE (not allowed in the
 * MCIM's state), MCIM_ERR_FULL (NET_SHO_QUEUE_MAX commands wait for the device),
 * MCIM_ERR_INVALID_ARG (unknown action).
 */
mcim_err net_ccif_action(struct net_sho *s, const char *tenant, const char *mcim_id,
			 const char *action, json_t **out, struct net_jerr *e);
/*
 * PUT .../mcims/{id}/policy with a policy object (ccif_policy.c: absent fields take
 * the default): queues a signed set_policy command like an action, from installed,
 * activated or suspended. The network applies the new policy (e.g. on_tamper) once
 * the TRE's signed result confirms it. Errors: those of net_ccif_action, and
 * MCIM_ERR_INVALID_ARG naming the field of the policy.
 */
mcim_err net_ccif_set_policy(struct net_sho *s, const char *tenant, const char *mcim_id,
			     const json_t *body, json_t **out, struct net_jerr *e);

/* ---- HTTP (sho_routes.c) ---- */

struct net_server;
struct net_config;
struct net_sho_http;

/*
 * Starts the SHO functions for cfg's SHO tenants (store_path, pki_dir) and adds
 * their routes to srv: the DPF's and the CCIF's with NET_ROLE_DPF in roles, the
 * AuC's with NET_ROLE_AUC; the download routes check the device's ICF session
 * (net/icf.h) against the same PKI. *out is NULL (and nothing is added) when cfg has no
 * SHO tenant or roles neither; else release it with net_sho_http_free() after the server
 * stopped. Errors: those of net_sho_new (msg says why) and of net_server_add_routes.
 */
mcim_err net_sho_routes(struct net_server *srv, const struct net_config *cfg,
			unsigned roles, struct net_sho_http **out, char *msg, size_t cap);
void net_sho_http_free(struct net_sho_http *h);

#endif
