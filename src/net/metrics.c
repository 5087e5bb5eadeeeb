/*
 * Counters and latency histograms for the HTTP front, kept in atomics so that request
 * threads never take a lock to count, and written out in the Prometheus text format.
 * Statuses per route are kept in a small open table filled by compare-and-swap: a
 * route answers with a handful of statuses, and a client cannot grow the table.
 */
#include "net/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METHOD_MAX  16
#define PATTERN_MAX 256

static const double bucket_le[NET_METRICS_N_BUCKETS] = {NET_METRICS_BUCKETS_S};

/* The method labels of unmatched requests: a fixed set, whatever the client sends. */
static const char *const unmatched_methods[] = {"GET",	  "HEAD",    "POST",  "PUT",
						"DELETE", "OPTIONS", "PATCH", "other"};
#define N_UNMATCHED (sizeof(unmatched_methods) / sizeof(unmatched_methods[0]))

struct status_slot {
	atomic_uint code; /* 0: free */
	atomic_uint_least64_t count;
};

struct route_stats {
	char method[METHOD_MAX];
	char pattern[PATTERN_MAX];
	struct status_slot statuses[NET_METRICS_STATUSES_MAX];
	atomic_uint_least64_t other_status;
	atomic_uint_least64_t buckets[NET_METRICS_N_BUCKETS + 1]; /* not cumulative */
	atomic_uint_least64_t sum_us;
	atomic_uint_least64_t count;
};

struct counter {
	char name[NET_METRICS_NAME_MAX];
	char *help;
	atomic_uint_least64_t value;
};

struct net_metrics {
	struct route_stats *routes[NET_METRICS_ROUTES_MAX];
	size_t n_routes;
	struct route_stats unmatched[N_UNMATCHED];
	struct counter counters[NET_METRICS_COUNTERS_MAX];
	size_t n_counters;
	atomic_int_least64_t inflight;
};

struct net_metrics *net_metrics_new(void)
{
	struct net_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < N_UNMATCHED; i++) {
		strcpy(m->unmatched[i].method, unmatched_methods[i]);
		strcpy(m->unmatched[i].pattern, "unmatched");
	}
	return m;
}

void net_metrics_free(struct net_metrics *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n_routes; i++)
		free(m->routes[i]);
	for (size_t i = 0; i < m->n_counters; i++)
		free(m->counters[i].help);
	free(m);
}

mcim_err net_metrics_route(struct net_metrics *m, const char *method, const char *pattern,
			   size_t *idx)
{
	struct route_stats *r;

	if (strlen(method) >= METHOD_MAX || strlen(pattern) >= PATTERN_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (m->n_routes == NET_METRICS_ROUTES_MAX)
		return MCIM_ERR_FULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MCIM_ERR_NOMEM;
	strcpy(r->method, method);
	strcpy(r->pattern, pattern);
	m->routes[m->n_routes] = r;
	*idx = m->n_routes++;
	return MCIM_OK;
}

static int metric_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= NET_METRICS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '_' || c == ':';
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

mcim_err net_metrics_counter(struct net_metrics *m, const char *name, const char *help,
			     size_t *idx)
{
	struct counter *c;

	if (!metric_name_ok(name) || strpbrk(help, "\n\\") != NULL)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < m->n_counters; i++)
		if (strcmp(m->counters[i].name, name) == 0)
			return MCIM_ERR_EXISTS;
	if (m->n_counters == NET_METRICS_COUNTERS_MAX)
		return MCIM_ERR_FULL;
	c = &m->counters[m->n_counters];
	c->help = strdup(help);
	if (c->help == NULL)
		return MCIM_ERR_NOMEM;
	strcpy(c->name, name);
	atomic_init(&c->value, 0);
	*idx = m->n_counters++;
	return MCIM_OK;
}

static void observe(struct route_stats *r, unsigned status, uint64_t duration_us)
{
	size_t b = 0;
	int counted = 0;

	for (size_t i = 0; i < NET_METRICS_STATUSES_MAX && !counted; i++) {
		struct status_slot *s = &r->statuses[i];
		unsigned code = atomic_load(&s->code);
		if (code == 0 &&
		    (atomic_compare_exchange_strong(&s->code, &code, status) ||
		     code == status))
			code = status;
		if (code == status) {
			atomic_fetch_add(&s->count, 1);
			counted = 1;
		}
	}
	if (!counted)
		atomic_fetch_add(&r->other_status, 1);
	while (b < NET_METRICS_N_BUCKETS && (double)duration_us > bucket_le[b] * 1e6)
		b++;
	atomic_fetch_add(&r->buckets[b], 1);
	atomic_fetch_add(&r->sum_us, duration_us);
	atomic_fetch_add(&r->count, 1);
}

void net_metrics_observe(struct net_metrics *m, size_t route, unsigned status,
			 uint64_t duration_us)
{
	observe(m->routes[route], status, duration_us);
}

void net_metrics_observe_unmatched(struct net_metrics *m, const char *method,
				   unsigned status, uint64_t duration_us)
{
	size_t i = 0;

	while (i < N_UNMATCHED - 1 && strcmp(method, unmatched_methods[i]) != 0)
		i++;
	observe(&m->unmatched[i], status, duration_us);
}

void net_metrics_add(struct net_metrics *m, size_t counter, uint64_t n)
{
	atomic_fetch_add(&m->counters[counter].value, n);
}

void net_metrics_inflight(struct net_metrics *m, int delta)
{
	atomic_fetch_add(&m->inflight, delta);
}

int64_t net_metrics_inflight_now(const struct net_metrics *m)
{
	return atomic_load(&((struct net_metrics *)m)->inflight);
}

/* A growing text buffer; err is sticky. */
struct text {
	char *buf;
	size_t len, cap;
	int err;
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = 1;
			return;
		}
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2 + (size_t)n;
		char *b = realloc(t->buf, cap);
		if (b == NULL) {
			t->err = 1;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

/* The label value escaped as the exposition format asks (\\, \", \n). */
static void escape_label(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 3 < cap; s++) {
		if (*s == '\\' || *s == '"') {
			out[n++] = '\\';
			out[n++] = *s;
		} else if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
}

static void render_counts(struct text *t, const struct route_stats *r)
{
	char pat[2 * PATTERN_MAX];
	uint64_t other = atomic_load(&((struct route_stats *)r)->other_status);

	escape_label(pat, sizeof(pat), r->pattern);
	for (size_t i = 0; i < NET_METRICS_STATUSES_MAX; i++) {
		struct status_slot *s = (struct status_slot *)&r->statuses[i];
		unsigned code = atomic_load(&s->code);
		uint64_t n = atomic_load(&s->count);
		if (code != 0 && n > 0)
			put(t,
			    "mcimd_http_requests_total{method=\"%s\",route=\"%s\","
			    "status=\"%u\"} %llu\n",
			    r->method, pat, code, (unsigned long long)n);
	}
	if (other > 0)
		put(t,
		    "mcimd_http_requests_total{method=\"%s\",route=\"%s\",status="
		    "\"other\"} "
		    "%llu\n",
		    r->method, pat, (unsigned long long)other);
}

static void render_histogram(struct text *t, const struct route_stats *r)
{
	struct route_stats *rw = (struct route_stats *)r;
	char pat[2 * PATTERN_MAX];
	uint64_t cum = 0;

	escape_label(pat, sizeof(pat), r->pattern);
	for (size_t b = 0; b <= NET_METRICS_N_BUCKETS; b++) {
		cum += atomic_load(&rw->buckets[b]);
		if (b < NET_METRICS_N_BUCKETS)
			put(t,
			    "mcimd_http_request_duration_seconds_bucket{method=\"%s\","
			    "route=\"%s\",le=\"%g\"} %llu\n",
			    r->method, pat, bucket_le[b], (unsigned long long)cum);
		else
			put(t,
			    "mcimd_http_request_duration_seconds_bucket{method=\"%s\","
			    "route=\"%s\",le=\"+Inf\"} %llu\n",
			    r->method, pat, (unsigned long long)cum);
	}
	uint64_t sum = atomic_load(&rw->sum_us);
	put(t,
	    "mcimd_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} "
	    "%llu.%06llu\n",
	    r->method, pat, (unsigned long long)(sum / 1000000u),
	    (unsigned long long)(sum % 1000000u));
	/* The +Inf bucket and _count must agree: print the total the buckets gave. */
	put(t,
	    "mcimd_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
	    "%llu\n",
	    r->method, pat, (unsigned long long)cum);
}

/* Calls fn for every route (registered, then unmatched) that has answered once. */
static void each_route(const struct net_metrics *m, struct text *t,
		       void (*fn)(struct text *, const struct route_stats *))
{
	for (size_t i = 0; i < m->n_routes; i++)
		if (atomic_load(&m->routes[i]->count) > 0)
			fn(t, m->routes[i]);
	for (size_t i = 0; i < N_UNMATCHED; i++)
		if (atomic_load(&((struct net_metrics *)m)->unmatched[i].count) > 0)
			fn(t, &m->unmatched[i]);
}

mcim_err net_metrics_render(const struct net_metrics *m, char **out, size_t *len)
{
	struct text t = {.buf = malloc(4096), .cap = 4096};

	if (t.buf == NULL)
		return MCIM_ERR_NOMEM;
	t.buf[0] = '\0';
	put(&t, "# HELP mcimd_http_requests_total HTTP requests answered, by method, "
		"route pattern and status.\n"
		"# TYPE mcimd_http_requests_total counter\n");
	each_route(m, &t, render_counts);
	put(&t, "# HELP mcimd_http_request_duration_seconds Time from the request's "
		"headers being read to its response being sent.\n"
		"# TYPE mcimd_http_request_duration_seconds histogram\n");
	each_route(m, &t, render_histogram);
	put(&t,
	    "# HELP mcimd_http_requests_in_flight Requests received and not yet "
	    "answered.\n"
	    "# TYPE mcimd_http_requests_in_flight gauge\n"
	    "mcimd_http_requests_in_flight %lld\n",
	    (long long)net_metrics_inflight_now(m));
	for (size_t i = 0; i < m->n_counters; i++) {
		const struct counter *c = &m->counters[i];
		put(&t, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", c->name, c->help,
		    c->name, c->name,
		    (unsigned long long)atomic_load(&((struct counter *)c)->value));
	}
	if (t.err) {
		free(t.buf);
		return MCIM_ERR_NOMEM;
	}
	*out = t.buf;
	*len = t.len;
	return MCIM_OK;
}
