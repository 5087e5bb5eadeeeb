/*
 * The SQLite backend's registration flow: registrations and their batch insert (the
 * DRF), registration tokens, PVA nonces and results, DPF transactions. The single-use
 * items are consumed by one UPDATE whose WHERE clause says "unused and unexpired":
 * whichever connection runs it first changes the row, every later one changes
 * nothing and is told why by a read of the row (used: replay; past expiry: expired;
 * absent or another tenant's or TRE's: not found).
 */
#include "net/store/sqlite_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/bytes.h"

/* ---- registrations ---- */

static mcim_err read_reg(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_registration *r = out;

	memset(r, 0, sizeof(*r));
	return net_sq_cols(s, stmt, "iibidii", &r->id, &r->tenant, r->tre_id,
			   sizeof(r->tre_id), &r->subscriber, &r->state, &r->created,
			   &r->updated);
}

static void fail_lines(mcim_err *results, int64_t *ids, size_t from, size_t n,
		       mcim_err err)
{
	for (size_t i = from; i < n; i++) {
		results[i] = err;
		if (ids != NULL)
			ids[i] = 0;
	}
}

/* A line of the chunk being written, in TRE id order (ties: line order, so that of
 * two equal TRE ids the earlier line is inserted and the later one refused). */
struct line_key {
	uint8_t tre_id[NET_TRE_ID_LEN];
	size_t line;
};

static int line_key_cmp(const void *a, const void *b)
{
	const struct line_key *x = a, *y = b;
	int c = memcmp(x->tre_id, y->tre_id, NET_TRE_ID_LEN);

	if (c != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A line refused by a constraint (the partial unique index on active TRE ids, the
 * foreign key to the tenant's subscribers) fails alone: SQLite undoes that statement
 * only, and the transaction goes on. Any other error is returned. */
static mcim_err insert_lines(struct net_sqlite *s, int64_t tenant,
			     const struct net_reg_in *in, const struct line_key *keys,
			     size_t n, int64_t now, mcim_err *results, int64_t *ids)
{
	mcim_err err = MCIM_OK;
	sqlite3_stmt *stmt = net_sq_stmt(s, SQ_REG_INSERT, &err);

	for (size_t k = 0; k < n && stmt != NULL; k++) {
		size_t i = keys[k].line;
		mcim_err line;
		int rc;

		sqlite3_reset(stmt);
		err = net_sq_bind(s, stmt, "ibni", tenant, in[i].tre_id,
				  (size_t)NET_TRE_ID_LEN, in[i].subscriber, now);
		if (err != MCIM_OK)
			break;
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE) {
			results[i] = MCIM_OK;
			if (ids != NULL)
				ids[i] = sqlite3_last_insert_rowid(s->db);
			continue;
		}
		line = net_sq_fail(s, rc);
		if (line != MCIM_ERR_EXISTS && line != MCIM_ERR_NOT_FOUND) {
			err = line;
			break;
		}
		results[i] = line;
	}
	if (stmt != NULL)
		net_sq_done(stmt);
	return err;
}

/*
 * NET_SQ_GROUP lines in one INSERT statement: most of a line's cost is the statement
 * around it (cursors opened and closed, constraint bookkeeping), so a group divides
 * it. If any line of the group is refused, the statement leaves nothing and the
 * group is redone line by line to find which. The rows of one statement get
 * consecutive ids (one above the largest, under the write lock), in VALUES order.
 */
static mcim_err insert_group(struct net_sqlite *s, int64_t tenant,
			     const struct net_reg_in *in, const struct line_key *keys,
			     int64_t now, mcim_err *results, int64_t *ids)
{
	mcim_err err = MCIM_OK;
	sqlite3_stmt *stmt = net_sq_stmt(s, SQ_REG_INSERT_GROUP, &err);
	int rc = SQLITE_OK;
	int64_t last;

	if (stmt == NULL)
		return err;
	for (int k = 0; k < NET_SQ_GROUP && rc == SQLITE_OK; k++) {
		const struct net_reg_in *line = &in[keys[k].line];
		int p = k * 5 + 1;
		rc = sqlite3_bind_int64(stmt, p, tenant);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_blob(stmt, p + 1, line->tre_id, NET_TRE_ID_LEN,
					       SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = line->subscriber == 0
				 ? sqlite3_bind_null(stmt, p + 2)
				 : sqlite3_bind_int64(stmt, p + 2, line->subscriber);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(stmt, p + 3, now);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(stmt, p + 4, now);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	net_sq_done(stmt);
	if (rc != SQLITE_DONE) {
		err = net_sq_fail(s, rc);
		if (err == MCIM_ERR_EXISTS || err == MCIM_ERR_NOT_FOUND)
			return insert_lines(s, tenant, in, keys, NET_SQ_GROUP, now,
					    results, ids);
		return err;
	}
	last = sqlite3_last_insert_rowid(s->db);
	for (int k = 0; k < NET_SQ_GROUP; k++) {
		results[keys[k].line] = MCIM_OK;
		if (ids != NULL)
			ids[keys[k].line] = last - (NET_SQ_GROUP - 1) + k;
	}
	return MCIM_OK;
}

/*
 * Each chunk is one transaction. Its lines are inserted in TRE id order: the unique
 * index on TRE ids (random keys) then fills page after page instead of jumping
 * around, which roughly halves the work. Any error other than a refused line ends
 * the chunk, rolled back whole.
 */
mcim_err net_sq_register_batch(struct net_store *st, int64_t tenant,
			       const struct net_reg_in *in, size_t n, int64_t now,
			       mcim_err *results, int64_t *ids)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	size_t cap = n < NET_STORE_BATCH_CHUNK ? n : NET_STORE_BATCH_CHUNK;
	struct line_key *keys;
	mcim_err err =
	    net_sq_q_one(s, SQ_TENANT_GET, net_sq_read_nothing, NULL, "i", tenant);

	if (err != MCIM_OK) {
		fail_lines(results, ids, 0, n, err);
		return err;
	}
	keys = malloc(cap * sizeof(*keys));
	if (keys == NULL) {
		fail_lines(results, ids, 0, n, MCIM_ERR_NOMEM);
		return MCIM_ERR_NOMEM;
	}
	for (size_t start = 0; start < n && err == MCIM_OK; start += cap) {
		size_t end = n - start > cap ? start + cap : n, m = 0, g = 0;
		int own;

		for (size_t i = start; i < end; i++) {
			if (ids != NULL)
				ids[i] = 0;
			if (in[i].subscriber < 0) {
				results[i] = MCIM_ERR_INVALID_ARG;
				continue;
			}
			memcpy(keys[m].tre_id, in[i].tre_id, NET_TRE_ID_LEN);
			keys[m++].line = i;
		}
		qsort(keys, m, sizeof(*keys), line_key_cmp);
		err = net_sq_tx_enter(s, &own);
		if (err != MCIM_OK) {
			fail_lines(results, ids, own ? start : 0, n, err);
			break;
		}
		for (; g + NET_SQ_GROUP <= m && err == MCIM_OK; g += NET_SQ_GROUP)
			err = insert_group(s, tenant, in, keys + g, now, results, ids);
		if (err == MCIM_OK)
			err = insert_lines(s, tenant, in, keys + g, m - g, now, results,
					   ids);
		err = net_sq_tx_leave(s, own, err);
		if (err != MCIM_OK)
			fail_lines(results, ids, own ? start : 0, n, err);
	}
	free(keys);
	return err;
}

mcim_err net_sq_registration_get(struct net_store *st, int64_t tenant, int64_t id,
				 struct net_registration *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_REG_GET, read_reg, out, "ii",
			    tenant, id);
}

mcim_err net_sq_registration_find(struct net_store *st, int64_t tenant,
				  const uint8_t tre_id[NET_TRE_ID_LEN],
				  struct net_registration *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_REG_FIND, read_reg, out, "ib",
			    tenant, tre_id, (size_t)NET_TRE_ID_LEN);
}

mcim_err net_sq_registration_discover(struct net_store *st,
				      const uint8_t tre_id[NET_TRE_ID_LEN],
				      struct net_registration *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_REG_DISCOVER, read_reg, out, "b",
			    tre_id, (size_t)NET_TRE_ID_LEN);
}

mcim_err net_sq_registration_set_state(struct net_store *st, int64_t tenant, int64_t id,
				       int from, int to, int64_t now)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err =
	    net_sq_q_exec(s, SQ_REG_SET_STATE, "iiddi", tenant, id, from, to, now);

	if (err != MCIM_OK || net_sq_changes(s) == 1)
		return err;
	return net_sq_cas_lost(
	    net_sq_q_one(s, SQ_REG_EXISTS, net_sq_read_nothing, NULL, "ii", tenant, id));
}

mcim_err net_sq_registration_list(struct net_store *st, int64_t tenant, int64_t after,
				  struct net_registration *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_REG_LIST, read_reg, out,
			     sizeof(*out), cap, n, "iii", tenant, after, (int64_t)cap);
}

/* ---- single-use items ---- */

struct use_row {
	uint8_t tre_id[NET_TRE_ID_LEN];
	int64_t expires, used;
};

/* Why a consume changed nothing, from the row as it is now. */
static mcim_err why_unused(mcim_err err, const struct use_row *row,
			   const uint8_t tre_id[NET_TRE_ID_LEN])
{
	if (err != MCIM_OK)
		return err;
	if (memcmp(row->tre_id, tre_id, NET_TRE_ID_LEN) != 0)
		return MCIM_ERR_NOT_FOUND;
	return row->used != 0 ? MCIM_ERR_REPLAY : MCIM_ERR_EXPIRED;
}

static mcim_err read_regtok(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_reg_token *t = out;

	memset(t, 0, sizeof(*t));
	return net_sq_cols(s, stmt, "biibiii", t->reg_id, sizeof(t->reg_id), &t->tenant,
			   &t->registration, t->tre_id, sizeof(t->tre_id), &t->created,
			   &t->expires, &t->used);
}

mcim_err net_sq_regtoken_create(struct net_store *st, struct net_reg_token *t)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	struct net_reg_token stored;
	mcim_err err =
	    net_sq_q_exec(s, SQ_REGTOK_INSERT, "biiii", t->reg_id, sizeof(t->reg_id),
			  t->registration, t->created, t->expires, t->tenant);

	if (err == MCIM_OK && net_sq_changes(s) == 0)
		err = MCIM_ERR_NOT_FOUND;
	if (err == MCIM_OK)
		err = net_sq_q_one(s, SQ_REGTOK_GET, read_regtok, &stored, "bi",
				   t->reg_id, sizeof(t->reg_id), t->tenant);
	if (err == MCIM_OK)
		memcpy(t->tre_id, stored.tre_id, sizeof(t->tre_id));
	return err;
}

mcim_err net_sq_regtoken_get(struct net_store *st, int64_t tenant,
			     const uint8_t reg_id[NET_REG_ID_LEN],
			     struct net_reg_token *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_REGTOK_GET, read_regtok, out,
			    "bi", reg_id, (size_t)NET_REG_ID_LEN, tenant);
}

mcim_err net_sq_regtoken_consume(struct net_store *st, int64_t tenant,
				 const uint8_t reg_id[NET_REG_ID_LEN],
				 const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	struct net_reg_token t;
	struct use_row row;
	mcim_err err =
	    net_sq_q_exec(s, SQ_REGTOK_USE, "bibi", reg_id, (size_t)NET_REG_ID_LEN,
			  tenant, tre_id, (size_t)NET_TRE_ID_LEN, now);

	if (err != MCIM_OK || net_sq_changes(s) == 1)
		return err;
	err = net_sq_regtoken_get(st, tenant, reg_id, &t);
	if (err != MCIM_OK)
		return err;
	memcpy(row.tre_id, t.tre_id, sizeof(row.tre_id));
	row.expires = t.expires;
	row.used = t.used;
	return why_unused(err, &row, tre_id);
}

static mcim_err read_nonce_use(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct use_row *row = out;
	uint8_t nonce[NET_NONCE_LEN];
	int64_t tenant, created;

	return net_sq_cols(s, stmt, "bibiii", nonce, sizeof(nonce), &tenant, row->tre_id,
			   sizeof(row->tre_id), &created, &row->expires, &row->used);
}

mcim_err net_sq_nonce_create(struct net_store *st, const struct net_pva_nonce *nc)
{
	return net_sq_q_exec((struct net_sqlite *)st, SQ_NONCE_INSERT, "bibii", nc->nonce,
			     sizeof(nc->nonce), nc->tenant, nc->tre_id,
			     sizeof(nc->tre_id), nc->created, nc->expires);
}

mcim_err net_sq_nonce_consume(struct net_store *st, int64_t tenant,
			      const uint8_t nonce[NET_NONCE_LEN],
			      const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	struct use_row row;
	mcim_err err =
	    net_sq_q_exec(s, SQ_NONCE_USE, "bibi", nonce, (size_t)NET_NONCE_LEN, tenant,
			  tre_id, (size_t)NET_TRE_ID_LEN, now);

	if (err != MCIM_OK || net_sq_changes(s) == 1)
		return err;
	err = net_sq_q_one(s, SQ_NONCE_GET, read_nonce_use, &row, "bi", nonce,
			   (size_t)NET_NONCE_LEN, tenant);
	return why_unused(err, &row, tre_id);
}

/* ---- PVA results ---- */

static mcim_err read_pva(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_pva_result *r = out;

	memset(r, 0, sizeof(*r));
	return net_sq_cols(s, stmt, "iibbdiiv", &r->id, &r->tenant, r->tre_id,
			   sizeof(r->tre_id), r->nonce, sizeof(r->nonce), &r->status,
			   &r->created, &r->expires, r->result, sizeof(r->result),
			   &r->result_len);
}

mcim_err net_sq_pva_result_put(struct net_store *st, struct net_pva_result *r)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err =
	    net_sq_q_exec(s, SQ_PVA_INSERT, "ibbdiib", r->tenant, r->tre_id,
			  sizeof(r->tre_id), r->nonce, sizeof(r->nonce), r->status,
			  r->created, r->expires, r->result, r->result_len);

	if (err == MCIM_OK)
		r->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

mcim_err net_sq_pva_result_get(struct net_store *st, int64_t tenant,
			       const uint8_t nonce[NET_NONCE_LEN],
			       struct net_pva_result *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_PVA_GET, read_pva, out, "ib",
			    tenant, nonce, (size_t)NET_NONCE_LEN);
}

mcim_err net_sq_pva_result_latest(struct net_store *st, int64_t tenant,
				  const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now,
				  struct net_pva_result *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_PVA_LATEST, read_pva, out, "ibi",
			    tenant, tre_id, (size_t)NET_TRE_ID_LEN, now);
}

/* ---- PVA reference values ---- */

static mcim_err read_refval(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_pva_refval *rv = out;

	memset(rv, 0, offsetof(struct net_pva_refval, manifest));
	return net_sq_cols(s, stmt, "iituiv", &rv->id, &rv->tenant, rv->platform,
			   sizeof(rv->platform), &rv->sequence, &rv->uploaded,
			   rv->manifest, sizeof(rv->manifest), &rv->manifest_len);
}

mcim_err net_sq_refval_put(struct net_store *st, struct net_pva_refval *rv)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(s, SQ_REFVAL_INSERT, "itiib", rv->tenant,
				     rv->platform, (int64_t)rv->sequence, rv->uploaded,
				     rv->manifest, rv->manifest_len);

	if (err == MCIM_OK)
		rv->id = sqlite3_last_insert_rowid(s->db);
	return err;
}

mcim_err net_sq_refval_get(struct net_store *st, int64_t tenant, const char *platform,
			   uint32_t sequence, struct net_pva_refval *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_REFVAL_GET, read_refval, out,
			    "iti", tenant, platform, (int64_t)sequence);
}

mcim_err net_sq_refval_list(struct net_store *st, int64_t tenant, int64_t after,
			    struct net_pva_refval *out, size_t cap, size_t *n)
{
	return net_sq_q_list((struct net_sqlite *)st, SQ_REFVAL_LIST, read_refval, out,
			     sizeof(*out), cap, n, "iii", tenant, after, (int64_t)cap);
}

/* ---- DPF transactions ---- */

static mcim_err read_dpf(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	struct net_dpf_tx *tx = out;

	memset(tx, 0, sizeof(*tx));
	return net_sq_cols(s, stmt, "biibbdiiiv", tx->txid, sizeof(tx->txid), &tx->tenant,
			   &tx->registration, tx->tre_id, sizeof(tx->tre_id), tx->mcim_id,
			   sizeof(tx->mcim_id), &tx->state, &tx->created, &tx->updated,
			   &tx->expires, tx->session, sizeof(tx->session),
			   &tx->session_len);
}

static mcim_err read_dpf_tre(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	uint8_t txid[NET_TXID_LEN];
	int64_t tenant, registration;

	return net_sq_cols(s, stmt, "biib", txid, sizeof(txid), &tenant, &registration,
			   (uint8_t *)out, (size_t)NET_TRE_ID_LEN);
}

mcim_err net_sq_dpf_tx_create(struct net_store *st, struct net_dpf_tx *tx)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = net_sq_q_exec(
	    s, SQ_DPF_INSERT, "biiibi", tx->txid, sizeof(tx->txid), tx->registration,
	    tx->created, tx->expires, tx->session, tx->session_len, tx->tenant);

	if (err == MCIM_OK && net_sq_changes(s) == 0)
		err = MCIM_ERR_NOT_FOUND;
	if (err == MCIM_OK)
		err = net_sq_q_one(s, SQ_DPF_GET, read_dpf_tre, tx->tre_id, "bi",
				   tx->txid, sizeof(tx->txid), tx->tenant);
	if (err == MCIM_OK) {
		memset(tx->mcim_id, 0, sizeof(tx->mcim_id));
		tx->updated = tx->created;
	}
	return err;
}

mcim_err net_sq_dpf_tx_get(struct net_store *st, int64_t tenant,
			   const uint8_t txid[NET_TXID_LEN], struct net_dpf_tx *out)
{
	return net_sq_q_one((struct net_sqlite *)st, SQ_DPF_GET, read_dpf, out, "bi",
			    txid, (size_t)NET_TXID_LEN, tenant);
}

/* Read (for the session state, which the update erases) and update under one write
 * lock; the update still says "state = PENDING", so it is a compare-and-set even
 * inside a caller's transaction. */
mcim_err net_sq_dpf_tx_consume(struct net_store *st, int64_t tenant,
			       const uint8_t txid[NET_TXID_LEN],
			       const uint8_t mcim_id[NET_MCIM_ID_LEN], int64_t now,
			       struct net_dpf_tx *out)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	int own;
	mcim_err err = net_sq_tx_enter(s, &own);

	if (err != MCIM_OK)
		return err;
	err = net_sq_dpf_tx_get(st, tenant, txid, out);
	if (err == MCIM_OK && out->state != NET_DPF_PENDING)
		err = MCIM_ERR_REPLAY;
	else if (err == MCIM_OK && now >= out->expires)
		err = MCIM_ERR_EXPIRED;
	if (err == MCIM_OK)
		err = net_sq_q_exec(s, SQ_DPF_USE, "bibi", txid, (size_t)NET_TXID_LEN,
				    tenant, mcim_id, (size_t)NET_MCIM_ID_LEN, now);
	if (err == MCIM_OK && net_sq_changes(s) != 1)
		err = MCIM_ERR_REPLAY;
	err = net_sq_tx_leave(s, own, err);
	if (err != MCIM_OK) {
		mcim_wipe(out, sizeof(*out));
		return err;
	}
	out->state = NET_DPF_DELIVERED;
	memcpy(out->mcim_id, mcim_id, NET_MCIM_ID_LEN);
	out->updated = now;
	return MCIM_OK;
}

mcim_err net_sq_dpf_tx_receipt(struct net_store *st, int64_t tenant,
			       const uint8_t txid[NET_TXID_LEN], int64_t now)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	uint8_t tre_id[NET_TRE_ID_LEN];
	mcim_err err = net_sq_q_exec(s, SQ_DPF_RECEIPT, "bii", txid, (size_t)NET_TXID_LEN,
				     tenant, now);

	if (err != MCIM_OK || net_sq_changes(s) == 1)
		return err;
	err = net_sq_q_one(s, SQ_DPF_GET, read_dpf_tre, tre_id, "bi", txid,
			   (size_t)NET_TXID_LEN, tenant);
	return err == MCIM_OK ? MCIM_ERR_STATE : err;
}
