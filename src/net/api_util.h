/*
 * net/api_util.h: strict readers for JSON documents that people write (the config
 * file) or that API clients send (operator request bodies).
 *
 * Every reader names the place of a fault by its key path, the way a person would
 * look for it: "tenants[1].plmn: must be 5 or 6 digits". A path is built by the
 * caller with net_jpath_key()/net_jpath_index() from the path of the enclosing
 * value ("" for the document itself). Unknown keys are refused (net_json_object),
 * so a misspelt option never silently falls back to a default.
 *
 * Conventions: a reader returns MCIM_OK, or MCIM_ERR_INVALID_ARG with e->msg set;
 * outputs are written only on success. "required" 0 means an absent key leaves the
 * output untouched (the caller's default stands) and returns MCIM_OK; null is not
 * "absent", it is a wrong type. Strings returned point into the json_t and live as
 * long as it does. Thread safety: reentrant; a json_t is not shared between threads.
 */
#ifndef MCIM_NET_API_UTIL_H
#define MCIM_NET_API_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mcim/err.h"

#define NET_JPATH_MAX 128 /* a key path, cut with "..." if longer */
#define NET_JERR_MAX  256 /* an error message including its path */

struct net_jerr {
	char msg[NET_JERR_MAX];
};

/*
 * Sets e->msg to "<path>: <formatted text>" (just the text when path is "") and
 * returns MCIM_ERR_INVALID_ARG.
 */
mcim_err net_jerr_set(struct net_jerr *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* out = path + "." + key ("key" when path is ""); out has NET_JPATH_MAX chars. */
void net_jpath_key(char out[NET_JPATH_MAX], const char *path, const char *key);
/* out = path + "[" + index + "]". */
void net_jpath_index(char out[NET_JPATH_MAX], const char *path, size_t index);

/*
 * v (at path) must be an object whose keys are all in allowed (a NULL-terminated
 * list). Errors: "must be an object", "<path>.<key>: unknown key".
 */
mcim_err net_json_object(const json_t *v, const char *path, const char *const *allowed,
			 struct net_jerr *e);

/*
 * obj[key] must be a string of min_len..max_len octets without NUL or control
 * characters.
 */
mcim_err net_json_str(const json_t *obj, const char *path, const char *key, int required,
		      size_t min_len, size_t max_len, const char **out,
		      struct net_jerr *e);

/* obj[key] must be an integer in min..max. */
mcim_err net_json_uint(const json_t *obj, const char *path, const char *key, int required,
		       uint64_t min, uint64_t max, uint64_t *out, struct net_jerr *e);

/* obj[key] must be true or false. */
mcim_err net_json_bool(const json_t *obj, const char *path, const char *key, int required,
		       bool *out, struct net_jerr *e);

/* obj[key] must be an array of at most max_items elements. */
mcim_err net_json_array(const json_t *obj, const char *path, const char *key,
			int required, size_t max_items, const json_t **out,
			struct net_jerr *e);

/*
 * v (at path) must be a string of exactly 2*len hex digits; decoded into out.
 * what describes the value in the message ("the SHA-256 of the token").
 */
mcim_err net_json_hex(const json_t *v, const char *path, size_t len, const char *what,
		      uint8_t *out, struct net_jerr *e);

/* 1 when s is 1..max_len characters of [a-z0-9-], starting with a letter or digit. */
int net_is_name(const char *s, size_t max_len);

/* 1 when s is exactly min_len..max_len decimal digits. */
int net_is_digits(const char *s, size_t min_len, size_t max_len);

#endif
