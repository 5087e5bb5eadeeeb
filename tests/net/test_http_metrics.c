/*
 * The metrics registry (src/net/metrics.c) on its own: exact exposition text for
 * known observations (buckets on their boundaries, sums, statuses beyond the table
 * counted as "other"), unmatched requests under a fixed method set, label escaping,
 * named counters and their registration errors, and exact totals from concurrent
 * threads (the atomics lose nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "net/metrics.h"

static char *render(const struct net_metrics *m)
{
	char *text;
	size_t len;

	assert_int_equal(net_metrics_render(m, &text, &len), MCIM_OK);
	assert_int_equal(strlen(text), len);
	return text;
}

static void assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p += n;
	}
	fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void exact_text(void **state)
{
	struct net_metrics *m = net_metrics_new();
	size_t r, c;
	char *text;

	(void)state;
	assert_non_null(m);
	text = render(m);
	assert_string_equal(
	    text,
	    "# HELP mcimd_http_requests_total HTTP requests answered, by method, route "
	    "pattern and status.\n"
	    "# TYPE mcimd_http_requests_total counter\n"
	    "# HELP mcimd_http_request_duration_seconds Time from the request's headers "
	    "being read to its response being sent.\n"
	    "# TYPE mcimd_http_request_duration_seconds histogram\n"
	    "# HELP mcimd_http_requests_in_flight Requests received and not yet "
	    "answered.\n"
	    "# TYPE mcimd_http_requests_in_flight gauge\n"
	    "mcimd_http_requests_in_flight 0\n");
	free(text);

	assert_int_equal(net_metrics_route(m, "GET", "/v1/a/{b}", &r), MCIM_OK);
	assert_int_equal(r, 0);
	/* 500 us is on the first boundary (le is inclusive), 501 us just past it. */
	net_metrics_observe(m, r, 200, 500);
	net_metrics_observe(m, r, 200, 501);
	net_metrics_observe(m, r, 404, 10000000);
	net_metrics_observe(m, r, 200, 10000001);
	net_metrics_inflight(m, +1);
	net_metrics_inflight(m, +1);
	net_metrics_inflight(m, -1);
	assert_int_equal(net_metrics_counter(m, "mcimd_things_total", "Things done.", &c),
			 MCIM_OK);
	net_metrics_add(m, c, 41);
	net_metrics_add(m, c, 1);
	text = render(m);
	assert_line(text, "mcimd_http_requests_total{method=\"GET\",route=\"/v1/a/"
			  "{b}\",status=\"200\"} 3");
	assert_line(text, "mcimd_http_requests_total{method=\"GET\",route=\"/v1/a/"
			  "{b}\",status=\"404\"} 1");
	static const struct {
		const char *le;
		int n;
	} buckets[] = {{"0.0005", 1}, {"0.001", 2}, {"0.0025", 2},
		       {"5", 2},      {"10", 3},    {"+Inf", 4}};
	for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
		char line[160];
		snprintf(line, sizeof(line),
			 "mcimd_http_request_duration_seconds_bucket{method=\"GET\","
			 "route=\"/v1/a/{b}\",le=\"%s\"} %d",
			 buckets[i].le, buckets[i].n);
		assert_line(text, line);
	}
	assert_line(text, "mcimd_http_request_duration_seconds_sum{method=\"GET\","
			  "route=\"/v1/a/{b}\"} 20.001002");
	assert_line(text, "mcimd_http_request_duration_seconds_count{method=\"GET\","
			  "route=\"/v1/a/{b}\"} 4");
	assert_line(text, "mcimd_http_requests_in_flight 1");
	assert_line(text, "# HELP mcimd_things_total Things done.");
	assert_line(text, "# TYPE mcimd_things_total counter");
	assert_line(text, "mcimd_things_total 42");
	free(text);
	net_metrics_free(m);
	net_metrics_free(NULL);
}

static void statuses_and_unmatched(void **state)
{
	struct net_metrics *m = net_metrics_new();
	size_t r;
	char *text;

	(void)state;
	assert_int_equal(net_metrics_route(m, "POST", "/a\"b\\c", &r), MCIM_OK);
	for (unsigned s = 0; s < NET_METRICS_STATUSES_MAX + 3; s++)
		net_metrics_observe(m, r, 200 + s, 1);
	net_metrics_observe_unmatched(m, "GET", 404, 1);
	net_metrics_observe_unmatched(m, "BREW", 405, 1);
	net_metrics_observe_unmatched(m, "MKCOL", 405, 1);
	text = render(m);
	assert_line(text,
		    "mcimd_http_requests_total{method=\"POST\",route=\"/a\\\"b\\\\c\","
		    "status=\"215\"} 1");
	assert_null(strstr(text, "status=\"216\""));
	assert_line(text,
		    "mcimd_http_requests_total{method=\"POST\",route=\"/a\\\"b\\\\c\","
		    "status=\"other\"} 3");
	assert_line(text, "mcimd_http_requests_total{method=\"GET\",route=\"unmatched\","
			  "status=\"404\"} 1");
	/* Methods a client invents share one label value. */
	assert_line(text,
		    "mcimd_http_requests_total{method=\"other\",route=\"unmatched\","
		    "status=\"405\"} 2");
	assert_null(strstr(text, "BREW"));
	free(text);
	net_metrics_free(m);
}

static void registration_errors(void **state)
{
	struct net_metrics *m = net_metrics_new();
	char longname[NET_METRICS_NAME_MAX + 1], pattern[300];
	size_t idx;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(net_metrics_counter(m, "", "h", &idx), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_counter(m, "9lives", "h", &idx),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_counter(m, "a-b", "h", &idx), MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_counter(m, longname, "h", &idx),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_counter(m, "ok_total", "two\nlines", &idx),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_counter(m, "ok_total", "back\\slash", &idx),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_counter(m, "ns:ok_total1", "h", &idx), MCIM_OK);
	assert_int_equal(net_metrics_counter(m, "ns:ok_total1", "h", &idx),
			 MCIM_ERR_EXISTS);
	for (size_t i = 1; i < NET_METRICS_COUNTERS_MAX; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%zu_total", i);
		assert_int_equal(net_metrics_counter(m, name, "h", &idx), MCIM_OK);
		assert_int_equal(idx, i);
	}
	assert_int_equal(net_metrics_counter(m, "one_more_total", "h", &idx),
			 MCIM_ERR_FULL);

	memset(pattern, 'p', sizeof(pattern) - 1);
	pattern[sizeof(pattern) - 1] = '\0';
	assert_int_equal(net_metrics_route(m, "GET", pattern, &idx),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(net_metrics_route(m, "VERYLONGMETHODNAME", "/", &idx),
			 MCIM_ERR_INVALID_ARG);
	for (size_t i = 0; i < NET_METRICS_ROUTES_MAX; i++)
		assert_int_equal(net_metrics_route(m, "GET", "/x", &idx), MCIM_OK);
	assert_int_equal(net_metrics_route(m, "GET", "/x", &idx), MCIM_ERR_FULL);
	net_metrics_free(m);
}

#define THREADS	   4
#define PER_THREAD 20000

static struct net_metrics *shared;

static void *hammer(void *arg)
{
	size_t route = (size_t)(uintptr_t)arg % 2;

	for (unsigned i = 0; i < PER_THREAD; i++) {
		net_metrics_inflight(shared, +1);
		net_metrics_observe(shared, route, 200 + i % 3, i % 2000);
		net_metrics_add(shared, 0, 1);
		net_metrics_inflight(shared, -1);
	}
	return NULL;
}

static void concurrent(void **state)
{
	pthread_t th[THREADS];
	size_t idx;
	char *text, line[160];

	(void)state;
	shared = net_metrics_new();
	assert_int_equal(net_metrics_route(shared, "GET", "/0", &idx), MCIM_OK);
	assert_int_equal(net_metrics_route(shared, "GET", "/1", &idx), MCIM_OK);
	assert_int_equal(net_metrics_counter(shared, "hits_total", "Hits.", &idx),
			 MCIM_OK);
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, (void *)i), 0);
	for (size_t i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	text = render(shared);
	snprintf(line, sizeof(line), "hits_total %d", THREADS * PER_THREAD);
	assert_line(text, line);
	assert_line(text, "mcimd_http_requests_in_flight 0");
	for (int r = 0; r < 2; r++) {
		snprintf(line, sizeof(line),
			 "mcimd_http_request_duration_seconds_count{method=\"GET\","
			 "route=\"/%d\"} %d",
			 r, THREADS / 2 * PER_THREAD);
		assert_line(text, line);
	}
	free(text);
	net_metrics_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(exact_text),
	    cmocka_unit_test(statuses_and_unmatched),
	    cmocka_unit_test(registration_errors),
	    cmocka_unit_test(concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
