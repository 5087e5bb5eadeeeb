/*
 * The store's front (net/store/store.h): picks the backend from the URL, checks every
 * argument once so that no backend sees a string without its NUL, an enum out of
 * range or a blob over its bound, and forwards to the backend's table. The audit
 * chain's hash is defined here, so that every backend links records the same way and
 * net_store_audit_verify() works on any of them.
 */
#include "net/store/store.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/endian.h"
#include "mcim/crypto.h"

#define BUSY_TIMEOUT_DEFAULT_MS 5000

/* ---- argument checks ---- */

/* A string of 1..max characters (0..max when may_be_empty). */
static mcim_err check_str(const char *s, size_t max, int may_be_empty)
{
	size_t len = strnlen(s, max + 1);

	if (len > max)
		return MCIM_ERR_TOO_LARGE;
	if (len == 0 && !may_be_empty)
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

static mcim_err check_digits(const char *s, size_t min, size_t max)
{
	size_t len = strnlen(s, max + 1);

	if (len > max)
		return MCIM_ERR_TOO_LARGE;
	if (len < min)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

static int state_ok(int state, int last)
{
	return state >= 1 && state <= last;
}

static mcim_err check_tenant(const struct net_store_tenant *t)
{
	mcim_err err = check_str(t->name, NET_STORE_NAME_MAX, 0);

	if (err != MCIM_OK)
		return err;
	if (t->roles == 0 || (t->roles & ~NET_STORE_ROLE_ALL) != 0)
		return MCIM_ERR_INVALID_ARG;
	if (t->plmn[0] == '\0' &&
	    (t->roles & (NET_STORE_ROLE_SHO | NET_STORE_ROLE_VNO)) == 0)
		return MCIM_OK;
	return check_digits(t->plmn, 5, NET_STORE_PLMN_MAX);
}

static mcim_err check_subscriber(const struct net_subscriber *s)
{
	mcim_err err;

	if (s->tenant <= 0 || !state_ok(s->state, NET_SUB_CLOSED))
		return MCIM_ERR_INVALID_ARG;
	err = check_str(s->ref, NET_STORE_NAME_MAX, 0);
	if (err == MCIM_OK)
		err = check_str(s->name, NET_STORE_NAME_MAX, 1);
	return err;
}

static mcim_err check_auc(const struct net_auc_record *r)
{
	if (r->tenant <= 0 || !state_ok(r->state, NET_AUC_DELETED))
		return MCIM_ERR_INVALID_ARG;
	if (r->cred_len > NET_STORE_CRED_MAX || r->sqn_len > NET_STORE_SQN_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (r->cred_len == 0)
		return MCIM_ERR_INVALID_ARG;
	return check_digits(r->imsi, 6, NET_STORE_IMSI_MAX);
}

static void list_precheck(const void *out, size_t cap, size_t *n)
{
	assert(n != NULL);
	assert(cap == 0 || out != NULL);
	*n = 0;
}

/* ---- lifetime, errors, transactions ---- */

mcim_err net_store_open(const struct net_store_config *cfg, struct net_store **out,
			char *msg, size_t msg_cap)
{
	static const char sqlite_prefix[] = "sqlite:";
	static const char pg_prefix[] = "postgresql://";
	static const char pg_prefix_short[] = "postgres://";
	struct net_store_config c;
	const char *path;

	assert(cfg != NULL && out != NULL);
	assert(msg == NULL || msg_cap > 0);
	*out = NULL;
	if (msg != NULL)
		msg[0] = '\0';
	if (cfg->url == NULL || cfg->url[0] == '\0' || cfg->busy_timeout_ms < 0)
		return MCIM_ERR_INVALID_ARG;
	c = *cfg;
	if (c.busy_timeout_ms == 0)
		c.busy_timeout_ms = BUSY_TIMEOUT_DEFAULT_MS;
	if (strncmp(c.url, pg_prefix, sizeof(pg_prefix) - 1) == 0 ||
	    strncmp(c.url, pg_prefix_short, sizeof(pg_prefix_short) - 1) == 0) {
		if (msg != NULL)
			snprintf(msg, msg_cap,
				 "the PostgreSQL store backend is not built in");
		return MCIM_ERR_UNSUPPORTED;
	}
	path = c.url;
	if (strncmp(path, sqlite_prefix, sizeof(sqlite_prefix) - 1) == 0)
		path += sizeof(sqlite_prefix) - 1;
	if (path[0] == '\0')
		return MCIM_ERR_INVALID_ARG;
	return net_store_sqlite_open(path, &c, out, msg, msg_cap);
}

void net_store_close(struct net_store *st)
{
	if (st != NULL)
		st->ops->close(st);
}

int net_store_schema_version(struct net_store *st)
{
	assert(st != NULL);
	return st->ops->schema_version(st);
}

const char *net_store_errmsg(const struct net_store *st)
{
	assert(st != NULL);
	return st->msg;
}

mcim_err net_store_begin(struct net_store *st)
{
	assert(st != NULL);
	if (st->in_tx)
		return MCIM_ERR_STATE;
	return st->ops->begin(st);
}

mcim_err net_store_commit(struct net_store *st)
{
	assert(st != NULL);
	if (!st->in_tx)
		return MCIM_ERR_STATE;
	return st->ops->commit(st);
}

mcim_err net_store_rollback(struct net_store *st)
{
	assert(st != NULL);
	if (!st->in_tx)
		return MCIM_ERR_STATE;
	return st->ops->rollback(st);
}

/* ---- tenants and API tokens ---- */

mcim_err net_store_tenant_create(struct net_store *st, struct net_store_tenant *t)
{
	mcim_err err;

	assert(st != NULL && t != NULL);
	err = check_tenant(t);
	if (err != MCIM_OK)
		return err;
	return st->ops->tenant_create(st, t);
}

mcim_err net_store_tenant_get(struct net_store *st, int64_t id,
			      struct net_store_tenant *out)
{
	assert(st != NULL && out != NULL);
	if (id <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->tenant_get(st, id, out);
}

mcim_err net_store_tenant_find(struct net_store *st, const char *name,
			       struct net_store_tenant *out)
{
	assert(st != NULL && name != NULL && out != NULL);
	if (check_str(name, NET_STORE_NAME_MAX, 0) != MCIM_OK)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->tenant_find(st, name, out);
}

mcim_err net_store_tenant_update(struct net_store *st, const struct net_store_tenant *t)
{
	mcim_err err;

	assert(st != NULL && t != NULL);
	if (t->id <= 0)
		return MCIM_ERR_NOT_FOUND;
	err = check_tenant(t);
	if (err != MCIM_OK)
		return err;
	return st->ops->tenant_update(st, t);
}

mcim_err net_store_tenant_list(struct net_store *st, int64_t after,
			       struct net_store_tenant *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	return cap == 0 ? MCIM_OK : st->ops->tenant_list(st, after, out, cap, n);
}

mcim_err net_store_token_create(struct net_store *st, struct net_api_token *t)
{
	mcim_err err;

	assert(st != NULL && t != NULL);
	if (t->tenant <= 0 || t->expires < 0 || t->revoked != 0)
		return MCIM_ERR_INVALID_ARG;
	err = check_str(t->label, NET_STORE_NAME_MAX, 1);
	if (err != MCIM_OK)
		return err;
	return st->ops->token_create(st, t);
}

mcim_err net_store_token_lookup(struct net_store *st,
				const uint8_t hash[NET_TOKEN_HASH_LEN], int64_t now,
				struct net_api_token *out)
{
	assert(st != NULL && hash != NULL && out != NULL);
	return st->ops->token_lookup(st, hash, now, out);
}

mcim_err net_store_token_revoke(struct net_store *st, int64_t tenant, int64_t id)
{
	assert(st != NULL);
	if (tenant <= 0 || id <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->token_revoke(st, tenant, id);
}

mcim_err net_store_token_list(struct net_store *st, int64_t tenant, int64_t after,
			      struct net_api_token *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->token_list(st, tenant, after, out, cap, n);
}

/* ---- subscribers ---- */

mcim_err net_store_subscriber_create(struct net_store *st, struct net_subscriber *s)
{
	mcim_err err;

	assert(st != NULL && s != NULL);
	err = check_subscriber(s);
	if (err != MCIM_OK)
		return err;
	return st->ops->subscriber_create(st, s);
}

mcim_err net_store_subscriber_get(struct net_store *st, int64_t tenant, int64_t id,
				  struct net_subscriber *out)
{
	assert(st != NULL && out != NULL);
	if (tenant <= 0 || id <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->subscriber_get(st, tenant, id, out);
}

mcim_err net_store_subscriber_find(struct net_store *st, int64_t tenant, const char *ref,
				   struct net_subscriber *out)
{
	assert(st != NULL && ref != NULL && out != NULL);
	if (tenant <= 0 || check_str(ref, NET_STORE_NAME_MAX, 0) != MCIM_OK)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->subscriber_find(st, tenant, ref, out);
}

mcim_err net_store_subscriber_update(struct net_store *st, const struct net_subscriber *s)
{
	mcim_err err;

	assert(st != NULL && s != NULL);
	if (s->id <= 0)
		return MCIM_ERR_NOT_FOUND;
	err = check_subscriber(s);
	if (err != MCIM_OK)
		return err;
	return st->ops->subscriber_update(st, s);
}

mcim_err net_store_subscriber_list(struct net_store *st, int64_t tenant, int64_t after,
				   struct net_subscriber *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->subscriber_list(st, tenant, after, out, cap, n);
}

/* ---- registrations ---- */

mcim_err net_store_register_batch(struct net_store *st, int64_t tenant,
				  const struct net_reg_in *in, size_t n, int64_t now,
				  mcim_err *results, int64_t *ids)
{
	assert(st != NULL);
	assert(n == 0 || (in != NULL && results != NULL));
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	if (n == 0)
		return MCIM_OK;
	return st->ops->register_batch(st, tenant, in, n, now, results, ids);
}

mcim_err net_store_register(struct net_store *st, int64_t tenant,
			    const struct net_reg_in *in, int64_t now, int64_t *id)
{
	mcim_err result = MCIM_ERR_INTERNAL, err;
	int64_t new_id = 0;

	assert(in != NULL);
	err = net_store_register_batch(st, tenant, in, 1, now, &result, &new_id);
	if (err == MCIM_OK)
		err = result;
	if (id != NULL)
		*id = err == MCIM_OK ? new_id : 0;
	return err;
}

mcim_err net_store_registration_get(struct net_store *st, int64_t tenant, int64_t id,
				    struct net_registration *out)
{
	assert(st != NULL && out != NULL);
	if (tenant <= 0 || id <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->registration_get(st, tenant, id, out);
}

mcim_err net_store_registration_find(struct net_store *st, int64_t tenant,
				     const uint8_t tre_id[NET_TRE_ID_LEN],
				     struct net_registration *out)
{
	assert(st != NULL && tre_id != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->registration_find(st, tenant, tre_id, out);
}

mcim_err net_store_registration_discover(struct net_store *st,
					 const uint8_t tre_id[NET_TRE_ID_LEN],
					 struct net_registration *out)
{
	assert(st != NULL && tre_id != NULL && out != NULL);
	return st->ops->registration_discover(st, tre_id, out);
}

mcim_err net_store_registration_set_state(struct net_store *st, int64_t tenant,
					  int64_t id, int from, int to, int64_t now)
{
	assert(st != NULL);
	if (!state_ok(from, NET_REG_RELEASED) || !state_ok(to, NET_REG_RELEASED))
		return MCIM_ERR_INVALID_ARG;
	if (tenant <= 0 || id <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->registration_set_state(st, tenant, id, from, to, now);
}

mcim_err net_store_registration_list(struct net_store *st, int64_t tenant, int64_t after,
				     struct net_registration *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->registration_list(st, tenant, after, out, cap, n);
}

/* ---- registration tokens ---- */

mcim_err net_store_regtoken_create(struct net_store *st, struct net_reg_token *t)
{
	assert(st != NULL && t != NULL);
	if (t->used != 0)
		return MCIM_ERR_INVALID_ARG;
	if (t->tenant <= 0 || t->registration <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->regtoken_create(st, t);
}

mcim_err net_store_regtoken_get(struct net_store *st, int64_t tenant,
				const uint8_t reg_id[NET_REG_ID_LEN],
				struct net_reg_token *out)
{
	assert(st != NULL && reg_id != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->regtoken_get(st, tenant, reg_id, out);
}

mcim_err net_store_regtoken_consume(struct net_store *st, int64_t tenant,
				    const uint8_t reg_id[NET_REG_ID_LEN],
				    const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now)
{
	assert(st != NULL && reg_id != NULL && tre_id != NULL);
	if (now <= 0)
		return MCIM_ERR_INVALID_ARG;
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->regtoken_consume(st, tenant, reg_id, tre_id, now);
}

/* ---- PVA ---- */

mcim_err net_store_nonce_create(struct net_store *st, const struct net_pva_nonce *nc)
{
	assert(st != NULL && nc != NULL);
	if (nc->used != 0)
		return MCIM_ERR_INVALID_ARG;
	if (nc->tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->nonce_create(st, nc);
}

mcim_err net_store_nonce_consume(struct net_store *st, int64_t tenant,
				 const uint8_t nonce[NET_NONCE_LEN],
				 const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now)
{
	assert(st != NULL && nonce != NULL && tre_id != NULL);
	if (now <= 0)
		return MCIM_ERR_INVALID_ARG;
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->nonce_consume(st, tenant, nonce, tre_id, now);
}

mcim_err net_store_pva_result_put(struct net_store *st, struct net_pva_result *r)
{
	assert(st != NULL && r != NULL);
	if (!state_ok(r->status, NET_PVA_CONTRAINDICATED) || r->result_len == 0)
		return MCIM_ERR_INVALID_ARG;
	if (r->result_len > NET_STORE_RESULT_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (r->tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->pva_result_put(st, r);
}

mcim_err net_store_pva_result_get(struct net_store *st, int64_t tenant,
				  const uint8_t nonce[NET_NONCE_LEN],
				  struct net_pva_result *out)
{
	assert(st != NULL && nonce != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->pva_result_get(st, tenant, nonce, out);
}

mcim_err net_store_pva_result_latest(struct net_store *st, int64_t tenant,
				     const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now,
				     struct net_pva_result *out)
{
	assert(st != NULL && tre_id != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->pva_result_latest(st, tenant, tre_id, now, out);
}

mcim_err net_store_refval_put(struct net_store *st, struct net_pva_refval *rv)
{
	size_t plen;

	assert(st != NULL && rv != NULL);
	plen = strnlen(rv->platform, sizeof(rv->platform));
	if (plen == 0 || plen > NET_STORE_PLATFORM_MAX || rv->manifest_len == 0 ||
	    rv->uploaded <= 0)
		return MCIM_ERR_INVALID_ARG;
	if (rv->manifest_len > NET_STORE_MANIFEST_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (rv->tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->refval_put(st, rv);
}

mcim_err net_store_refval_get(struct net_store *st, int64_t tenant, const char *platform,
			      uint32_t sequence, struct net_pva_refval *out)
{
	assert(st != NULL && platform != NULL && out != NULL);
	if (tenant <= 0 || platform[0] == '\0' ||
	    strlen(platform) > NET_STORE_PLATFORM_MAX)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->refval_get(st, tenant, platform, sequence, out);
}

mcim_err net_store_refval_list(struct net_store *st, int64_t tenant, int64_t after,
			       struct net_pva_refval *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->refval_list(st, tenant, after, out, cap, n);
}

/* ---- DPF transactions ---- */

mcim_err net_store_dpf_tx_create(struct net_store *st, struct net_dpf_tx *tx)
{
	assert(st != NULL && tx != NULL);
	if (tx->state != NET_DPF_PENDING)
		return MCIM_ERR_INVALID_ARG;
	if (tx->session_len > NET_STORE_SESSION_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (tx->tenant <= 0 || tx->registration <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->dpf_tx_create(st, tx);
}

mcim_err net_store_dpf_tx_get(struct net_store *st, int64_t tenant,
			      const uint8_t txid[NET_TXID_LEN], struct net_dpf_tx *out)
{
	assert(st != NULL && txid != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->dpf_tx_get(st, tenant, txid, out);
}

mcim_err net_store_dpf_tx_consume(struct net_store *st, int64_t tenant,
				  const uint8_t txid[NET_TXID_LEN],
				  const uint8_t mcim_id[NET_MCIM_ID_LEN], int64_t now,
				  struct net_dpf_tx *out)
{
	assert(st != NULL && txid != NULL && mcim_id != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->dpf_tx_consume(st, tenant, txid, mcim_id, now, out);
}

mcim_err net_store_dpf_tx_receipt(struct net_store *st, int64_t tenant,
				  const uint8_t txid[NET_TXID_LEN], int64_t now)
{
	assert(st != NULL && txid != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->dpf_tx_receipt(st, tenant, txid, now);
}

/* ---- MCIM orders ---- */

static mcim_err check_package(const uint8_t *package, size_t len)
{
	if (len > NET_STORE_PACKAGE_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (len == 0)
		return MCIM_ERR_INVALID_ARG;
	assert(package != NULL);
	return MCIM_OK;
}

mcim_err net_store_order_create(struct net_store *st, struct net_mcim_order *o,
				const uint8_t *package, size_t len)
{
	mcim_err err;

	assert(st != NULL && o != NULL);
	if (!state_ok(o->state, NET_MCIM_DELETED) || o->registration < 0)
		return MCIM_ERR_INVALID_ARG;
	err = check_package(package, len);
	if (err == MCIM_OK && o->imsi[0] != '\0')
		err = check_digits(o->imsi, 6, NET_STORE_IMSI_MAX);
	if (err != MCIM_OK)
		return err;
	if (o->tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->order_create(st, o, package, len);
}

mcim_err net_store_order_get(struct net_store *st, int64_t tenant,
			     const uint8_t mcim_id[NET_MCIM_ID_LEN],
			     struct net_mcim_order *out)
{
	assert(st != NULL && mcim_id != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->order_get(st, tenant, mcim_id, out);
}

mcim_err net_store_order_find(struct net_store *st, int64_t tenant,
			      const uint8_t tre_id[NET_TRE_ID_LEN],
			      struct net_mcim_order *out)
{
	assert(st != NULL && tre_id != NULL && out != NULL);
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->order_find(st, tenant, tre_id, out);
}

mcim_err net_store_order_package(struct net_store *st, int64_t tenant,
				 const uint8_t mcim_id[NET_MCIM_ID_LEN], uint8_t *buf,
				 size_t cap, size_t *len)
{
	assert(st != NULL && mcim_id != NULL && len != NULL);
	assert(cap == 0 || buf != NULL);
	*len = 0;
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->order_package(st, tenant, mcim_id, buf, cap, len);
}

mcim_err net_store_order_set_state(struct net_store *st, int64_t tenant,
				   const uint8_t mcim_id[NET_MCIM_ID_LEN], int from,
				   int to, const uint8_t *package, size_t len,
				   int64_t now)
{
	assert(st != NULL && mcim_id != NULL);
	if (!state_ok(from, NET_MCIM_DELETED) || !state_ok(to, NET_MCIM_DELETED))
		return MCIM_ERR_INVALID_ARG;
	if (package != NULL) {
		mcim_err err = check_package(package, len);
		if (err != MCIM_OK)
			return err;
	}
	if (tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->order_set_state(st, tenant, mcim_id, from, to, package, len, now);
}

mcim_err net_store_order_list(struct net_store *st, int64_t tenant, int state,
			      int64_t after, struct net_mcim_order *out, size_t cap,
			      size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0 || (state != 0 && !state_ok(state, NET_MCIM_DELETED)))
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->order_list(st, tenant, state, after, out, cap, n);
}

/* ---- AuC ---- */

mcim_err net_store_auc_create(struct net_store *st, struct net_auc_record *r)
{
	mcim_err err;

	assert(st != NULL && r != NULL);
	err = check_auc(r);
	if (err != MCIM_OK)
		return err;
	return st->ops->auc_create(st, r);
}

mcim_err net_store_auc_get(struct net_store *st, int64_t tenant, const char *imsi,
			   struct net_auc_record *out)
{
	assert(st != NULL && imsi != NULL && out != NULL);
	if (tenant <= 0 || check_digits(imsi, 6, NET_STORE_IMSI_MAX) != MCIM_OK)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->auc_get(st, tenant, imsi, out);
}

mcim_err net_store_auc_update(struct net_store *st, struct net_auc_record *r, int64_t now)
{
	mcim_err err;

	assert(st != NULL && r != NULL);
	err = check_auc(r);
	if (err != MCIM_OK)
		return err;
	if (r->version <= 0)
		return MCIM_ERR_STATE;
	return st->ops->auc_update(st, r, now);
}

mcim_err net_store_auc_list(struct net_store *st, int64_t tenant, int64_t after,
			    struct net_auc_record *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->auc_list(st, tenant, after, out, cap, n);
}

/* ---- housekeeping ---- */

mcim_err net_store_ping(struct net_store *st)
{
	assert(st != NULL);
	return st->ops->ping(st);
}

mcim_err net_store_purge(struct net_store *st, int64_t now, uint64_t *removed)
{
	uint64_t dummy;

	assert(st != NULL);
	return st->ops->purge(st, now, removed != NULL ? removed : &dummy);
}

/* ---- audit ---- */

static const char audit_tag[] = "openmcim-net-audit-v1";

mcim_err net_store_audit_hash(const uint8_t prev[NET_AUDIT_HASH_LEN],
			      const struct net_audit *a, uint8_t out[NET_AUDIT_HASH_LEN])
{
	uint8_t fixed[8 + 8 + 8 + 2 + 4], lens[3][2];
	size_t actor_len = strnlen(a->actor, sizeof(a->actor));
	size_t subject_len = strnlen(a->subject, sizeof(a->subject));
	size_t detail_len = strnlen(a->detail, sizeof(a->detail));
	struct mcim_iov parts[9];
	uint32_t outcome;

	mcim_store_be64(fixed, (uint64_t)a->tenant);
	mcim_store_be64(fixed + 8, a->seq);
	mcim_store_be64(fixed + 16, (uint64_t)a->time);
	mcim_store_be16(fixed + 24, a->event);
	outcome = (uint32_t)a->outcome;
	fixed[26] = (uint8_t)(outcome >> 24);
	fixed[27] = (uint8_t)(outcome >> 16);
	fixed[28] = (uint8_t)(outcome >> 8);
	fixed[29] = (uint8_t)outcome;
	mcim_store_be16(lens[0], (uint16_t)actor_len);
	mcim_store_be16(lens[1], (uint16_t)subject_len);
	mcim_store_be16(lens[2], (uint16_t)detail_len);
	parts[0] = (struct mcim_iov){audit_tag, sizeof(audit_tag) - 1};
	parts[1] = (struct mcim_iov){prev, NET_AUDIT_HASH_LEN};
	parts[2] = (struct mcim_iov){fixed, sizeof(fixed)};
	parts[3] = (struct mcim_iov){lens[0], 2};
	parts[4] = (struct mcim_iov){a->actor, actor_len};
	parts[5] = (struct mcim_iov){lens[1], 2};
	parts[6] = (struct mcim_iov){a->subject, subject_len};
	parts[7] = (struct mcim_iov){lens[2], 2};
	parts[8] = (struct mcim_iov){a->detail, detail_len};
	return mcim_sha256_v(parts, 9, out);
}

mcim_err net_store_audit_append(struct net_store *st, struct net_audit *a)
{
	mcim_err err;

	assert(st != NULL && a != NULL);
	if (a->event == 0 || a->outcome < MCIM_OK || a->outcome >= MCIM_ERR_COUNT_)
		return MCIM_ERR_INVALID_ARG;
	err = check_str(a->actor, NET_STORE_NAME_MAX, 0);
	if (err == MCIM_OK)
		err = check_str(a->subject, NET_STORE_SUBJECT_MAX, 1);
	if (err == MCIM_OK)
		err = check_str(a->detail, NET_STORE_DETAIL_MAX, 1);
	if (err != MCIM_OK)
		return err;
	if (a->tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->audit_append(st, a);
}

mcim_err net_store_audit_list(struct net_store *st, int64_t tenant, uint64_t after,
			      struct net_audit *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after > INT64_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->audit_list(st, tenant, after, out, cap, n);
}

mcim_err net_store_audit_verify(struct net_store *st, int64_t tenant, uint64_t *count,
				uint64_t *bad)
{
	struct net_audit page[64];
	uint8_t prev[NET_AUDIT_HASH_LEN] = {0}, h[NET_AUDIT_HASH_LEN];
	uint64_t seq = 0;
	size_t n;
	mcim_err err;

	assert(st != NULL && count != NULL && bad != NULL);
	*count = 0;
	*bad = 0;
	do {
		err = net_store_audit_list(st, tenant, seq, page, 64, &n);
		if (err != MCIM_OK)
			return err;
		for (size_t i = 0; i < n; i++) {
			err = net_store_audit_hash(prev, &page[i], h);
			if (err != MCIM_OK)
				return err;
			if (page[i].seq != seq + 1 ||
			    memcmp(h, page[i].hash, sizeof(h)) != 0) {
				*bad = seq + 1;
				return MCIM_ERR_TAMPERED;
			}
			memcpy(prev, h, sizeof(prev));
			seq++;
			*count = seq;
		}
	} while (n == 64);
	return MCIM_OK;
}

/* ---- tamper reports ---- */

mcim_err net_store_tamper_put(struct net_store *st, struct net_tamper_report *r)
{
	assert(st != NULL && r != NULL);
	if (r->seq < 1 || r->reported < 0 || r->received <= 0 || r->reason <= 0 ||
	    r->report_len == 0)
		return MCIM_ERR_INVALID_ARG;
	if (r->report_len > NET_STORE_TAMPER_MAX)
		return MCIM_ERR_TOO_LARGE;
	if (r->tenant <= 0)
		return MCIM_ERR_NOT_FOUND;
	return st->ops->tamper_put(st, r);
}

mcim_err net_store_tamper_list(struct net_store *st, int64_t tenant, int64_t after,
			       struct net_tamper_report *out, size_t cap, size_t *n)
{
	assert(st != NULL);
	list_precheck(out, cap, n);
	if (after < 0)
		return MCIM_ERR_INVALID_ARG;
	if (cap == 0 || tenant <= 0)
		return MCIM_OK;
	return st->ops->tamper_list(st, tenant, after, out, cap, n);
}
