/*
 * net/log.h: mcimd's log, one line per record on stderr (or a stream set for tests).
 *
 * A record is "<UTC time> <level> [<request id>] <message>\n", e.g.
 *   2025-03-01T10:00:00.123Z info [5f1c09a2-00000007] GET /healthz 200 0.1ms
 * Records below the current level are dropped before they are formatted.
 *
 * The no-secret rule (R-MCIM-C02, T-05): this API takes a printf format and its
 * arguments, and nothing else. There is deliberately no function that takes a
 * buffer and a length, and no hex dump: key material, tokens, request and response
 * bodies, Authorization headers and query strings are never handed to the log.
 * Callers log names, identifiers that are not secret (tenant, route, TRE id) and
 * error names. Control characters in a record (from a request path, say) are
 * written as \xNN so that a client cannot forge a line.
 *
 * Thread safety: every function may be called from any thread; a record is written
 * with one locked stdio call, so records never interleave.
 */
#ifndef MCIM_NET_LOG_H
#define MCIM_NET_LOG_H

#include <stdio.h>

#include "mcim/err.h"

enum net_log_level {
	NET_LOG_ERROR = 0,
	NET_LOG_WARN = 1,
	NET_LOG_INFO = 2,
	NET_LOG_DEBUG = 3,
};

/* The longest record, newline included; a longer message is cut to end in "...". */
#define NET_LOG_LINE_MAX 1024

/* Records at level or more severe are written; the default is NET_LOG_INFO. */
void net_log_set_level(enum net_log_level level);
enum net_log_level net_log_level(void);

/* 1 when a record at level would be written (to skip building costly arguments). */
int net_log_enabled(enum net_log_level level);

/*
 * "error", "warn", "info", "debug" -> the level; MCIM_ERR_INVALID_ARG for any other
 * text (*out untouched).
 */
mcim_err net_log_level_parse(const char *name, enum net_log_level *out);

/* The name above for level; "?" for a value out of range. */
const char *net_log_level_name(enum net_log_level level);

/*
 * Where records go: stderr by default. NULL restores stderr. The caller keeps the
 * stream open while it is in use (tests point it at a temporary file).
 */
void net_log_set_stream(FILE *stream);

/*
 * Writes one record. req_id is the request's id or NULL outside a request; fmt is a
 * printf format (never a string that came from the network: pass that as "%s").
 */
void net_log(enum net_log_level level, const char *req_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
