/*
 * net/bench_reg.h: the batch registration benchmark (issue 4, "Speed": 1,000,000
 * M2MEs through the operator API in 10 s or less, end to end; R-NET-F02).
 *
 * One NDJSON batch of n registrations is generated on the fly (never held in
 * memory) and streamed with libcurl to POST /v1/tenants/{tenant}/registrations:batch;
 * the per-line report is read as it comes back and its "OK" lines counted. The clock
 * runs from the first octet sent to the last octet of the report received. With no
 * URL, a server is started in this process on 127.0.0.1 with a fresh SQLite store
 * (WAL, synchronous=NORMAL) in a temporary directory, removed afterwards; the CPU
 * time of the process is then the cost of both ends, which a loaded machine does not
 * distort the way it does the wall time.
 */
#ifndef MCIM_NET_BENCH_REG_H
#define MCIM_NET_BENCH_REG_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

struct net_bench_reg_opts {
	uint64_t n;	    /* registrations in the batch, >= 1 */
	const char *url;    /* a running mcimd's base URL; NULL: in-process */
	const char *tenant; /* with url: an SHO tenant's name */
	const char *token;  /* with url: its bearer token */
	const char *plmn;   /* with url: its PLMN id (the lines' "sho") */
	unsigned threads;   /* in-process server's worker threads; 0: 2 */
};

struct net_bench_reg_result {
	uint64_t lines;	     /* report lines received (without the summary) */
	uint64_t registered; /* of which OK */
	double seconds;	     /* end to end */
	double per_s;	     /* registered / seconds */
	double cpu_seconds;  /* CPU time of this process meanwhile (user + system;
				client and, in-process, server) */
};

/*
 * Runs the benchmark. Errors, with msg (may be NULL) saying what: MCIM_ERR_INVALID_ARG
 * (n is 0, url without tenant, token or plmn), MCIM_ERR_IO (the server could not be
 * started or reached, an HTTP status other than 200), MCIM_ERR_NOMEM, the errors of
 * the store when starting in-process.
 */
mcim_err net_bench_reg(const struct net_bench_reg_opts *opts,
		       struct net_bench_reg_result *out, char *msg, size_t msg_cap);

#endif
