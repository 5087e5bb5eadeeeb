/*
 * net/metrics.h: the daemon's counters and histograms, exposed at /metrics in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * What is measured: requests answered, by method, route and status
 * (mcimd_http_requests_total); their latency, by method and route
 * (mcimd_http_request_duration_seconds, a histogram with the buckets of
 * NET_METRICS_BUCKETS_S); requests in flight (mcimd_http_requests_in_flight); and
 * named counters that network functions register for their own events.
 *
 * Labels carry route *patterns* ("/v1/tenants/{tenant}"), never the values a client
 * sent, so the exposition holds no tenant or device identifier and its size does not
 * grow with traffic.
 *
 * Thread safety: registration (net_metrics_route, net_metrics_counter) happens before
 * the server starts, from one thread. Everything else is lock-free (C11 atomics) and
 * may be called from any thread; a rendering taken while requests run is a
 * consistent-enough snapshot (each number is read atomically, not all at once).
 */
#ifndef MCIM_NET_METRICS_H
#define MCIM_NET_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

#define NET_METRICS_ROUTES_MAX	 256
#define NET_METRICS_COUNTERS_MAX 64
/* Distinct statuses kept per route; others are counted under status="other". */
#define NET_METRICS_STATUSES_MAX 16
#define NET_METRICS_NAME_MAX	 64

/* The histogram's upper bounds in seconds (Prometheus "le"), then +Inf. */
#define NET_METRICS_BUCKETS_S                                                            \
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,  \
	    10.0
#define NET_METRICS_N_BUCKETS 14

struct net_metrics;

/* A new, empty set of metrics; NULL when out of memory. */
struct net_metrics *net_metrics_new(void);
void net_metrics_free(struct net_metrics *m);

/*
 * Registers a route label pair (method "GET", pattern "/healthz") and returns its
 * index in *idx. Errors: MCIM_ERR_FULL (NET_METRICS_ROUTES_MAX reached),
 * MCIM_ERR_INVALID_ARG (method or pattern too long), MCIM_ERR_NOMEM.
 */
mcim_err net_metrics_route(struct net_metrics *m, const char *method, const char *pattern,
			   size_t *idx);

/*
 * Registers a counter "name" (a Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*,
 * ending in "_total" by convention) with its one-line help text. Errors:
 * MCIM_ERR_FULL, MCIM_ERR_INVALID_ARG (bad name, or help with a newline),
 * MCIM_ERR_EXISTS (name already registered), MCIM_ERR_NOMEM.
 */
mcim_err net_metrics_counter(struct net_metrics *m, const char *name, const char *help,
			     size_t *idx);

/* Counts one request on route idx with its status and duration in microseconds. */
void net_metrics_observe(struct net_metrics *m, size_t route, unsigned status,
			 uint64_t duration_us);

/* Counts one request that matched no route (route label "unmatched"). */
void net_metrics_observe_unmatched(struct net_metrics *m, const char *method,
				   unsigned status, uint64_t duration_us);

/* Adds n to counter idx. */
void net_metrics_add(struct net_metrics *m, size_t counter, uint64_t n);

/* Requests in flight: +1 when one starts, -1 when it ends. */
void net_metrics_inflight(struct net_metrics *m, int delta);
int64_t net_metrics_inflight_now(const struct net_metrics *m);

/*
 * The exposition text in a new NUL-terminated buffer (*out, *len without the NUL),
 * which the caller frees with free(). MCIM_ERR_NOMEM when out of memory.
 */
mcim_err net_metrics_render(const struct net_metrics *m, char **out, size_t *len);

#endif
