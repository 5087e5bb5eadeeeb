/*
 * The SQLite backend's statements and its operations on tenants, API tokens,
 * subscribers, MCIM orders, AuC records and the audit chain; the registration flow
 * (registrations, tokens, PVA, DPF) is in sqlite_reg.c. Each operation is one
 * statement, or several inside one write transaction where the answer depends on
 * what was read; a compare-and-set is an UPDATE whose WHERE clause holds the expected
 * state or version, so the database decides who wins, whichever daemon asks.
 */
#include "net/store/sqlite_int.h"

#include <string.h>

#define TENANT_COLS "id, name, roles, plmn, created"
#define TOKEN_COLS  "id, tenant_id, hash, label, created, expires, revoked"
#define SUB_COLS    "id, tenant_id, ref, name, state, created, updated"
#define REG_COLS    "id, tenant_id, tre_id, subscriber_id, state, created, updated"
#define REGTOK_COLS "reg_id, tenant_id, registration_id, tre_id, created, expires, used"
#define REFVAL_COLS "id, tenant_id, platform, sequence, uploaded, manifest"
#define PVA_COLS    "id, tenant_id, tre_id, nonce, status, created, expires, result"
#define DPF_COLS                                                                         \
	"txid, tenant_id, registration_id, tre_id, mcim_id, state, created, updated, "   \
	"expires, session"
#define ORDER_COLS                                                                       \
	"id, mcim_id, tenant_id, registration_id, tre_id, imsi, version, state, "        \
	"created, updated, length(package)"
#define AUC_COLS                                                                         \
	"id, tenant_id, imsi, mcim_id, algorithm, state, version, created, updated, "    \
	"cred, sqn"
#define AUDIT_COLS "tenant_id, seq, time, actor, event, outcome, subject, detail, hash"

/* NET_SQ_GROUP (32) rows of parameters: tenant, TRE id, subscriber, created, updated. */
#define GROUP_ROW     "(?, ?, ?, 1, ?, ?)"
#define GROUP_ROWS_4  GROUP_ROW ", " GROUP_ROW ", " GROUP_ROW ", " GROUP_ROW
#define GROUP_ROWS_16 GROUP_ROWS_4 ", " GROUP_ROWS_4 ", " GROUP_ROWS_4 ", " GROUP_ROWS_4
#define GROUP_ROWS    GROUP_ROWS_16 ", " GROUP_ROWS_16
_Static_assert(NET_SQ_GROUP == 32, "GROUP_ROWS holds 32 rows");

const char *const net_sq_sql[SQ_COUNT_] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",

    [SQ_TENANT_INSERT] = "INSERT INTO tenant(name, roles, plmn, created) "
			 "VALUES (?1, ?2, ?3, ?4)",
    [SQ_TENANT_GET] = "SELECT " TENANT_COLS " FROM tenant WHERE id = ?1",
    [SQ_TENANT_FIND] = "SELECT " TENANT_COLS " FROM tenant WHERE name = ?1",
    [SQ_TENANT_UPDATE] = "UPDATE tenant SET name = ?2, roles = ?3, plmn = ?4 "
			 "WHERE id = ?1",
    [SQ_TENANT_LIST] = "SELECT " TENANT_COLS " FROM tenant WHERE id > ?1 "
		       "ORDER BY id LIMIT ?2",

    [SQ_TOKEN_INSERT] = "INSERT INTO api_token(tenant_id, hash, label, created, "
			"expires) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_TOKEN_LOOKUP] = "SELECT " TOKEN_COLS " FROM api_token WHERE hash = ?1 "
			"AND revoked = 0 AND (expires = 0 OR expires > ?2)",
    [SQ_TOKEN_REVOKE] = "UPDATE api_token SET revoked = 1 "
			"WHERE tenant_id = ?1 AND id = ?2",
    [SQ_TOKEN_LIST] = "SELECT " TOKEN_COLS " FROM api_token WHERE tenant_id = ?1 "
		      "AND id > ?2 ORDER BY id LIMIT ?3",

    [SQ_SUB_INSERT] = "INSERT INTO subscriber(tenant_id, ref, name, state, created, "
		      "updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQ_SUB_GET] = "SELECT " SUB_COLS " FROM subscriber WHERE tenant_id = ?1 "
		   "AND id = ?2",
    [SQ_SUB_FIND] = "SELECT " SUB_COLS " FROM subscriber WHERE tenant_id = ?1 "
		    "AND ref = ?2",
    [SQ_SUB_UPDATE] = "UPDATE subscriber SET name = ?3, state = ?4, updated = ?5 "
		      "WHERE tenant_id = ?1 AND id = ?2",
    [SQ_SUB_LIST] = "SELECT " SUB_COLS " FROM subscriber WHERE tenant_id = ?1 "
		    "AND id > ?2 ORDER BY id LIMIT ?3",

    [SQ_REG_INSERT] = "INSERT INTO registration(tenant_id, tre_id, subscriber_id, "
		      "state, created, updated) VALUES (?1, ?2, ?3, 1, ?4, ?4)",
    [SQ_REG_INSERT_GROUP] = "INSERT INTO registration(tenant_id, tre_id, "
			    "subscriber_id, state, created, updated) VALUES " GROUP_ROWS,
    [SQ_REG_GET] = "SELECT " REG_COLS " FROM registration WHERE tenant_id = ?1 "
		   "AND id = ?2",
    [SQ_REG_FIND] = "SELECT " REG_COLS " FROM registration WHERE tenant_id = ?1 "
		    "AND tre_id = ?2 AND state <> 3",
    [SQ_REG_DISCOVER] = "SELECT " REG_COLS " FROM registration WHERE tre_id = ?1 "
			"AND state <> 3",
    [SQ_REG_SET_STATE] = "UPDATE registration SET state = ?4, updated = ?5 "
			 "WHERE tenant_id = ?1 AND id = ?2 AND state = ?3",
    [SQ_REG_EXISTS] = "SELECT 1 FROM registration WHERE tenant_id = ?1 AND id = ?2",
    [SQ_REG_LIST] = "SELECT " REG_COLS " FROM registration WHERE tenant_id = ?1 "
		    "AND id > ?2 ORDER BY id LIMIT ?3",

    /* Copies tenant and TRE id from the registration, which must be the tenant's
     * and waiting for its device: no row inserted otherwise. */
    [SQ_REGTOK_INSERT] = "INSERT INTO reg_token(reg_id, tenant_id, registration_id, "
			 "tre_id, created, expires) SELECT ?1, tenant_id, id, tre_id, "
			 "?3, ?4 FROM registration WHERE id = ?2 AND tenant_id = ?5 "
			 "AND state = 1",
    [SQ_REGTOK_GET] = "SELECT " REGTOK_COLS " FROM reg_token WHERE reg_id = ?1 "
		      "AND tenant_id = ?2",
    [SQ_REGTOK_USE] = "UPDATE reg_token SET used = ?4 WHERE reg_id = ?1 "
		      "AND tenant_id = ?2 AND tre_id = ?3 AND used = 0 "
		      "AND expires > ?4",

    [SQ_NONCE_INSERT] = "INSERT INTO pva_nonce(nonce, tenant_id, tre_id, created, "
			"expires) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_NONCE_USE] = "UPDATE pva_nonce SET used = ?4 WHERE nonce = ?1 "
		     "AND tenant_id = ?2 AND tre_id = ?3 AND used = 0 "
		     "AND expires > ?4",
    [SQ_NONCE_GET] = "SELECT nonce, tenant_id, tre_id, created, expires, used "
		     "FROM pva_nonce WHERE nonce = ?1 AND tenant_id = ?2",

    [SQ_PVA_INSERT] = "INSERT INTO pva_result(tenant_id, tre_id, nonce, status, "
		      "created, expires, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQ_PVA_GET] = "SELECT " PVA_COLS " FROM pva_result WHERE tenant_id = ?1 "
		   "AND nonce = ?2",
    [SQ_PVA_LATEST] = "SELECT " PVA_COLS " FROM pva_result WHERE tenant_id = ?1 "
		      "AND tre_id = ?2 AND expires > ?3 "
		      "ORDER BY created DESC, id DESC LIMIT 1",

    [SQ_REFVAL_INSERT] = "INSERT INTO pva_refvals(tenant_id, platform, sequence, "
			 "uploaded, manifest) VALUES (?1, ?2, ?3, ?4, ?5)",
    [SQ_REFVAL_GET] = "SELECT " REFVAL_COLS " FROM pva_refvals WHERE tenant_id = ?1 "
		      "AND platform = ?2 AND sequence = ?3",
    [SQ_REFVAL_LIST] = "SELECT " REFVAL_COLS " FROM pva_refvals WHERE tenant_id = ?1 "
		       "AND id > ?2 ORDER BY id LIMIT ?3",

    [SQ_DPF_INSERT] = "INSERT INTO dpf_tx(txid, tenant_id, registration_id, tre_id, "
		      "state, created, updated, expires, session) SELECT ?1, "
		      "tenant_id, id, tre_id, 1, ?3, ?3, ?4, ?5 FROM registration "
		      "WHERE id = ?2 AND tenant_id = ?6 AND state <> 3",
    [SQ_DPF_GET] = "SELECT " DPF_COLS " FROM dpf_tx WHERE txid = ?1 "
		   "AND tenant_id = ?2",
    [SQ_DPF_USE] = "UPDATE dpf_tx SET state = 2, mcim_id = ?3, updated = ?4, "
		   "session = NULL WHERE txid = ?1 AND tenant_id = ?2 AND state = 1 "
		   "AND expires > ?4",
    [SQ_DPF_RECEIPT] = "UPDATE dpf_tx SET state = 3, updated = ?3 WHERE txid = ?1 "
		       "AND tenant_id = ?2 AND state = 2",

    /* The registration, when given, must be the same tenant's. */
    [SQ_ORDER_INSERT] = "INSERT INTO mcim_order(mcim_id, tenant_id, registration_id, "
			"tre_id, imsi, version, state, created, updated, package) "
			"SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9 WHERE ?3 IS NULL "
			"OR EXISTS (SELECT 1 FROM registration WHERE id = ?3 "
			"AND tenant_id = ?2)",
    [SQ_ORDER_GET] = "SELECT " ORDER_COLS " FROM mcim_order WHERE tenant_id = ?1 "
		     "AND mcim_id = ?2",
    [SQ_ORDER_FIND] = "SELECT " ORDER_COLS " FROM mcim_order WHERE tenant_id = ?1 "
		      "AND tre_id = ?2 AND state <> 6",
    [SQ_ORDER_PACKAGE] = "SELECT package FROM mcim_order WHERE tenant_id = ?1 "
			 "AND mcim_id = ?2",
    [SQ_ORDER_SET_STATE] = "UPDATE mcim_order SET state = ?4, updated = ?5 "
			   "WHERE tenant_id = ?1 AND mcim_id = ?2 AND state = ?3",
    [SQ_ORDER_SET_STATE_PKG] = "UPDATE mcim_order SET state = ?4, updated = ?5, "
			       "package = ?6 WHERE tenant_id = ?1 AND mcim_id = ?2 "
			       "AND state = ?3",
    [SQ_ORDER_EXISTS] = "SELECT 1 FROM mcim_order WHERE tenant_id = ?1 "
			"AND mcim_id = ?2",
    [SQ_ORDER_LIST] = "SELECT " ORDER_COLS " FROM mcim_order WHERE tenant_id = ?1 "
		      "AND id > ?2 AND (?3 = 0 OR state = ?3) ORDER BY id LIMIT ?4",

    [SQ_AUC_INSERT] = "INSERT INTO auc_subscriber(tenant_id, imsi, mcim_id, "
		      "algorithm, state, version, created, updated, cred, sqn) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6, ?7, ?8)",
    [SQ_AUC_GET] = "SELECT " AUC_COLS " FROM auc_subscriber WHERE tenant_id = ?1 "
		   "AND imsi = ?2",
    [SQ_AUC_UPDATE] = "UPDATE auc_subscriber SET mcim_id = ?4, algorithm = ?5, "
		      "state = ?6, cred = ?7, sqn = ?8, updated = ?9, "
		      "version = version + 1 WHERE tenant_id = ?1 AND imsi = ?2 "
		      "AND version = ?3",
    [SQ_AUC_EXISTS] = "SELECT 1 FROM auc_subscriber WHERE tenant_id = ?1 "
		      "AND imsi = ?2",
    [SQ_AUC_LIST] = "SELECT " AUC_COLS " FROM auc_subscriber WHERE tenant_id = ?1 "
		    "AND id > ?2 ORDER BY id LIMIT ?3",

    [SQ_PURGE_REGTOK] = "DELETE FROM reg_token WHERE expires <= ?1",
    [SQ_PURGE_NONCE] = "DELETE FROM pva_nonce WHERE expires <= ?1",
    [SQ_PURGE_PVA] = "DELETE FROM pva_result WHERE expires <= ?1",
    [SQ_PURGE_DPF] = "DELETE FROM dpf_tx WHERE expires <= ?1 AND state = 1",
    [SQ_PING] = "SELECT version FROM schema_version ORDER BY version DESC LIMIT 1",

    [SQ_AUDIT_LAST] = "SELECT seq, hash FROM audit WHERE tenant_id = ?1 "
		      "ORDER BY seq DESC LIMIT 1",
    [SQ_AUDIT_INSERT] = "INSERT INTO audit(" AUDIT_COLS ") "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [SQ_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit WHERE tenant_id = ?1 "
		      "AND seq > ?2 ORDER BY seq LIMIT ?3",

    [SQ_TAMPER_INSERT] = "INSERT INTO tamper_report(tenant_id, tre_id, seq, reported, "
			 "received, reason, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQ_TAMPER_LIST] = "SELECT id, tenant_id, tre_id, seq, reported, received, reason, "
		       "report FROM tamper_report WHERE tenant_id = ?1 AND id > ?2 "
		       "ORDER BY id LIMIT ?3",
};

/* ---- tenants ---- */

static mcim_err read_tenant(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_store_tenant *t = out;

	memset(t, 0, sizeof(*t));
	return net_sq_cols(s, stmt, "ituti", &t->id, t->name, sizeof(t->name), &t->roles,
			   t->plmn, sizeof(t->plmn), &t->created);
}

static mcim_err tenant_create(struct net_store *st, struct net_store_tenant *t)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_TENANT_INSERT, "titi", t->name,
				     (int64_t)t->roles, t->plmn, t->created);

	if (err == MCIM_OK)
		t->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

static mcim_err tenant_get(struct net_store *st, int64_t id, struct net_store_tenant *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_TENANT_GET, read_tenant, out, "i",
			    id);
}

static mcim_err tenant_find(struct net_store *st, const char *name,
			    struct net_store_tenant *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_TENANT_FIND, read_tenant, out,
			    "t", name);
}

static mcim_err tenant_update(struct net_store *st, const struct net_store_tenant *t)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_TENANT_UPDATE, "itit", t->id, t->name,
				     (int64_t)t->roles, t->plmn);

	if (err == MCIM_OK && net_sq_changes(s) == 0)
		err = MCIM_ERR_NOT_FOUND;
	return err;
}

static mcim_err tenant_list(struct net_store *st, int64_t after,
			    struct net_store_tenant *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_TENANT_LIST, read_tenant, out,
			     sizeof(*out), cap, n, "ii", after, (int64_t)cap);
}

/* ---- API tokens ---- */

static mcim_err read_token(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_api_token *t = out;

	memset(t, 0, sizeof(*t));
	return net_sq_cols(s, stmt, "iibtiid", &t->id, &t->tenant, t->hash,
			   sizeof(t->hash), t->label, sizeof(t->label), &t->created,
			   &t->expires, &t->revoked);
}

static mcim_err token_create(struct net_store *st, struct net_api_token *t)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_TOKEN_INSERT, "ibtii", t->tenant, t->hash,
				     sizeof(t->hash), t->label, t->created, t->expires);

	if (err == MCIM_OK)
		t->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

static mcim_err token_lookup(struct net_store *st, const uint8_t hash[NET_TOKEN_HASH_LEN],
			     int64_t now, struct net_api_token *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_TOKEN_LOOKUP, read_token, out,
			    "bi", hash, (size_t)NET_TOKEN_HASH_LEN, now);
}

static mcim_err token_revoke(struct net_store *st, int64_t tenant, int64_t id)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_TOKEN_REVOKE, "ii", tenant, id);

	if (err == MCIM_OK && net_sq_changes(s) == 0)
		err = MCIM_ERR_NOT_FOUND;
	return err;
}

static mcim_err token_list(struct net_store *st, int64_t tenant, int64_t after,
			   struct net_api_token *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_TOKEN_LIST, read_token, out,
			     sizeof(*out), cap, n, "iii", tenant, after, (int64_t)cap);
}

/* ---- subscribers ---- */

static mcim_err read_sub(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_subscriber *sub = out;

	memset(sub, 0, sizeof(*sub));
	return net_sq_cols(s, stmt, "iittdii", &sub->id, &sub->tenant, sub->ref,
			   sizeof(sub->ref), sub->name, sizeof(sub->name), &sub->state,
			   &sub->created, &sub->updated);
}

static mcim_err subscriber_create(struct net_store *st, struct net_subscriber *sub)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_SUB_INSERT, "ittdii", sub->tenant, sub->ref,
				     sub->name, sub->state, sub->created, sub->updated);

	if (err == MCIM_OK)
		sub->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

static mcim_err subscriber_get(struct net_store *st, int64_t tenant, int64_t id,
			       struct net_subscriber *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_SUB_GET, read_sub, out, "ii",
			    tenant, id);
}

static mcim_err subscriber_find(struct net_store *st, int64_t tenant, const char *ref,
				struct net_subscriber *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_SUB_FIND, read_sub, out, "it",
			    tenant, ref);
}

static mcim_err subscriber_update(struct net_store *st, const struct net_subscriber *sub)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_SUB_UPDATE, "iitdi", sub->tenant, sub->id,
				     sub->name, sub->state, sub->updated);

	if (err == MCIM_OK && net_sq_changes(s) == 0)
		err = MCIM_ERR_NOT_FOUND;
	return err;
}

static mcim_err subscriber_list(struct net_store *st, int64_t tenant, int64_t after,
				struct net_subscriber *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_SUB_LIST, read_sub, out,
			     sizeof(*out), cap, n, "iii", tenant, after, (int64_t)cap);
}

/* ---- MCIM orders ---- */

static mcim_err read_order(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_mcim_order *o = out;
	int64_t package_len = 0;
	mcim_err err;

	memset(o, 0, sizeof(*o));
	err = net_sq_cols(s, stmt, "ibiibtudiii", &o->id, o->mcim_id, sizeof(o->mcim_id),
			  &o->tenant, &o->registration, o->tre_id, sizeof(o->tre_id),
			  o->imsi, sizeof(o->imsi), &o->version, &o->state, &o->created,
			  &o->updated, &package_len);
	o->package_len = (size_t)package_len;
	return err;
}

static mcim_err order_create(struct net_store *st, struct net_mcim_order *o,
			     const uint8_t *package, size_t len)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(
	    s, SQ_ORDER_INSERT, "binbtidib", o->mcim_id, sizeof(o->mcim_id), o->tenant,
	    o->registration, o->tre_id, sizeof(o->tre_id), o->imsi, (int64_t)o->version,
	    o->state, o->created, package, len);

	if (err == MCIM_OK && net_sq_changes(s) == 0)
		err = MCIM_ERR_NOT_FOUND;
	if (err == MCIM_OK) {
		o->id = sqlite3_last_insert_rowid(s->db);
		o->updated = o->created;
		o->package_len = len;
	}
	return err;
}

static mcim_err order_get(struct net_store *st, int64_t tenant,
			  const uint8_t mcim_id[NET_MCIM_ID_LEN],
			  struct net_mcim_order *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_ORDER_GET, read_order, out, "ib",
			    tenant, mcim_id, (size_t)NET_MCIM_ID_LEN);
}

static mcim_err order_find(struct net_store *st, int64_t tenant,
			   const uint8_t tre_id[NET_TRE_ID_LEN],
			   struct net_mcim_order *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_ORDER_FIND, read_order, out, "ib",
			    tenant, tre_id, (size_t)NET_TRE_ID_LEN);
}

struct package_out {
	uint8_t *buf;
	size_t cap, *len;
};

static mcim_err read_package(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct package_out *p = out;
	const void *blob = sqlite3_column_blob(stmt, 0);
	size_t got = (size_t)sqlite3_column_bytes(stmt, 0);

	(void)s;
	*p->len = got;
	if (got > p->cap)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	if (got > 0)
		memcpy(p->buf, blob, got);
	return MCIM_OK;
}

static mcim_err order_package(struct net_store *st, int64_t tenant,
			      const uint8_t mcim_id[NET_MCIM_ID_LEN], uint8_t *buf,
			      size_t cap, size_t *len)
{
	struct package_out p = {buf, cap, len};

	return net_sq_q_one((struct net_sqlite *)st, SQ_ORDER_PACKAGE, read_package, &p,
			    "ib", tenant, mcim_id, (size_t)NET_MCIM_ID_LEN);
}

static mcim_err order_set_state(struct net_store *st, int64_t tenant,
				const uint8_t mcim_id[NET_MCIM_ID_LEN], int from, int to,
				const uint8_t *package, size_t len, int64_t now)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err;

	if (package != NULL)
		err = net_sq_q_exec(s, SQ_ORDER_SET_STATE_PKG, "ibddib", tenant, mcim_id,
				    (size_t)NET_MCIM_ID_LEN, from, to, now, package, len);
	else
		err = net_sq_q_exec(s, SQ_ORDER_SET_STATE, "ibddi", tenant, mcim_id,
				    (size_t)NET_MCIM_ID_LEN, from, to, now);
	if (err != MCIM_OK || net_sq_changes(s) == 1)
		return err;
	return net_sq_cas_lost(net_sq_q_one(s, SQ_ORDER_EXISTS, net_sq_read_nothing, NULL,
					    "ib", tenant, mcim_id,
					    (size_t)NET_MCIM_ID_LEN));
}

static mcim_err order_list(struct net_store *st, int64_t tenant, int state, int64_t after,
			   struct net_mcim_order *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_ORDER_LIST, read_order, out,
			     sizeof(*out), cap, n, "iidi", tenant, after, state,
			     (int64_t)cap);
}

/* ---- AuC ---- */

static mcim_err read_auc(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_auc_record *r = out;

	memset(r, 0, sizeof(*r));
	return net_sq_cols(s, stmt, "iitbudiiivv", &r->id, &r->tenant, r->imsi,
			   sizeof(r->imsi), r->mcim_id, sizeof(r->mcim_id), &r->algorithm,
			   &r->state, &r->version, &r->created, &r->updated, r->cred,
			   sizeof(r->cred), &r->cred_len, r->sqn, sizeof(r->sqn),
			   &r->sqn_len);
}

static mcim_err auc_create(struct net_store *st, struct net_auc_record *r)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err =
	    net_sq_q_exec(s, SQ_AUC_INSERT, "itzidibb", r->tenant, r->imsi, r->mcim_id,
			  sizeof(r->mcim_id), (int64_t)r->algorithm, r->state, r->created,
			  r->cred, r->cred_len, r->sqn, r->sqn_len);

	if (err == MCIM_OK) {
		r->id = sqlite3_last_insert_rowid(s->db);
		r->version = 1;
		r->updated = r->created;
	}
	return err;
}

static mcim_err auc_get(struct net_store *st, int64_t tenant, const char *imsi,
			struct net_auc_record *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_AUC_GET, read_auc, out, "it",
			    tenant, imsi);
}

static mcim_err auc_update(struct net_store *st, struct net_auc_record *r, int64_t now)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err =
	    net_sq_q_exec(s, SQ_AUC_UPDATE, "itizidbbi", r->tenant, r->imsi, r->version,
			  r->mcim_id, sizeof(r->mcim_id), (int64_t)r->algorithm, r->state,
			  r->cred, r->cred_len, r->sqn, r->sqn_len, now);

	if (err != MCIM_OK)
		return err;
	if (net_sq_changes(s) != 1)
		return net_sq_cas_lost(net_sq_q_one(s, SQ_AUC_EXISTS, net_sq_read_nothing,
						    NULL, "it", r->tenant, r->imsi));
	if (err == MCIM_OK) {
		r->version++;
		r->updated = now;
	}
	return err;
}

static mcim_err auc_list(struct net_store *st, int64_t tenant, int64_t after,
			 struct net_auc_record *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_AUC_LIST, read_auc, out,
			     sizeof(*out), cap, n, "iii", tenant, after, (int64_t)cap);
}

/* ---- housekeeping ---- */

static mcim_err ping(struct net_store *st)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_PING, net_sq_read_nothing, NULL,
			    "");
}

static mcim_err purge(struct net_store *st, int64_t now, uint64_t *removed)
{
	static const enum net_sq_id what[] = {SQ_PURGE_REGTOK, SQ_PURGE_NONCE,
					      SQ_PURGE_PVA, SQ_PURGE_DPF};
	struct net_sqlite *s = (struct net_sqlite *)st;
	uint64_t count = 0;
	int own;
	mcim_err err = net_sq_tx_enter(s, &own);

	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]) && err == MCIM_OK; i++) {
		err = net_sq_q_exec(s, what[i], "i", now);
		if (err == MCIM_OK)
			count += (uint64_t)net_sq_changes(s);
	}
	err = net_sq_tx_leave(s, own, err);
	*removed = err == MCIM_OK ? count : 0;
	return err;
}

/* ---- audit ---- */

struct audit_last {
	int64_t seq;
	uint8_t hash[NET_AUDIT_HASH_LEN];
};

static mcim_err read_last(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct audit_last *l = out;

	return net_sq_cols(s, stmt, "ib", &l->seq, l->hash, sizeof(l->hash));
}

static mcim_err read_audit(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_audit *a = out;
	int64_t seq = 0, event = 0;
	int outcome = 0;
	mcim_err err;

	memset(a, 0, sizeof(*a));
	err = net_sq_cols(s, stmt, "iiitidttb", &a->tenant, &seq, &a->time, a->actor,
			  sizeof(a->actor), &event, &outcome, a->subject,
			  sizeof(a->subject), a->detail, sizeof(a->detail), a->hash,
			  sizeof(a->hash));
	if (err == MCIM_OK && (seq <= 0 || event <= 0 || event > UINT16_MAX ||
			       outcome < 0 || outcome >= MCIM_ERR_COUNT_))
		err = MCIM_ERR_IO;
	a->seq = (uint64_t)seq;
	a->event = (uint16_t)event;
	a->outcome = (mcim_err)outcome;
	return err;
}

/* The previous record is read and the next one written under one write lock, so two
 * daemons appending at once still make one chain (and the (tenant, seq) key would
 * refuse a second record with the same number if they did not). */
static mcim_err audit_append(struct net_store *st, struct net_audit *a)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	struct audit_last last = {0, {0}};
	int own;
	mcim_err err = net_sq_tx_enter(s, &own);

	if (err != MCIM_OK)
		return err;
	err = net_sq_q_one(s, SQ_AUDIT_LAST, read_last, &last, "i", a->tenant);
	if (err == MCIM_ERR_NOT_FOUND)
		err = MCIM_OK;
	if (err == MCIM_OK) {
		a->seq = (uint64_t)last.seq + 1;
		err = net_store_audit_hash(last.hash, a, a->hash);
	}
	if (err == MCIM_OK)
		err = net_sq_q_exec(s, SQ_AUDIT_INSERT, "iiitddttb", a->tenant,
				    (int64_t)a->seq, a->time, a->actor, (int)a->event,
				    (int)a->outcome, a->subject, a->detail, a->hash,
				    sizeof(a->hash));
	err = net_sq_tx_leave(s, own, err);
	if (err != MCIM_OK) {
		a->seq = 0;
		memset(a->hash, 0, sizeof(a->hash));
	}
	return err;
}

static mcim_err audit_list(struct net_store *st, int64_t tenant, uint64_t after,
			   struct net_audit *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_AUDIT_LIST, read_audit, out,
			     sizeof(*out), cap, n, "iii", tenant, (int64_t)after,
			     (int64_t)cap);
}

const struct net_store_ops net_sq_ops = {
    .close = net_sq_close,
    .begin = net_sq_begin,
    .commit = net_sq_commit,
    .rollback = net_sq_rollback,
    .schema_version = net_sq_schema_version,
    .tenant_create = tenant_create,
    .tenant_get = tenant_get,
    .tenant_find = tenant_find,
    .tenant_update = tenant_update,
    .tenant_list = tenant_list,
    .token_create = token_create,
    .token_lookup = token_lookup,
    .token_revoke = token_revoke,
    .token_list = token_list,
    .subscriber_create = subscriber_create,
    .subscriber_get = subscriber_get,
    .subscriber_find = subscriber_find,
    .subscriber_update = subscriber_update,
    .subscriber_list = subscriber_list,
    .register_batch = net_sq_register_batch,
    .registration_get = net_sq_registration_get,
    .registration_find = net_sq_registration_find,
    .registration_discover = net_sq_registration_discover,
    .registration_set_state = net_sq_registration_set_state,
    .registration_list = net_sq_registration_list,
    .regtoken_create = net_sq_regtoken_create,
    .regtoken_get = net_sq_regtoken_get,
    .regtoken_consume = net_sq_regtoken_consume,
    .nonce_create = net_sq_nonce_create,
    .nonce_consume = net_sq_nonce_consume,
    .pva_result_put = net_sq_pva_result_put,
    .pva_result_get = net_sq_pva_result_get,
    .refval_put = net_sq_refval_put,
    .refval_get = net_sq_refval_get,
    .refval_list = net_sq_refval_list,
    .pva_result_latest = net_sq_pva_result_latest,
    .dpf_tx_create = net_sq_dpf_tx_create,
    .dpf_tx_get = net_sq_dpf_tx_get,
    .dpf_tx_consume = net_sq_dpf_tx_consume,
    .dpf_tx_receipt = net_sq_dpf_tx_receipt,
    .order_create = order_create,
    .order_get = order_get,
    .order_find = order_find,
    .order_package = order_package,
    .order_set_state = order_set_state,
    .order_list = order_list,
    .auc_create = auc_create,
    .auc_get = auc_get,
    .auc_update = auc_update,
    .auc_list = auc_list,
    .purge = purge,
    .ping = ping,
    .audit_append = audit_append,
    .audit_list = audit_list,
    .tamper_put = net_sq_tamper_put,
    .tamper_list = net_sq_tamper_list,
};
