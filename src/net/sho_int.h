/*
 * net/sho_int.h: internals shared by the SHO's functions (sho.c, ccif.c, dpf.c,
 * dpf_mgmt.c, auc.c): the context, the store connection pool, the encryption of
 * what they keep in the store, and the AuC record's two blobs.
 *
 * At rest (docs/sho.md): every secret the SHO keeps in the store is sealed with
 * AES-256-GCM under a key derived from the tenant's KEK (HKDF-SHA-256, one key per
 * purpose), with a random 96-bit nonce and aad = purpose label || store tenant id ||
 * the row's key, so a blob moved to another row, tenant or purpose does not open.
 * Sealed form: nonce (12) || ciphertext || tag (16).
 */
#ifndef MCIM_NET_SHO_INT_H
#define MCIM_NET_SHO_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/aka.h"
#include "mcim/cose.h"
#include "mcim/crypto.h"
#include "mcim/kdf.h"
#include "mcim/profile.h"
#include "mcim/proto.h"
#include "mcim/sqn.h"
#include "net/api_util.h"
#include "net/sho.h"
#include "net/store/store.h"
#include "tool/pki.h"

#define SHO_SEAL_OVERHEAD (MCIM_AEAD_NONCE_LEN + MCIM_AEAD_TAG_LEN)
#define SHO_CAS_TRIES	  64 /* compare-and-set attempts before MCIM_ERR_LOCKED */

/* What a sealed blob is for; each has its own key and aad label. */
enum sho_purpose {
	SHO_KEY_CRED = 0, /* AuC record: the credential */
	SHO_KEY_STATE,	  /* AuC record: SQN, pending challenge, command queue */
	SHO_KEY_SESSION,  /* DPF transaction: state between M1 and M3 */
	SHO_KEY_RECEIPT,  /* DPF: what the receipt is checked against */
	SHO_KEY_PACKAGE,  /* MCIM order: the profile */
	SHO_KEY_OP,	  /* not a sealing key: the operator's OP/TOP source */
	SHO_KEYS,
};

struct sho_tenant {
	char name[NET_STORE_NAME_MAX + 1];
	char plmn[NET_STORE_PLMN_MAX + 1];
	int64_t id; /* the store's */
	struct mcim_p256_priv dpf_key;
	struct mcim_iov dpf_chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_dpf_chain;
	struct mcim_p256_priv mgmt_key;
	const uint8_t *mgmt_cert; /* DER, in the pki */
	size_t mgmt_cert_len;
	uint8_t keys[SHO_KEYS][32]; /* from the KEK */
};

struct net_sho {
	struct tool_pki pki;
	const uint8_t *ci_root;
	size_t ci_root_len;
	struct sho_tenant *t;
	size_t n;
	char *store_url;
	int64_t skew, tx_ttl, challenge_ttl;
	int64_t (*now)(void *arg);
	void *now_arg;
	struct net_store_pool *pool; /* the process's, shared (net/store/store.h) */
};

int64_t sho_now(const struct net_sho *s);
void sho_trust(const struct net_sho *s, int64_t now, struct mcim_proto_trust *trust);

/* A store connection for this call (opened when the pool is empty); put it back
 * with sho_store_put (an open transaction is rolled back first). */
mcim_err sho_store_get(struct net_sho *s, struct net_store **st);
void sho_store_put(struct net_sho *s, struct net_store *st);
/* Rolls back if st is in a transaction (after an error). */
void sho_rollback(struct net_store *st);

const struct sho_tenant *sho_tenant_by_plmn(const struct net_sho *s, const char *plmn);
const struct sho_tenant *sho_tenant_by_name(const struct net_sho *s, const char *name);
const struct sho_tenant *sho_tenant_by_id(const struct net_sho *s, int64_t id);

/* Seals pt for (purpose, tenant, row key rk) into out (cap >= len +
 * SHO_SEAL_OVERHEAD). */
mcim_err sho_seal(const struct sho_tenant *t, enum sho_purpose p, const void *rk,
		  size_t rk_len, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
		  size_t *out_len);
/* Opens a sealed blob: MCIM_ERR_DECRYPT when it was altered or belongs elsewhere. */
mcim_err sho_open(const struct sho_tenant *t, enum sho_purpose p, const void *rk,
		  size_t rk_len, const uint8_t *in, size_t len, uint8_t *pt, size_t cap,
		  size_t *pt_len);

/* ---- the audit trail (sho_audit.c) ---- */

/* "installed" for NET_MCIM_INSTALLED; NULL for a value that is no state. */
const char *sho_order_state_name(int state);
/* The state named, or 0. */
int sho_order_state_parse(const char *name);
/* Appends event (api_operator.h) about the MCIM to t's trail, in st's transaction. */
mcim_err sho_audit(struct net_store *st, const struct sho_tenant *t, int64_t now,
		   const char *actor, uint16_t event,
		   const uint8_t mcim_id[NET_MCIM_ID_LEN], const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Moves the order from -> to and audits MCIM_STATE, in st's transaction. */
mcim_err sho_order_move(struct net_store *st, const struct sho_tenant *t,
			const struct net_mcim_order *o, int from, int to,
			const char *actor, int64_t now);

/* The response body: a malloc'd copy of data. */
mcim_err sho_resp(struct net_sho_buf *resp, const uint8_t *data, size_t len);

/* ---- the AuC record ---- */

/* The credential blob: what AKA needs. Secret. */
struct sho_cred {
	struct mcim_aka_cred cred;
	uint8_t amf[MCIM_AKA_AMF_LEN];
	struct mcim_sqn_cfg sqn;
};

struct sho_cmd {
	uint64_t counter;
	uint8_t cmd; /* enum mcim_mgmt_cmd */
	uint16_t len;
	uint8_t signed_cmd[256];
};

/* The state blob: changes on every challenge and command. Secret (KAUSF). */
struct sho_state {
	struct mcim_sqn_he he;
	uint64_t counter; /* the last management counter used */
	bool pending;	  /* a challenge waits for its answer */
	uint8_t rand[MCIM_AKA_RAND_LEN];
	uint8_t hxres_star[MCIM_HXRES_STAR_LEN];
	uint8_t kausf[MCIM_KAUSF_LEN];
	int64_t exp;
	uint8_t snn_len;
	char snn[MCIM_SNN_MAX + 1];
	uint8_t n_cmds;
	struct sho_cmd cmds[NET_SHO_QUEUE_MAX];
};

void sho_cred_wipe(struct sho_cred *c);
void sho_state_wipe(struct sho_state *st);

/* Seals c / st into r->cred / r->sqn (the row key is the IMSI). */
mcim_err sho_cred_put(const struct sho_tenant *t, const struct sho_cred *c,
		      struct net_auc_record *r);
mcim_err sho_state_put(const struct sho_tenant *t, const struct sho_state *st,
		       struct net_auc_record *r);
/* Opens them; MCIM_ERR_DECRYPT or MCIM_ERR_PARSE for a damaged record. */
mcim_err sho_cred_get(const struct sho_tenant *t, const struct net_auc_record *r,
		      struct sho_cred *c);
mcim_err sho_state_get(const struct sho_tenant *t, const struct net_auc_record *r,
		       struct sho_state *st);

/*
 * The CCIF (ccif.c): creates the MCIM of an active registration: profile, AuC
 * record (state SUSPENDED until the receipt), order (CREATED) with the sealed
 * profile, and its MCIM_ORDERED audit record (by actor), in the caller's
 * transaction. alg: MCIM_AKA_MILENAGE or MCIM_AKA_TUAK; policy NULL: the default.
 */
mcim_err ccif_create(struct net_store *st, const struct sho_tenant *t,
		     const struct net_registration *reg, enum mcim_aka_alg_id alg,
		     const struct mcim_policy *policy, const char *actor, int64_t now,
		     struct net_mcim_order *order);
/* The profile sealed in an order's package (secret: the caller wipes it). */
mcim_err ccif_profile(struct net_store *st, const struct sho_tenant *t,
		      const struct net_mcim_order *o, struct mcim_profile *p);
/* The TRE confirmed a set_policy: the policy becomes the one of the profile sealed in
 * the order (what the network applies, e.g. on a tamper report), in the caller's
 * transaction; the order's state is unchanged. */
mcim_err ccif_policy_confirmed(struct net_store *st, const struct sho_tenant *t,
			       const struct net_mcim_order *o,
			       const struct mcim_policy *policy, int64_t now);

/* The policy in the operator API's JSON (ccif_policy.c): absent fields take the
 * default, faults are named by their path in e. */
mcim_err ccif_policy_from_json(const json_t *v, const char *path, struct mcim_policy *out,
			       struct net_jerr *e);
/* NULL when out of memory. */
json_t *ccif_policy_to_json(const struct mcim_policy *p);

#endif
