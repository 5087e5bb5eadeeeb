/*
 * The network store (src/net/store/store.h) on its SQLite backend, with real database
 * files in a temp directory: schema migrations (from empty, re-open, a newer schema
 * refused, a failed migration leaves nothing); every entity's create/get/update/list
 * and its unique keys; single-use registration tokens, PVA nonces and DPF
 * transactions (R-PRC-104, R-SEED-03: a second use is MCIM_ERR_REPLAY and changes
 * nothing); the AuC's SQN compare-and-set across two connections and two processes
 * (no SQN issued twice); tenant isolation in every call that takes a tenant;
 * transactions; batch registration with per-line results (R-PRC-109, R-NET-F02);
 * kill -9 during a batch and write failures (file size limit) during a batch and a
 * commit (whole chunks only, R-TRE-M04's rule on the network side); purge of expired
 * items; the audit hash chain (R-TRE-G09 on the network side). Speed figures for the
 * batch insert are printed (100k lines).
 *
 * The database is inspected and damaged with plain SQL through sqlite3 directly,
 * never through the store under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/endian.h"
#include "mcim/audit.h"
#include "mcim/crypto.h"
#include "net/store/store.h"

#define T0 1700000000 /* the tests' clock */

/* ---- fixture: a temp directory, a store, three tenants ---- */

struct fx {
	char dir[256];
	char path[300];
	struct net_store *st;
	struct net_store_tenant a, b, pva; /* two SHOs and a PVA */
};

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char sub[600];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

static struct net_store *open_store(const char *path, int busy_ms)
{
	struct net_store_config cfg = {path, busy_ms, 0};
	struct net_store *st = NULL;
	char msg[NET_STORE_MSG_MAX];

	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)), MCIM_OK);
	assert_non_null(st);
	return st;
}

static void make_tenant(struct net_store *st, struct net_store_tenant *t,
			const char *name, uint32_t roles, const char *plmn)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->roles = roles;
	snprintf(t->plmn, sizeof(t->plmn), "%s", plmn);
	t->created = T0;
	assert_int_equal(net_store_tenant_create(st, t), MCIM_OK);
	assert_true(t->id > 0);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/mcim-netstore-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/store.db", f->dir);
	f->st = open_store(f->path, 0);
	make_tenant(f->st, &f->a, "sho-a", NET_STORE_ROLE_SHO, "00101");
	make_tenant(f->st, &f->b, "sho-b", NET_STORE_ROLE_SHO | NET_STORE_ROLE_RO,
		    "001002");
	make_tenant(f->st, &f->pva, "pva", NET_STORE_ROLE_PVA, "");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	net_store_close(f->st);
	rm_tree(f->dir);
	free(f);
	return 0;
}

/* ---- plain SQL on the file, beside the store ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);

	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *stmt;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static void raw_text(const char *path, const char *sql, char *out, size_t cap)
{
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(out, cap, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* ---- identifiers ---- */

static void tre_of(uint8_t out[NET_TRE_ID_LEN], uint32_t i, uint8_t tag)
{
	memset(out, 0x5a, NET_TRE_ID_LEN);
	out[0] = tag;
	out[1] = (uint8_t)(i >> 24);
	out[2] = (uint8_t)(i >> 16);
	out[3] = (uint8_t)(i >> 8);
	out[4] = (uint8_t)i;
}

/* Spread-out TRE ids, as real ones are random (the index sees random inserts). */
static void tre_random(uint8_t out[NET_TRE_ID_LEN], uint64_t i, uint64_t salt)
{
	for (int half = 0; half < 2; half++) {
		uint64_t z = i * 2 + (uint64_t)half + salt * 0x9e3779b97f4a7c15u;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		z ^= z >> 31;
		mcim_store_be64(out + 8 * half, z);
	}
}

static int64_t register_one(struct fx *f, int64_t tenant, uint32_t i, uint8_t tag,
			    int64_t subscriber)
{
	struct net_reg_in in;
	int64_t id = 0;

	tre_of(in.tre_id, i, tag);
	in.subscriber = subscriber;
	assert_int_equal(net_store_register(f->st, tenant, &in, T0, &id), MCIM_OK);
	assert_true(id > 0);
	return id;
}

static int64_t make_subscriber(struct fx *f, int64_t tenant, const char *ref)
{
	struct net_subscriber s;

	memset(&s, 0, sizeof(s));
	s.tenant = tenant;
	snprintf(s.ref, sizeof(s.ref), "%s", ref);
	snprintf(s.name, sizeof(s.name), "account %s", ref);
	s.state = NET_SUB_ACTIVE;
	s.created = s.updated = T0;
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_OK);
	return s.id;
}

/* ---- schema and open ---- */

static void open_migrate_reopen(void **state)
{
	struct fx *f = *state;
	char mode[16];
	struct net_store_tenant t;

	assert_int_equal(net_store_schema_version(f->st), NET_STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM schema_version"),
			 NET_STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT MAX(version) FROM schema_version"),
			 NET_STORE_SCHEMA_VERSION);
	raw_text(f->path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM sqlite_master WHERE "
					  "type = 'table' AND name IN ('tenant', "
					  "'registration', 'auc_subscriber', 'audit')"),
			 4);

	/* Re-open: nothing migrates again, the data is there. */
	net_store_close(f->st);
	f->st = open_store(f->path, 0);
	assert_int_equal(net_store_schema_version(f->st), NET_STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM schema_version"),
			 NET_STORE_SCHEMA_VERSION);
	assert_int_equal(net_store_tenant_find(f->st, "sho-a", &t), MCIM_OK);
	assert_int_equal(t.id, f->a.id);

	/* Two connections at once, the second opening an up-to-date file. */
	{
		struct net_store *st2 = open_store(f->path, 0);
		assert_int_equal(net_store_tenant_get(st2, f->b.id, &t), MCIM_OK);
		assert_string_equal(t.plmn, "001002");
		net_store_close(st2);
	}
	net_store_close(NULL);
}

static void newer_schema_refused(void **state)
{
	struct fx *f = *state;
	struct net_store_config cfg = {f->path, 0, 0};
	struct net_store *st = (struct net_store *)&cfg;
	char msg[NET_STORE_MSG_MAX];

	net_store_close(f->st);
	f->st = NULL;
	raw_exec(f->path, "INSERT INTO schema_version(version, applied) VALUES (99, 0)");
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)),
			 MCIM_ERR_UNSUPPORTED);
	assert_null(st);
	assert_non_null(strstr(msg, "newer"));
	assert_non_null(strstr(msg, "99"));
	/* The refusal changed nothing. */
	assert_int_equal(raw_int(f->path, "SELECT MAX(version) FROM schema_version"), 99);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM tenant"), 3);
	/* msg may be NULL. */
	assert_int_equal(net_store_open(&cfg, &st, NULL, 0), MCIM_ERR_UNSUPPORTED);
	raw_exec(f->path, "DELETE FROM schema_version WHERE version = 99");
	f->st = open_store(f->path, 0);
}

/* A migration that fails half-way (a table it creates exists already) leaves no trace
 * of itself: not even the schema_version table it created first. */
static void failed_migration_leaves_nothing(void **state)
{
	struct fx *f = *state;
	char path[320], msg[NET_STORE_MSG_MAX];
	struct net_store_config cfg = {path, 0, 0};
	struct net_store *st = NULL;

	snprintf(path, sizeof(path), "%s/clash.db", f->dir);
	raw_exec(path, "CREATE TABLE audit (x INTEGER)");
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)), MCIM_ERR_IO);
	assert_null(st);
	assert_non_null(strstr(msg, "migration to schema version 1 failed"));
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM sqlite_master WHERE "
				       "name IN ('tenant', 'schema_version')"),
			 0);
	unlink(path);
}

static void open_errors(void **state)
{
	struct fx *f = *state;
	char path[320], msg[NET_STORE_MSG_MAX];
	struct net_store_config cfg = {"", 0, 0};
	struct net_store *st = NULL;
	FILE *junk;

	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)),
			 MCIM_ERR_INVALID_ARG);
	cfg.url = "sqlite:";
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)),
			 MCIM_ERR_INVALID_ARG);
	cfg.url = f->path;
	cfg.busy_timeout_ms = -1;
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)),
			 MCIM_ERR_INVALID_ARG);
	cfg.busy_timeout_ms = 0;
	cfg.url = "postgresql://localhost/mcim";
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)),
			 MCIM_ERR_UNSUPPORTED);
	assert_non_null(strstr(msg, "PostgreSQL"));
	cfg.url = "postgres://localhost/mcim";
	assert_int_equal(net_store_open(&cfg, &st, NULL, 0), MCIM_ERR_UNSUPPORTED);

	/* Not a database. */
	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	junk = fopen(path, "wb");
	assert_non_null(junk);
	for (int i = 0; i < 512; i++)
		fputs("this is not an SQLite database ", junk);
	fclose(junk);
	cfg.url = path;
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)), MCIM_ERR_IO);
	assert_null(st);
	assert_true(strlen(msg) > 0);

	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", f->dir);
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)), MCIM_ERR_IO);

	/* The "sqlite:" prefix, and the durable setting. */
	snprintf(path, sizeof(path), "sqlite:%s", f->path);
	cfg.durable = 1;
	assert_int_equal(net_store_open(&cfg, &st, msg, sizeof(msg)), MCIM_OK);
	assert_string_equal(net_store_errmsg(st), "");
	net_store_close(st);
	unlink(path);
}

/* A row changed behind the store's back so that it no longer fits its record is
 * reported, not truncated. */
static void corrupt_row_reported(void **state)
{
	struct fx *f = *state;
	struct net_store_tenant t;

	raw_exec(f->path,
		 "UPDATE tenant SET name = printf('%.80c', 'x') WHERE name = 'pva'");
	assert_int_equal(net_store_tenant_get(f->st, f->pva.id, &t), MCIM_ERR_IO);
	assert_non_null(strstr(net_store_errmsg(f->st), "corrupt row"));
}

/* ---- tenants, tokens, subscribers ---- */

static void tenants(void **state)
{
	struct fx *f = *state;
	struct net_store_tenant t, list[2];
	size_t n;

	assert_int_equal(net_store_tenant_get(f->st, f->a.id, &t), MCIM_OK);
	assert_string_equal(t.name, "sho-a");
	assert_int_equal(t.roles, NET_STORE_ROLE_SHO);
	assert_string_equal(t.plmn, "00101");
	assert_int_equal(t.created, T0);
	assert_int_equal(net_store_tenant_find(f->st, "pva", &t), MCIM_OK);
	assert_int_equal(t.id, f->pva.id);
	assert_string_equal(t.plmn, "");
	assert_int_equal(net_store_tenant_get(f->st, 999, &t), MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_tenant_get(f->st, 0, &t), MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_tenant_find(f->st, "nobody", &t), MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_tenant_find(f->st, "", &t), MCIM_ERR_NOT_FOUND);

	/* Update: one business becomes SHO and VNO. */
	t = f->a;
	t.roles = NET_STORE_ROLE_SHO | NET_STORE_ROLE_VNO;
	snprintf(t.name, sizeof(t.name), "sho-a2");
	assert_int_equal(net_store_tenant_update(f->st, &t), MCIM_OK);
	assert_int_equal(net_store_tenant_get(f->st, f->a.id, &t), MCIM_OK);
	assert_int_equal(t.roles, NET_STORE_ROLE_SHO | NET_STORE_ROLE_VNO);
	assert_string_equal(t.name, "sho-a2");
	t.id = 999;
	assert_int_equal(net_store_tenant_update(f->st, &t), MCIM_ERR_NOT_FOUND);
	t.id = 0;
	assert_int_equal(net_store_tenant_update(f->st, &t), MCIM_ERR_NOT_FOUND);
	t.id = f->a.id;
	snprintf(t.name, sizeof(t.name), "sho-b");
	assert_int_equal(net_store_tenant_update(f->st, &t), MCIM_ERR_EXISTS);

	/* Unique names; checks on every field. */
	t = f->b;
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_EXISTS);
	snprintf(t.name, sizeof(t.name), "new");
	t.roles = 0;
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	t.roles = 16;
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	t.roles = NET_STORE_ROLE_SHO;
	t.plmn[0] = '\0';
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	snprintf(t.plmn, sizeof(t.plmn), "0010");
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	snprintf(t.plmn, sizeof(t.plmn), "00a01");
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	memset(t.plmn, '1', sizeof(t.plmn)); /* no NUL within the array */
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_TOO_LARGE);
	snprintf(t.plmn, sizeof(t.plmn), "00103");
	t.name[0] = '\0';
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	memset(t.name, 'n', sizeof(t.name));
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_TOO_LARGE);
	assert_int_equal(net_store_tenant_update(f->st, &t), MCIM_ERR_TOO_LARGE);

	/* Pages of two. */
	assert_int_equal(net_store_tenant_list(f->st, 0, list, 2, &n), MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, f->a.id);
	assert_int_equal(list[1].id, f->b.id);
	assert_int_equal(net_store_tenant_list(f->st, list[1].id, list, 2, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, f->pva.id);
	assert_int_equal(net_store_tenant_list(f->st, 0, NULL, 0, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_tenant_list(f->st, -1, list, 2, &n),
			 MCIM_ERR_INVALID_ARG);
}

static void api_tokens(void **state)
{
	struct fx *f = *state;
	struct net_api_token t, got, list[4];
	size_t n;

	memset(&t, 0, sizeof(t));
	t.tenant = f->a.id;
	memset(t.hash, 0xa1, sizeof(t.hash));
	snprintf(t.label, sizeof(t.label), "ci");
	t.created = T0;
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_OK);
	assert_int_equal(net_store_token_lookup(f->st, t.hash, T0, &got), MCIM_OK);
	assert_int_equal(got.id, t.id);
	assert_int_equal(got.tenant, f->a.id);
	assert_string_equal(got.label, "ci");
	assert_int_equal(got.revoked, 0);

	/* Unique hash; a tenant that does not exist; fields checked. */
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_ERR_EXISTS);
	t.hash[0] = 0xb2;
	t.tenant = 999;
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_ERR_NOT_FOUND);
	t.tenant = 0;
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	t.tenant = f->a.id;
	t.revoked = 1;
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	t.revoked = 0;
	memset(t.label, 'l', sizeof(t.label));
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_ERR_TOO_LARGE);
	t.label[0] = '\0';

	/* Expiry: live before, gone at and after. */
	t.expires = T0 + 100;
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_OK);
	assert_int_equal(net_store_token_lookup(f->st, t.hash, T0 + 99, &got), MCIM_OK);
	assert_int_equal(net_store_token_lookup(f->st, t.hash, T0 + 100, &got),
			 MCIM_ERR_NOT_FOUND);
	t.expires = -1;
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_ERR_INVALID_ARG);

	/* Another tenant's token; isolation of list and revoke. */
	memset(&t, 0, sizeof(t));
	t.tenant = f->b.id;
	memset(t.hash, 0xc3, sizeof(t.hash));
	assert_int_equal(net_store_token_create(f->st, &t), MCIM_OK);
	assert_int_equal(net_store_token_list(f->st, f->a.id, 0, list, 4, &n), MCIM_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(list[i].tenant, f->a.id);
	assert_int_equal(net_store_token_list(f->st, f->b.id, 0, list, 4, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(net_store_token_list(f->st, 0, 0, list, 4, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_token_list(f->st, f->a.id, -1, list, 4, &n),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_token_revoke(f->st, f->a.id, t.id),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_token_lookup(f->st, t.hash, T0, &got), MCIM_OK);
	assert_int_equal(net_store_token_revoke(f->st, f->b.id, t.id), MCIM_OK);
	assert_int_equal(net_store_token_lookup(f->st, t.hash, T0, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_token_list(f->st, f->b.id, 0, list, 4, &n), MCIM_OK);
	assert_int_equal(list[0].revoked, 1);
	assert_int_equal(net_store_token_revoke(f->st, 0, t.id), MCIM_ERR_NOT_FOUND);
	memset(t.hash, 0xee, sizeof(t.hash));
	assert_int_equal(net_store_token_lookup(f->st, t.hash, T0, &got),
			 MCIM_ERR_NOT_FOUND);
}

static void subscribers(void **state)
{
	struct fx *f = *state;
	struct net_subscriber s, got, list[4];
	int64_t id_a = make_subscriber(f, f->a.id, "acct-1");
	size_t n;

	assert_int_equal(net_store_subscriber_get(f->st, f->a.id, id_a, &got), MCIM_OK);
	assert_string_equal(got.ref, "acct-1");
	assert_string_equal(got.name, "account acct-1");
	assert_int_equal(got.state, NET_SUB_ACTIVE);
	assert_int_equal(net_store_subscriber_find(f->st, f->a.id, "acct-1", &got),
			 MCIM_OK);
	assert_int_equal(got.id, id_a);

	/* The same reference is another tenant's own account. */
	assert_true(make_subscriber(f, f->b.id, "acct-1") != id_a);
	s = got;
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_ERR_EXISTS);
	s.tenant = 999;
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_ERR_NOT_FOUND);
	s.tenant = f->a.id;
	s.state = 3;
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_ERR_INVALID_ARG);
	s.state = NET_SUB_ACTIVE;
	s.ref[0] = '\0';
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_ERR_INVALID_ARG);
	memset(s.ref, 'r', sizeof(s.ref));
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_ERR_TOO_LARGE);
	snprintf(s.ref, sizeof(s.ref), "acct-2");
	memset(s.name, 'm', sizeof(s.name));
	assert_int_equal(net_store_subscriber_create(f->st, &s), MCIM_ERR_TOO_LARGE);

	/* Update: name and state, not the reference. */
	got.state = NET_SUB_CLOSED;
	snprintf(got.name, sizeof(got.name), "renamed");
	snprintf(got.ref, sizeof(got.ref), "ignored");
	got.updated = T0 + 5;
	assert_int_equal(net_store_subscriber_update(f->st, &got), MCIM_OK);
	assert_int_equal(net_store_subscriber_get(f->st, f->a.id, id_a, &got), MCIM_OK);
	assert_int_equal(got.state, NET_SUB_CLOSED);
	assert_string_equal(got.name, "renamed");
	assert_string_equal(got.ref, "acct-1");
	assert_int_equal(got.updated, T0 + 5);

	/* Isolation: B cannot see, find or change A's account. */
	assert_int_equal(net_store_subscriber_get(f->st, f->b.id, id_a, &s),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_subscriber_find(f->st, f->pva.id, "acct-1", &s),
			 MCIM_ERR_NOT_FOUND);
	got.tenant = f->b.id;
	assert_int_equal(net_store_subscriber_update(f->st, &got), MCIM_ERR_NOT_FOUND);
	got.id = 0;
	assert_int_equal(net_store_subscriber_update(f->st, &got), MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_subscriber_get(f->st, 0, id_a, &s),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_subscriber_find(f->st, 0, "acct-1", &s),
			 MCIM_ERR_NOT_FOUND);

	make_subscriber(f, f->a.id, "acct-3");
	assert_int_equal(net_store_subscriber_list(f->st, f->a.id, 0, list, 4, &n),
			 MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, id_a);
	assert_string_equal(list[1].ref, "acct-3");
	assert_int_equal(
	    net_store_subscriber_list(f->st, f->a.id, list[0].id, list, 4, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(net_store_subscriber_list(f->st, f->pva.id, 0, list, 4, &n),
			 MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_subscriber_list(f->st, f->a.id, -5, list, 4, &n),
			 MCIM_ERR_INVALID_ARG);
}

/* ---- registrations ---- */

static void registrations(void **state)
{
	struct fx *f = *state;
	int64_t sub_a = make_subscriber(f, f->a.id, "fleet");
	int64_t sub_b = make_subscriber(f, f->b.id, "fleet");
	int64_t r1 = register_one(f, f->a.id, 1, 0xa0, sub_a);
	int64_t r2 = register_one(f, f->a.id, 2, 0xa0, 0);
	struct net_registration got, list[8];
	struct net_reg_in in;
	int64_t id;
	size_t n;

	(void)r2;
	assert_int_equal(net_store_registration_get(f->st, f->a.id, r1, &got), MCIM_OK);
	assert_int_equal(got.tenant, f->a.id);
	assert_int_equal(got.subscriber, sub_a);
	assert_int_equal(got.state, NET_REG_REGISTERED);
	assert_int_equal(got.created, T0);
	tre_of(in.tre_id, 1, 0xa0);
	assert_memory_equal(got.tre_id, in.tre_id, NET_TRE_ID_LEN);
	assert_int_equal(net_store_registration_find(f->st, f->a.id, in.tre_id, &got),
			 MCIM_OK);
	assert_int_equal(got.id, r1);
	assert_int_equal(net_store_registration_discover(f->st, in.tre_id, &got),
			 MCIM_OK);
	assert_int_equal(got.id, r1);

	/* One active registration per TRE id, whichever SHO asks. */
	in.subscriber = 0;
	assert_int_equal(net_store_register(f->st, f->a.id, &in, T0, &id),
			 MCIM_ERR_EXISTS);
	assert_int_equal(id, 0);
	assert_int_equal(net_store_register(f->st, f->b.id, &in, T0, NULL),
			 MCIM_ERR_EXISTS);
	/* A subscriber of another tenant, a negative one, an unknown tenant. */
	tre_of(in.tre_id, 3, 0xa0);
	in.subscriber = sub_b;
	assert_int_equal(net_store_register(f->st, f->a.id, &in, T0, &id),
			 MCIM_ERR_NOT_FOUND);
	in.subscriber = -1;
	assert_int_equal(net_store_register(f->st, f->a.id, &in, T0, &id),
			 MCIM_ERR_INVALID_ARG);
	in.subscriber = 0;
	assert_int_equal(net_store_register(f->st, 999, &in, T0, &id),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_register(f->st, 0, &in, T0, &id), MCIM_ERR_NOT_FOUND);

	/* Isolation. */
	tre_of(in.tre_id, 1, 0xa0);
	assert_int_equal(net_store_registration_get(f->st, f->b.id, r1, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_registration_find(f->st, f->b.id, in.tre_id, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_registration_set_state(f->st, f->b.id, r1,
							  NET_REG_REGISTERED,
							  NET_REG_RELEASED, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_registration_list(f->st, f->b.id, 0, list, 8, &n),
			 MCIM_OK);
	assert_int_equal(n, 0);

	/* State changes are compare-and-set. */
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, r1,
							  NET_REG_PROVISIONED,
							  NET_REG_RELEASED, T0 + 1),
			 MCIM_ERR_STATE);
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, r1,
							  NET_REG_REGISTERED,
							  NET_REG_PROVISIONED, T0 + 1),
			 MCIM_OK);
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, r1,
							  NET_REG_PROVISIONED,
							  NET_REG_RELEASED, T0 + 2),
			 MCIM_OK);
	assert_int_equal(net_store_registration_get(f->st, f->a.id, r1, &got), MCIM_OK);
	assert_int_equal(got.state, NET_REG_RELEASED);
	assert_int_equal(got.updated, T0 + 2);
	assert_int_equal(net_store_registration_discover(f->st, in.tre_id, &got),
			 MCIM_ERR_NOT_FOUND);
	/* Released: the TRE may now be registered again, with another SHO ... */
	assert_int_equal(net_store_register(f->st, f->b.id, &in, T0 + 3, &id), MCIM_OK);
	assert_int_equal(net_store_registration_discover(f->st, in.tre_id, &got),
			 MCIM_OK);
	assert_int_equal(got.tenant, f->b.id);
	/* ... and the old registration cannot come back beside it. */
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, r1,
							  NET_REG_RELEASED,
							  NET_REG_REGISTERED, T0 + 4),
			 MCIM_ERR_EXISTS);
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, 999,
							  NET_REG_RELEASED,
							  NET_REG_REGISTERED, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, r1, 0,
							  NET_REG_REGISTERED, T0),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(
	    net_store_registration_set_state(f->st, f->a.id, r1, NET_REG_RELEASED, 4, T0),
	    MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_registration_get(f->st, f->a.id, 0, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_registration_find(f->st, 0, in.tre_id, &got),
			 MCIM_ERR_NOT_FOUND);

	/* Lists in id order, by pages. */
	for (uint32_t i = 10; i < 15; i++)
		register_one(f, f->a.id, i, 0xa0, 0);
	assert_int_equal(net_store_registration_list(f->st, f->a.id, 0, list, 3, &n),
			 MCIM_OK);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, r1);
	assert_true(list[1].id > list[0].id && list[2].id > list[1].id);
	assert_int_equal(
	    net_store_registration_list(f->st, f->a.id, list[2].id, list, 8, &n),
	    MCIM_OK);
	assert_int_equal(n, 4);
	assert_int_equal(net_store_registration_list(f->st, f->a.id, -1, list, 8, &n),
			 MCIM_ERR_INVALID_ARG);
}

/* R-PRC-109, R-NET-F02: per-line results, refused lines do not stop the others. */
static void batch_registration(void **state)
{
	struct fx *f = *state;
	int64_t sub_a = make_subscriber(f, f->a.id, "fleet");
	int64_t sub_b = make_subscriber(f, f->b.id, "fleet");
	struct net_reg_in in[8];
	mcim_err res[8];
	int64_t ids[8];
	struct net_registration got;

	register_one(f, f->b.id, 100, 0xb0, 0); /* already in the database, for B */
	for (uint32_t i = 0; i < 8; i++) {
		tre_of(in[i].tre_id, i, 0xb0);
		in[i].subscriber = i % 2 ? sub_a : 0;
	}
	memcpy(in[3].tre_id, in[1].tre_id, NET_TRE_ID_LEN); /* duplicate in the batch */
	tre_of(in[4].tre_id, 100, 0xb0);		    /* duplicate in the db */
	in[5].subscriber = sub_b;			    /* another tenant's */
	in[6].subscriber = -7;
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, 8, T0, res, ids),
			 MCIM_OK);
	assert_int_equal(res[0], MCIM_OK);
	assert_int_equal(res[1], MCIM_OK);
	assert_int_equal(res[2], MCIM_OK);
	assert_int_equal(res[3], MCIM_ERR_EXISTS);
	assert_int_equal(res[4], MCIM_ERR_EXISTS);
	assert_int_equal(res[5], MCIM_ERR_NOT_FOUND);
	assert_int_equal(res[6], MCIM_ERR_INVALID_ARG);
	assert_int_equal(res[7], MCIM_OK);
	for (int i = 3; i < 7; i++)
		assert_int_equal(ids[i], 0);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"), 5);
	assert_int_equal(net_store_registration_get(f->st, f->a.id, ids[7], &got),
			 MCIM_OK);
	assert_memory_equal(got.tre_id, in[7].tre_id, NET_TRE_ID_LEN);
	assert_int_equal(got.subscriber, sub_a);
	assert_int_equal(net_store_registration_get(f->st, f->a.id, ids[0], &got),
			 MCIM_OK);
	assert_int_equal(got.subscriber, 0);

	/* No ids wanted; an unknown tenant writes nothing; n = 0. */
	tre_of(in[0].tre_id, 50, 0xb0);
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, 1, T0, res, NULL),
			 MCIM_OK);
	assert_int_equal(res[0], MCIM_OK);
	tre_of(in[0].tre_id, 51, 0xb0);
	assert_int_equal(net_store_register_batch(f->st, 999, in, 2, T0, res, ids),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(res[0], MCIM_ERR_NOT_FOUND);
	assert_int_equal(res[1], MCIM_ERR_NOT_FOUND);
	assert_int_equal(
	    net_store_register_batch(f->st, f->a.id, NULL, 0, T0, NULL, NULL), MCIM_OK);

	/* Inside a caller's transaction the lines go into it, and a rollback drops
	 * them all. */
	assert_int_equal(net_store_begin(f->st), MCIM_OK);
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, 1, T0, res, ids),
			 MCIM_OK);
	assert_int_equal(res[0], MCIM_OK);
	assert_int_equal(net_store_rollback(f->st), MCIM_OK);
	assert_int_equal(net_store_registration_find(f->st, f->a.id, in[0].tre_id, &got),
			 MCIM_ERR_NOT_FOUND);
}

/* More than one chunk, a duplicate in each, and the writer lock held by someone else:
 * the batch fails whole with MCIM_ERR_LOCKED and writes nothing. */
static void batch_chunks_and_busy(void **state)
{
	struct fx *f = *state;
	size_t n = NET_STORE_BATCH_CHUNK + 10;
	struct net_reg_in *in = calloc(n, sizeof(*in));
	mcim_err *res = calloc(n, sizeof(*res));
	sqlite3 *db;

	assert_non_null(in);
	assert_non_null(res);
	for (size_t i = 0; i < n; i++)
		tre_random(in[i].tre_id, i, 1);
	memcpy(in[7].tre_id, in[2].tre_id, NET_TRE_ID_LEN);
	memcpy(in[NET_STORE_BATCH_CHUNK + 3].tre_id, in[5].tre_id, NET_TRE_ID_LEN);
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, n, T0, res, NULL),
			 MCIM_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], (i == 7 || i == NET_STORE_BATCH_CHUNK + 3)
					     ? MCIM_ERR_EXISTS
					     : MCIM_OK);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"),
			 (int64_t)n - 2);

	/* Another connection holds the write lock: the first chunk cannot start. */
	net_store_close(f->st);
	f->st = open_store(f->path, 50);
	db = raw_open(f->path);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < n; i++)
		tre_random(in[i].tre_id, i, 2);
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, n, T0, res, NULL),
			 MCIM_ERR_LOCKED);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], MCIM_ERR_LOCKED);
	assert_true(strlen(net_store_errmsg(f->st)) > 0);
	/* So does a transaction. */
	assert_int_equal(net_store_begin(f->st), MCIM_ERR_LOCKED);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"),
			 (int64_t)n - 2);
	free(in);
	free(res);
}

/* ---- registration tokens, PVA, DPF: single use ---- */

static void registration_tokens(void **state)
{
	struct fx *f = *state;
	int64_t reg = register_one(f, f->a.id, 1, 0xc0, 0);
	struct net_reg_token t, got;
	uint8_t tre[NET_TRE_ID_LEN], other_tre[NET_TRE_ID_LEN];

	tre_of(tre, 1, 0xc0);
	tre_of(other_tre, 2, 0xc0);
	memset(&t, 0, sizeof(t));
	memset(t.reg_id, 0x11, sizeof(t.reg_id));
	t.tenant = f->a.id;
	t.registration = reg;
	t.created = T0;
	t.expires = T0 + 600;
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_OK);
	assert_memory_equal(t.tre_id, tre, NET_TRE_ID_LEN);
	assert_int_equal(net_store_regtoken_get(f->st, f->a.id, t.reg_id, &got), MCIM_OK);
	assert_int_equal(got.registration, reg);
	assert_int_equal(got.used, 0);
	assert_int_equal(got.expires, T0 + 600);
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_ERR_EXISTS);

	/* Refused uses change nothing: another tenant, another TRE, bad time. */
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->b.id, t.reg_id, tre, T0 + 1),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, t.reg_id, other_tre, T0 + 1),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_regtoken_consume(f->st, f->a.id, t.reg_id, tre, 0),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_regtoken_consume(f->st, 0, t.reg_id, tre, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_regtoken_get(f->st, f->b.id, t.reg_id, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_regtoken_get(f->st, 0, t.reg_id, &got),
			 MCIM_ERR_NOT_FOUND);
	/* Once, then a replay. */
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, t.reg_id, tre, T0 + 1), MCIM_OK);
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, t.reg_id, tre, T0 + 2),
	    MCIM_ERR_REPLAY);
	assert_int_equal(net_store_regtoken_get(f->st, f->a.id, t.reg_id, &got), MCIM_OK);
	assert_int_equal(got.used, T0 + 1);

	/* Expired. */
	memset(t.reg_id, 0x22, sizeof(t.reg_id));
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_OK);
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, t.reg_id, tre, T0 + 600),
	    MCIM_ERR_EXPIRED);
	assert_int_equal(net_store_regtoken_get(f->st, f->a.id, t.reg_id, &got), MCIM_OK);
	assert_int_equal(got.used, 0);
	memset(t.reg_id, 0x33, sizeof(t.reg_id));
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, t.reg_id, tre, T0 + 1),
	    MCIM_ERR_NOT_FOUND);

	/* Only for the tenant's own registration waiting for its device. */
	t.tenant = f->b.id;
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_ERR_NOT_FOUND);
	t.tenant = f->a.id;
	t.registration = 999;
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_ERR_NOT_FOUND);
	t.registration = reg;
	t.used = 5;
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_ERR_INVALID_ARG);
	t.used = 0;
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, reg,
							  NET_REG_REGISTERED,
							  NET_REG_RELEASED, T0),
			 MCIM_OK);
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_ERR_NOT_FOUND);
	t.registration = 0;
	assert_int_equal(net_store_regtoken_create(f->st, &t), MCIM_ERR_NOT_FOUND);
}

static void pva_nonces_and_results(void **state)
{
	struct fx *f = *state;
	struct net_pva_nonce nc;
	struct net_pva_result r, got;
	uint8_t tre[NET_TRE_ID_LEN], other_tre[NET_TRE_ID_LEN];

	tre_of(tre, 7, 0xd0);
	tre_of(other_tre, 8, 0xd0);
	memset(&nc, 0, sizeof(nc));
	memset(nc.nonce, 0x44, sizeof(nc.nonce));
	nc.tenant = f->pva.id;
	memcpy(nc.tre_id, tre, sizeof(tre));
	nc.created = T0;
	nc.expires = T0 + 60;
	assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_OK);
	assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_ERR_EXISTS);
	assert_int_equal(net_store_nonce_consume(f->st, f->a.id, nc.nonce, tre, T0 + 1),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(
	    net_store_nonce_consume(f->st, f->pva.id, nc.nonce, other_tre, T0 + 1),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_nonce_consume(f->st, f->pva.id, nc.nonce, tre, -3),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_nonce_consume(f->st, 0, nc.nonce, tre, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_nonce_consume(f->st, f->pva.id, nc.nonce, tre, T0 + 1),
			 MCIM_OK);
	assert_int_equal(net_store_nonce_consume(f->st, f->pva.id, nc.nonce, tre, T0 + 1),
			 MCIM_ERR_REPLAY);
	memset(nc.nonce, 0x45, sizeof(nc.nonce));
	assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_OK);
	assert_int_equal(
	    net_store_nonce_consume(f->st, f->pva.id, nc.nonce, tre, T0 + 60),
	    MCIM_ERR_EXPIRED);
	memset(nc.nonce, 0x46, sizeof(nc.nonce));
	assert_int_equal(net_store_nonce_consume(f->st, f->pva.id, nc.nonce, tre, T0),
			 MCIM_ERR_NOT_FOUND);
	nc.used = 1;
	assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_ERR_INVALID_ARG);
	nc.used = 0;
	nc.tenant = 0;
	assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_ERR_NOT_FOUND);
	nc.tenant = 999;
	assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_ERR_NOT_FOUND);

	/* Results: one per nonce; the newest unexpired one is the latest. */
	memset(&r, 0, sizeof(r));
	r.tenant = f->pva.id;
	memcpy(r.tre_id, tre, sizeof(tre));
	memset(r.nonce, 0x44, sizeof(r.nonce));
	r.status = NET_PVA_AFFIRMING;
	r.created = T0;
	r.expires = T0 + 300;
	r.result_len = 3;
	memcpy(r.result, "\xd2\x84\x43", 3);
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_OK);
	assert_true(r.id > 0);
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_ERR_EXISTS);
	memset(r.nonce, 0x45, sizeof(r.nonce));
	r.status = NET_PVA_CONTRAINDICATED;
	r.created = T0 + 10;
	r.expires = T0 + 100;
	r.result_len = NET_STORE_RESULT_MAX;
	memset(r.result, 0x77, sizeof(r.result));
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_OK);

	assert_int_equal(net_store_pva_result_get(f->st, f->pva.id, r.nonce, &got),
			 MCIM_OK);
	assert_int_equal(got.status, NET_PVA_CONTRAINDICATED);
	assert_int_equal(got.result_len, NET_STORE_RESULT_MAX);
	assert_memory_equal(got.result, r.result, NET_STORE_RESULT_MAX);
	assert_memory_equal(got.tre_id, tre, NET_TRE_ID_LEN);
	assert_int_equal(
	    net_store_pva_result_latest(f->st, f->pva.id, tre, T0 + 50, &got), MCIM_OK);
	assert_int_equal(got.status, NET_PVA_CONTRAINDICATED);
	assert_int_equal(
	    net_store_pva_result_latest(f->st, f->pva.id, tre, T0 + 100, &got), MCIM_OK);
	assert_int_equal(got.status, NET_PVA_AFFIRMING);
	assert_int_equal(got.result_len, 3);
	assert_memory_equal(got.result, "\xd2\x84\x43", 3);
	assert_int_equal(
	    net_store_pva_result_latest(f->st, f->pva.id, tre, T0 + 300, &got),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(
	    net_store_pva_result_latest(f->st, f->pva.id, other_tre, T0, &got),
	    MCIM_ERR_NOT_FOUND);
	/* Isolation. */
	assert_int_equal(net_store_pva_result_get(f->st, f->a.id, r.nonce, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_pva_result_latest(f->st, f->a.id, tre, T0, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_pva_result_get(f->st, 0, r.nonce, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_pva_result_latest(f->st, 0, tre, T0, &got),
			 MCIM_ERR_NOT_FOUND);
	/* Checks. */
	r.status = 0;
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_ERR_INVALID_ARG);
	r.status = NET_PVA_WARNING;
	r.result_len = 0;
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_ERR_INVALID_ARG);
	r.result_len = NET_STORE_RESULT_MAX + 1;
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_ERR_TOO_LARGE);
	r.result_len = 1;
	r.tenant = 0;
	assert_int_equal(net_store_pva_result_put(f->st, &r), MCIM_ERR_NOT_FOUND);
}

static void make_refval(struct net_pva_refval *rv, int64_t tenant, const char *platform,
			uint32_t seq, uint8_t fill, size_t len)
{
	memset(rv, 0, sizeof(*rv));
	rv->tenant = tenant;
	snprintf(rv->platform, sizeof(rv->platform), "%s", platform);
	rv->sequence = seq;
	rv->uploaded = T0;
	memset(rv->manifest, fill, len);
	rv->manifest_len = len;
}

/* Tamper reports (schema 3, docs/protocol.md §10, R-TRE-G11): one per (tenant, TRE id,
 * seq): a replay is MCIM_ERR_EXISTS whatever it carries, inside a transaction too
 * (which stays usable); another SHO records the same report for itself; lists per
 * tenant in pages; refused input writes nothing. */
static void make_tamper(struct net_tamper_report *r, int64_t tenant, uint8_t tre,
			int64_t seq, uint8_t fill)
{
	memset(r, 0, sizeof(*r));
	r->tenant = tenant;
	memset(r->tre_id, tre, sizeof(r->tre_id));
	r->seq = seq;
	r->reported = T0 - 60;
	r->received = T0;
	r->reason = MCIM_ERR_BAD_BOOT;
	r->report_len = 100;
	memset(r->report, fill, r->report_len);
}

static void tamper_reports(void **state)
{
	struct fx *f = *state;
	struct net_tamper_report *r = calloc(4, sizeof(*r)), *page = r + 1;
	struct net_store *st2;
	size_t n = 9;

	assert_non_null(r);
	make_tamper(r, f->a.id, 0x11, 1, 0xa1);
	r->report_len = NET_STORE_TAMPER_MAX;
	memset(r->report, 0xa1, NET_STORE_TAMPER_MAX);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_OK);
	assert_true(r->id > 0);
	assert_int_equal(net_store_tamper_list(f->st, f->a.id, 0, page, 3, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].id, r->id);
	assert_int_equal(page[0].tenant, f->a.id);
	assert_memory_equal(page[0].tre_id, r->tre_id, NET_TRE_ID_LEN);
	assert_int_equal(page[0].seq, 1);
	assert_int_equal(page[0].reported, T0 - 60);
	assert_int_equal(page[0].received, T0);
	assert_int_equal(page[0].reason, MCIM_ERR_BAD_BOOT);
	assert_int_equal(page[0].report_len, NET_STORE_TAMPER_MAX);
	assert_memory_equal(page[0].report, r->report, NET_STORE_TAMPER_MAX);

	/* The same (tenant, TRE, seq) again, whatever it holds: a replay. From a
	 * second connection (another daemon) too. */
	make_tamper(r, f->a.id, 0x11, 1, 0xb2);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_EXISTS);
	st2 = open_store(f->path, 0);
	assert_int_equal(net_store_tamper_put(st2, r), MCIM_ERR_EXISTS);
	net_store_close(st2);
	/* In a transaction: refused, the transaction goes on. */
	assert_int_equal(net_store_begin(f->st), MCIM_OK);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_EXISTS);
	make_tamper(r, f->a.id, 0x11, 2, 0xc3);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_OK);
	assert_int_equal(net_store_commit(f->st), MCIM_OK);
	/* Another TRE, another SHO: other keys. */
	make_tamper(r, f->a.id, 0x22, 1, 0xd4);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_OK);
	make_tamper(r, f->b.id, 0x11, 1, 0xe5);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_OK);

	/* Lists: A's three, two per page; B's one; nothing for a tenant that is not. */
	assert_int_equal(net_store_tamper_list(f->st, f->a.id, 0, page, 2, &n), MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(page[1].seq, 2);
	assert_int_equal(page[1].report[0], 0xc3);
	assert_int_equal(net_store_tamper_list(f->st, f->a.id, page[1].id, page, 2, &n),
			 MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].tre_id[0], 0x22);
	assert_int_equal(net_store_tamper_list(f->st, f->b.id, 0, page, 3, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].report[0], 0xe5);
	assert_int_equal(net_store_tamper_list(f->st, 0, 0, page, 3, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_tamper_list(f->st, f->a.id, -1, page, 3, &n),
			 MCIM_ERR_INVALID_ARG);

	/* Refused input writes nothing. */
	make_tamper(r, f->a.id, 0x33, 0, 0xee);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_INVALID_ARG);
	make_tamper(r, f->a.id, 0x33, 1, 0xee);
	r->received = 0;
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_INVALID_ARG);
	make_tamper(r, f->a.id, 0x33, 1, 0xee);
	r->reported = -1;
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_INVALID_ARG);
	make_tamper(r, f->a.id, 0x33, 1, 0xee);
	r->reason = 0;
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_INVALID_ARG);
	make_tamper(r, f->a.id, 0x33, 1, 0xee);
	r->report_len = 0;
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_INVALID_ARG);
	make_tamper(r, f->a.id, 0x33, 1, 0xee);
	r->report_len = NET_STORE_TAMPER_MAX + 1;
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_TOO_LARGE);
	make_tamper(r, 0, 0x33, 1, 0xee);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_NOT_FOUND);
	make_tamper(r, 9999, 0x33, 1, 0xee);
	assert_int_equal(net_store_tamper_put(f->st, r), MCIM_ERR_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM tamper_report"), 4);
	free(r);
}

/* Reference values (schema 2): one per (tenant, platform, sequence), read back whole,
 * listed per tenant in pages, seen by a second connection (several daemons). */
static void pva_reference_values(void **state)
{
	struct fx *f = *state;
	struct net_pva_refval *rv = calloc(4, sizeof(*rv)), *got = rv + 1, *page = rv + 2;
	struct net_store *st2;
	size_t n = 9;

	assert_non_null(rv);
	make_refval(rv, f->pva.id, "m2me-x1", 7, 0xa1, NET_STORE_MANIFEST_MAX);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_OK);
	assert_true(rv->id > 0);
	assert_int_equal(net_store_refval_get(f->st, f->pva.id, "m2me-x1", 7, got),
			 MCIM_OK);
	assert_int_equal(got->id, rv->id);
	assert_int_equal(got->tenant, f->pva.id);
	assert_string_equal(got->platform, "m2me-x1");
	assert_int_equal(got->sequence, 7);
	assert_int_equal(got->uploaded, T0);
	assert_int_equal(got->manifest_len, NET_STORE_MANIFEST_MAX);
	assert_memory_equal(got->manifest, rv->manifest, NET_STORE_MANIFEST_MAX);

	/* The key is taken whatever the content; another sequence, platform or tenant is
	 * another key; the highest sequence fits. */
	make_refval(rv, f->pva.id, "m2me-x1", 7, 0xb2, 100);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_EXISTS);
	make_refval(rv, f->pva.id, "m2me-x1", UINT32_MAX, 0xb2, 100);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_OK);
	make_refval(rv, f->pva.id, "m2me-x2", 7, 0xc3, 1);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_OK);
	make_refval(rv, f->a.id, "m2me-x1", 7, 0xd4, 1);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_OK);
	assert_int_equal(
	    net_store_refval_get(f->st, f->pva.id, "m2me-x1", UINT32_MAX, got), MCIM_OK);
	assert_int_equal(got->manifest_len, 100);
	assert_int_equal(got->manifest[99], 0xb2);

	/* Absent: another sequence, platform, tenant, or a key that cannot exist. */
	assert_int_equal(net_store_refval_get(f->st, f->pva.id, "m2me-x1", 8, got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_refval_get(f->st, f->pva.id, "m2me-x3", 7, got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_refval_get(f->st, f->b.id, "m2me-x1", 7, got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_refval_get(f->st, 0, "m2me-x1", 7, got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_refval_get(f->st, f->pva.id, "", 7, got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_refval_get(f->st, f->pva.id,
					      "0123456789012345678901234567890123", 7,
					      got),
			 MCIM_ERR_NOT_FOUND);

	/* Lists: the PVA's three, two per page; nothing of another tenant. */
	assert_int_equal(net_store_refval_list(f->st, f->pva.id, 0, page, 2, &n),
			 MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(page[0].sequence, 7);
	assert_int_equal(page[1].sequence, UINT32_MAX);
	assert_int_equal(net_store_refval_list(f->st, f->pva.id, page[1].id, page, 2, &n),
			 MCIM_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].platform, "m2me-x2");
	assert_int_equal(net_store_refval_list(f->st, f->b.id, 0, page, 2, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_refval_list(f->st, 0, 0, page, 2, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_refval_list(f->st, f->pva.id, 0, page, 0, &n),
			 MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_refval_list(f->st, f->pva.id, -1, page, 2, &n),
			 MCIM_ERR_INVALID_ARG);

	/* Another connection sees them at once. */
	st2 = open_store(f->path, 0);
	assert_int_equal(net_store_refval_get(st2, f->pva.id, "m2me-x2", 7, got),
			 MCIM_OK);
	assert_int_equal(got->manifest[0], 0xc3);
	net_store_close(st2);

	/* Refused input changes nothing. */
	make_refval(rv, f->pva.id, "", 1, 0xee, 10);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_INVALID_ARG);
	make_refval(rv, f->pva.id, "p", 1, 0xee, 0);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_INVALID_ARG);
	make_refval(rv, f->pva.id, "p", 1, 0xee, 10);
	rv->uploaded = 0;
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_INVALID_ARG);
	make_refval(rv, f->pva.id, "p", 1, 0xee, 10);
	memset(rv->platform, 'p', sizeof(rv->platform)); /* no NUL within bounds */
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_INVALID_ARG);
	make_refval(rv, f->pva.id, "p", 1, 0xee, 10);
	rv->manifest_len = NET_STORE_MANIFEST_MAX + 1;
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_TOO_LARGE);
	make_refval(rv, 0, "p", 1, 0xee, 10);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_NOT_FOUND);
	make_refval(rv, 9999, "p", 1, 0xee, 10);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_ERR_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM pva_refvals"), 4);
	free(rv);
}

/* A database left at schema 1 (before the reference values and the tamper reports)
 * migrates to the current schema on open, keeping its rows. */
static void migrate_from_schema_1(void **state)
{
	struct fx *f = *state;
	struct net_store_tenant t;
	struct net_pva_refval *rv = calloc(1, sizeof(*rv));
	struct net_tamper_report *tr = calloc(1, sizeof(*tr));

	assert_non_null(rv);
	assert_non_null(tr);
	net_store_close(f->st);
	raw_exec(f->path, "DROP TABLE pva_refvals");
	raw_exec(f->path, "DROP TABLE tamper_report");
	raw_exec(f->path, "DELETE FROM schema_version WHERE version >= 2");
	f->st = open_store(f->path, 0);
	assert_int_equal(net_store_schema_version(f->st), NET_STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(f->path, "SELECT MAX(version) FROM schema_version"),
			 NET_STORE_SCHEMA_VERSION);
	assert_int_equal(net_store_tenant_find(f->st, "pva", &t), MCIM_OK);
	make_refval(rv, t.id, "m2me-x1", 1, 0x11, 32);
	assert_int_equal(net_store_refval_put(f->st, rv), MCIM_OK);
	assert_int_equal(net_store_tenant_find(f->st, "sho-a", &t), MCIM_OK);
	make_tamper(tr, t.id, 0x11, 1, 0x22);
	assert_int_equal(net_store_tamper_put(f->st, tr), MCIM_OK);
	free(rv);
	free(tr);
}

static void dpf_transactions(void **state)
{
	struct fx *f = *state;
	int64_t reg = register_one(f, f->a.id, 1, 0xe0, 0);
	struct net_dpf_tx tx, got;
	uint8_t tre[NET_TRE_ID_LEN], mcim[NET_MCIM_ID_LEN], zero[NET_MCIM_ID_LEN] = {0};

	tre_of(tre, 1, 0xe0);
	memset(mcim, 0x99, sizeof(mcim));
	memset(&tx, 0, sizeof(tx));
	memset(tx.txid, 0x55, sizeof(tx.txid));
	tx.tenant = f->a.id;
	tx.registration = reg;
	tx.state = NET_DPF_PENDING;
	tx.created = T0;
	tx.expires = T0 + 120;
	tx.session_len = 40;
	memset(tx.session, 0x3c, 40);
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_OK);
	assert_memory_equal(tx.tre_id, tre, NET_TRE_ID_LEN);
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_ERR_EXISTS);
	assert_int_equal(net_store_dpf_tx_get(f->st, f->a.id, tx.txid, &got), MCIM_OK);
	assert_int_equal(got.state, NET_DPF_PENDING);
	assert_int_equal(got.session_len, 40);
	assert_memory_equal(got.session, tx.session, 40);
	assert_memory_equal(got.mcim_id, zero, NET_MCIM_ID_LEN);

	/* Receipt before delivery; another tenant; then the one use. */
	assert_int_equal(net_store_dpf_tx_receipt(f->st, f->a.id, tx.txid, T0),
			 MCIM_ERR_STATE);
	assert_int_equal(
	    net_store_dpf_tx_consume(f->st, f->b.id, tx.txid, mcim, T0, &got),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_dpf_tx_get(f->st, f->b.id, tx.txid, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(
	    net_store_dpf_tx_consume(f->st, f->a.id, tx.txid, mcim, T0 + 5, &got),
	    MCIM_OK);
	assert_int_equal(got.state, NET_DPF_DELIVERED);
	assert_int_equal(got.session_len, 40);
	assert_memory_equal(got.session, tx.session, 40);
	assert_memory_equal(got.mcim_id, mcim, NET_MCIM_ID_LEN);
	assert_int_equal(
	    net_store_dpf_tx_consume(f->st, f->a.id, tx.txid, mcim, T0 + 6, &got),
	    MCIM_ERR_REPLAY);
	/* The session state is gone from the database. */
	assert_int_equal(net_store_dpf_tx_get(f->st, f->a.id, tx.txid, &got), MCIM_OK);
	assert_int_equal(got.session_len, 0);
	assert_int_equal(got.state, NET_DPF_DELIVERED);
	assert_int_equal(got.updated, T0 + 5);
	assert_memory_equal(got.mcim_id, mcim, NET_MCIM_ID_LEN);
	assert_int_equal(net_store_dpf_tx_receipt(f->st, f->b.id, tx.txid, T0 + 7),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_dpf_tx_receipt(f->st, f->a.id, tx.txid, T0 + 7),
			 MCIM_OK);
	assert_int_equal(net_store_dpf_tx_receipt(f->st, f->a.id, tx.txid, T0 + 8),
			 MCIM_ERR_STATE);
	assert_int_equal(net_store_dpf_tx_get(f->st, f->a.id, tx.txid, &got), MCIM_OK);
	assert_int_equal(got.state, NET_DPF_RECEIPTED);

	/* Expired; unknown; zero tenants. */
	memset(tx.txid, 0x56, sizeof(tx.txid));
	tx.session_len = 0;
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_OK);
	assert_int_equal(
	    net_store_dpf_tx_consume(f->st, f->a.id, tx.txid, mcim, T0 + 120, &got),
	    MCIM_ERR_EXPIRED);
	assert_int_equal(net_store_dpf_tx_get(f->st, f->a.id, tx.txid, &got), MCIM_OK);
	assert_int_equal(got.state, NET_DPF_PENDING);
	memset(tx.txid, 0x57, sizeof(tx.txid));
	assert_int_equal(
	    net_store_dpf_tx_consume(f->st, f->a.id, tx.txid, mcim, T0, &got),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_dpf_tx_receipt(f->st, f->a.id, tx.txid, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_dpf_tx_consume(f->st, 0, tx.txid, mcim, T0, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_dpf_tx_receipt(f->st, 0, tx.txid, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_dpf_tx_get(f->st, 0, tx.txid, &got),
			 MCIM_ERR_NOT_FOUND);

	/* Only for the tenant's own active registration; checks. */
	tx.tenant = f->b.id;
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_ERR_NOT_FOUND);
	tx.tenant = f->a.id;
	tx.state = NET_DPF_DELIVERED;
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_ERR_INVALID_ARG);
	tx.state = NET_DPF_PENDING;
	tx.session_len = NET_STORE_SESSION_MAX + 1;
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_ERR_TOO_LARGE);
	tx.session_len = 0;
	tx.registration = 0;
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_ERR_NOT_FOUND);
	tx.registration = reg;
	assert_int_equal(net_store_registration_set_state(f->st, f->a.id, reg,
							  NET_REG_REGISTERED,
							  NET_REG_RELEASED, T0),
			 MCIM_OK);
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_ERR_NOT_FOUND);
}

/* ---- MCIM orders ---- */

static void mcim_orders(void **state)
{
	struct fx *f = *state;
	int64_t reg = register_one(f, f->a.id, 1, 0xf0, 0);
	int64_t reg_b = register_one(f, f->b.id, 2, 0xf0, 0);
	struct net_mcim_order o, got, list[4];
	uint8_t pkg[64], buf[64];
	size_t len, n;
	int64_t first;

	memset(pkg, 0xab, sizeof(pkg));
	memset(&o, 0, sizeof(o));
	memset(o.mcim_id, 0x01, sizeof(o.mcim_id));
	o.tenant = f->a.id;
	o.registration = reg;
	tre_of(o.tre_id, 1, 0xf0);
	snprintf(o.imsi, sizeof(o.imsi), "001010000000001");
	o.version = 1;
	o.state = NET_MCIM_CREATED;
	o.created = T0;
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 40), MCIM_OK);
	assert_true(o.id > 0);
	first = o.id;
	assert_int_equal(o.package_len, 40);
	assert_int_equal(net_store_order_get(f->st, f->a.id, o.mcim_id, &got), MCIM_OK);
	assert_int_equal(got.id, o.id);
	assert_int_equal(got.registration, reg);
	assert_string_equal(got.imsi, "001010000000001");
	assert_int_equal(got.version, 1);
	assert_int_equal(got.state, NET_MCIM_CREATED);
	assert_int_equal(got.package_len, 40);
	assert_int_equal(net_store_order_find(f->st, f->a.id, o.tre_id, &got), MCIM_OK);
	assert_int_equal(got.id, o.id);
	assert_int_equal(
	    net_store_order_package(f->st, f->a.id, o.mcim_id, buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(len, 40);
	assert_memory_equal(buf, pkg, 40);
	assert_int_equal(
	    net_store_order_package(f->st, f->a.id, o.mcim_id, buf, 39, &len),
	    MCIM_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 40);

	/* Unique MCIM id; one live order per tenant and TRE. */
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 40), MCIM_ERR_EXISTS);
	memset(o.mcim_id, 0x02, sizeof(o.mcim_id));
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 40), MCIM_ERR_EXISTS);
	/* The registration must be the tenant's. */
	tre_of(o.tre_id, 2, 0xf0);
	o.registration = reg_b;
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 40), MCIM_ERR_NOT_FOUND);
	o.registration = 0;
	o.imsi[0] = '\0';
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 40), MCIM_OK);
	assert_int_equal(net_store_order_get(f->st, f->a.id, o.mcim_id, &got), MCIM_OK);
	assert_int_equal(got.registration, 0);

	/* Compare-and-set; a new package with the step. */
	memset(o.mcim_id, 0x01, sizeof(o.mcim_id));
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_PACKAGED, NET_MCIM_INSTALLED,
						   NULL, 0, T0 + 1),
			 MCIM_ERR_STATE);
	memset(pkg, 0xcd, sizeof(pkg));
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_CREATED, NET_MCIM_PACKAGED,
						   pkg, 64, T0 + 1),
			 MCIM_OK);
	assert_int_equal(
	    net_store_order_package(f->st, f->a.id, o.mcim_id, buf, sizeof(buf), &len),
	    MCIM_OK);
	assert_int_equal(len, 64);
	assert_memory_equal(buf, pkg, 64);
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_PACKAGED, NET_MCIM_INSTALLED,
						   NULL, 0, T0 + 2),
			 MCIM_OK);
	assert_int_equal(net_store_order_get(f->st, f->a.id, o.mcim_id, &got), MCIM_OK);
	assert_int_equal(got.state, NET_MCIM_INSTALLED);
	assert_int_equal(got.updated, T0 + 2);
	assert_int_equal(got.package_len, 64);

	/* Isolation. */
	assert_int_equal(net_store_order_get(f->st, f->b.id, o.mcim_id, &got),
			 MCIM_ERR_NOT_FOUND);
	tre_of(o.tre_id, 1, 0xf0);
	assert_int_equal(net_store_order_find(f->st, f->b.id, o.tre_id, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(
	    net_store_order_package(f->st, f->b.id, o.mcim_id, buf, sizeof(buf), &len),
	    MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_order_set_state(f->st, f->b.id, o.mcim_id,
						   NET_MCIM_INSTALLED, NET_MCIM_DELETED,
						   NULL, 0, T0),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_order_list(f->st, f->b.id, 0, 0, list, 4, &n),
			 MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_order_get(f->st, 0, o.mcim_id, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_order_find(f->st, 0, o.tre_id, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_order_package(f->st, 0, o.mcim_id, NULL, 0, &len),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_order_set_state(f->st, 0, o.mcim_id,
						   NET_MCIM_INSTALLED, NET_MCIM_DELETED,
						   NULL, 0, T0),
			 MCIM_ERR_NOT_FOUND);

	/* Lists, with a state filter. */
	assert_int_equal(net_store_order_list(f->st, f->a.id, 0, 0, list, 4, &n),
			 MCIM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(
	    net_store_order_list(f->st, f->a.id, NET_MCIM_INSTALLED, 0, list, 4, &n),
	    MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, first);
	assert_int_equal(
	    net_store_order_list(f->st, f->a.id, NET_MCIM_CREATED, first, list, 4, &n),
	    MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(net_store_order_list(f->st, f->a.id, 7, 0, list, 4, &n),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_order_list(f->st, f->a.id, 0, -1, list, 4, &n),
			 MCIM_ERR_INVALID_ARG);

	/* Deleted: a new order for the same TRE may follow; the old cannot revive. */
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_INSTALLED, NET_MCIM_DELETED,
						   NULL, 0, T0 + 3),
			 MCIM_OK);
	assert_int_equal(net_store_order_find(f->st, f->a.id, o.tre_id, &got),
			 MCIM_ERR_NOT_FOUND);
	memset(o.mcim_id, 0x03, sizeof(o.mcim_id));
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 1), MCIM_OK);
	memset(o.mcim_id, 0x01, sizeof(o.mcim_id));
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_DELETED, NET_MCIM_ACTIVATED,
						   NULL, 0, T0 + 4),
			 MCIM_ERR_EXISTS);

	/* Checks. */
	memset(o.mcim_id, 0x04, sizeof(o.mcim_id));
	tre_of(o.tre_id, 4, 0xf0);
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 0), MCIM_ERR_INVALID_ARG);
	assert_int_equal(
	    net_store_order_create(f->st, &o, pkg, NET_STORE_PACKAGE_MAX + 1),
	    MCIM_ERR_TOO_LARGE);
	snprintf(o.imsi, sizeof(o.imsi), "12345");
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 1), MCIM_ERR_INVALID_ARG);
	o.imsi[0] = '\0';
	o.state = 0;
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 1), MCIM_ERR_INVALID_ARG);
	o.state = NET_MCIM_CREATED;
	o.registration = -1;
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 1), MCIM_ERR_INVALID_ARG);
	o.registration = 0;
	o.tenant = 0;
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 1), MCIM_ERR_NOT_FOUND);
	o.tenant = 999;
	assert_int_equal(net_store_order_create(f->st, &o, pkg, 1), MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id, 0,
						   NET_MCIM_DELETED, NULL, 0, T0),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_CREATED, 9, NULL, 0, T0),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_CREATED, NET_MCIM_PACKAGED,
						   pkg, 0, T0),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_store_order_set_state(f->st, f->a.id, o.mcim_id,
						   NET_MCIM_CREATED, NET_MCIM_PACKAGED,
						   NULL, 0, T0),
			 MCIM_ERR_NOT_FOUND);
}

/* ---- AuC records and the SQN compare-and-set ---- */

static void make_auc(struct net_auc_record *r, int64_t tenant, const char *imsi)
{
	memset(r, 0, sizeof(*r));
	r->tenant = tenant;
	/* Copied as given, so that a too long IMSI fills the array without a NUL. */
	memcpy(r->imsi, imsi,
	       strlen(imsi) < sizeof(r->imsi) ? strlen(imsi) + 1 : sizeof(r->imsi));
	r->algorithm = 1;
	r->state = NET_AUC_ACTIVE;
	r->created = T0;
	r->cred_len = 48;
	memset(r->cred, 0xc7, 48);
	r->sqn_len = 8;
}

static void auc_records(void **state)
{
	struct fx *f = *state;
	struct net_auc_record r, got, list[3];
	size_t n;

	make_auc(&r, f->a.id, "001010000000001");
	memset(r.mcim_id, 0x0f, sizeof(r.mcim_id));
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_EXISTS);
	assert_int_equal(net_store_auc_get(f->st, f->a.id, "001010000000001", &got),
			 MCIM_OK);
	assert_int_equal(got.version, 1);
	assert_int_equal(got.algorithm, 1);
	assert_int_equal(got.cred_len, 48);
	assert_memory_equal(got.cred, r.cred, 48);
	assert_int_equal(got.sqn_len, 8);
	assert_memory_equal(got.mcim_id, r.mcim_id, NET_MCIM_ID_LEN);

	/* The same IMSI is another tenant's own record; isolation both ways. */
	make_auc(&r, f->b.id, "001010000000001");
	r.algorithm = 2;
	r.sqn_len = 0;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_OK);
	assert_int_equal(net_store_auc_get(f->st, f->b.id, "001010000000001", &got),
			 MCIM_OK);
	assert_int_equal(got.algorithm, 2);
	assert_int_equal(got.sqn_len, 0);
	assert_int_equal(net_store_auc_get(f->st, f->pva.id, "001010000000001", &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_auc_get(f->st, 0, "001010000000001", &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_auc_get(f->st, f->a.id, "0010100", &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_auc_get(f->st, f->a.id, "abc", &got),
			 MCIM_ERR_NOT_FOUND);
	got.tenant = f->pva.id;
	assert_int_equal(net_store_auc_update(f->st, &got, T0), MCIM_ERR_NOT_FOUND);

	/* Update: every field, version + 1; a stale version changes nothing. */
	assert_int_equal(net_store_auc_get(f->st, f->a.id, "001010000000001", &got),
			 MCIM_OK);
	got.state = NET_AUC_SUSPENDED;
	got.algorithm = 2;
	got.cred_len = 64;
	memset(got.cred, 0xd8, 64);
	got.sqn_len = 16;
	memset(got.sqn, 0x01, 16);
	memset(got.mcim_id, 0, sizeof(got.mcim_id));
	assert_int_equal(net_store_auc_update(f->st, &got, T0 + 9), MCIM_OK);
	assert_int_equal(got.version, 2);
	assert_int_equal(got.updated, T0 + 9);
	got.version = 1;
	got.sqn[0] = 0xff;
	assert_int_equal(net_store_auc_update(f->st, &got, T0 + 10), MCIM_ERR_STATE);
	assert_int_equal(net_store_auc_get(f->st, f->a.id, "001010000000001", &got),
			 MCIM_OK);
	assert_int_equal(got.version, 2);
	assert_int_equal(got.state, NET_AUC_SUSPENDED);
	assert_int_equal(got.cred_len, 64);
	assert_int_equal(got.sqn_len, 16);
	assert_int_equal(got.sqn[0], 0x01);
	assert_int_equal(got.updated, T0 + 9);
	{
		uint8_t zero[NET_MCIM_ID_LEN] = {0};
		assert_memory_equal(got.mcim_id, zero, NET_MCIM_ID_LEN);
	}
	got.version = 0;
	assert_int_equal(net_store_auc_update(f->st, &got, T0), MCIM_ERR_STATE);

	/* Checks. */
	make_auc(&r, f->a.id, "00101");
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_INVALID_ARG);
	make_auc(&r, f->a.id, "0010100000000012");
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_TOO_LARGE);
	make_auc(&r, f->a.id, "001010000000002");
	r.cred_len = 0;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_INVALID_ARG);
	r.cred_len = NET_STORE_CRED_MAX + 1;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_TOO_LARGE);
	r.cred_len = 1;
	r.sqn_len = NET_STORE_SQN_MAX + 1;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_TOO_LARGE);
	r.sqn_len = 0;
	r.state = 4;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_INVALID_ARG);
	r.state = NET_AUC_ACTIVE;
	r.tenant = 0;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_INVALID_ARG);
	r.tenant = 999;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_ERR_NOT_FOUND);
	r.tenant = f->a.id;
	r.cred_len = NET_STORE_CRED_MAX;
	r.sqn_len = NET_STORE_SQN_MAX;
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_OK);

	assert_int_equal(net_store_auc_list(f->st, f->a.id, 0, list, 3, &n), MCIM_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].imsi, "001010000000002");
	assert_int_equal(list[1].cred_len, NET_STORE_CRED_MAX);
	assert_int_equal(net_store_auc_list(f->st, f->a.id, list[0].id, list, 3, &n),
			 MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(net_store_auc_list(f->st, f->pva.id, 0, list, 3, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_auc_list(f->st, f->a.id, -1, list, 3, &n),
			 MCIM_ERR_INVALID_ARG);
}

/* Two connections on one file (two daemons): both read version 1, one wins, the other
 * gets MCIM_ERR_STATE and its SQN is not written. */
static void sqn_cas_two_connections(void **state)
{
	struct fx *f = *state;
	struct net_store *st2 = open_store(f->path, 0);
	struct net_auc_record r, r1, r2;

	make_auc(&r, f->a.id, "001010000000009");
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_OK);
	assert_int_equal(net_store_auc_get(f->st, f->a.id, r.imsi, &r1), MCIM_OK);
	assert_int_equal(net_store_auc_get(st2, f->a.id, r.imsi, &r2), MCIM_OK);
	assert_int_equal(r1.version, r2.version);
	memset(r1.sqn, 0x11, 8);
	memset(r2.sqn, 0x22, 8);
	assert_int_equal(net_store_auc_update(st2, &r2, T0 + 1), MCIM_OK);
	assert_int_equal(net_store_auc_update(f->st, &r1, T0 + 1), MCIM_ERR_STATE);
	assert_int_equal(net_store_auc_get(f->st, f->a.id, r.imsi, &r1), MCIM_OK);
	assert_int_equal(r1.version, 2);
	assert_int_equal(r1.sqn[0], 0x22);
	/* The loser rereads and retries. */
	memset(r1.sqn, 0x33, 8);
	assert_int_equal(net_store_auc_update(f->st, &r1, T0 + 2), MCIM_OK);
	assert_int_equal(net_store_auc_get(st2, f->a.id, r.imsi, &r2), MCIM_OK);
	assert_int_equal(r2.version, 3);
	assert_int_equal(r2.sqn[0], 0x33);
	net_store_close(st2);
}

/* Two processes issue SQNs from one record at full speed, each by read, increment,
 * compare-and-set, retry: every SQN is issued exactly once. */
#define SQN_PER_PROC 300

static void sqn_worker(const char *path, int64_t tenant, int fd)
{
	struct net_store *st;
	struct net_store_config cfg = {path, 10000, 0};
	struct net_auc_record r;
	int issued = 0;

	if (net_store_open(&cfg, &st, NULL, 0) != MCIM_OK)
		_exit(2);
	while (issued < SQN_PER_PROC) {
		uint64_t sqn;
		mcim_err err = net_store_auc_get(st, tenant, "001010000000007", &r);
		if (err != MCIM_OK)
			_exit(3);
		sqn = mcim_load_be64(r.sqn) + 1;
		mcim_store_be64(r.sqn, sqn);
		err = net_store_auc_update(st, &r, T0);
		if (err == MCIM_ERR_STATE || err == MCIM_ERR_LOCKED)
			continue;
		if (err != MCIM_OK)
			_exit(4);
		if (write(fd, &sqn, sizeof(sqn)) != (ssize_t)sizeof(sqn))
			_exit(5);
		issued++;
	}
	net_store_close(st);
	_exit(0);
}

static void sqn_cas_two_processes(void **state)
{
	struct fx *f = *state;
	struct net_auc_record r;
	uint64_t seen[2 * SQN_PER_PROC], v;
	uint8_t hit[2 * SQN_PER_PROC + 1] = {0};
	int fds[2];
	pid_t pids[2];
	size_t count = 0;

	make_auc(&r, f->a.id, "001010000000007");
	assert_int_equal(net_store_auc_create(f->st, &r), MCIM_OK);
	/* A connection is never carried across fork(). */
	net_store_close(f->st);
	f->st = NULL;
	assert_int_equal(pipe(fds), 0);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			sqn_worker(f->path, f->a.id, fds[1]);
		}
	}
	close(fds[1]);
	while (count < 2 * SQN_PER_PROC && read(fds[0], &v, sizeof(v)) == sizeof(v))
		seen[count++] = v;
	close(fds[0]);
	for (int i = 0; i < 2; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(count, 2 * SQN_PER_PROC);
	f->st = open_store(f->path, 0);
	for (size_t i = 0; i < count; i++) {
		assert_true(seen[i] >= 1 && seen[i] <= 2 * SQN_PER_PROC);
		assert_int_equal(hit[seen[i]], 0);
		hit[seen[i]] = 1;
	}
	assert_int_equal(net_store_auc_get(f->st, f->a.id, "001010000000007", &r),
			 MCIM_OK);
	assert_int_equal(mcim_load_be64(r.sqn), 2 * SQN_PER_PROC);
	assert_int_equal(r.version, 1 + 2 * SQN_PER_PROC);
}

/* ---- housekeeping ---- */

static void purge_expired(void **state)
{
	struct fx *f = *state;
	int64_t reg = register_one(f, f->a.id, 1, 0x60, 0);
	struct net_reg_token rt;
	struct net_pva_nonce nc;
	struct net_pva_result pr;
	struct net_dpf_tx tx, got;
	uint8_t mcim[NET_MCIM_ID_LEN];
	uint64_t removed = 99;

	memset(mcim, 0x61, sizeof(mcim));
	memset(&rt, 0, sizeof(rt));
	rt.tenant = f->a.id;
	rt.registration = reg;
	memset(&nc, 0, sizeof(nc));
	nc.tenant = f->pva.id;
	memset(&pr, 0, sizeof(pr));
	pr.tenant = f->pva.id;
	pr.status = NET_PVA_AFFIRMING;
	pr.result_len = 1;
	memset(&tx, 0, sizeof(tx));
	tx.tenant = f->a.id;
	tx.registration = reg;
	tx.state = NET_DPF_PENDING;
	/* One of each expiring at T0 + 10, one of each living on; one delivered
	 * transaction past its expiry, which stays. */
	for (int i = 0; i < 2; i++) {
		int64_t exp = i == 0 ? T0 + 10 : T0 + 100;
		memset(rt.reg_id, 0x60 + i, sizeof(rt.reg_id));
		rt.expires = exp;
		assert_int_equal(net_store_regtoken_create(f->st, &rt), MCIM_OK);
		memset(nc.nonce, 0x60 + i, sizeof(nc.nonce));
		nc.expires = exp;
		assert_int_equal(net_store_nonce_create(f->st, &nc), MCIM_OK);
		memset(pr.nonce, 0x60 + i, sizeof(pr.nonce));
		pr.expires = exp;
		assert_int_equal(net_store_pva_result_put(f->st, &pr), MCIM_OK);
		memset(tx.txid, 0x60 + i, sizeof(tx.txid));
		tx.expires = exp;
		assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_OK);
	}
	memset(tx.txid, 0x6f, sizeof(tx.txid));
	tx.expires = T0 + 10;
	assert_int_equal(net_store_dpf_tx_create(f->st, &tx), MCIM_OK);
	assert_int_equal(
	    net_store_dpf_tx_consume(f->st, f->a.id, tx.txid, mcim, T0, &got), MCIM_OK);

	assert_int_equal(net_store_purge(f->st, T0 + 9, &removed), MCIM_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(net_store_purge(f->st, T0 + 10, &removed), MCIM_OK);
	assert_int_equal(removed, 4);
	assert_int_equal(net_store_purge(f->st, T0 + 10, NULL), MCIM_OK);
	memset(rt.reg_id, 0x60, sizeof(rt.reg_id));
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, rt.reg_id, rt.tre_id, T0 + 11),
	    MCIM_ERR_NOT_FOUND);
	memset(rt.reg_id, 0x61, sizeof(rt.reg_id));
	assert_int_equal(
	    net_store_regtoken_consume(f->st, f->a.id, rt.reg_id, rt.tre_id, T0 + 11),
	    MCIM_OK);
	assert_int_equal(net_store_dpf_tx_get(f->st, f->a.id, tx.txid, &got), MCIM_OK);
	assert_int_equal(got.state, NET_DPF_DELIVERED);
	memset(tx.txid, 0x60, sizeof(tx.txid));
	assert_int_equal(net_store_dpf_tx_get(f->st, f->a.id, tx.txid, &got),
			 MCIM_ERR_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM pva_nonce"), 1);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM pva_result"), 1);
}

/* ---- transactions ---- */

static void transactions(void **state)
{
	struct fx *f = *state;
	struct net_store_tenant t;
	struct net_store *st2;

	assert_int_equal(net_store_commit(f->st), MCIM_ERR_STATE);
	assert_int_equal(net_store_rollback(f->st), MCIM_ERR_STATE);
	assert_int_equal(net_store_begin(f->st), MCIM_OK);
	assert_int_equal(net_store_begin(f->st), MCIM_ERR_STATE);
	make_tenant(f->st, &t, "gone", NET_STORE_ROLE_RO, "");
	assert_int_equal(net_store_tenant_find(f->st, "gone", &t), MCIM_OK);
	assert_int_equal(net_store_rollback(f->st), MCIM_OK);
	assert_int_equal(net_store_tenant_find(f->st, "gone", &t), MCIM_ERR_NOT_FOUND);

	/* A refused call inside a transaction fails alone. */
	assert_int_equal(net_store_begin(f->st), MCIM_OK);
	make_tenant(f->st, &t, "kept", NET_STORE_ROLE_RO, "");
	t = f->a;
	assert_int_equal(net_store_tenant_create(f->st, &t), MCIM_ERR_EXISTS);
	make_tenant(f->st, &t, "kept2", NET_STORE_ROLE_RO, "");
	/* Another connection sees nothing yet, and cannot write meanwhile. */
	st2 = open_store(f->path, 30);
	assert_int_equal(net_store_tenant_find(st2, "kept", &t), MCIM_ERR_NOT_FOUND);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "blocked");
	t.roles = NET_STORE_ROLE_RO;
	assert_int_equal(net_store_tenant_create(st2, &t), MCIM_ERR_LOCKED);
	assert_non_null(strstr(net_store_errmsg(st2), "locked"));
	assert_int_equal(net_store_begin(st2), MCIM_ERR_LOCKED);
	assert_int_equal(net_store_commit(f->st), MCIM_OK);
	assert_int_equal(net_store_tenant_find(st2, "kept", &t), MCIM_OK);
	assert_int_equal(net_store_tenant_find(st2, "kept2", &t), MCIM_OK);
	assert_int_equal(net_store_tenant_create(st2, &t), MCIM_ERR_EXISTS);

	/* Closing with a transaction open drops it. */
	assert_int_equal(net_store_begin(st2), MCIM_OK);
	make_tenant(st2, &t, "dropped", NET_STORE_ROLE_RO, "");
	net_store_close(st2);
	assert_int_equal(net_store_tenant_find(f->st, "dropped", &t), MCIM_ERR_NOT_FOUND);

	/* Consumes inside a caller's transaction roll back with it. */
	{
		int64_t reg = register_one(f, f->a.id, 1, 0x70, 0);
		struct net_reg_token rt;
		memset(&rt, 0, sizeof(rt));
		memset(rt.reg_id, 0x70, sizeof(rt.reg_id));
		rt.tenant = f->a.id;
		rt.registration = reg;
		rt.expires = T0 + 10;
		assert_int_equal(net_store_regtoken_create(f->st, &rt), MCIM_OK);
		assert_int_equal(net_store_begin(f->st), MCIM_OK);
		assert_int_equal(
		    net_store_regtoken_consume(f->st, f->a.id, rt.reg_id, rt.tre_id, T0),
		    MCIM_OK);
		assert_int_equal(net_store_rollback(f->st), MCIM_OK);
		assert_int_equal(
		    net_store_regtoken_consume(f->st, f->a.id, rt.reg_id, rt.tre_id, T0),
		    MCIM_OK);
	}
}

/* ---- audit ---- */

static void audit_rec(struct net_audit *a, int64_t tenant, int64_t time,
		      const char *subject)
{
	memset(a, 0, sizeof(*a));
	a->tenant = tenant;
	a->time = time;
	snprintf(a->actor, sizeof(a->actor), "api:ci");
	a->event = MCIM_AUDIT_EV_NET_BASE + 1;
	a->outcome = MCIM_OK;
	snprintf(a->subject, sizeof(a->subject), "%s", subject);
	snprintf(a->detail, sizeof(a->detail), "registered");
}

/* The chain hash recomputed here from the layout in docs/store.md. */
static void expected_hash(const uint8_t prev[32], const struct net_audit *a,
			  uint8_t out[32])
{
	static const char tag[] = "openmcim-net-audit-v1";
	uint8_t buf[512];
	size_t off = 0, len;

	memcpy(buf, tag, sizeof(tag) - 1);
	off += sizeof(tag) - 1;
	memcpy(buf + off, prev, 32);
	off += 32;
	mcim_store_be64(buf + off, (uint64_t)a->tenant);
	mcim_store_be64(buf + off + 8, a->seq);
	mcim_store_be64(buf + off + 16, (uint64_t)a->time);
	mcim_store_be16(buf + off + 24, a->event);
	buf[off + 26] = 0;
	buf[off + 27] = 0;
	buf[off + 28] = 0;
	buf[off + 29] = (uint8_t)a->outcome;
	off += 30;
	const char *fields[3] = {a->actor, a->subject, a->detail};
	for (int i = 0; i < 3; i++) {
		len = strlen(fields[i]);
		mcim_store_be16(buf + off, (uint16_t)len);
		memcpy(buf + off + 2, fields[i], len);
		off += 2 + len;
	}
	assert_int_equal(mcim_sha256(buf, off, out), MCIM_OK);
}

static void audit_chain(void **state)
{
	struct fx *f = *state;
	struct net_audit a, list[8];
	uint8_t prev[32] = {0}, h[32];
	uint64_t count, bad;
	size_t n;

	for (int i = 0; i < 3; i++) {
		char subject[16];
		snprintf(subject, sizeof(subject), "tre-%d", i);
		audit_rec(&a, f->a.id, T0 + i, subject);
		if (i == 2)
			a.outcome = MCIM_ERR_REPLAY;
		assert_int_equal(net_store_audit_append(f->st, &a), MCIM_OK);
		assert_int_equal(a.seq, (uint64_t)i + 1);
		expected_hash(prev, &a, h);
		assert_memory_equal(a.hash, h, 32);
		memcpy(prev, h, 32);
	}
	/* Another tenant's chain starts at 1. */
	audit_rec(&a, f->b.id, T0, "x");
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_OK);
	assert_int_equal(a.seq, 1);

	assert_int_equal(net_store_audit_list(f->st, f->a.id, 0, list, 8, &n), MCIM_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[1].subject, "tre-1");
	assert_int_equal(list[2].outcome, MCIM_ERR_REPLAY);
	assert_int_equal(list[2].event, MCIM_AUDIT_EV_NET_BASE + 1);
	assert_memory_equal(list[2].hash, prev, 32);
	assert_int_equal(net_store_audit_list(f->st, f->a.id, 2, list, 8, &n), MCIM_OK);
	assert_int_equal(n, 1);
	assert_int_equal(net_store_audit_list(f->st, f->pva.id, 0, list, 8, &n), MCIM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(net_store_audit_verify(f->st, f->a.id, &count, &bad), MCIM_OK);
	assert_int_equal(count, 3);
	assert_int_equal(net_store_audit_verify(f->st, f->b.id, &count, &bad), MCIM_OK);
	assert_int_equal(count, 1);

	/* Checks; an unknown tenant. */
	audit_rec(&a, f->a.id, T0, "x");
	a.event = 0;
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_INVALID_ARG);
	a.event = 1;
	a.outcome = MCIM_ERR_COUNT_;
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_INVALID_ARG);
	a.outcome = MCIM_OK;
	a.actor[0] = '\0';
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_INVALID_ARG);
	snprintf(a.actor, sizeof(a.actor), "a");
	memset(a.subject, 's', sizeof(a.subject));
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_TOO_LARGE);
	a.subject[0] = '\0';
	memset(a.detail, 'd', sizeof(a.detail));
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_TOO_LARGE);
	a.detail[0] = '\0';
	a.tenant = 999;
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_NOT_FOUND);
	assert_int_equal(a.seq, 0);
	a.tenant = 0;
	assert_int_equal(net_store_audit_append(f->st, &a), MCIM_ERR_NOT_FOUND);
	assert_int_equal(net_store_audit_list(f->st, f->a.id, UINT64_MAX, list, 8, &n),
			 MCIM_ERR_INVALID_ARG);

	/* Edited, then removed: verification names the first bad record. */
	raw_exec(f->path, "UPDATE audit SET detail = 'edited' WHERE seq = 2 AND "
			  "tenant_id = (SELECT id FROM tenant WHERE name = 'sho-a')");
	assert_int_equal(net_store_audit_verify(f->st, f->a.id, &count, &bad),
			 MCIM_ERR_TAMPERED);
	assert_int_equal(bad, 2);
	assert_int_equal(count, 1);
	raw_exec(f->path, "DELETE FROM audit WHERE seq = 2 AND "
			  "tenant_id = (SELECT id FROM tenant WHERE name = 'sho-a')");
	assert_int_equal(net_store_audit_verify(f->st, f->a.id, &count, &bad),
			 MCIM_ERR_TAMPERED);
	assert_int_equal(bad, 2);
	/* A row that no longer fits its record stops verification with the error. */
	raw_exec(f->path, "UPDATE audit SET event = 70000 WHERE seq = 1 AND "
			  "tenant_id = (SELECT id FROM tenant WHERE name = 'sho-b')");
	assert_int_equal(net_store_audit_verify(f->st, f->b.id, &count, &bad),
			 MCIM_ERR_IO);
}

/* ---- kill -9 during a batch ---- */

#define KILL_BATCH (2 * NET_STORE_BATCH_CHUNK)

static void batch_writer(const char *path, int64_t tenant, int fd)
{
	struct net_store *st;
	struct net_store_config cfg = {path, 10000, 0};
	struct net_reg_in *in = calloc(KILL_BATCH, sizeof(*in));
	mcim_err *res = calloc(KILL_BATCH, sizeof(*res));

	if (in == NULL || res == NULL || net_store_open(&cfg, &st, NULL, 0) != MCIM_OK)
		_exit(2);
	for (uint64_t round = 0;; round++) {
		for (size_t i = 0; i < KILL_BATCH; i++)
			tre_random(in[i].tre_id, round * KILL_BATCH + i, 9);
		if (net_store_register_batch(st, tenant, in, KILL_BATCH, T0, res, NULL) !=
		    MCIM_OK)
			_exit(3);
		if (write(fd, "x", 1) != 1)
			_exit(4);
	}
}

static void kill9_during_batch(void **state)
{
	struct fx *f = *state;
	struct timespec pause = {0, 0};
	int fds[2];
	char c, check[32];
	pid_t pid;
	int status;
	int64_t count;

	net_store_close(f->st);
	f->st = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		batch_writer(f->path, f->a.id, fds[1]);
	}
	close(fds[1]);
	/* Let one batch finish, then strike somewhere inside the next one. */
	assert_int_equal(read(fds[0], &c, 1), 1);
	srand((unsigned)time(NULL));
	pause.tv_nsec = (long)(rand() % 1000) * 1000000L;
	nanosleep(&pause, NULL);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	close(fds[0]);

	f->st = open_store(f->path, 0);
	raw_text(f->path, "PRAGMA integrity_check", check, sizeof(check));
	assert_string_equal(check, "ok");
	count = raw_int(f->path, "SELECT COUNT(*) FROM registration");
	printf("# kill -9 after %lld registrations (%lld chunks)\n", (long long)count,
	       (long long)(count / NET_STORE_BATCH_CHUNK));
	assert_true(count >= KILL_BATCH);
	assert_int_equal(count % NET_STORE_BATCH_CHUNK, 0);
	/* Whole chunks: the ids are one run without holes. */
	assert_int_equal(
	    raw_int(f->path, "SELECT MAX(id) - MIN(id) + 1 FROM registration"), count);
	/* And the store goes on working. */
	register_one(f, f->a.id, 1, 0x99, 0);
}

/* ---- disk full in the middle of a chunk ---- */

static void limit_file_size(const char *path, off_t extra)
{
	char wal[320];
	struct stat sb;
	off_t biggest = 0;
	struct rlimit rl;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(path, &sb) == 0)
		biggest = sb.st_size;
	if (stat(wal, &sb) == 0 && sb.st_size > biggest)
		biggest = sb.st_size;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = (rlim_t)(biggest + extra);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void unlimit_file_size(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* Writes beyond a file size limit fail (EFBIG: SQLite's I/O error, or disk full for a
 * short write): the chunk is rolled back whole, every line reports the error, and the
 * store goes on once there is room again. */
static void disk_full_during_batch(void **state)
{
	struct fx *f = *state;
	size_t n = NET_STORE_BATCH_CHUNK + NET_STORE_BATCH_CHUNK / 2;
	struct net_reg_in *in = calloc(n, sizeof(*in));
	mcim_err *res = calloc(n, sizeof(*res));
	struct net_store_tenant t;
	mcim_err err;

	assert_non_null(in);
	assert_non_null(res);
	register_one(f, f->a.id, 1, 0x31, 0);
	for (size_t i = 0; i < n; i++)
		tre_random(in[i].tre_id, i, 31);
	signal(SIGXFSZ, SIG_IGN);

	limit_file_size(f->path, 256 * 1024);
	err = net_store_register_batch(f->st, f->a.id, in, n, T0, res, NULL);
	unlimit_file_size();
	assert_true(err == MCIM_ERR_IO || err == MCIM_ERR_FULL);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], err);
	assert_true(strlen(net_store_errmsg(f->st)) > 0);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"), 1);

	/* In a caller's transaction the lines wait in memory; its commit fails, and
	 * leaves nothing of it. */
	assert_int_equal(net_store_begin(f->st), MCIM_OK);
	make_tenant(f->st, &t, "in-tx", NET_STORE_ROLE_RO, "");
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, n, T0, res, NULL),
			 MCIM_OK);
	limit_file_size(f->path, 256 * 1024);
	err = net_store_commit(f->st);
	unlimit_file_size();
	assert_true(err == MCIM_ERR_IO || err == MCIM_ERR_FULL);
	assert_int_equal(net_store_commit(f->st), MCIM_ERR_STATE);
	assert_int_equal(net_store_rollback(f->st), MCIM_ERR_STATE);
	assert_int_equal(net_store_tenant_find(f->st, "in-tx", &t), MCIM_ERR_NOT_FOUND);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"), 1);

	/* Room again: the same batch goes in. */
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, n, T0, res, NULL),
			 MCIM_OK);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"),
			 (int64_t)n + 1);
	signal(SIGXFSZ, SIG_DFL);
	free(in);
	free(res);
}

/* ---- speed ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 registrations with random TRE ids, in one call: the figure is printed
 * (docs/store.md, test_store_bench.c for 1M); no bound on time is asserted, since
 * this also runs under valgrind and sanitizers. */
static void batch_speed(void **state)
{
	struct fx *f = *state;
	size_t n = 100000;
	struct net_reg_in *in = calloc(n, sizeof(*in));
	mcim_err *res = calloc(n, sizeof(*res));
	double t0, dt;

	assert_non_null(in);
	assert_non_null(res);
	for (size_t i = 0; i < n; i++)
		tre_random(in[i].tre_id, i, 77);
	t0 = now_s();
	assert_int_equal(net_store_register_batch(f->st, f->a.id, in, n, T0, res, NULL),
			 MCIM_OK);
	dt = now_s() - t0;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], MCIM_OK);
	printf("# batch registration: %zu in %.3f s = %.0f/s (1M extrapolated: %.1f s)\n",
	       n, dt, (double)n / dt, dt * 1e6 / (double)n);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM registration"),
			 (int64_t)n);
	free(in);
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(open_migrate_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(newer_schema_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(failed_migration_leaves_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(open_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(corrupt_row_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(tenants, setup, teardown),
	    cmocka_unit_test_setup_teardown(api_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(subscribers, setup, teardown),
	    cmocka_unit_test_setup_teardown(registrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(batch_registration, setup, teardown),
	    cmocka_unit_test_setup_teardown(batch_chunks_and_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(registration_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(pva_nonces_and_results, setup, teardown),
	    cmocka_unit_test_setup_teardown(pva_reference_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(tamper_reports, setup, teardown),
	    cmocka_unit_test_setup_teardown(migrate_from_schema_1, setup, teardown),
	    cmocka_unit_test_setup_teardown(dpf_transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(mcim_orders, setup, teardown),
	    cmocka_unit_test_setup_teardown(auc_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(sqn_cas_two_connections, setup, teardown),
	    cmocka_unit_test_setup_teardown(sqn_cas_two_processes, setup, teardown),
	    cmocka_unit_test_setup_teardown(purge_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(audit_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(kill9_during_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(disk_full_during_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(batch_speed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
