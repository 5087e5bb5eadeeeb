/*
 * Speed of the network store's batch registration (R-PRC-109, R-NET-F02: "a batch of
 * 1M registrations"), on a fresh SQLite file in a temp directory. It measures only
 * when MCIM_STORE_BENCH is set (the number of registrations, e.g. 1000000), so the
 * default ctest run skips it; test_store.c keeps a 100k figure in every run.
 *
 *   MCIM_STORE_BENCH=1000000 ctest -R test_store_bench -V
 *
 * Prints wall time, CPU time of this process and the database size; a second batch of
 * the same TRE ids measures the refusal path (every line a duplicate).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/endian.h"
#include "net/store/store.h"

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Random-looking TRE ids (splitmix64), as real ones are. */
static void tre_random(uint8_t out[NET_TRE_ID_LEN], uint64_t i)
{
	for (int half = 0; half < 2; half++) {
		uint64_t z = i * 2 + (uint64_t)half + 0x9e3779b97f4a7c15u;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		z ^= z >> 31;
		mcim_store_be64(out + 8 * half, z);
	}
}

static void run_batch(struct net_store *st, int64_t tenant, const struct net_reg_in *in,
		      size_t n, mcim_err *res, mcim_err want, const char *what)
{
	double w0 = wall_s(), c0 = cpu_s(), w, c;

	assert_int_equal(
	    net_store_register_batch(st, tenant, in, n, 1700000000, res, NULL), MCIM_OK);
	w = wall_s() - w0;
	c = cpu_s() - c0;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(res[i], want);
	printf("# %s: %zu lines, %.2f s wall, %.2f s CPU, %.0f lines/s\n", what, n, w, c,
	       (double)n / w);
}

static void batch_bench(void **state)
{
	const char *env = getenv("MCIM_STORE_BENCH");
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300], wal[310];
	struct net_store_config cfg = {path, 0, 0};
	struct net_store *st;
	struct net_store_tenant t;
	struct net_reg_in *in;
	mcim_err *res;
	struct stat sb;
	size_t n;

	(void)state;
	if (env == NULL)
		skip();
	n = (size_t)strtoull(env, NULL, 10);
	assert_true(n > 0);
	snprintf(dir, sizeof(dir), "%s/mcim-storebench-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(net_store_open(&cfg, &st, NULL, 0), MCIM_OK);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "sho");
	t.roles = NET_STORE_ROLE_SHO;
	snprintf(t.plmn, sizeof(t.plmn), "00101");
	assert_int_equal(net_store_tenant_create(st, &t), MCIM_OK);
	in = calloc(n, sizeof(*in));
	res = calloc(n, sizeof(*res));
	assert_non_null(in);
	assert_non_null(res);
	for (size_t i = 0; i < n; i++)
		tre_random(in[i].tre_id, i);

	run_batch(st, t.id, in, n, res, MCIM_OK, "register");
	run_batch(st, t.id, in, n, res, MCIM_ERR_EXISTS, "all duplicates");
	net_store_close(st);
	assert_int_equal(stat(path, &sb), 0);
	printf("# database: %.1f MiB (%.0f octets per registration)\n",
	       (double)sb.st_size / 1048576.0, (double)sb.st_size / (double)n);
	unlink(path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	rmdir(dir);
	free(in);
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(batch_bench),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
