/*
 * The context the operator API and the DRF share: the process's store connection
 * pool (net/store/store.h, shared with the other functions on the same database),
 * the config tenants' store ids, the clock and the audit helper. A connection is
 * never used by two threads at once.
 */
#include "net/api_operator.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/config.h"

struct net_api_ctx {
	const struct net_config *cfg;
	net_clock_fn clock;
	void *clock_arg;
	struct net_store_config store_cfg;
	int64_t *tenant_ids; /* parallel to cfg->tenants */
	struct net_store_pool *pool;
};

static void set_msg(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_msg(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static uint32_t store_role(enum net_tenant_kind kind)
{
	switch (kind) {
	case NET_TENANT_SHO:
		return NET_STORE_ROLE_SHO;
	case NET_TENANT_RO:
		return NET_STORE_ROLE_RO;
	case NET_TENANT_PVA:
		return NET_STORE_ROLE_PVA;
	case NET_TENANT_VNO:
		return NET_STORE_ROLE_VNO;
	}
	return 0;
}

/* The config tenant's row, created when absent (another daemon may race us: EXISTS
 * then means it is there now). */
static mcim_err sync_tenant(struct net_store *st, const struct net_tenant *t, int64_t now,
			    int64_t *id)
{
	struct net_store_tenant row;
	mcim_err err = net_store_tenant_find(st, t->name, &row);

	if (err == MCIM_ERR_NOT_FOUND) {
		memset(&row, 0, sizeof(row));
		snprintf(row.name, sizeof(row.name), "%s", t->name);
		row.roles = store_role(t->kind);
		snprintf(row.plmn, sizeof(row.plmn), "%s", t->plmn);
		row.created = now;
		err = net_store_tenant_create(st, &row);
		if (err == MCIM_ERR_EXISTS)
			err = net_store_tenant_find(st, t->name, &row);
	}
	if (err == MCIM_OK)
		*id = row.id;
	return err;
}

mcim_err net_api_new(const struct net_api_opts *opts, struct net_api_ctx **out, char *msg,
		     size_t msg_cap)
{
	struct net_api_ctx *api;
	struct net_store *st = NULL;
	mcim_err err;

	assert(opts != NULL && opts->cfg != NULL && out != NULL);
	*out = NULL;
	api = calloc(1, sizeof(*api));
	if (api == NULL)
		return MCIM_ERR_NOMEM;
	api->cfg = opts->cfg;
	api->clock = opts->clock;
	api->clock_arg = opts->clock_arg;
	api->store_cfg.url = opts->cfg->store_path;
	api->store_cfg.durable = opts->durable;
	api->tenant_ids = calloc(opts->cfg->n_tenants + 1, sizeof(*api->tenant_ids));
	if (api->tenant_ids == NULL ||
	    net_store_pool_acquire(&api->store_cfg, &api->pool) != MCIM_OK) {
		net_api_free(api);
		return MCIM_ERR_NOMEM;
	}
	err = net_store_open(&api->store_cfg, &st, msg, msg_cap);
	for (size_t i = 0; err == MCIM_OK && i < opts->cfg->n_tenants; i++) {
		err = sync_tenant(st, &opts->cfg->tenants[i], net_api_now(api),
				  &api->tenant_ids[i]);
		if (err != MCIM_OK)
			set_msg(msg, msg_cap, "tenant %s: %s", opts->cfg->tenants[i].name,
				net_store_errmsg(st)[0] ? net_store_errmsg(st)
							: mcim_strerror(err));
	}
	if (err != MCIM_OK) {
		net_store_close(st);
		net_api_free(api);
		return err;
	}
	net_api_store_give(api, st);
	*out = api;
	return MCIM_OK;
}

void net_api_free(struct net_api_ctx *api)
{
	if (api == NULL)
		return;
	net_store_pool_release(api->pool);
	free(api->tenant_ids);
	free(api);
}

const struct net_config *net_api_config(const struct net_api_ctx *api)
{
	return api->cfg;
}

int64_t net_api_now(const struct net_api_ctx *api)
{
	return api->clock != NULL ? api->clock(api->clock_arg) : (int64_t)time(NULL);
}

int64_t net_api_tenant_id(const struct net_api_ctx *api, const struct net_tenant *t)
{
	assert(t >= api->cfg->tenants && t < api->cfg->tenants + api->cfg->n_tenants);
	return api->tenant_ids[t - api->cfg->tenants];
}

struct net_store *net_api_store_take(struct net_api_ctx *api, mcim_err *err)
{
	struct net_store *st = NULL;

	*err = net_store_pool_get(api->pool, &st);
	return st;
}

void net_api_store_give(struct net_api_ctx *api, struct net_store *st)
{
	net_store_pool_put(api->pool, st);
}

const char *net_api_audit_name(uint16_t event)
{
	switch (event) {
	case NET_AUDIT_SUBSCRIBER_CREATED:
		return "SUBSCRIBER_CREATED";
	case NET_AUDIT_REGISTERED:
		return "REGISTERED";
	case NET_AUDIT_REGISTERED_BATCH:
		return "REGISTERED_BATCH";
	case NET_AUDIT_REG_RELEASED:
		return "REG_RELEASED";
	case NET_AUDIT_REG_TOKEN_ISSUED:
		return "REG_TOKEN_ISSUED";
	case NET_AUDIT_MCIM_ORDERED:
		return "MCIM_ORDERED";
	case NET_AUDIT_MCIM_STATE:
		return "MCIM_STATE";
	case NET_AUDIT_MGMT_QUEUED:
		return "MGMT_QUEUED";
	case NET_AUDIT_MGMT_DONE:
		return "MGMT_DONE";
	case NET_AUDIT_TAMPER_REPORTED:
		return "TAMPER_REPORTED";
	}
	return NULL;
}

mcim_err net_api_audit(struct net_store *st, int64_t tenant, int64_t now,
		       const char *actor, uint16_t event, mcim_err outcome,
		       const char *subject, const char *fmt, ...)
{
	struct net_audit a;
	va_list ap;

	memset(&a, 0, sizeof(a));
	a.tenant = tenant;
	a.time = now;
	a.event = event;
	a.outcome = outcome;
	snprintf(a.actor, sizeof(a.actor), "%s", actor);
	snprintf(a.subject, sizeof(a.subject), "%s", subject);
	va_start(ap, fmt);
	vsnprintf(a.detail, sizeof(a.detail), fmt, ap);
	va_end(ap);
	return net_store_audit_append(st, &a);
}

void net_api_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int net_api_unhex(const char *s, uint8_t *out, size_t n)
{
	uint8_t tmp[64];

	assert(n <= sizeof(tmp));
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = hi < 0 ? -1 : nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	if (s[2 * n] != '\0')
		return 0;
	memcpy(out, tmp, n);
	return 1;
}
