/*
 * mcim/tamper.h: the TRE's signed tamper report (R-TRE-G11, R-PRC-602): what a TRE
 * says when it detects tampering (a sealed store that fails its integrity check or
 * was rolled back, a bad boot, a damaged audit log, a UICC moved to another M2ME,
 * repeated MAC failures), signed inside the TRE, queued for the agent, and verified
 * by the SHO's DPF that receives it (docs/protocol.md §10, docs/tre.md "Tamper").
 * One codec for both ends: the TRE encodes and signs with it, the DPF verifies and
 * decodes with it.
 *
 * Signed object: a tagged COSE_Sign1 (ES256) by the TRE's identity key, the TRE id
 * as the protected kid, no x5chain (the certificate is in the sealed store, which
 * may be precisely what cannot be read when the report is made), no external_aad.
 * The payload is a deterministic CBOR map with unsigned keys, all present:
 *
 *   {
 *     1: "mcim/tre/tamper",
 *     2: tre_id,     bstr .size 16
 *     3: seq,        uint 1..MCIM_TAMPER_SEQ_MAX: the TRE's report number
 *     4: time,       uint 0..MCIM_TAMPER_TIME_MAX: the TRE's clock, seconds
 *     5: reason,     uint: the mcim_err value of what was detected, never MCIM_OK
 *     6: reason name tstr: mcim_err_name(reason), which must match 5
 *     7: detail,     tstr 0..MCIM_TAMPER_DETAIL_MAX printable ASCII
 *     8: TRE state   tstr: mcim_tre_state_name() of the TRE's state when it reported
 *   }
 *
 * Sequence numbers grow by one per report of a TRE; a receiver records a report once
 * per (TRE id, seq), so a replayed report changes nothing.
 *
 * Conventions: decoders take (buf, len) and read nothing past len; outputs are
 * written only on success. Nothing allocates (OpenSSL does inside the signature).
 * NULL where a pointer is required is a caller bug (assert). All functions are
 * thread-safe.
 */
#ifndef MCIM_TAMPER_H
#define MCIM_TAMPER_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/tre.h"

#define MCIM_TAMPER_CONTEXT    "mcim/tre/tamper"
#define MCIM_TAMPER_TRE_ID_LEN MCIM_TRE_ID_LEN
#define MCIM_TAMPER_DETAIL_MAX 200
/* Both fit a signed 64-bit integer, as every store and JSON reader takes them. */
#define MCIM_TAMPER_SEQ_MAX  ((uint64_t)INT64_MAX)
#define MCIM_TAMPER_TIME_MAX ((uint64_t)INT64_MAX)
/* Upper bounds on an encoded payload and on a signed report (tested). */
#define MCIM_TAMPER_PAYLOAD_MAX 384
#define MCIM_TAMPER_REPORT_MAX	512

struct mcim_tamper_report {
	uint8_t tre_id[MCIM_TAMPER_TRE_ID_LEN];
	uint64_t seq;  /* 1..MCIM_TAMPER_SEQ_MAX */
	uint64_t time; /* 0..MCIM_TAMPER_TIME_MAX */
	mcim_err reason;
	char detail[MCIM_TAMPER_DETAIL_MAX + 1]; /* printable ASCII */
	enum mcim_tre_state state;
};

/*
 * The payload of r. Errors: MCIM_ERR_INVALID_ARG (r outside the format above: seq 0
 * or too large, reason MCIM_OK or unknown, a detail not printable or too long, a
 * state without a name), MCIM_ERR_BUFFER_TOO_SMALL.
 */
mcim_err mcim_tamper_encode(const struct mcim_tamper_report *r, uint8_t *out, size_t cap,
			    size_t *len);

/*
 * UNAUTHENTICATED: decodes a payload strictly (keys in order, all present, nothing
 * after the map). Errors: MCIM_ERR_TRUNCATED, MCIM_ERR_PARSE (malformed, another
 * context, a key missing, unknown or disordered, a wrong type or length, a reason
 * name that is not the reason's, an unknown state, a detail not printable),
 * MCIM_ERR_TOO_LARGE (seq or time above their maximum, a detail too long).
 */
mcim_err mcim_tamper_decode(const uint8_t *buf, size_t len, struct mcim_tamper_report *r)
    __attribute__((warn_unused_result));

/*
 * Encodes r and signs it with key, the TRE's identity key, kid = r->tre_id. Errors:
 * those of mcim_tamper_encode, MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_CRYPTO.
 */
mcim_err mcim_tamper_sign(const struct mcim_tamper_report *r,
			  const struct mcim_p256_priv *key, uint8_t *out, size_t cap,
			  size_t *len);

/*
 * The receiver's check: buf[0..len) is a COSE_Sign1 signed by pub, the key of the TRE
 * tre_id (as its verified certificate says), whose kid is tre_id, whose payload
 * decodes strictly and names tre_id. On MCIM_OK fills *r. Errors, the first that
 * applies: MCIM_ERR_TOO_LARGE (above MCIM_TAMPER_REPORT_MAX), the COSE parse errors
 * (an x5chain or no kid is MCIM_ERR_PARSE: outside the format),
 * MCIM_ERR_BAD_SIGNATURE, MCIM_ERR_DENIED (kid of another TRE), the decode errors,
 * MCIM_ERR_DENIED (a payload naming another TRE).
 */
mcim_err mcim_tamper_verify(const uint8_t *buf, size_t len,
			    const struct mcim_p256_pub *pub,
			    const uint8_t tre_id[MCIM_TAMPER_TRE_ID_LEN],
			    struct mcim_tamper_report *r)
    __attribute__((warn_unused_result));

#endif
