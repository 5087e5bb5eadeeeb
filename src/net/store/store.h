/*
 * net/store/store.h: the network functions' one store. Everything the daemons (DRF,
 * PVA, DPF, CCIF, AuC, ICF and the operator API) keep between requests lives here,
 * so that a daemon holds no state of its own and several daemons can share one
 * database. No SQL exists outside src/net/store/.
 *
 * One interface, several backends: struct net_store starts with a table of
 * operations (struct net_store_ops); SQLite (WAL) is the backend today, PostgreSQL
 * implements the same table next. The net_store_* functions below check their
 * arguments once for every backend and forward to the table. docs/store.md gives the
 * schema, the concurrency rules and what each backend must do the same way.
 *
 * Conventions
 * - Records are fixed-size structures (bounds below); strings are NUL-terminated
 *   within their arrays; identifiers chosen by the protocol (TRE id, MCIM id, reg_id,
 *   txid, nonce) are octet arrays of fixed length; rows numbered by the store carry an
 *   int64_t id (> 0). Time is seconds given by the caller: the store reads no clock
 *   for anything it decides.
 * - Tenant isolation: every function taking a tenant finds, lists or changes only that
 *   tenant's rows; another tenant's row is MCIM_ERR_NOT_FOUND, never "forbidden", so
 *   no answer tells that it exists. The exceptions, by design, are named: tenant
 *   lookups, net_store_token_lookup() (the token names its tenant) and
 *   net_store_registration_discover() (the DRF answering a device).
 * - Blobs (MCIM packages, AuC credentials and SQN state, DPF session state, signed
 *   PVA results) are opaque: callers encrypt what is secret before it reaches the
 *   store, which never interprets them.
 * - Lists use keyset pagination: rows whose key is above `after` (0 for the first
 *   page), in key order, at most cap; fewer than cap means the end.
 * - Errors (mcim_err): MCIM_ERR_NOT_FOUND (no such row for this tenant, or a row it
 *   refers to is missing), MCIM_ERR_EXISTS (a unique key is taken), MCIM_ERR_STATE
 *   (a compare-and-set lost: the row is not in the expected state or version; also a
 *   call in the wrong transaction state), MCIM_ERR_REPLAY (a single-use item -
 *   registration token, PVA nonce, DPF transaction - already used), MCIM_ERR_EXPIRED
 *   (past its expiry), MCIM_ERR_INVALID_ARG / MCIM_ERR_TOO_LARGE (a field out of its
 *   bounds: nothing reaches the database), MCIM_ERR_LOCKED (the database stayed busy
 *   longer than the busy timeout: retry), MCIM_ERR_FULL (disk full), MCIM_ERR_NOMEM,
 *   MCIM_ERR_IO (any other database error; net_store_errmsg() has the backend's
 *   message for logs), MCIM_ERR_UNSUPPORTED (a schema newer than this build, an
 *   unknown backend). A refused call changes nothing.
 * - Transactions: each call is atomic on its own. net_store_begin() opens a write
 *   transaction for several calls (taking the write lock at once, so that two daemons
 *   never deadlock on a lock upgrade); commit or rollback ends it. Inside it, calls see
 *   its own changes. A refused call (not found, exists, state, replay, expired,
 *   invalid argument, too large) has no effect and leaves the transaction open: the
 *   caller decides to commit or roll back. After a database error (I/O, full, no
 *   memory, locked) the transaction may be gone: roll back (which then succeeds), as
 *   a commit would fail.
 * - Threads: a struct net_store is one connection, used by one thread at a time.
 *   Daemons open one per worker; any number may share a database, in one process or
 *   many.
 * - NULL where a record or output is required is a caller bug (assert).
 */
#ifndef MCIM_NET_STORE_H
#define MCIM_NET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

#define NET_TRE_ID_LEN	16
#define NET_MCIM_ID_LEN 16
#define NET_REG_ID_LEN	16
#define NET_TXID_LEN	16
#define NET_NONCE_LEN	32
#define NET_TOKEN_HASH_LEN                                                               \
	32 /* SHA-256 of the API token; the token itself is never kept */
#define NET_AUDIT_HASH_LEN 32

#define NET_STORE_NAME_MAX     64    /* tenant names, labels, references, actors */
#define NET_STORE_PLMN_MAX     6     /* MCC + MNC digits (5 or 6) */
#define NET_STORE_IMSI_MAX     15    /* digits, at least 6 */
#define NET_STORE_PLATFORM_MAX 31    /* a device model, as in a firmware manifest */
#define NET_STORE_MANIFEST_MAX 16384 /* a signed firmware manifest */
#define NET_STORE_SUBJECT_MAX  64
#define NET_STORE_DETAIL_MAX   256
#define NET_STORE_CRED_MAX     1024  /* AuC credential blob */
#define NET_STORE_SQN_MAX      1024  /* AuC SQN state blob */
#define NET_STORE_SESSION_MAX  1024  /* DPF session state between M2 and M3 */
#define NET_STORE_RESULT_MAX   4096  /* a signed PVA result */
#define NET_STORE_PACKAGE_MAX  65536 /* an MCIM order's credential package */
#define NET_STORE_MSG_MAX      256   /* net_store_errmsg() */
#define NET_STORE_TAMPER_MAX   512   /* a TRE's signed tamper report */

/* Registrations per transaction in net_store_register_batch(). */
#define NET_STORE_BATCH_CHUNK 100000

/* What a tenant (an operator) is; a bit set, since one business may play several
 * roles (R-NET-P01). SHO and VNO need a PLMN id. */
enum net_store_role {
	NET_STORE_ROLE_SHO = 1,
	NET_STORE_ROLE_RO = 2,
	NET_STORE_ROLE_PVA = 4,
	NET_STORE_ROLE_VNO = 8,
};
#define NET_STORE_ROLE_ALL 15u

enum net_sub_state { NET_SUB_ACTIVE = 1, NET_SUB_CLOSED = 2 };

/* A registration is active until released; one active registration per TRE id. */
enum net_reg_state {
	NET_REG_REGISTERED = 1,	 /* waiting for its device */
	NET_REG_PROVISIONED = 2, /* an MCIM was delivered under it */
	NET_REG_RELEASED = 3,	 /* ended (change of subscription, deregistration) */
};

enum net_pva_status {
	NET_PVA_AFFIRMING = 1,
	NET_PVA_WARNING = 2,
	NET_PVA_CONTRAINDICATED = 3,
};

enum net_dpf_state {
	NET_DPF_PENDING = 1,   /* M2 sent, waiting for M3 */
	NET_DPF_DELIVERED = 2, /* M3 accepted, M4 sent */
	NET_DPF_RECEIPTED = 3, /* the TRE's receipt arrived */
};

enum net_mcim_state {
	NET_MCIM_CREATED = 1,
	NET_MCIM_PACKAGED = 2,
	NET_MCIM_INSTALLED = 3,
	NET_MCIM_ACTIVATED = 4,
	NET_MCIM_SUSPENDED = 5,
	NET_MCIM_DELETED = 6,
};

enum net_auc_state { NET_AUC_ACTIVE = 1, NET_AUC_SUSPENDED = 2, NET_AUC_DELETED = 3 };

struct net_store_tenant {
	int64_t id;			   /* set by the store */
	char name[NET_STORE_NAME_MAX + 1]; /* unique, non-empty */
	uint32_t roles;			   /* enum net_store_role bits, not 0 */
	char plmn[NET_STORE_PLMN_MAX + 1]; /* digits; "" only without SHO/VNO */
	int64_t created;
};

struct net_api_token {
	int64_t id; /* set by the store */
	int64_t tenant;
	uint8_t hash[NET_TOKEN_HASH_LEN]; /* unique */
	char label[NET_STORE_NAME_MAX + 1];
	int64_t created;
	int64_t expires; /* 0: never */
	int revoked;	 /* set by net_store_token_revoke() only */
};

/* A subscriber account of an operator (the subscription a registration links to). */
struct net_subscriber {
	int64_t id; /* set by the store */
	int64_t tenant;
	char ref[NET_STORE_NAME_MAX + 1]; /* the operator's account reference, unique per
					     tenant, non-empty */
	char name[NET_STORE_NAME_MAX + 1];
	int state; /* enum net_sub_state */
	int64_t created, updated;
};

/* One line of a registration request. */
struct net_reg_in {
	uint8_t tre_id[NET_TRE_ID_LEN];
	int64_t subscriber; /* 0: not linked to a subscription */
};

struct net_registration {
	int64_t id;
	int64_t tenant; /* the SHO */
	uint8_t tre_id[NET_TRE_ID_LEN];
	int64_t subscriber; /* 0: none */
	int state;	    /* enum net_reg_state */
	int64_t created, updated;
};

/* The DRF's registration token, bound to one active registration and its TRE id. */
struct net_reg_token {
	uint8_t reg_id[NET_REG_ID_LEN]; /* unique */
	int64_t tenant;			/* the SHO */
	int64_t registration;
	uint8_t tre_id[NET_TRE_ID_LEN]; /* copied from the registration by the store */
	int64_t created, expires;
	int64_t used; /* 0, or when it was consumed */
};

struct net_pva_nonce {
	uint8_t nonce[NET_NONCE_LEN]; /* unique */
	int64_t tenant;		      /* the PVA */
	uint8_t tre_id[NET_TRE_ID_LEN];
	int64_t created, expires;
	int64_t used; /* 0, or when it was consumed */
};

struct net_pva_result {
	int64_t id; /* set by the store */
	int64_t tenant;
	uint8_t tre_id[NET_TRE_ID_LEN];
	uint8_t nonce[NET_NONCE_LEN]; /* one result per (tenant, nonce) */
	int status;		      /* enum net_pva_status */
	int64_t created, expires;
	size_t result_len; /* 1..NET_STORE_RESULT_MAX */
	uint8_t result[NET_STORE_RESULT_MAX];
};

/*
 * The reference values of one platform and firmware sequence: the M2MES-signed
 * manifest as it was uploaded (the PVA verifies it again when it reads it), one per
 * (tenant, platform, sequence).
 */
struct net_pva_refval {
	int64_t id;				   /* set by the store; the list key */
	int64_t tenant;				   /* the PVA */
	char platform[NET_STORE_PLATFORM_MAX + 1]; /* non-empty */
	uint32_t sequence;
	int64_t uploaded;
	size_t manifest_len; /* 1..NET_STORE_MANIFEST_MAX */
	uint8_t manifest[NET_STORE_MANIFEST_MAX];
};

struct net_dpf_tx {
	uint8_t txid[NET_TXID_LEN]; /* unique */
	int64_t tenant;		    /* the SHO */
	int64_t registration;
	uint8_t tre_id[NET_TRE_ID_LEN];	  /* copied from the registration by the store */
	uint8_t mcim_id[NET_MCIM_ID_LEN]; /* set when consumed; zeros before */
	int state;			  /* enum net_dpf_state */
	int64_t created, updated, expires;
	size_t session_len; /* 0..NET_STORE_SESSION_MAX; cleared once consumed */
	uint8_t session[NET_STORE_SESSION_MAX];
};

/* An MCIM order; its package blob is read and written separately (it is large). */
struct net_mcim_order {
	int64_t id;			  /* set by the store; the list key */
	uint8_t mcim_id[NET_MCIM_ID_LEN]; /* unique */
	int64_t tenant;			  /* the SHO */
	int64_t registration;		  /* 0: none */
	uint8_t
	    tre_id[NET_TRE_ID_LEN]; /* one live (not deleted) order per tenant and TRE */
	char imsi[NET_STORE_IMSI_MAX + 1];
	uint32_t version;
	int state; /* enum net_mcim_state */
	int64_t created, updated;
	size_t package_len; /* set by the store */
};

/* An AuC subscriber record. Every update is a compare-and-set on version. */
struct net_auc_record {
	int64_t id; /* set by the store; the list key */
	int64_t tenant;
	char imsi[NET_STORE_IMSI_MAX + 1]; /* unique per tenant */
	uint8_t mcim_id[NET_MCIM_ID_LEN];  /* zeros: none */
	uint32_t algorithm;
	int state;	 /* enum net_auc_state */
	int64_t version; /* set by the store: 1 at creation, +1 per update */
	int64_t created, updated;
	size_t cred_len; /* 1..NET_STORE_CRED_MAX */
	uint8_t cred[NET_STORE_CRED_MAX];
	size_t sqn_len; /* 0..NET_STORE_SQN_MAX */
	uint8_t sqn[NET_STORE_SQN_MAX];
};

/*
 * A tamper report a TRE sent to an SHO (docs/protocol.md §10), kept as it arrived:
 * the TRE's signed object is the evidence. One per (tenant, TRE id, seq).
 */
struct net_tamper_report {
	int64_t id;	/* set by the store; the list key */
	int64_t tenant; /* the SHO */
	uint8_t tre_id[NET_TRE_ID_LEN];
	int64_t seq;	   /* the TRE's report number, >= 1 */
	int64_t reported;  /* the TRE's clock, >= 0 */
	int64_t received;  /* the SHO's, > 0 */
	int reason;	   /* the mcim_err the TRE reported, > 0 */
	size_t report_len; /* 1..NET_STORE_TAMPER_MAX */
	uint8_t report[NET_STORE_TAMPER_MAX];
};

/*
 * An audit record; per tenant, records are numbered 1, 2, ... and hash-chained:
 * hash = SHA-256 of the previous record's hash (32 zero octets before the first) and
 * this record's fields (layout in docs/store.md).
 */
struct net_audit {
	int64_t tenant;
	uint64_t seq; /* set by the store */
	int64_t time;
	char actor[NET_STORE_NAME_MAX + 1];
	uint16_t event; /* mcim/audit.h codes: MCIM_AUDIT_EV_NET_BASE.. for the network */
	mcim_err outcome;
	char subject[NET_STORE_SUBJECT_MAX + 1];
	char detail[NET_STORE_DETAIL_MAX + 1];
	uint8_t hash[NET_AUDIT_HASH_LEN]; /* set by the store */
};

struct net_store;

/*
 * The backend's operations: one per net_store_* function below, same parameters, same
 * contract; arguments arrive already checked. Kept in one table so that a backend is
 * one file set that touches nothing above it.
 */
struct net_store_ops {
	void (*close)(struct net_store *st);
	mcim_err (*begin)(struct net_store *st);
	mcim_err (*commit)(struct net_store *st);
	mcim_err (*rollback)(struct net_store *st);
	int (*schema_version)(struct net_store *st);

	mcim_err (*tenant_create)(struct net_store *st, struct net_store_tenant *t);
	mcim_err (*tenant_get)(struct net_store *st, int64_t id,
			       struct net_store_tenant *out);
	mcim_err (*tenant_find)(struct net_store *st, const char *name,
				struct net_store_tenant *out);
	mcim_err (*tenant_update)(struct net_store *st, const struct net_store_tenant *t);
	mcim_err (*tenant_list)(struct net_store *st, int64_t after,
				struct net_store_tenant *out, size_t cap, size_t *n);

	mcim_err (*token_create)(struct net_store *st, struct net_api_token *t);
	mcim_err (*token_lookup)(struct net_store *st,
				 const uint8_t hash[NET_TOKEN_HASH_LEN], int64_t now,
				 struct net_api_token *out);
	mcim_err (*token_revoke)(struct net_store *st, int64_t tenant, int64_t id);
	mcim_err (*token_list)(struct net_store *st, int64_t tenant, int64_t after,
			       struct net_api_token *out, size_t cap, size_t *n);

	mcim_err (*subscriber_create)(struct net_store *st, struct net_subscriber *s);
	mcim_err (*subscriber_get)(struct net_store *st, int64_t tenant, int64_t id,
				   struct net_subscriber *out);
	mcim_err (*subscriber_find)(struct net_store *st, int64_t tenant, const char *ref,
				    struct net_subscriber *out);
	mcim_err (*subscriber_update)(struct net_store *st,
				      const struct net_subscriber *s);
	mcim_err (*subscriber_list)(struct net_store *st, int64_t tenant, int64_t after,
				    struct net_subscriber *out, size_t cap, size_t *n);

	mcim_err (*register_batch)(struct net_store *st, int64_t tenant,
				   const struct net_reg_in *in, size_t n, int64_t now,
				   mcim_err *results, int64_t *ids);
	mcim_err (*registration_get)(struct net_store *st, int64_t tenant, int64_t id,
				     struct net_registration *out);
	mcim_err (*registration_find)(struct net_store *st, int64_t tenant,
				      const uint8_t tre_id[NET_TRE_ID_LEN],
				      struct net_registration *out);
	mcim_err (*registration_discover)(struct net_store *st,
					  const uint8_t tre_id[NET_TRE_ID_LEN],
					  struct net_registration *out);
	mcim_err (*registration_set_state)(struct net_store *st, int64_t tenant,
					   int64_t id, int from, int to, int64_t now);
	mcim_err (*registration_list)(struct net_store *st, int64_t tenant, int64_t after,
				      struct net_registration *out, size_t cap,
				      size_t *n);

	mcim_err (*regtoken_create)(struct net_store *st, struct net_reg_token *t);
	mcim_err (*regtoken_get)(struct net_store *st, int64_t tenant,
				 const uint8_t reg_id[NET_REG_ID_LEN],
				 struct net_reg_token *out);
	mcim_err (*regtoken_consume)(struct net_store *st, int64_t tenant,
				     const uint8_t reg_id[NET_REG_ID_LEN],
				     const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now);

	mcim_err (*nonce_create)(struct net_store *st, const struct net_pva_nonce *nc);
	mcim_err (*nonce_consume)(struct net_store *st, int64_t tenant,
				  const uint8_t nonce[NET_NONCE_LEN],
				  const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now);
	mcim_err (*pva_result_put)(struct net_store *st, struct net_pva_result *r);
	mcim_err (*pva_result_get)(struct net_store *st, int64_t tenant,
				   const uint8_t nonce[NET_NONCE_LEN],
				   struct net_pva_result *out);
	mcim_err (*pva_result_latest)(struct net_store *st, int64_t tenant,
				      const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now,
				      struct net_pva_result *out);

	mcim_err (*refval_put)(struct net_store *st, struct net_pva_refval *rv);
	mcim_err (*refval_get)(struct net_store *st, int64_t tenant, const char *platform,
			       uint32_t sequence, struct net_pva_refval *out);
	mcim_err (*refval_list)(struct net_store *st, int64_t tenant, int64_t after,
				struct net_pva_refval *out, size_t cap, size_t *n);

	mcim_err (*dpf_tx_create)(struct net_store *st, struct net_dpf_tx *tx);
	mcim_err (*dpf_tx_get)(struct net_store *st, int64_t tenant,
			       const uint8_t txid[NET_TXID_LEN], struct net_dpf_tx *out);
	mcim_err (*dpf_tx_consume)(struct net_store *st, int64_t tenant,
				   const uint8_t txid[NET_TXID_LEN],
				   const uint8_t mcim_id[NET_MCIM_ID_LEN], int64_t now,
				   struct net_dpf_tx *out);
	mcim_err (*dpf_tx_receipt)(struct net_store *st, int64_t tenant,
				   const uint8_t txid[NET_TXID_LEN], int64_t now);

	mcim_err (*order_create)(struct net_store *st, struct net_mcim_order *o,
				 const uint8_t *package, size_t len);
	mcim_err (*order_get)(struct net_store *st, int64_t tenant,
			      const uint8_t mcim_id[NET_MCIM_ID_LEN],
			      struct net_mcim_order *out);
	mcim_err (*order_find)(struct net_store *st, int64_t tenant,
			       const uint8_t tre_id[NET_TRE_ID_LEN],
			       struct net_mcim_order *out);
	mcim_err (*order_package)(struct net_store *st, int64_t tenant,
				  const uint8_t mcim_id[NET_MCIM_ID_LEN], uint8_t *buf,
				  size_t cap, size_t *len);
	mcim_err (*order_set_state)(struct net_store *st, int64_t tenant,
				    const uint8_t mcim_id[NET_MCIM_ID_LEN], int from,
				    int to, const uint8_t *package, size_t len,
				    int64_t now);
	mcim_err (*order_list)(struct net_store *st, int64_t tenant, int state,
			       int64_t after, struct net_mcim_order *out, size_t cap,
			       size_t *n);

	mcim_err (*auc_create)(struct net_store *st, struct net_auc_record *r);
	mcim_err (*auc_get)(struct net_store *st, int64_t tenant, const char *imsi,
			    struct net_auc_record *out);
	mcim_err (*auc_update)(struct net_store *st, struct net_auc_record *r,
			       int64_t now);
	mcim_err (*auc_list)(struct net_store *st, int64_t tenant, int64_t after,
			     struct net_auc_record *out, size_t cap, size_t *n);

	mcim_err (*purge)(struct net_store *st, int64_t now, uint64_t *removed);
	mcim_err (*ping)(struct net_store *st);

	mcim_err (*audit_append)(struct net_store *st, struct net_audit *a);
	mcim_err (*audit_list)(struct net_store *st, int64_t tenant, uint64_t after,
			       struct net_audit *out, size_t cap, size_t *n);

	mcim_err (*tamper_put)(struct net_store *st, struct net_tamper_report *r);
	mcim_err (*tamper_list)(struct net_store *st, int64_t tenant, int64_t after,
				struct net_tamper_report *out, size_t cap, size_t *n);
};

/* The part of every backend's handle that callers may rely on. */
struct net_store {
	const struct net_store_ops *ops;
	int in_tx; /* a transaction opened by net_store_begin() is open */
	char msg[NET_STORE_MSG_MAX]; /* the last backend error message, "" if none */
};

struct net_store_config {
	/* "sqlite:PATH", or a plain PATH (SQLite); "postgresql://..." is for the
	 * PostgreSQL backend (MCIM_ERR_UNSUPPORTED until it exists). */
	const char *url;
	int busy_timeout_ms; /* how long a call waits for another writer; 0: 5000 */
	int durable;	     /* 1: every commit reaches the disk before it returns (FULL);
				0: WAL with synchronous=NORMAL (docs/store.md) */
};

/* ---- lifetime, errors, transactions ---- */

/*
 * Opens (creating if needed) the database named by cfg->url, brings its schema to this
 * build's version (all missing migrations in one transaction) and returns the handle
 * in *out. Several processes may open and migrate the same database at once: the
 * migration runs once. On error *out is NULL and msg (may be NULL) receives a
 * description. Errors: MCIM_ERR_UNSUPPORTED (a schema newer than this build, an
 * unknown backend), MCIM_ERR_INVALID_ARG (empty url), MCIM_ERR_IO (cannot open, not a
 * database, a migration failed: nothing of it is kept), MCIM_ERR_LOCKED, MCIM_ERR_NOMEM.
 */
mcim_err net_store_open(const struct net_store_config *cfg, struct net_store **out,
			char *msg, size_t msg_cap);

/* Closes st (an open transaction is rolled back); st may be NULL. */
void net_store_close(struct net_store *st);

/* The schema version of this build and of the database st is open on. */
#define NET_STORE_SCHEMA_VERSION 3
int net_store_schema_version(struct net_store *st);

/* The backend's message for the last error (for logs; never a secret), "" if none. */
const char *net_store_errmsg(const struct net_store *st);

/* Opens a write transaction (MCIM_ERR_STATE if one is open; MCIM_ERR_LOCKED if another
 * writer held the database for longer than the busy timeout). */
mcim_err net_store_begin(struct net_store *st);
/* Ends it, keeping (commit) or dropping (rollback) its changes; MCIM_ERR_STATE when
 * none is open. A failed commit leaves nothing of the transaction and closes it. */
mcim_err net_store_commit(struct net_store *st);
mcim_err net_store_rollback(struct net_store *st);

/* ---- connection pools ---- */

/*
 * The connections the network functions of one process borrow per request: one pool
 * per (url, durable), shared by every function that opens the same store (the
 * operator API and DRF, the ICF, the PVA, the SHO), last in first out. SQLite drops a
 * connection's whole page cache when another connection has written since its last
 * transaction, so with a pool per function every step of a provisioning started on
 * a cold cache (rereading and reparsing its pages); a shared LIFO pool hands a
 * sequence of requests the connection the previous one warmed. Connections are
 * opened on demand; at most NET_STORE_POOL_MAX idle ones are kept.
 * Thread safety: every function may be called from any thread.
 */
#define NET_STORE_POOL_MAX 64

struct net_store_pool;

/* The process's pool for cfg's store (made on first use), counted: each acquire is
 * released once. Errors: MCIM_ERR_INVALID_ARG (no url), MCIM_ERR_NOMEM. */
mcim_err net_store_pool_acquire(const struct net_store_config *cfg,
				struct net_store_pool **out);
/* The last release closes the idle connections and frees the pool; p may be NULL. */
void net_store_pool_release(struct net_store_pool *p);
/* A connection for this call: an idle one, or a new one (net_store_open's errors). */
mcim_err net_store_pool_get(struct net_store_pool *p, struct net_store **st);
/* Gives st back (an open transaction is rolled back first); st may be NULL. */
void net_store_pool_put(struct net_store_pool *p, struct net_store *st);

/* ---- tenants and API tokens ---- */

/* Creates t; t->id is set. MCIM_ERR_EXISTS: the name is taken. */
mcim_err net_store_tenant_create(struct net_store *st, struct net_store_tenant *t);
mcim_err net_store_tenant_get(struct net_store *st, int64_t id,
			      struct net_store_tenant *out);
mcim_err net_store_tenant_find(struct net_store *st, const char *name,
			       struct net_store_tenant *out);
/* Changes t->id's name, roles and PLMN. */
mcim_err net_store_tenant_update(struct net_store *st, const struct net_store_tenant *t);
mcim_err net_store_tenant_list(struct net_store *st, int64_t after,
			       struct net_store_tenant *out, size_t cap, size_t *n);

/* Stores a token's hash for t->tenant (t->id is set). MCIM_ERR_NOT_FOUND: no tenant. */
mcim_err net_store_token_create(struct net_store *st, struct net_api_token *t);
/* The live token with this hash: MCIM_ERR_NOT_FOUND when absent, revoked or expired
 * at now (one answer for all three). */
mcim_err net_store_token_lookup(struct net_store *st,
				const uint8_t hash[NET_TOKEN_HASH_LEN], int64_t now,
				struct net_api_token *out);
mcim_err net_store_token_revoke(struct net_store *st, int64_t tenant, int64_t id);
mcim_err net_store_token_list(struct net_store *st, int64_t tenant, int64_t after,
			      struct net_api_token *out, size_t cap, size_t *n);

/* ---- subscribers ---- */

mcim_err net_store_subscriber_create(struct net_store *st, struct net_subscriber *s);
mcim_err net_store_subscriber_get(struct net_store *st, int64_t tenant, int64_t id,
				  struct net_subscriber *out);
/* By the operator's account reference. */
mcim_err net_store_subscriber_find(struct net_store *st, int64_t tenant, const char *ref,
				   struct net_subscriber *out);
/* Changes s->id's name, state and updated time (the reference stays). */
mcim_err net_store_subscriber_update(struct net_store *st,
				     const struct net_subscriber *s);
mcim_err net_store_subscriber_list(struct net_store *st, int64_t tenant, int64_t after,
				   struct net_subscriber *out, size_t cap, size_t *n);

/* ---- registrations (DRF) ---- */

/*
 * Registers in[0..n) for the SHO tenant, state REGISTERED, created at now, in
 * transactions of NET_STORE_BATCH_CHUNK lines. Each line's outcome goes to results[i]:
 * MCIM_OK (ids[i], if ids is not NULL, gets the new id; else 0), MCIM_ERR_EXISTS (the
 * TRE id has an active registration, in the database or on an earlier line of this
 * batch), MCIM_ERR_NOT_FOUND (the subscriber is not this tenant's),
 * MCIM_ERR_INVALID_ARG (negative subscriber). Refused lines do not stop the others.
 * Ids are unique and grow from chunk to chunk, but inside a chunk follow TRE id order,
 * not line order.
 * Returns MCIM_OK when every chunk committed. On a database error the chunk being
 * written is rolled back whole, the call stops, and that chunk's and every later
 * line's result is the error, which is returned (earlier chunks stay committed).
 * Inside a caller's transaction there are no chunk commits: every line goes into that
 * transaction, and on a database error every result is the error (roll back).
 * MCIM_ERR_NOT_FOUND for every line, nothing written, when the tenant does not exist.
 */
mcim_err net_store_register_batch(struct net_store *st, int64_t tenant,
				  const struct net_reg_in *in, size_t n, int64_t now,
				  mcim_err *results, int64_t *ids);
/* One registration: the same rules; *id (may be NULL) gets its id. */
mcim_err net_store_register(struct net_store *st, int64_t tenant,
			    const struct net_reg_in *in, int64_t now, int64_t *id);
mcim_err net_store_registration_get(struct net_store *st, int64_t tenant, int64_t id,
				    struct net_registration *out);
/* This tenant's active registration of tre_id. */
mcim_err net_store_registration_find(struct net_store *st, int64_t tenant,
				     const uint8_t tre_id[NET_TRE_ID_LEN],
				     struct net_registration *out);
/* The active registration of tre_id, whichever SHO holds it (the DRF's lookup). */
mcim_err net_store_registration_discover(struct net_store *st,
					 const uint8_t tre_id[NET_TRE_ID_LEN],
					 struct net_registration *out);
/* Moves registration id from state `from` to `to` (compare-and-set): MCIM_ERR_STATE
 * when it is not in `from`; MCIM_ERR_EXISTS when leaving RELEASED would give its TRE id
 * a second active registration. */
mcim_err net_store_registration_set_state(struct net_store *st, int64_t tenant,
					  int64_t id, int from, int to, int64_t now);
mcim_err net_store_registration_list(struct net_store *st, int64_t tenant, int64_t after,
				     struct net_registration *out, size_t cap, size_t *n);

/* ---- registration tokens (DRF -> DPF) ---- */

/*
 * Stores a token for t->registration, which must be t->tenant's and in state
 * REGISTERED (else MCIM_ERR_NOT_FOUND); the store copies its TRE id into t->tre_id.
 * t->used must be 0.
 */
mcim_err net_store_regtoken_create(struct net_store *st, struct net_reg_token *t);
mcim_err net_store_regtoken_get(struct net_store *st, int64_t tenant,
				const uint8_t reg_id[NET_REG_ID_LEN],
				struct net_reg_token *out);
/* Uses the token once (compare-and-set): MCIM_ERR_NOT_FOUND (absent, another tenant's,
 * another TRE id's), MCIM_ERR_EXPIRED (now >= expires), MCIM_ERR_REPLAY (used),
 * MCIM_ERR_INVALID_ARG (now <= 0: the time of use is what marks it used). */
mcim_err net_store_regtoken_consume(struct net_store *st, int64_t tenant,
				    const uint8_t reg_id[NET_REG_ID_LEN],
				    const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now);

/* ---- PVA ---- */

/* nc->used must be 0. MCIM_ERR_EXISTS: the nonce is taken. */
mcim_err net_store_nonce_create(struct net_store *st, const struct net_pva_nonce *nc);
/* Same rules as net_store_regtoken_consume(). */
mcim_err net_store_nonce_consume(struct net_store *st, int64_t tenant,
				 const uint8_t nonce[NET_NONCE_LEN],
				 const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now);
/* Stores a result (r->id is set); MCIM_ERR_EXISTS: one is stored for this nonce. */
mcim_err net_store_pva_result_put(struct net_store *st, struct net_pva_result *r);
mcim_err net_store_pva_result_get(struct net_store *st, int64_t tenant,
				  const uint8_t nonce[NET_NONCE_LEN],
				  struct net_pva_result *out);
/* The newest result for tre_id not expired at now. */
mcim_err net_store_pva_result_latest(struct net_store *st, int64_t tenant,
				     const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now,
				     struct net_pva_result *out);
/*
 * Stores reference values (rv->id is set). MCIM_ERR_EXISTS: the tenant holds some
 * for that platform and sequence already (compare with net_store_refval_get);
 * MCIM_ERR_INVALID_ARG: an empty or too long platform, no manifest, uploaded <= 0;
 * MCIM_ERR_TOO_LARGE: manifest_len above NET_STORE_MANIFEST_MAX.
 */
mcim_err net_store_refval_put(struct net_store *st, struct net_pva_refval *rv);
/* MCIM_ERR_NOT_FOUND: none for (tenant, platform, sequence). */
mcim_err net_store_refval_get(struct net_store *st, int64_t tenant, const char *platform,
			      uint32_t sequence, struct net_pva_refval *out);
/* The tenant's reference values with id > after, in id order, at most cap. */
mcim_err net_store_refval_list(struct net_store *st, int64_t tenant, int64_t after,
			       struct net_pva_refval *out, size_t cap, size_t *n);

/* ---- DPF transactions ---- */

/*
 * Stores tx in state PENDING for tx->registration, which must be tx->tenant's and
 * active (else MCIM_ERR_NOT_FOUND); the store copies its TRE id into tx->tre_id.
 * tx->session holds what the DPF needs at M3 (encrypted by the caller).
 */
mcim_err net_store_dpf_tx_create(struct net_store *st, struct net_dpf_tx *tx);
mcim_err net_store_dpf_tx_get(struct net_store *st, int64_t tenant,
			      const uint8_t txid[NET_TXID_LEN], struct net_dpf_tx *out);
/*
 * Uses the transaction once: PENDING -> DELIVERED with mcim_id recorded, and returns
 * it in *out with its session state, which the store erases in the same step.
 * MCIM_ERR_NOT_FOUND, MCIM_ERR_EXPIRED (now >= expires), MCIM_ERR_REPLAY (not pending).
 */
mcim_err net_store_dpf_tx_consume(struct net_store *st, int64_t tenant,
				  const uint8_t txid[NET_TXID_LEN],
				  const uint8_t mcim_id[NET_MCIM_ID_LEN], int64_t now,
				  struct net_dpf_tx *out);
/* DELIVERED -> RECEIPTED; MCIM_ERR_STATE in any other state. */
mcim_err net_store_dpf_tx_receipt(struct net_store *st, int64_t tenant,
				  const uint8_t txid[NET_TXID_LEN], int64_t now);

/* ---- MCIM orders (CCIF/DPF) ---- */

/*
 * Creates o (o->id and o->package_len are set) with its package (1..
 * NET_STORE_PACKAGE_MAX octets). o->registration, if not 0, must be o->tenant's.
 * MCIM_ERR_EXISTS: the MCIM id is taken, or the tenant has a live order for this TRE.
 */
mcim_err net_store_order_create(struct net_store *st, struct net_mcim_order *o,
				const uint8_t *package, size_t len);
mcim_err net_store_order_get(struct net_store *st, int64_t tenant,
			     const uint8_t mcim_id[NET_MCIM_ID_LEN],
			     struct net_mcim_order *out);
/* The tenant's live (not deleted) order for tre_id. */
mcim_err net_store_order_find(struct net_store *st, int64_t tenant,
			      const uint8_t tre_id[NET_TRE_ID_LEN],
			      struct net_mcim_order *out);
/* Copies the package into buf; *len is its size, also on MCIM_ERR_BUFFER_TOO_SMALL. */
mcim_err net_store_order_package(struct net_store *st, int64_t tenant,
				 const uint8_t mcim_id[NET_MCIM_ID_LEN], uint8_t *buf,
				 size_t cap, size_t *len);
/* from -> to (compare-and-set, MCIM_ERR_STATE when not in from); package, if not NULL,
 * replaces the stored one in the same step. */
mcim_err net_store_order_set_state(struct net_store *st, int64_t tenant,
				   const uint8_t mcim_id[NET_MCIM_ID_LEN], int from,
				   int to, const uint8_t *package, size_t len,
				   int64_t now);
/* state 0: all states. */
mcim_err net_store_order_list(struct net_store *st, int64_t tenant, int state,
			      int64_t after, struct net_mcim_order *out, size_t cap,
			      size_t *n);

/* ---- AuC subscriber records ---- */

/* Creates r (r->id set, r->version = 1). MCIM_ERR_EXISTS: the IMSI is taken. */
mcim_err net_store_auc_create(struct net_store *st, struct net_auc_record *r);
mcim_err net_store_auc_get(struct net_store *st, int64_t tenant, const char *imsi,
			   struct net_auc_record *out);
/*
 * Writes r's algorithm, MCIM id, state, credential and SQN blobs if the stored version
 * is still r->version (compare-and-set), then r->version is the new version and
 * r->updated is now. MCIM_ERR_STATE when another writer got there first: nothing
 * changed; reread and retry. This is how two daemons never issue the same SQN.
 */
mcim_err net_store_auc_update(struct net_store *st, struct net_auc_record *r,
			      int64_t now);
mcim_err net_store_auc_list(struct net_store *st, int64_t tenant, int64_t after,
			    struct net_auc_record *out, size_t cap, size_t *n);

/* ---- housekeeping ---- */

/*
 * Whether the database answers: one read through this connection (for /healthz).
 * Errors: MCIM_ERR_LOCKED (busy past the timeout), MCIM_ERR_IO (unreadable).
 */
mcim_err net_store_ping(struct net_store *st);

/*
 * Deletes what has expired at now and can no longer be used: registration tokens, PVA
 * nonces and results, and DPF transactions still pending (delivered and receipted ones
 * stay, as the history of their MCIM). A purged item is refused as before, only as
 * MCIM_ERR_NOT_FOUND instead of MCIM_ERR_EXPIRED or MCIM_ERR_REPLAY. *removed (may be
 * NULL) counts the rows. One transaction; any daemon may run it at any time.
 */
mcim_err net_store_purge(struct net_store *st, int64_t now, uint64_t *removed);

/* ---- audit ---- */

/* Appends a->tenant's next record: a->seq and a->hash are set. */
mcim_err net_store_audit_append(struct net_store *st, struct net_audit *a);
mcim_err net_store_audit_list(struct net_store *st, int64_t tenant, uint64_t after,
			      struct net_audit *out, size_t cap, size_t *n);
/*
 * Recomputes tenant's chain from the first record. MCIM_OK: *count records, all
 * linked; MCIM_ERR_TAMPERED: *bad is the first record whose hash or number is wrong.
 * (Proves order and integrity inside the database; a signed export anchors it.)
 */
mcim_err net_store_audit_verify(struct net_store *st, int64_t tenant, uint64_t *count,
				uint64_t *bad);
/* The chain hash of a given the previous record's hash (shared by the backends). */
mcim_err net_store_audit_hash(const uint8_t prev[NET_AUDIT_HASH_LEN],
			      const struct net_audit *a, uint8_t out[NET_AUDIT_HASH_LEN]);

/* ---- tamper reports (SHO) ---- */

/*
 * Records r for r->tenant (r->id is set). MCIM_ERR_EXISTS: the tenant recorded this TRE
 * id's report r->seq already (a replay: nothing changes); MCIM_ERR_INVALID_ARG: seq,
 * times or reason out of range, no report; MCIM_ERR_TOO_LARGE: report_len above
 * NET_STORE_TAMPER_MAX; MCIM_ERR_NOT_FOUND: no such tenant.
 */
mcim_err net_store_tamper_put(struct net_store *st, struct net_tamper_report *r);
/* The tenant's reports with id > after, in id order, at most cap. */
mcim_err net_store_tamper_list(struct net_store *st, int64_t tenant, int64_t after,
			       struct net_tamper_report *out, size_t cap, size_t *n);

/* ---- backends ---- */

/* The SQLite backend (sqlite.c); path is a file name. */
mcim_err net_store_sqlite_open(const char *path, const struct net_store_config *cfg,
			       struct net_store **out, char *msg, size_t msg_cap);

#endif
