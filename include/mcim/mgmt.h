/*
 * mcim/mgmt.h: the SHO's management commands for one MCIM (R-MCIM-L04, R-MCIM-C05,
 * R-PRC-302), both ends: the SHO signs, the TRE verifies with the key of the MCIM's
 * own management certificate (tre/registry.h applies them).
 *
 *   Sign_SHO{"mcim/mgmt", tre_id, mcim_id, counter, command, parameters}
 *
 * is a COSE_Sign1 (ES256, mcim/cose.h) whose payload is the CBOR array
 *   ["mcim/mgmt", tre_id bstr(16), mcim_id bstr(16), counter uint (>= 1),
 *    command uint, parameters]
 * with parameters, by command:
 *   activate    {0: swap (bool)}   swap: make-before-break, the ACTIVATED MCIM of
 *                                  the TRE (if any) becomes SUSPENDED atomically
 *   suspend, resume, delete   {} (an empty map)
 *   release     {0: new_sho tstr (MCC+MNC), 1: exp int (seconds since the epoch)}:
 *               the owner's consent to a change of subscription to new_sho, valid
 *               until exp
 *   set_policy  the policy map of mcim/profile.h
 * The context string inside the signed payload keeps any other signed object of the
 * SHO (a release passed on by a DPF included) from being taken for a command. Nothing
 * else may appear; the encoding is the deterministic one of mcim/cbor.h, and the
 * decoder refuses anything else (MCIM_ERR_PARSE) and values out of range
 * (MCIM_ERR_INVALID_ARG).
 *
 * The counter is per MCIM: the TRE accepts a command only when its counter is above
 * the last one it accepted for that MCIM, so every command is single-use and an older
 * one cannot follow a newer one.
 *
 * Conventions: commands hold no secret. Outputs are written only on success. Nothing
 * allocates. NULL is a caller bug (assert). All functions are reentrant.
 */
#ifndef MCIM_MGMT_H
#define MCIM_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/cose.h"
#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/profile.h"

#define MCIM_MGMT_CONTEXT    "mcim/mgmt"
#define MCIM_MGMT_TRE_ID_LEN 16
/* An upper bound on a signed command (tested). */
#define MCIM_MGMT_SIGNED_MAX 256

/* Stable numbers (encoded). */
enum mcim_mgmt_cmd {
	MCIM_MGMT_ACTIVATE = 1,
	MCIM_MGMT_SUSPEND = 2,
	MCIM_MGMT_RESUME = 3,
	MCIM_MGMT_DELETE = 4,
	MCIM_MGMT_RELEASE = 5,
	MCIM_MGMT_SET_POLICY = 6,
};

struct mcim_mgmt {
	uint8_t tre_id[MCIM_MGMT_TRE_ID_LEN];
	uint8_t mcim_id[MCIM_PROFILE_ID_LEN];
	uint64_t counter; /* >= 1 */
	enum mcim_mgmt_cmd cmd;
	union {
		bool swap; /* activate */
		struct {   /* release */
			char new_sho[MCIM_PROFILE_OPERATOR_MAX + 1];
			int64_t exp;
		} release;
		struct mcim_policy policy; /* set_policy */
	} u;
};

/* "activate", "suspend", "resume", "delete", "release", "set_policy"; NULL otherwise. */
const char *mcim_mgmt_cmd_name(enum mcim_mgmt_cmd cmd);

/*
 * Encodes the payload of cmd. Errors: MCIM_ERR_INVALID_ARG (a field out of range),
 * MCIM_ERR_BUFFER_TOO_SMALL.
 */
mcim_err mcim_mgmt_encode(const struct mcim_mgmt *cmd, uint8_t *out, size_t cap,
			  size_t *len);

/* Decodes and checks a payload (buf[0..len), nothing after it). Errors above. */
mcim_err mcim_mgmt_decode(const uint8_t *buf, size_t len, struct mcim_mgmt *out)
    __attribute__((warn_unused_result));

/*
 * SHO side: encodes cmd and signs it with the SHO's management key into out
 * (MCIM_MGMT_SIGNED_MAX octets always suffice). Errors: those of mcim_mgmt_encode
 * and mcim_cose_sign1_sign.
 */
mcim_err mcim_mgmt_sign(const struct mcim_mgmt *cmd, const struct mcim_p256_priv *key,
			uint8_t *out, size_t cap, size_t *len);

/*
 * UNAUTHENTICATED: parses a signed command without checking its signature, so that
 * the TRE can find the MCIM (and so the key) it names, and can say in its audit
 * record what was refused. Nothing it returns may be trusted.
 */
mcim_err mcim_mgmt_peek(const uint8_t *buf, size_t len, struct mcim_mgmt *out);

/*
 * TRE side: verifies the COSE_Sign1 in buf[0..len) with pub (the MCIM's management
 * key) and decodes its payload. MCIM_ERR_BAD_SIGNATURE when the signature does not
 * verify, the COSE and payload errors otherwise. Binding (tre_id, mcim_id, owner,
 * counter) is the caller's check.
 */
mcim_err mcim_mgmt_verify(const uint8_t *buf, size_t len, const struct mcim_p256_pub *pub,
			  struct mcim_mgmt *out) __attribute__((warn_unused_result));

#endif
