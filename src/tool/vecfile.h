/*
 * Reading test-data files: self-describing JSON of the form
 *   {"algorithm": "...", "about": "...", "sets": [{"name": "...", field: value, ...}]}
 * with byte strings as hex text. Every failure leaves a message in vf->err that names
 * the file, the set and the field, so that a bad file is reported precisely.
 * Part of the tools library (jansson), not of libmcim.
 */
#ifndef MCIM_TOOL_VECFILE_H
#define MCIM_TOOL_VECFILE_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

struct vecfile {
	void *root; /* json_t */
	const char *path;
	const char *algorithm;
	size_t nsets;
	char err[512];
};

/* Loads and checks the outer shape. On error vf->err says why; nothing to close. */
mcim_err vecfile_open(struct vecfile *vf, const char *path);
void vecfile_close(struct vecfile *vf);

/* The set's "name", or "#<index>" when it has none. */
const char *vecfile_set_name(const struct vecfile *vf, size_t set, char *buf, size_t cap);

/* 1 when the set has the field. */
int vecfile_has(const struct vecfile *vf, size_t set, const char *field);

/* A hex field of exactly len octets. */
mcim_err vecfile_hex(struct vecfile *vf, size_t set, const char *field, uint8_t *out,
		     size_t len);

/* A hex field of 1..cap octets; *out_len is its length. */
mcim_err vecfile_hex_var(struct vecfile *vf, size_t set, const char *field, uint8_t *out,
			 size_t cap, size_t *out_len);

/* A non-negative integer field not above max. */
mcim_err vecfile_uint(struct vecfile *vf, size_t set, const char *field,
		      unsigned long max, unsigned long *out);

/* Element i of an array of hex strings; *count is the array's length (out may be NULL
 * to ask only the count). */
mcim_err vecfile_hex_item(struct vecfile *vf, size_t set, const char *field, size_t i,
			  uint8_t *out, size_t cap, size_t *out_len, size_t *count);

#endif
