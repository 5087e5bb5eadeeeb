/*
 * The error table: one row per mcim_err value, kept in enum order, with the name used
 * in JSON output and logs and the sentence shown to people. tests/unit/test_err.c
 * checks this table against the enum and docs/errors.md.
 */
#include "mcim/err.h"

#include <stddef.h>

struct err_row {
	const char *name;
	const char *text;
};

static const struct err_row err_table[MCIM_ERR_COUNT_] = {
    [MCIM_OK] = {"OK", "success"},
    [MCIM_ERR_INVALID_ARG] = {"INVALID_ARG", "invalid argument (wrong length or value)"},
    [MCIM_ERR_PARSE] = {"PARSE", "malformed input"},
    [MCIM_ERR_TRUNCATED] = {"TRUNCATED", "input ends too early"},
    [MCIM_ERR_TOO_LARGE] = {"TOO_LARGE", "input larger than allowed"},
    [MCIM_ERR_BUFFER_TOO_SMALL] = {"BUFFER_TOO_SMALL", "output buffer too small"},
    [MCIM_ERR_UNSUPPORTED] = {"UNSUPPORTED", "algorithm or parameter not supported"},
    [MCIM_ERR_CRYPTO] = {"CRYPTO", "cryptographic library failure"},
    [MCIM_ERR_RANDOM] = {"RANDOM", "no random bytes available"},
    [MCIM_ERR_NOMEM] = {"NOMEM", "out of memory"},
    [MCIM_ERR_IO] = {"IO", "input/output error"},
    [MCIM_ERR_MAC_FAILURE] = {"MAC_FAILURE",
			      "authentication failure: MAC does not verify"},
    [MCIM_ERR_SYNC_FAILURE] = {"SYNC_FAILURE",
			       "synchronisation failure: sequence number not fresh"},
    [MCIM_ERR_SQN_EXHAUSTED] = {"SQN_EXHAUSTED", "sequence number space exhausted"},
    [MCIM_ERR_AMF] = {"AMF", "AMF not acceptable"},
    [MCIM_ERR_BAD_SIGNATURE] = {"BAD_SIGNATURE", "signature does not verify"},
    [MCIM_ERR_BAD_CERT] = {"BAD_CERT", "certificate invalid or not trusted"},
    [MCIM_ERR_WRONG_ROLE] = {"WRONG_ROLE",
			     "certificate role or operator not allowed here"},
    [MCIM_ERR_EXPIRED] = {"EXPIRED", "expired or not yet valid"},
    [MCIM_ERR_REPLAY] = {"REPLAY", "replayed or already used"},
    [MCIM_ERR_NOT_FOUND] = {"NOT_FOUND", "not found"},
    [MCIM_ERR_EXISTS] = {"EXISTS", "already exists"},
    [MCIM_ERR_STATE] = {"STATE", "not allowed in the current state"},
    [MCIM_ERR_DENIED] = {"DENIED", "not authorised"},
    [MCIM_ERR_LOCKED] = {"LOCKED", "locked after too many failed attempts"},
    [MCIM_ERR_TAMPERED] = {"TAMPERED", "integrity check failed: store tampered"},
    [MCIM_ERR_ROLLBACK] = {"ROLLBACK", "older state than the monotonic counter allows"},
    [MCIM_ERR_FOREIGN_STORE] = {"FOREIGN_STORE", "store belongs to another device"},
    [MCIM_ERR_BAD_BOOT] = {"BAD_BOOT", "boot measurements do not match the manifest"},
    [MCIM_ERR_DECRYPT] = {"DECRYPT", "decryption failed: wrong key or modified data"},
    [MCIM_ERR_POLICY] = {"POLICY", "refused by policy"},
    [MCIM_ERR_FULL] = {"FULL", "no room left"},
    [MCIM_ERR_INTERNAL] = {"INTERNAL", "internal error"},
};

const char *mcim_strerror(mcim_err err)
{
	if ((unsigned)err >= MCIM_ERR_COUNT_ || err_table[err].text == NULL)
		return "unknown error";
	return err_table[err].text;
}

const char *mcim_err_name(mcim_err err)
{
	if ((unsigned)err >= MCIM_ERR_COUNT_ || err_table[err].name == NULL)
		return "UNKNOWN";
	return err_table[err].name;
}
