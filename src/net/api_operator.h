/*
 * net/api_operator.h: what the operator REST API and the DRF share: the config, a
 * pool of store connections (one per worker thread at a time, net/store/store.h), the
 * map from a config tenant to its row in the store, the clock, and the audit helper.
 *
 * Tenants: the config (net/config.h) authenticates them; the store numbers them.
 * net_api_new() finds each config tenant in the store by name and creates it when
 * absent (kind -> store role, PLMN id), so a fresh database serves at once and several
 * daemons on one database agree on the ids.
 *
 * Threads: after net_api_new() everything is safe to call from any number of threads;
 * a connection taken with net_api_store_take() belongs to the caller until
 * net_api_store_give().
 */
#ifndef MCIM_NET_API_OPERATOR_H
#define MCIM_NET_API_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"
#include "net/http.h"
#include "net/store/store.h"

/* Audit event codes of the network functions (mcim/audit.h: the network's range):
 * the registration side, then the SHO's (CCIF, DPF, management). */
enum net_api_audit_event {
	NET_AUDIT_SUBSCRIBER_CREATED = 0x2101,
	NET_AUDIT_REGISTERED = 0x2102,	     /* one registration */
	NET_AUDIT_REGISTERED_BATCH = 0x2103, /* one committed chunk of a batch */
	NET_AUDIT_REG_RELEASED = 0x2104,     /* a registration deleted */
	NET_AUDIT_REG_TOKEN_ISSUED = 0x2105, /* the DRF answered a device */
	NET_AUDIT_MCIM_ORDERED = 0x2106,     /* the CCIF made an MCIM for a TRE */
	NET_AUDIT_MCIM_STATE = 0x2107,	     /* an MCIM order changed state */
	NET_AUDIT_MGMT_QUEUED = 0x2108,	     /* a signed command was queued */
	NET_AUDIT_MGMT_DONE = 0x2109,	     /* the TRE's signed result was taken */
	NET_AUDIT_TAMPER_REPORTED = 0x210A,  /* a TRE's signed tamper report recorded */
};

/* The name of a code above ("REGISTERED"), or NULL. */
const char *net_api_audit_name(uint16_t event);

/* Seconds since the epoch; tests pass a clock they drive. */
typedef int64_t (*net_clock_fn)(void *arg);

struct net_api_opts {
	const struct net_config *cfg; /* store path and tenants; must outlive the api */
	net_clock_fn clock;	      /* NULL: time() */
	void *clock_arg;
	int durable; /* net_store_config.durable */
};

struct net_api_ctx;

/*
 * Opens the store (migrating it), and finds or creates every config tenant in it.
 * Errors: those of net_store_open() and net_store_tenant_create(), with msg (may be
 * NULL) saying which; MCIM_ERR_NOMEM.
 */
mcim_err net_api_new(const struct net_api_opts *opts, struct net_api_ctx **out, char *msg,
		     size_t msg_cap);
/* Closes every connection. api may be NULL. */
void net_api_free(struct net_api_ctx *api);

const struct net_config *net_api_config(const struct net_api_ctx *api);
int64_t net_api_now(const struct net_api_ctx *api);

/* The store id of a config tenant (one of api's config's), > 0. */
int64_t net_api_tenant_id(const struct net_api_ctx *api, const struct net_tenant *t);

/*
 * A connection for this thread's use: an idle one, or a new one. NULL with *err set
 * (MCIM_ERR_NOMEM, MCIM_ERR_IO, MCIM_ERR_LOCKED) when none can be had.
 */
struct net_store *net_api_store_take(struct net_api_ctx *api, mcim_err *err);
/* Returns st to the pool (a transaction left open is rolled back). */
void net_api_store_give(struct net_api_ctx *api, struct net_store *st);

/*
 * Appends an audit record for tenant: actor, event, outcome, subject and detail
 * (printf-formatted; cut to the store's bounds). Used inside the transaction of the
 * change it records.
 */
mcim_err net_api_audit(struct net_store *st, int64_t tenant, int64_t now,
		       const char *actor, uint16_t event, mcim_err outcome,
		       const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Lowercase hex of n octets into out (2n + 1 chars). */
void net_api_hex(const uint8_t *in, size_t n, char *out);
/* Exactly 2n hex digits (either case) -> out; 0 when s is anything else. */
int net_api_unhex(const char *s, uint8_t *out, size_t n);

#endif
