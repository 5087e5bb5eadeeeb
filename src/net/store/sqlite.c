/*
 * The SQLite backend's connection (net/store/store.h, docs/store.md): opening a
 * database in WAL mode with a busy timeout and foreign keys on, bringing its schema up
 * to date under one write transaction, the per-connection cache of prepared
 * statements, the mapping of SQLite's result codes to mcim_err, and transactions.
 *
 * Transactions are always BEGIN IMMEDIATE: a deferred transaction that reads and then
 * writes may find, in WAL mode, that another connection wrote in between, and SQLite
 * then fails it at once (SQLITE_BUSY_SNAPSHOT) instead of waiting; taking the write
 * lock first makes every writer wait its turn under the busy timeout, which is what
 * several daemons on one file need.
 */
#include "net/store/sqlite_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Page cache per connection (KiB, as PRAGMA cache_size takes a negative size). */
#define SQ_CACHE_KIB 32768

static void set_msg(char *msg, size_t cap, const char *text)
{
	if (msg != NULL)
		snprintf(msg, cap, "%s", text);
}

mcim_err net_sq_fail(struct net_sqlite *s, int rc)
{
	if (s->db != NULL)
		snprintf(s->base.msg, sizeof(s->base.msg), "%s", sqlite3_errmsg(s->db));
	else
		snprintf(s->base.msg, sizeof(s->base.msg), "%s", sqlite3_errstr(rc));
	switch (rc) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return MCIM_ERR_EXISTS;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return MCIM_ERR_NOT_FOUND;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return MCIM_ERR_INVALID_ARG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return MCIM_ERR_LOCKED;
	case SQLITE_NOMEM:
		return MCIM_ERR_NOMEM;
	case SQLITE_FULL:
		return MCIM_ERR_FULL;
	default:
		return MCIM_ERR_IO;
	}
}

sqlite3_stmt *net_sq_stmt(struct net_sqlite *s, enum net_sq_id id, mcim_err *err)
{
	sqlite3_stmt *stmt = s->stmt[id];
	int rc;

	if (s->base.in_tx && sqlite3_get_autocommit(s->db)) {
		snprintf(
		    s->base.msg, sizeof(s->base.msg),
		    "the transaction was rolled back by an earlier error: roll back");
		*err = MCIM_ERR_STATE;
		return NULL;
	}
	if (stmt != NULL) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return stmt;
	}
	rc = sqlite3_prepare_v3(s->db, net_sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				&s->stmt[id], NULL);
	if (rc != SQLITE_OK) {
		*err = net_sq_fail(s, rc);
		return NULL;
	}
	return s->stmt[id];
}

mcim_err net_sq_bind(struct net_sqlite *s, sqlite3_stmt *stmt, const char *fmt, ...)
{
	va_list ap;
	mcim_err err;

	va_start(ap, fmt);
	err = net_sq_vbind(s, stmt, fmt, ap);
	va_end(ap);
	return err;
}

mcim_err net_sq_vbind(struct net_sqlite *s, sqlite3_stmt *stmt, const char *fmt,
		      va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 1; *fmt != '\0' && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 'i':
			rc = sqlite3_bind_int64(stmt, i, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_int(stmt, i, va_arg(ap, int));
			break;
		case 'n': {
			int64_t v = va_arg(ap, int64_t);
			rc = v == 0 ? sqlite3_bind_null(stmt, i)
				    : sqlite3_bind_int64(stmt, i, v);
			break;
		}
		case 'b':
		case 'z': {
			const uint8_t *p = va_arg(ap, const uint8_t *);
			size_t len = va_arg(ap, size_t), nz = 0;
			if (*fmt == 'z')
				for (size_t k = 0; k < len; k++)
					nz |= p[k];
			if (*fmt == 'z' && nz == 0)
				rc = sqlite3_bind_null(stmt, i);
			else if (len == 0)
				rc = sqlite3_bind_zeroblob(stmt, i, 0);
			else
				rc = sqlite3_bind_blob(stmt, i, p, (int)len,
						       SQLITE_STATIC);
			break;
		}
		case 't':
			rc = sqlite3_bind_text(stmt, i, va_arg(ap, const char *), -1,
					       SQLITE_STATIC);
			break;
		default:
			abort();
		}
	}
	return rc == SQLITE_OK ? MCIM_OK : net_sq_fail(s, rc);
}

mcim_err net_sq_read_nothing(struct net_sqlite *s, sqlite3_stmt *stmt, void *out)
{
	(void)s;
	(void)stmt;
	(void)out;
	return MCIM_OK;
}

mcim_err net_sq_cas_lost(mcim_err exists)
{
	return exists == MCIM_OK ? MCIM_ERR_STATE : exists;
}

static mcim_err corrupt(struct net_sqlite *s, int col)
{
	snprintf(s->base.msg, sizeof(s->base.msg),
		 "corrupt row: column %d does not fit its record field", col);
	return MCIM_ERR_IO;
}

mcim_err net_sq_cols(struct net_sqlite *s, sqlite3_stmt *stmt, const char *fmt, ...)
{
	va_list ap;
	mcim_err err = MCIM_OK;

	va_start(ap, fmt);
	for (int c = 0; *fmt != '\0' && err == MCIM_OK; fmt++, c++) {
		switch (*fmt) {
		case 'i':
			*va_arg(ap, int64_t *) = sqlite3_column_int64(stmt, c);
			break;
		case 'd':
			*va_arg(ap, int *) = sqlite3_column_int(stmt, c);
			break;
		case 'u': {
			int64_t v = sqlite3_column_int64(stmt, c);
			if (v < 0 || v > UINT32_MAX)
				err = corrupt(s, c);
			else
				*va_arg(ap, uint32_t *) = (uint32_t)v;
			break;
		}
		case 'b': {
			uint8_t *out = va_arg(ap, uint8_t *);
			size_t len = va_arg(ap, size_t);
			const void *p = sqlite3_column_blob(stmt, c);
			size_t got = (size_t)sqlite3_column_bytes(stmt, c);
			if (sqlite3_column_type(stmt, c) == SQLITE_NULL)
				memset(out, 0, len);
			else if (got != len || p == NULL)
				err = corrupt(s, c);
			else
				memcpy(out, p, len);
			break;
		}
		case 't': {
			char *out = va_arg(ap, char *);
			size_t cap = va_arg(ap, size_t);
			const unsigned char *p = sqlite3_column_text(stmt, c);
			size_t got = (size_t)sqlite3_column_bytes(stmt, c);
			if (p == NULL)
				got = 0;
			if (got >= cap)
				err = corrupt(s, c);
			else {
				if (got > 0)
					memcpy(out, p, got);
				out[got] = '\0';
			}
			break;
		}
		case 'v': {
			uint8_t *out = va_arg(ap, uint8_t *);
			size_t cap = va_arg(ap, size_t);
			size_t *len = va_arg(ap, size_t *);
			const void *p = sqlite3_column_blob(stmt, c);
			size_t got = (size_t)sqlite3_column_bytes(stmt, c);
			if (got > cap)
				err = corrupt(s, c);
			else {
				if (got > 0)
					memcpy(out, p, got);
				*len = got;
			}
			break;
		}
		default:
			abort();
		}
	}
	va_end(ap);
	return err;
}

mcim_err net_sq_exec(struct net_sqlite *s, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	mcim_err err = rc == SQLITE_DONE ? MCIM_OK : net_sq_fail(s, rc);

	sqlite3_reset(stmt);
	return err;
}

mcim_err net_sq_row(struct net_sqlite *s, sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return MCIM_OK;
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? MCIM_ERR_NOT_FOUND : net_sq_fail(s, rc);
}

void net_sq_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
}

int64_t net_sq_changes(struct net_sqlite *s)
{
	return sqlite3_changes64(s->db);
}

static sqlite3_stmt *prep(struct net_sqlite *s, enum net_sq_id id, mcim_err *err,
			  const char *fmt, va_list ap)
{
	sqlite3_stmt *stmt = net_sq_stmt(s, id, err);

	if (stmt == NULL)
		return NULL;
	*err = net_sq_vbind(s, stmt, fmt, ap);
	return *err == MCIM_OK ? stmt : NULL;
}

mcim_err net_sq_q_exec(struct net_sqlite *s, enum net_sq_id id, const char *fmt, ...)
{
	va_list ap;
	mcim_err err = MCIM_OK;
	sqlite3_stmt *stmt;

	va_start(ap, fmt);
	stmt = prep(s, id, &err, fmt, ap);
	va_end(ap);
	return stmt == NULL ? err : net_sq_exec(s, stmt);
}

mcim_err net_sq_q_one(struct net_sqlite *s, enum net_sq_id id, net_sq_reader rd,
		      void *out, const char *fmt, ...)
{
	va_list ap;
	mcim_err err = MCIM_OK;
	sqlite3_stmt *stmt;

	va_start(ap, fmt);
	stmt = prep(s, id, &err, fmt, ap);
	va_end(ap);
	if (stmt == NULL)
		return err;
	err = net_sq_row(s, stmt);
	if (err != MCIM_OK)
		return err;
	err = rd(s, stmt, out);
	net_sq_done(stmt);
	return err;
}

mcim_err net_sq_q_list(struct net_sqlite *s, enum net_sq_id id, net_sq_reader rd,
		       void *out, size_t size, size_t cap, size_t *n, const char *fmt,
		       ...)
{
	va_list ap;
	mcim_err err = MCIM_OK;
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE;

	*n = 0;
	va_start(ap, fmt);
	stmt = prep(s, id, &err, fmt, ap);
	va_end(ap);
	if (stmt == NULL)
		return err;
	while (*n < cap && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		err = rd(s, stmt, (uint8_t *)out + *n * size);
		if (err != MCIM_OK)
			break;
		(*n)++;
	}
	if (err == MCIM_OK && *n < cap && rc != SQLITE_DONE)
		err = net_sq_fail(s, rc);
	net_sq_done(stmt);
	if (err != MCIM_OK)
		*n = 0;
	return err;
}

/* ---- transactions ---- */

static mcim_err run(struct net_sqlite *s, enum net_sq_id id)
{
	mcim_err err = MCIM_OK;
	sqlite3_stmt *stmt = net_sq_stmt(s, id, &err);

	return stmt == NULL ? err : net_sq_exec(s, stmt);
}

mcim_err net_sq_begin(struct net_store *st)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = run(s, SQ_BEGIN);

	if (err == MCIM_OK)
		st->in_tx = 1;
	return err;
}

/* A transaction SQLite has ended on its own (some errors roll back) is closed here
 * too, so that in_tx never disagrees with the connection. */
static void sync_tx_flag(struct net_sqlite *s)
{
	if (sqlite3_get_autocommit(s->db))
		s->base.in_tx = 0;
}

mcim_err net_sq_commit(struct net_store *st)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err;

	if (sqlite3_get_autocommit(s->db)) {
		st->in_tx = 0;
		snprintf(st->msg, sizeof(st->msg),
			 "the transaction was rolled back by an earlier error");
		return MCIM_ERR_IO;
	}
	err = run(s, SQ_COMMIT);

	if (err != MCIM_OK && !sqlite3_get_autocommit(s->db)) {
		char keep[NET_STORE_MSG_MAX];
		memcpy(keep, st->msg, sizeof(keep));
		run(s, SQ_ROLLBACK);
		memcpy(st->msg, keep, sizeof(keep));
	}
	st->in_tx = 0;
	sync_tx_flag(s);
	return err;
}

mcim_err net_sq_rollback(struct net_store *st)
{
	struct net_sqlite *s = (struct net_sqlite *)st;
	mcim_err err = MCIM_OK;

	/* Some errors (I/O, disk full, out of memory) make SQLite roll back on its
	 * own: then there is nothing left to undo. */
	if (!sqlite3_get_autocommit(s->db))
		err = run(s, SQ_ROLLBACK);

	st->in_tx = 0;
	sync_tx_flag(s);
	return err;
}

mcim_err net_sq_tx_enter(struct net_sqlite *s, int *own)
{
	*own = 0;
	if (s->base.in_tx)
		return MCIM_OK;
	*own = 1;
	return run(s, SQ_BEGIN);
}

mcim_err net_sq_tx_leave(struct net_sqlite *s, int own, mcim_err err)
{
	if (!own)
		return err;
	if (err == MCIM_OK) {
		err = run(s, SQ_COMMIT);
		if (err == MCIM_OK)
			return MCIM_OK;
	}
	if (!sqlite3_get_autocommit(s->db)) {
		char keep[NET_STORE_MSG_MAX];
		memcpy(keep, s->base.msg, sizeof(keep));
		run(s, SQ_ROLLBACK);
		memcpy(s->base.msg, keep, sizeof(keep));
	}
	return err;
}

int net_sq_schema_version(struct net_store *st)
{
	return ((struct net_sqlite *)st)->schema_version;
}

/* ---- open, migrations, close ---- */

static mcim_err exec_sql(struct net_sqlite *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? MCIM_OK : net_sq_fail(s, rc);
}

/* A pragma that answers one text row, compared with want (NULL: any answer). */
static mcim_err pragma(struct net_sqlite *s, const char *sql, const char *want)
{
	sqlite3_stmt *stmt;
	mcim_err err;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK)
		return net_sq_fail(s, rc);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		const unsigned char *v =
		    rc == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : NULL;
		err = MCIM_OK;
		if (want != NULL && (v == NULL || strcmp((const char *)v, want) != 0)) {
			snprintf(s->base.msg, sizeof(s->base.msg),
				 "%s answered \"%s\", not \"%s\"", sql,
				 v != NULL ? (const char *)v : "", want);
			err = MCIM_ERR_IO;
		}
	} else {
		err = net_sq_fail(s, rc);
	}
	sqlite3_finalize(stmt);
	return err;
}

static mcim_err read_version(struct net_sqlite *s, int *version)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(
	    s->db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", -1, &stmt,
	    NULL);

	if (rc != SQLITE_OK)
		return net_sq_fail(s, rc);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? MCIM_OK : net_sq_fail(s, rc);
}

static mcim_err record_version(struct net_sqlite *s, int version)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(s->db,
				    "INSERT INTO schema_version(version, applied) "
				    "VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER))",
				    -1, &stmt, NULL);

	if (rc != SQLITE_OK)
		return net_sq_fail(s, rc);
	sqlite3_bind_int(stmt, 1, version);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? MCIM_OK : net_sq_fail(s, rc);
}

/* All missing migrations in one write transaction: a crash or an error leaves the
 * database as it was; two processes migrating at once take turns, and the second
 * finds nothing left to do. */
static mcim_err refuse_newer(struct net_sqlite *s, int version)
{
	snprintf(s->base.msg, sizeof(s->base.msg),
		 "database schema version %d is newer than this build's %d: "
		 "upgrade openmcim",
		 version, NET_STORE_SCHEMA_VERSION);
	return MCIM_ERR_UNSUPPORTED;
}

/* The common case, a database already up to date, needs no write lock: a daemon
 * starting while another one writes does not wait for it. */
static mcim_err current_version(struct net_sqlite *s, int *version)
{
	sqlite3_stmt *stmt;
	int rc =
	    sqlite3_prepare_v2(s->db,
			       "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
			       "AND name = 'schema_version'",
			       -1, &stmt, NULL);
	int exists;

	*version = 0;
	if (rc != SQLITE_OK)
		return net_sq_fail(s, rc);
	rc = sqlite3_step(stmt);
	exists = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return net_sq_fail(s, rc);
	return exists ? read_version(s, version) : MCIM_OK;
}

static mcim_err migrate(struct net_sqlite *s)
{
	int version = 0;
	mcim_err err = current_version(s, &version);

	if (err != MCIM_OK)
		return err;
	if (version > NET_STORE_SCHEMA_VERSION)
		return refuse_newer(s, version);
	if (version == NET_STORE_SCHEMA_VERSION) {
		s->schema_version = version;
		return MCIM_OK;
	}
	err = exec_sql(s, "BEGIN IMMEDIATE");
	if (err != MCIM_OK)
		return err;
	err = exec_sql(s, "CREATE TABLE IF NOT EXISTS schema_version ("
			  "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)");
	/* Read again under the lock: another process may have migrated meanwhile. */
	if (err == MCIM_OK)
		err = read_version(s, &version);
	if (err == MCIM_OK && version > NET_STORE_SCHEMA_VERSION)
		err = refuse_newer(s, version);
	while (err == MCIM_OK && version < NET_STORE_SCHEMA_VERSION) {
		err = exec_sql(s, net_sq_migrations[version]);
		if (err == MCIM_OK)
			err = record_version(s, version + 1);
		if (err != MCIM_OK) {
			char why[NET_STORE_MSG_MAX];
			memcpy(why, s->base.msg, sizeof(why));
			snprintf(s->base.msg, sizeof(s->base.msg),
				 "migration to schema version %d failed: %.200s",
				 version + 1, why);
		} else {
			version++;
		}
	}
	if (err == MCIM_OK)
		err = exec_sql(s, "COMMIT");
	if (err != MCIM_OK) {
		char keep[NET_STORE_MSG_MAX];
		memcpy(keep, s->base.msg, sizeof(keep));
		exec_sql(s, "ROLLBACK");
		memcpy(s->base.msg, keep, sizeof(keep));
		return err;
	}
	s->schema_version = version;
	return MCIM_OK;
}

mcim_err net_store_sqlite_open(const char *path, const struct net_store_config *cfg,
			       struct net_store **out, char *msg, size_t msg_cap)
{
	struct net_sqlite *s;
	char sql[96];
	mcim_err err;
	int rc;

	assert(path != NULL && cfg != NULL && out != NULL);
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MCIM_ERR_NOMEM;
	s->base.ops = &net_sq_ops;
	rc = sqlite3_open_v2(
	    path, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = net_sq_fail(s, rc);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, cfg->busy_timeout_ms);
	/* WAL lets readers run beside the one writer and makes a commit one append to
	 * the log; the answer must be "wal", or the file cannot be shared (a
	 * filesystem without shared memory, an in-memory database). */
	err = pragma(s, "PRAGMA journal_mode=WAL", "wal");
	if (err == MCIM_OK)
		err = pragma(s,
			     cfg->durable ? "PRAGMA synchronous=FULL"
					  : "PRAGMA synchronous=NORMAL",
			     NULL);
	if (err == MCIM_OK)
		err = pragma(s, "PRAGMA foreign_keys=ON", NULL);
	/* Statement journals (a batch's group statements, which may be undone
	 * alone) stay in memory instead of spilling to temp files. */
	if (err == MCIM_OK)
		err = pragma(s, "PRAGMA temp_store=MEMORY", NULL);
	if (err == MCIM_OK) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", SQ_CACHE_KIB);
		err = pragma(s, sql, NULL);
	}
	if (err == MCIM_OK)
		err = migrate(s);
	if (err != MCIM_OK)
		goto fail;
	*out = &s->base;
	return MCIM_OK;
fail:
	set_msg(msg, msg_cap, s->base.msg);
	net_sq_close(&s->base);
	return err;
}

void net_sq_close(struct net_store *st)
{
	struct net_sqlite *s = (struct net_sqlite *)st;

	for (size_t i = 0; i < SQ_COUNT_; i++)
		sqlite3_finalize(s->stmt[i]);
	/* sqlite3_close_v2 rolls back an open transaction and, for the last
	 * connection, checkpoints the WAL into the database file. */
	sqlite3_close_v2(s->db);
	free(s);
}
