/*
 * mcim/err.h: the one error type of openmcim.
 *
 * Every public function that can fail returns an mcim_err. MCIM_OK is 0; every other
 * value names one cause, is stable across releases (new causes are appended, none is
 * renumbered) and has a one-line description from mcim_strerror(). docs/errors.md lists
 * the same table; a test keeps the enum, the strings and the doc in step.
 *
 * Bad input (malformed, truncated, oversized, wrongly signed, replayed) is reported
 * through these values. A caller's own bug (a NULL where the contract forbids it)
 * is an assertion, not an error value.
 */
#ifndef MCIM_ERR_H
#define MCIM_ERR_H

typedef enum mcim_err {
	MCIM_OK = 0,
	MCIM_ERR_INVALID_ARG = 1,
	MCIM_ERR_PARSE = 2,
	MCIM_ERR_TRUNCATED = 3,
	MCIM_ERR_TOO_LARGE = 4,
	MCIM_ERR_BUFFER_TOO_SMALL = 5,
	MCIM_ERR_UNSUPPORTED = 6,
	MCIM_ERR_CRYPTO = 7,
	MCIM_ERR_RANDOM = 8,
	MCIM_ERR_NOMEM = 9,
	MCIM_ERR_IO = 10,
	MCIM_ERR_MAC_FAILURE = 11,
	MCIM_ERR_SYNC_FAILURE = 12,
	MCIM_ERR_SQN_EXHAUSTED = 13,
	MCIM_ERR_AMF = 14,
	MCIM_ERR_BAD_SIGNATURE = 15,
	MCIM_ERR_BAD_CERT = 16,
	MCIM_ERR_WRONG_ROLE = 17,
	MCIM_ERR_EXPIRED = 18,
	MCIM_ERR_REPLAY = 19,
	MCIM_ERR_NOT_FOUND = 20,
	MCIM_ERR_EXISTS = 21,
	MCIM_ERR_STATE = 22,
	MCIM_ERR_DENIED = 23,
	MCIM_ERR_LOCKED = 24,
	MCIM_ERR_TAMPERED = 25,
	MCIM_ERR_ROLLBACK = 26,
	MCIM_ERR_FOREIGN_STORE = 27,
	MCIM_ERR_BAD_BOOT = 28,
	MCIM_ERR_DECRYPT = 29,
	MCIM_ERR_POLICY = 30,
	MCIM_ERR_FULL = 31,
	MCIM_ERR_INTERNAL = 32,
	MCIM_ERR_COUNT_ /* not an error: the number of values above */
} mcim_err;

/* A static, never-NULL description of err; "unknown error" for values out of range. */
const char *mcim_strerror(mcim_err err);

/* The enum constant's name without the prefix ("MAC_FAILURE"), for logs and JSON. */
const char *mcim_err_name(mcim_err err);

#endif
