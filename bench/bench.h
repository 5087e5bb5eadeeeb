/*
 * Benchmarks: `mcim bench [all|tre|aka|aead] [--json] [--seconds S]`. Figures and ratios
 * against the baselines the goals are stated in; never a pass/fail test.
 */
#ifndef MCIM_BENCH_H
#define MCIM_BENCH_H

#include <stdio.h>

struct bench_opts {
	double seconds; /* measuring time per figure */
	int json;
};

/* Runs `rounds` calls of fn(arg) repeatedly for about opts->seconds of this thread's
 * CPU time and returns calls per CPU second. fn returns nonzero on failure. */
double bench_rate(const struct bench_opts *opts, int (*fn)(void *arg), void *arg,
		  unsigned rounds);

/* Each suite prints its figures (text or one JSON object) and returns 0, or 1 when a
 * measured operation failed. */
int bench_aka(const struct bench_opts *opts, FILE *out);
int bench_aead(const struct bench_opts *opts, FILE *out);
int bench_tre(const struct bench_opts *opts, FILE *out);

int bench_tre_main(int argc, char **argv); /* `mcim bench tre`, with its own options */
int mcim_bench_main(int argc, char **argv);

#endif
