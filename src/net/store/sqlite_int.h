/*
 * net/store/sqlite_int.h: what the SQLite backend's files share: the connection
 * handle, the prepared-statement cache, the binding and column helpers, the error
 * mapping, and the transactions the backend opens for its own multi-step calls.
 */
#ifndef MCIM_NET_STORE_SQLITE_INT_H
#define MCIM_NET_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdarg.h>

#include "net/store/store.h"

/* Every statement the backend runs after open, prepared once per connection. */
enum net_sq_id {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_TENANT_INSERT,
	SQ_TENANT_GET,
	SQ_TENANT_FIND,
	SQ_TENANT_UPDATE,
	SQ_TENANT_LIST,
	SQ_TOKEN_INSERT,
	SQ_TOKEN_LOOKUP,
	SQ_TOKEN_REVOKE,
	SQ_TOKEN_LIST,
	SQ_SUB_INSERT,
	SQ_SUB_GET,
	SQ_SUB_FIND,
	SQ_SUB_UPDATE,
	SQ_SUB_LIST,
	SQ_REG_INSERT,
	SQ_REG_INSERT_GROUP,
	SQ_REG_GET,
	SQ_REG_FIND,
	SQ_REG_DISCOVER,
	SQ_REG_SET_STATE,
	SQ_REG_EXISTS,
	SQ_REG_LIST,
	SQ_REGTOK_INSERT,
	SQ_REGTOK_GET,
	SQ_REGTOK_USE,
	SQ_NONCE_INSERT,
	SQ_NONCE_USE,
	SQ_NONCE_GET,
	SQ_PVA_INSERT,
	SQ_PVA_GET,
	SQ_PVA_LATEST,
	SQ_REFVAL_INSERT,
	SQ_REFVAL_GET,
	SQ_REFVAL_LIST,
	SQ_DPF_INSERT,
	SQ_DPF_GET,
	SQ_DPF_USE,
	SQ_DPF_RECEIPT,
	SQ_ORDER_INSERT,
	SQ_ORDER_GET,
	SQ_ORDER_FIND,
	SQ_ORDER_PACKAGE,
	SQ_ORDER_SET_STATE,
	SQ_ORDER_SET_STATE_PKG,
	SQ_ORDER_EXISTS,
	SQ_ORDER_LIST,
	SQ_AUC_INSERT,
	SQ_AUC_GET,
	SQ_AUC_UPDATE,
	SQ_AUC_EXISTS,
	SQ_AUC_LIST,
	SQ_PURGE_REGTOK,
	SQ_PURGE_NONCE,
	SQ_PURGE_PVA,
	SQ_PURGE_DPF,
	SQ_PING,
	SQ_AUDIT_LAST,
	SQ_AUDIT_INSERT,
	SQ_AUDIT_LIST,
	SQ_TAMPER_INSERT,
	SQ_TAMPER_LIST,
	SQ_COUNT_
};

/* Registrations per INSERT statement in a batch (sqlite_reg.c). */
#define NET_SQ_GROUP 32

/* The SQL of each statement (sqlite_ops.c). */
extern const char *const net_sq_sql[SQ_COUNT_];

struct net_sqlite {
	struct net_store base; /* first: the handle callers hold */
	sqlite3 *db;
	int schema_version;
	sqlite3_stmt *stmt[SQ_COUNT_];
};

/* The table of operations (sqlite_ops.c). */
extern const struct net_store_ops net_sq_ops;

/* Lifetime and transactions (sqlite.c), entries of net_sq_ops. */
void net_sq_close(struct net_store *st);
mcim_err net_sq_begin(struct net_store *st);
mcim_err net_sq_commit(struct net_store *st);
mcim_err net_sq_rollback(struct net_store *st);
int net_sq_schema_version(struct net_store *st);

/* The registration flow (sqlite_reg.c), entries of net_sq_ops. */
mcim_err net_sq_register_batch(struct net_store *st, int64_t tenant,
			       const struct net_reg_in *in, size_t n, int64_t now,
			       mcim_err *results, int64_t *ids);
mcim_err net_sq_registration_get(struct net_store *st, int64_t tenant, int64_t id,
				 struct net_registration *out);
mcim_err net_sq_registration_find(struct net_store *st, int64_t tenant,
				  const uint8_t tre_id[NET_TRE_ID_LEN],
				  struct net_registration *out);
mcim_err net_sq_registration_discover(struct net_store *st,
				      const uint8_t tre_id[NET_TRE_ID_LEN],
				      struct net_registration *out);
mcim_err net_sq_registration_set_state(struct net_store *st, int64_t tenant, int64_t id,
				       int from, int to, int64_t now);
mcim_err net_sq_registration_list(struct net_store *st, int64_t tenant, int64_t after,
				  struct net_registration *out, size_t cap, size_t *n);
mcim_err net_sq_regtoken_create(struct net_store *st, struct net_reg_token *t);
mcim_err net_sq_regtoken_get(struct net_store *st, int64_t tenant,
			     const uint8_t reg_id[NET_REG_ID_LEN],
			     struct net_reg_token *out);
mcim_err net_sq_regtoken_consume(struct net_store *st, int64_t tenant,
				 const uint8_t reg_id[NET_REG_ID_LEN],
				 const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now);
mcim_err net_sq_nonce_create(struct net_store *st, const struct net_pva_nonce *nc);
mcim_err net_sq_nonce_consume(struct net_store *st, int64_t tenant,
			      const uint8_t nonce[NET_NONCE_LEN],
			      const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now);
mcim_err net_sq_pva_result_put(struct net_store *st, struct net_pva_result *r);
mcim_err net_sq_pva_result_get(struct net_store *st, int64_t tenant,
			       const uint8_t nonce[NET_NONCE_LEN],
			       struct net_pva_result *out);
mcim_err net_sq_pva_result_latest(struct net_store *st, int64_t tenant,
				  const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now,
				  struct net_pva_result *out);
mcim_err net_sq_refval_put(struct net_store *st, struct net_pva_refval *rv);
mcim_err net_sq_refval_get(struct net_store *st, int64_t tenant, const char *platform,
			   uint32_t sequence, struct net_pva_refval *out);
mcim_err net_sq_refval_list(struct net_store *st, int64_t tenant, int64_t after,
			    struct net_pva_refval *out, size_t cap, size_t *n);
mcim_err net_sq_dpf_tx_create(struct net_store *st, struct net_dpf_tx *tx);
mcim_err net_sq_dpf_tx_get(struct net_store *st, int64_t tenant,
			   const uint8_t txid[NET_TXID_LEN], struct net_dpf_tx *out);
mcim_err net_sq_dpf_tx_consume(struct net_store *st, int64_t tenant,
			       const uint8_t txid[NET_TXID_LEN],
			       const uint8_t mcim_id[NET_MCIM_ID_LEN], int64_t now,
			       struct net_dpf_tx *out);
mcim_err net_sq_dpf_tx_receipt(struct net_store *st, int64_t tenant,
			       const uint8_t txid[NET_TXID_LEN], int64_t now);

/* Tamper reports (sqlite_tamper.c), entries of net_sq_ops. */
mcim_err net_sq_tamper_put(struct net_store *st, struct net_tamper_report *r);
mcim_err net_sq_tamper_list(struct net_store *st, int64_t tenant, int64_t after,
			    struct net_tamper_report *out, size_t cap, size_t *n);

/* The cached statement id, reset and unbound; NULL on a prepare error (recorded in
 * the handle's message; *err receives its mcim_err) and, with MCIM_ERR_STATE, inside a
 * caller's transaction that SQLite has rolled back after an error: nothing may then
 * run in autocommit mode as if it were part of that transaction. */
sqlite3_stmt *net_sq_stmt(struct net_sqlite *s, enum net_sq_id id, mcim_err *err);

/*
 * Binds parameters 1.. in order, one per letter of fmt:
 *   i int64_t        d int            n int64_t, NULL when 0
 *   b const void *, size_t: a blob (never NULL in the database)
 *   z const void *, size_t: a blob, NULL when every octet is 0
 *   t const char *: text
 * Returns MCIM_OK or the mapped error (a bind error is a bug or out of memory).
 */
mcim_err net_sq_bind(struct net_sqlite *s, sqlite3_stmt *stmt, const char *fmt, ...);
mcim_err net_sq_vbind(struct net_sqlite *s, sqlite3_stmt *stmt, const char *fmt,
		      va_list ap);

/*
 * Reads columns 0.. of the current row, one per letter of fmt:
 *   i int64_t *      d int *      u uint32_t *
 *   b uint8_t *, size_t len: a blob of exactly len octets (NULL reads as zeros)
 *   t char *, size_t cap: text of at most cap - 1 characters
 *   v uint8_t *, size_t cap, size_t *len: a blob of at most cap octets
 * A value that does not fit is MCIM_ERR_IO ("corrupt row"): the database was written
 * by something other than this backend.
 */
mcim_err net_sq_cols(struct net_sqlite *s, sqlite3_stmt *stmt, const char *fmt, ...);

/* Maps a SQLite result code to mcim_err and records the message. */
mcim_err net_sq_fail(struct net_sqlite *s, int rc);

/* Steps a statement that returns no row; resets it. */
mcim_err net_sq_exec(struct net_sqlite *s, sqlite3_stmt *stmt);

/* Steps once: MCIM_OK with a row to read, MCIM_ERR_NOT_FOUND (reset) without, or the
 * error (reset). After reading the row the caller calls net_sq_done(). */
mcim_err net_sq_row(struct net_sqlite *s, sqlite3_stmt *stmt);
void net_sq_done(sqlite3_stmt *stmt);

/* Rows changed by the last statement. */
int64_t net_sq_changes(struct net_sqlite *s);

/* Reads the current row into one record. */
typedef mcim_err (*net_sq_reader)(struct net_sqlite *s, sqlite3_stmt *stmt, void *out);

/* Statement id with parameters bound by fmt (as net_sq_bind), in three shapes: run it
 * (no row); read its first row into out (MCIM_ERR_NOT_FOUND without one); read up to
 * cap rows into the array out of records of size `size`, *n of them (a LIMIT
 * parameter, if any, is bound by the caller in fmt). */
mcim_err net_sq_q_exec(struct net_sqlite *s, enum net_sq_id id, const char *fmt, ...);
mcim_err net_sq_q_one(struct net_sqlite *s, enum net_sq_id id, net_sq_reader rd,
		      void *out, const char *fmt, ...);
mcim_err net_sq_q_list(struct net_sqlite *s, enum net_sq_id id, net_sq_reader rd,
		       void *out, size_t size, size_t cap, size_t *n, const char *fmt,
		       ...);

/* A reader that reads nothing: for "does this row exist". */
mcim_err net_sq_read_nothing(struct net_sqlite *s, sqlite3_stmt *stmt, void *out);

/* After a compare-and-set changed no row: exists is the result of looking the row up
 * for this tenant. MCIM_ERR_STATE when it is there (the race or the state was lost),
 * else that lookup's error (MCIM_ERR_NOT_FOUND). */
mcim_err net_sq_cas_lost(mcim_err exists);

/* For a call that needs several statements to be atomic: opens a write transaction
 * unless the caller's is open (*own tells which), and ends what it opened: commit when
 * err is MCIM_OK, else rollback. Returns err or the commit's error. */
mcim_err net_sq_tx_enter(struct net_sqlite *s, int *own);
mcim_err net_sq_tx_leave(struct net_sqlite *s, int own, mcim_err err);

/* The migrations (sqlite_schema.c): migration v (1-based) takes a database from
 * schema version v - 1 to v. NET_STORE_SCHEMA_VERSION of them. */
extern const char *const net_sq_migrations[NET_STORE_SCHEMA_VERSION];

#endif
