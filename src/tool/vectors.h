/*
 * The test-data runner behind `mcim aka vectors` and tests/unit/test_vectors.c: runs
 * every set of a self-describing JSON file (tool/vecfile.h) through libmcim according
 * to the file's "algorithm", and reports each set as passed or failed with the first
 * field that differs.
 *
 * Algorithms and the fields of their sets (hex unless said otherwise; "|" = either,
 * at least one; [..] = optional; outputs are optional one by one, but a set must
 * expect at least one):
 *   milenage          k(16) rand(16) sqn(6) amf(2) op(16)|opc(16)
 *                     [r1..r5: integers 0..127] [c1..c5(16)] (default TS 35.206
 * constants) outputs: [opc when op is given too] [f1 f1star f2(8) f3 f4(16) f5 f5star(6)]
 *   tuak              k(16|32) rand(16) sqn(6) amf(2) top(32)|topc(32)
 *                     [keccak_iterations: 1..255, default 1] mac_len_bits(64|128|256)
 *                     res_len_bits(32|64|128|256) ck_len_bits, ik_len_bits(128|256)
 *                     outputs: [topc when top is given too] [f1 f1star(mac) f2(res)
 *                     f3(ck) f4(ik) f5 f5star(6)], lengths from the *_len_bits
 *   keccak-f1600      input(200) output(200)
 *   kdf               key(1..) fc(1) p: array of 0..16 hex strings
 *                     out(1..32): the last octets of the 32-octet output
 *   milenage-resync   k(16) op(16)|opc(16) rand(16) auts(14) [amf: must be 0000]
 *                     sqn_ms(6): what the AuC recovers from AUTS
 * Other fields (e.g. "source") are ignored.
 *
 * Results are reported only once every set of the file has loaded: a bad file reports
 * no set. Not part of libmcim (it uses jansson through vecfile). Reentrant.
 */
#ifndef MCIM_TOOL_VECTORS_H
#define MCIM_TOOL_VECTORS_H

#include <stddef.h>

#include "mcim/err.h"

#define VECTORS_VALUE_MAX 200 /* the longest value a set holds: a Keccak state */
#define VECTORS_ERR_MAX	  512

/* The outcome of one set. */
struct vectors_result {
	const char *path;      /* the file */
	const char *algorithm; /* the file's "algorithm" */
	const char *set;       /* the set's "name" or "#<index>" */
	int pass;
	/* On failure: the first field that differs and both values as hex text; or, when
	 * libmcim returned an error, field names the operation, expected is "OK" and got
	 * the error's name. */
	const char *field;
	char expected[2 * VECTORS_VALUE_MAX + 1];
	char got[2 * VECTORS_VALUE_MAX + 1];
};

/* Receives each set's outcome, in file order. */
typedef void vectors_report_fn(void *arg, const struct vectors_result *r);

struct vectors_totals {
	size_t passed, failed;
};

/*
 * Runs every set of the file at path, calls report (if not NULL) for each and adds
 * the counts to *totals. A failed set is not an error: the function returns MCIM_OK.
 * Errors (nothing reported, totals unchanged, err holds a NUL-terminated message that
 * names the file and, where one is at fault, the set and the field):
 *   MCIM_ERR_IO (unreadable), MCIM_ERR_PARSE (not JSON, wrong shape, missing field,
 *   not hex, no sets), MCIM_ERR_INVALID_ARG (wrong length or value),
 *   MCIM_ERR_UNSUPPORTED (unknown algorithm), MCIM_ERR_NOMEM.
 */
mcim_err vectors_run_file(const char *path, vectors_report_fn *report, void *arg,
			  struct vectors_totals *totals, char err[VECTORS_ERR_MAX]);

/* The i-th algorithm the runner knows ("milenage", ...), NULL past the last. */
const char *vectors_algorithm(size_t i);

#endif
