/*
 * net/drf_batch.h: batch registration of M2MEs for an SHO from an NDJSON stream
 * (POST /v1/tenants/{tenant}/registrations:batch, docs/api.md; R-NET-F02,
 * R-PRC-109, R-SEED-02).
 *
 * Sans I/O: the caller pushes the body as it arrives, in pieces of any size
 * (drf_batch_feed), and the engine pushes report lines out through emit. Memory is
 * bounded by the chunk size, never by the body: lines are parsed one at a time,
 * kept until `chunk` of them are pending, then written with one
 * net_store_register_batch() call and one audit record in one transaction, and
 * reported in line order.
 *
 * Input: one JSON object per line, {"tre_id": 32 hex digits, "sho": this tenant's
 * name or PLMN id, "subscriber": id (optional), "subscription": account reference
 * (optional)}; "\n" or "\r\n" ends a line; empty lines are skipped (line numbers
 * count them); a line longer than DRF_BATCH_LINE_MAX is refused (TOO_LARGE).
 * Output: one line per input line, {"line", "tre_id" (null when unreadable),
 * "result": mcim_err name (OK, EXISTS, NOT_FOUND, PARSE, INVALID_ARG, DENIED,
 * TOO_LARGE), "message" (refused lines)}, then a last line {"summary": {"lines",
 * "registered", "refused"}, "error" when a store failure stopped the batch}.
 *
 * A store failure (not a refused line) rolls its chunk back, stops writing, and every
 * later line is reported with that error; chunks committed before stay.
 * Threads: a struct drf_batch is used by one thread; it uses the caller's store
 * connection, outside any transaction of the caller's.
 */
#ifndef MCIM_NET_DRF_BATCH_H
#define MCIM_NET_DRF_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "net/api_operator.h"
#include "net/api_util.h"

#define DRF_BATCH_LINE_MAX 1024 /* octets in one input line, without its end */
/* Lines per transaction by default: the store sorts a chunk by TRE id before
 * inserting, so a large chunk keeps the index's insertions local. */
#define DRF_BATCH_CHUNK NET_STORE_BATCH_CHUNK

/*
 * One registration request object (a batch line or the body of POST
 * .../registrations): keys tre_id, sho, subscriber, subscription as above; the
 * subscription (an account reference) is looked up in st for tenant. *has_tre is set
 * once the TRE id was read (a refused line still names it). Errors, with e->msg:
 * MCIM_ERR_INVALID_ARG (a key unknown, missing or malformed; subscriber and
 * subscription naming two accounts), MCIM_ERR_DENIED (sho is another operator),
 * MCIM_ERR_NOT_FOUND (no such subscription), the store's errors.
 */
mcim_err drf_reg_parse(struct net_store *st, int64_t tenant, const char *name,
		       const char *plmn, const json_t *doc, struct net_reg_in *out,
		       int *has_tre, struct net_jerr *e);

/* Takes one piece of the report (whole lines); an error stops the batch. */
typedef mcim_err (*drf_batch_emit)(void *arg, const char *data, size_t len);

struct drf_batch_opts {
	struct net_store *st;
	int64_t tenant;		 /* the SHO's store id */
	const char *tenant_name; /* what "sho" may say: the name ... */
	const char *plmn;	 /* ... or the PLMN id */
	const char *actor;	 /* for the audit records */
	int64_t now;
	size_t chunk; /* lines per transaction; 0: DRF_BATCH_CHUNK */
	drf_batch_emit emit;
	void *emit_arg;
};

struct drf_batch_summary {
	uint64_t lines;	     /* lines reported (empty lines not counted) */
	uint64_t registered; /* OK */
	uint64_t refused;    /* every other result */
	mcim_err error;	     /* MCIM_OK, or the store failure that stopped writing */
};

struct drf_batch;

/* MCIM_ERR_NOMEM, or MCIM_OK with *out ready. The strings must outlive it. */
mcim_err drf_batch_new(const struct drf_batch_opts *opts, struct drf_batch **out);
/*
 * Consumes len octets. Returns MCIM_OK (a refused line or a store failure is
 * reported, not returned), or the error of emit or MCIM_ERR_NOMEM, after which only
 * drf_batch_free() may be called.
 */
mcim_err drf_batch_feed(struct drf_batch *b, const uint8_t *data, size_t len);
/* The end of the input: the last line, the last chunk, the summary line. */
mcim_err drf_batch_finish(struct drf_batch *b, struct drf_batch_summary *sum);
void drf_batch_free(struct drf_batch *b);

#endif
