/*
 * mcim/cbor.h: CBOR (RFC 8949) in the deterministic profile that every openmcim
 * message, signed object and TRE command uses.
 *
 * The profile: definite lengths only; every integer, length and tag number in its
 * shortest form (RFC 8949 4.2.1 core deterministic encoding); map keys in strictly
 * increasing bytewise order of their encodings (so no duplicates); text strings valid
 * UTF-8; of the simple values only false, true and null; no floating-point numbers.
 * An encoding the reader accepts is the only encoding of its value, which is what a
 * signature over it needs.
 *
 * Writer: a cursor over a caller buffer with a sticky error. Once an item does not
 * fit, the writer keeps its length, every later call does nothing, and
 * mcim_cbor_writer_finish() reports MCIM_ERR_BUFFER_TOO_SMALL; callers encode a whole
 * message and check once. Array and map headers take the count of items that follow;
 * the caller writes map keys in the order above (the writer does not sort).
 *
 * Reader: a cursor over (buf, len). Every function reads one item (or one head) at
 * the cursor and advances it only on success; on error the cursor has not moved.
 * Byte and text strings are returned as pointers into the input (zero copy, valid as
 * long as the input is). Errors: MCIM_ERR_TRUNCATED (the input ends inside the item,
 * or a count or length promises more than remains), MCIM_ERR_PARSE (not well formed,
 * outside the profile, or another type than asked for), MCIM_ERR_TOO_LARGE (a value
 * that does not fit the requested C type, or nesting deeper than
 * MCIM_CBOR_MAX_DEPTH).
 *
 * Nothing here allocates. NULL is allowed only for (pointer, 0) byte ranges; any other
 * NULL is a caller bug (assert). Readers and writers are plain values owned by the
 * caller; functions are reentrant, a single reader or writer is not to be shared by
 * threads.
 */
#ifndef MCIM_CBOR_H
#define MCIM_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/err.h"

/* Arrays, maps and tags nested deeper than this are refused by the reader. */
#define MCIM_CBOR_MAX_DEPTH 16

/* The largest head: initial byte plus an 8-octet argument. */
#define MCIM_CBOR_HEAD_MAX 9

/* What the next item is, as mcim_cbor_peek() reports it. */
enum mcim_cbor_type {
	MCIM_CBOR_UINT,	 /* major type 0 */
	MCIM_CBOR_NINT,	 /* major type 1: -1 - n */
	MCIM_CBOR_BSTR,	 /* major type 2 */
	MCIM_CBOR_TSTR,	 /* major type 3 */
	MCIM_CBOR_ARRAY, /* major type 4 */
	MCIM_CBOR_MAP,	 /* major type 5 */
	MCIM_CBOR_TAG,	 /* major type 6 */
	MCIM_CBOR_BOOL,	 /* false or true */
	MCIM_CBOR_NULL,
};

/* ---- writer ---- */

struct mcim_cbor_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;   /* octets written so far */
	mcim_err err; /* MCIM_OK, or the first error (sticky) */
};

/* Starts writing at buf[0]; buf may be NULL only when cap is 0. */
void mcim_cbor_writer_init(struct mcim_cbor_writer *w, uint8_t *buf, size_t cap);

/*
 * MCIM_OK and *len = the octets written, or the sticky error (then *len is the
 * length written before the first item that did not fit). len may be NULL.
 */
mcim_err mcim_cbor_writer_finish(const struct mcim_cbor_writer *w, size_t *len);

void mcim_cbor_put_uint(struct mcim_cbor_writer *w, uint64_t v);
/* A signed integer: major type 0 when v >= 0, else major type 1. */
void mcim_cbor_put_int(struct mcim_cbor_writer *w, int64_t v);
/* The negative integer -1 - n, for the values below INT64_MIN. */
void mcim_cbor_put_nint(struct mcim_cbor_writer *w, uint64_t n);
void mcim_cbor_put_bstr(struct mcim_cbor_writer *w, const void *data, size_t len);
/* A text string of len octets; the caller guarantees valid UTF-8. */
void mcim_cbor_put_tstr(struct mcim_cbor_writer *w, const char *s, size_t len);
/* A text string from a NUL-terminated C string (without the NUL). */
void mcim_cbor_put_cstr(struct mcim_cbor_writer *w, const char *s);
void mcim_cbor_put_array(struct mcim_cbor_writer *w, size_t count);
void mcim_cbor_put_map(struct mcim_cbor_writer *w, size_t pairs);
void mcim_cbor_put_bool(struct mcim_cbor_writer *w, bool v);
void mcim_cbor_put_null(struct mcim_cbor_writer *w);
void mcim_cbor_put_tag(struct mcim_cbor_writer *w, uint64_t tag);

/* One map entry with a text-string key (a C string): the shape of every answer of the
 * TRE's command interface, written by one call instead of two. */
void mcim_cbor_put_key_uint(struct mcim_cbor_writer *w, const char *key, uint64_t v);
void mcim_cbor_put_key_cstr(struct mcim_cbor_writer *w, const char *key, const char *s);
void mcim_cbor_put_key_bstr(struct mcim_cbor_writer *w, const char *key, const void *data,
			    size_t len);
void mcim_cbor_put_key_bool(struct mcim_cbor_writer *w, const char *key, bool v);

/*
 * Copies len octets that already are one or more encoded items (e.g. a COSE object
 * embedded in a message). The caller vouches that they are in the profile.
 */
void mcim_cbor_put_raw(struct mcim_cbor_writer *w, const void *data, size_t len);

/*
 * Writes the head of a byte string of len octets and returns where its len content
 * octets go, for the caller to fill in place (a ciphertext, a signature); NULL when
 * it does not fit (the error is then sticky).
 */
uint8_t *mcim_cbor_put_bstr_reserve(struct mcim_cbor_writer *w, size_t len);

/* ---- reader ---- */

struct mcim_cbor_reader {
	const uint8_t *buf;
	size_t len;
	size_t off; /* the cursor: 0 <= off <= len */
};

void mcim_cbor_reader_init(struct mcim_cbor_reader *r, const uint8_t *buf, size_t len);

/* Octets left after the cursor. */
size_t mcim_cbor_remaining(const struct mcim_cbor_reader *r);

/*
 * The type of the item at the cursor, from its first octet alone (the cursor does
 * not move). MCIM_ERR_TRUNCATED at the end of the input; MCIM_ERR_PARSE for an
 * initial byte outside the profile (floats, other simple values, indefinite lengths,
 * reserved values).
 */
mcim_err mcim_cbor_peek(const struct mcim_cbor_reader *r, enum mcim_cbor_type *type);

mcim_err mcim_cbor_read_uint(struct mcim_cbor_reader *r, uint64_t *v);
/* Major type 0 or 1; MCIM_ERR_TOO_LARGE outside INT64_MIN..INT64_MAX. */
mcim_err mcim_cbor_read_int(struct mcim_cbor_reader *r, int64_t *v);
/* Major type 1 only: the item is -1 - *n (covers values below INT64_MIN). */
mcim_err mcim_cbor_read_nint(struct mcim_cbor_reader *r, uint64_t *n);
mcim_err mcim_cbor_read_bstr(struct mcim_cbor_reader *r, const uint8_t **data,
			     size_t *len);
/* The octets are checked to be valid UTF-8; they are not NUL-terminated. */
mcim_err mcim_cbor_read_tstr(struct mcim_cbor_reader *r, const char **s, size_t *len);
/* An array head; *count items follow (at most one per remaining octet). */
mcim_err mcim_cbor_read_array(struct mcim_cbor_reader *r, size_t *count);
/*
 * A map head; *pairs key/value pairs follow. Reading the keys through
 * struct mcim_cbor_map (below) enforces their order; this alone does not.
 */
mcim_err mcim_cbor_read_map(struct mcim_cbor_reader *r, size_t *pairs);
mcim_err mcim_cbor_read_bool(struct mcim_cbor_reader *r, bool *v);
mcim_err mcim_cbor_read_null(struct mcim_cbor_reader *r);
/* A tag head; the tagged item follows. */
mcim_err mcim_cbor_read_tag(struct mcim_cbor_reader *r, uint64_t *tag);

/*
 * Reads one whole item of any type (arrays, maps and tags with everything inside,
 * checked against the whole profile, map key order included) and returns its
 * encoding as a span of the input. data and len may be NULL to just skip it.
 */
mcim_err mcim_cbor_read_item(struct mcim_cbor_reader *r, const uint8_t **data,
			     size_t *len);
/* mcim_cbor_read_item(r, NULL, NULL) */
mcim_err mcim_cbor_skip(struct mcim_cbor_reader *r);

/*
 * Map reading with the key order enforced: mcim_cbor_map_open() reads the head,
 * then per pair the caller reads a key with one of the mcim_cbor_map_key_*()
 * functions (which refuse, with MCIM_ERR_PARSE, a key not strictly greater than the
 * previous one: duplicates included) and then the value with any reader function.
 * mcim_cbor_map_more() tells whether a pair is left. The structure remembers the
 * previous key as a span of the input.
 */
struct mcim_cbor_map {
	size_t left; /* pairs not yet started */
	const uint8_t
	    *prev_key; /* encoding of the last key read, NULL before the first */
	size_t prev_key_len;
};

mcim_err mcim_cbor_map_open(struct mcim_cbor_reader *r, struct mcim_cbor_map *m);
bool mcim_cbor_map_more(const struct mcim_cbor_map *m);
/* An integer key (COSE labels). MCIM_ERR_PARSE when the next key is not an integer. */
mcim_err mcim_cbor_map_key_int(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
			       int64_t *key);
/* A text key. */
mcim_err mcim_cbor_map_key_tstr(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
				const char **s, size_t *len);
/* A key of any type, as its encoding (for keys the caller will not interpret). */
mcim_err mcim_cbor_map_key_item(struct mcim_cbor_reader *r, struct mcim_cbor_map *m,
				const uint8_t **data, size_t *len);

#endif
