/*
 * `make bench`: batch registration of 1,000,000 M2MEs through the operator API
 * (issue 4 "Speed", goal 10 s end to end; R-NET-F02), with net_bench_reg()
 * (src/net/bench_reg.c): one NDJSON batch generated on the fly, streamed to
 * POST /v1/tenants/{t}/registrations:batch of a server on 127.0.0.1 over a fresh
 * SQLite file, the per-line report read back as it streams. A *_bench program: built
 * with the tests, run by `make bench`, not by ctest.
 *
 * Environment: MCIM_BENCH_REGS (default 1000000) registrations; MCIM_BENCH_URL with
 * MCIM_BENCH_TENANT, MCIM_BENCH_TOKEN and MCIM_BENCH_PLMN to measure a running mcimd
 * instead of the in-process server; MCIM_BENCH_THREADS the in-process server's
 * workers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "net/bench_reg.h"
#include "net/log.h"

#define GOAL_S 10.0

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0)
		fail_msg("%s=%s: expected a positive integer", name, s);
	return (uint64_t)v;
}

static void registration_bench(void **state)
{
	struct net_bench_reg_opts o = {0};
	struct net_bench_reg_result r;
	char msg[512];
	mcim_err err;

	(void)state;
	o.n = env_u64("MCIM_BENCH_REGS", 1000000);
	o.threads = (unsigned)env_u64("MCIM_BENCH_THREADS", 2);
	o.url = getenv("MCIM_BENCH_URL");
	o.tenant = getenv("MCIM_BENCH_TENANT");
	o.token = getenv("MCIM_BENCH_TOKEN");
	o.plmn = getenv("MCIM_BENCH_PLMN");
	net_log_set_level(NET_LOG_WARN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	err = net_bench_reg(&o, &r, msg, sizeof(msg));
	curl_global_cleanup();
	if (err != MCIM_OK)
		fail_msg("%s: %s", mcim_strerror(err), msg);
	printf("# batch registration via the operator API (%s): %llu lines, %llu "
	       "registered\n",
	       o.url != NULL ? o.url : "in-process mcimnet, SQLite WAL",
	       (unsigned long long)r.lines, (unsigned long long)r.registered);
	printf("# wall %.2f s (%.0f/s), CPU %.2f s (user+system of %s); goal %.0f s: "
	       "%s\n",
	       r.seconds, r.per_s, r.cpu_seconds,
	       o.url != NULL ? "the client" : "client and server", GOAL_S,
	       r.seconds <= GOAL_S ? "met" : "missed");
	assert_int_equal(r.lines, o.n);
	assert_int_equal(r.registered, o.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(registration_bench),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
