/*
 * The SQLite backend's schema, as a list of migrations (docs/store.md describes the
 * tables). A migration is never edited once released: a change is a new entry at the
 * end, and NET_STORE_SCHEMA_VERSION counts them. sqlite.c applies the missing ones in
 * one transaction at open.
 *
 * Keys: rows the store numbers have an INTEGER PRIMARY KEY (the rowid); identifiers
 * the protocol chooses (TRE id, reg_id, txid, nonce, MCIM id) are fixed-length BLOBs,
 * checked by length. Tenant columns are NOT NULL and lead the indexes that tenant
 * queries use. Uniqueness that depends on state (one active registration per TRE id,
 * one live order per tenant and TRE) is a partial unique index, which PostgreSQL has
 * too.
 */
#include "net/store/sqlite_int.h"

static const char migration_1[] =
    "CREATE TABLE tenant ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " roles INTEGER NOT NULL CHECK (roles BETWEEN 1 AND 15),"
    " plmn TEXT NOT NULL,"
    " created INTEGER NOT NULL);"

    "CREATE TABLE api_token ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),"
    " label TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX api_token_tenant ON api_token(tenant_id, id);"

    "CREATE TABLE subscriber ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " ref TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " state INTEGER NOT NULL CHECK (state IN (1, 2)),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " UNIQUE (tenant_id, ref),"
    " UNIQUE (tenant_id, id));"

    /* subscriber_id is checked against the same tenant's subscribers by the
     * composite foreign key; NULL (not linked) is never checked. */
    "CREATE TABLE registration ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " tre_id BLOB NOT NULL CHECK (length(tre_id) = 16),"
    " subscriber_id INTEGER,"
    " state INTEGER NOT NULL CHECK (state IN (1, 2, 3)),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " FOREIGN KEY (tenant_id, subscriber_id) REFERENCES subscriber(tenant_id, id));"
    "CREATE UNIQUE INDEX registration_active_tre ON registration(tre_id)"
    " WHERE state <> 3;"
    "CREATE INDEX registration_tenant ON registration(tenant_id, id);"
    "CREATE INDEX registration_subscriber ON registration(tenant_id, subscriber_id)"
    " WHERE subscriber_id IS NOT NULL;"

    "CREATE TABLE reg_token ("
    " reg_id BLOB PRIMARY KEY CHECK (length(reg_id) = 16),"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " registration_id INTEGER NOT NULL REFERENCES registration(id),"
    " tre_id BLOB NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX reg_token_registration ON reg_token(registration_id);"
    "CREATE INDEX reg_token_expires ON reg_token(expires);"

    "CREATE TABLE pva_nonce ("
    " nonce BLOB PRIMARY KEY CHECK (length(nonce) = 32),"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " tre_id BLOB NOT NULL CHECK (length(tre_id) = 16),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX pva_nonce_expires ON pva_nonce(expires);"

    "CREATE TABLE pva_result ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " tre_id BLOB NOT NULL CHECK (length(tre_id) = 16),"
    " nonce BLOB NOT NULL CHECK (length(nonce) = 32),"
    " status INTEGER NOT NULL CHECK (status IN (1, 2, 3)),"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " result BLOB NOT NULL,"
    " UNIQUE (tenant_id, nonce));"
    "CREATE INDEX pva_result_tre ON pva_result(tenant_id, tre_id, created);"

    "CREATE TABLE dpf_tx ("
    " txid BLOB PRIMARY KEY CHECK (length(txid) = 16),"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " registration_id INTEGER NOT NULL REFERENCES registration(id),"
    " tre_id BLOB NOT NULL,"
    " mcim_id BLOB CHECK (mcim_id IS NULL OR length(mcim_id) = 16),"
    " state INTEGER NOT NULL CHECK (state IN (1, 2, 3)),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " session BLOB) WITHOUT ROWID;"
    "CREATE INDEX dpf_tx_registration ON dpf_tx(registration_id);"
    "CREATE INDEX dpf_tx_expires ON dpf_tx(expires);"

    "CREATE TABLE mcim_order ("
    " id INTEGER PRIMARY KEY,"
    " mcim_id BLOB NOT NULL UNIQUE CHECK (length(mcim_id) = 16),"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " registration_id INTEGER REFERENCES registration(id),"
    " tre_id BLOB NOT NULL CHECK (length(tre_id) = 16),"
    " imsi TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 6),"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " package BLOB NOT NULL);"
    "CREATE UNIQUE INDEX mcim_order_live ON mcim_order(tenant_id, tre_id)"
    " WHERE state <> 6;"
    "CREATE INDEX mcim_order_tenant ON mcim_order(tenant_id, id);"
    "CREATE INDEX mcim_order_registration ON mcim_order(registration_id)"
    " WHERE registration_id IS NOT NULL;"

    "CREATE TABLE auc_subscriber ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " imsi TEXT NOT NULL,"
    " mcim_id BLOB CHECK (mcim_id IS NULL OR length(mcim_id) = 16),"
    " algorithm INTEGER NOT NULL,"
    " state INTEGER NOT NULL CHECK (state IN (1, 2, 3)),"
    " version INTEGER NOT NULL,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " cred BLOB NOT NULL,"
    " sqn BLOB NOT NULL,"
    " UNIQUE (tenant_id, imsi));"
    "CREATE INDEX auc_subscriber_tenant ON auc_subscriber(tenant_id, id);"

    "CREATE TABLE audit ("
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " seq INTEGER NOT NULL CHECK (seq > 0),"
    " time INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " event INTEGER NOT NULL,"
    " outcome INTEGER NOT NULL,"
    " subject TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " hash BLOB NOT NULL CHECK (length(hash) = 32),"
    " PRIMARY KEY (tenant_id, seq)) WITHOUT ROWID;";

/* 2: the PVA's reference values, shared by every daemon on the database. */
static const char migration_2[] =
    "CREATE TABLE pva_refvals ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " platform TEXT NOT NULL CHECK (length(platform) BETWEEN 1 AND 31),"
    " sequence INTEGER NOT NULL CHECK (sequence BETWEEN 0 AND 4294967295),"
    " uploaded INTEGER NOT NULL CHECK (uploaded > 0),"
    " manifest BLOB NOT NULL CHECK (length(manifest) BETWEEN 1 AND 16384));"
    "CREATE UNIQUE INDEX pva_refvals_key ON pva_refvals(tenant_id, platform, sequence);"
    "CREATE INDEX pva_refvals_tenant ON pva_refvals(tenant_id, id);";

/* 3: the TRE tamper reports each SHO recorded, once per (tenant, TRE id, seq). */
static const char migration_3[] =
    "CREATE TABLE tamper_report ("
    " id INTEGER PRIMARY KEY,"
    " tenant_id INTEGER NOT NULL REFERENCES tenant(id),"
    " tre_id BLOB NOT NULL CHECK (length(tre_id) = 16),"
    " seq INTEGER NOT NULL CHECK (seq > 0),"
    " reported INTEGER NOT NULL CHECK (reported >= 0),"
    " received INTEGER NOT NULL CHECK (received > 0),"
    " reason INTEGER NOT NULL CHECK (reason > 0),"
    " report BLOB NOT NULL CHECK (length(report) BETWEEN 1 AND 512),"
    " UNIQUE (tenant_id, tre_id, seq));"
    "CREATE INDEX tamper_report_tenant ON tamper_report(tenant_id, id);";

const char *const net_sq_migrations[NET_STORE_SCHEMA_VERSION] = {
    migration_1,
    migration_2,
    migration_3,
};
