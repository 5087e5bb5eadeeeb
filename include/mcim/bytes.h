/*
 * mcim/bytes.h: byte strings, hex, and the two primitives every secret relies on.
 *
 * mcim_wipe() erases memory in a way the compiler may not optimise away; every
 * structure that holds a secret has a *_wipe function built on it. mcim_ct_equal()
 * compares in time independent of the contents, for MACs, RES and tags.
 * Hex decoders take (text, length) and never read past the length.
 * Thread safety: all functions are reentrant.
 */
#ifndef MCIM_BYTES_H
#define MCIM_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

/* Overwrites len bytes at p with zeros; never elided. p may be NULL when len is 0. */
void mcim_wipe(void *p, size_t len);

/* 1 when the len bytes at a and b are equal, else 0, in constant time. */
int mcim_ct_equal(const void *a, const void *b, size_t len);

/*
 * Decodes hex text (upper or lower case, no separators) of hex_len characters into
 * out. On success *out_len is the number of bytes. Errors: MCIM_ERR_PARSE (odd length
 * or a non-hex character), MCIM_ERR_BUFFER_TOO_SMALL (more bytes than out_cap).
 * out is untouched on error.
 */
mcim_err mcim_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap,
			 size_t *out_len);

/* As mcim_hex_decode, but the text must decode to exactly len bytes (else INVALID_ARG).
 */
mcim_err mcim_hex_decode_exact(const char *hex, size_t hex_len, uint8_t *out, size_t len);

/*
 * Writes len bytes as lowercase hex plus a NUL into out (out_cap >= 2*len+1, else
 * MCIM_ERR_BUFFER_TOO_SMALL and out is left as an empty string when out_cap > 0).
 */
mcim_err mcim_hex_encode(const uint8_t *in, size_t len, char *out, size_t out_cap);

#endif
