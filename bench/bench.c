/*
 * The benchmark front end: option parsing, the timing loop every suite shares, and
 * the list of suites. Timing uses this thread's CPU clock so that figures are "per
 * core" whatever else the machine is doing.
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_rate(const struct bench_opts *opts, int (*fn)(void *arg), void *arg,
		  unsigned rounds)
{
	double start, elapsed;
	unsigned long long calls = 0;

	for (unsigned i = 0; i < rounds / 8 + 1;
	     i++) /* warm caches and branch predictors */
		if (fn(arg) != 0)
			return -1;
	start = cpu_now();
	do {
		for (unsigned i = 0; i < rounds; i++)
			if (fn(arg) != 0)
				return -1;
		calls += rounds;
		elapsed = cpu_now() - start;
	} while (elapsed < opts->seconds);
	return (double)calls / elapsed;
}

struct suite {
	const char *name;
	int (*run)(const struct bench_opts *opts, FILE *out);
};

static const struct suite suites[] = {
    {"tre", bench_tre}, /* first: it counts OpenSSL's heap from the first allocation */
    {"aka", bench_aka},
    {"aead", bench_aead},
};

static int usage(FILE *to)
{
	fprintf(to, "usage: mcim bench [all");
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		fprintf(to, "|%s", suites[i].name);
	fprintf(
	    to,
	    "] [--json] [--seconds S]\n"
	    "  Prints throughput figures and the ratios the project's speed goals are\n"
	    "  stated in. One core; each figure measured for S CPU seconds (default "
	    "1).\n");
	return to == stdout ? 0 : 2;
}

int mcim_bench_main(int argc, char **argv)
{
	struct bench_opts opts = {1.0, 0};
	const char *which = "all";
	int failed = 0, matched = 0;

	if (argc > 1 && strcmp(argv[1], "tre") == 0)
		return bench_tre_main(argc - 1, argv + 1);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			opts.json = 1;
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			char *end;
			opts.seconds = strtod(argv[++i], &end);
			if (*end != '\0' || opts.seconds <= 0 || opts.seconds > 600)
				return usage(stderr);
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			return usage(stdout);
		} else if (argv[i][0] != '-') {
			which = argv[i];
		} else {
			return usage(stderr);
		}
	}
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (strcmp(which, "all") != 0 && strcmp(which, suites[i].name) != 0)
			continue;
		matched = 1;
		failed |= suites[i].run(&opts, stdout);
	}
	if (!matched)
		return usage(stderr);
	return failed ? 1 : 0;
}
