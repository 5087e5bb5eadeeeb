/*
 * mcim/profile.h: the contents of one MCIM (TR 33.812 5.1.1.2, R-MCIM-C01..C08), as
 * the SHO's CCIF creates it and the TRE installs it.
 *
 * A profile holds the subscription identity (IMSI) of its SHO, the long-term secret
 * K with the algorithm set and its customisation (MILENAGE OPc and r/c constants, or
 * TUAK TOPc, output lengths and iterations), AMF, SQN parameters and the initial SQN
 * state, USIM-like PLMN lists, the MCIM's own security policy, and the SHO's
 * management certificate (whose key alone may drive this MCIM's lifecycle).
 *
 * Credential type and key check value (against the OP/OPc mix-ups that make AKA fail
 * with "MAC failure" in deployed cores): a profile never holds OP. The encoding names
 * the field "opc" for MILENAGE and "topc" for TUAK, and the decoder accepts only the
 * one matching the algorithm; mcim_profile_set_op() derives it from OP/TOP, so nobody
 * has to copy a bare hex string into the wrong field. The key check value (KCV) is a
 * fingerprint of the effective credential (algorithm, K, OPc/TOPc, constants or TUAK
 * parameters): the first MCIM_PROFILE_KCV_LEN octets of
 *   SHA-256("mcim/profile/kcv" || MAC-A || RES || CK || IK)
 * with the outputs of the credential's own algorithm for RAND = 0^128, SQN = 0,
 * AMF = 0000. The CCIF takes it from its AuC record (mcim_profile_kcv on the AuC's
 * credential), the encoder and the decoder recompute it from the profile's
 * credential and refuse a mismatch (MCIM_ERR_INVALID_ARG), so an MCIM whose OPc the
 * AuC does not share never installs. The KCV is a hash of outputs for a RAND no
 * network sends: it reveals neither K nor a usable RES.
 *
 * Encoding (deterministic CBOR of mcim/cbor.h; the only accepted form of a value): a
 * map with unsigned integer keys, all present, nothing else:
 *   0 version of this format (1)    1 mcim_id bstr(16)      2 version uint (1..2^32-1)
 *   3 imsi tstr (6..15 digits)      4 sho tstr (MCC+MNC)     5 algorithm map (below)
 *   6 kcv bstr(8)                   7 amf bstr(2)            8 sqn map {0 ind_bits,
 *     1 delta, 2 age_limit, 3 initial SQN (the highest SQN already accepted, 0 none)}
 *   9 plmn map {0 operator-preferred, 1 forbidden, 2 equivalent home} each an array
 *     of MCC+MNC tstr, at most MCIM_PROFILE_PLMN_MAX
 *  10 policy (mcim_policy_write)     11 SHO management certificate bstr (DER)
 * The algorithm map is {0: 1 (milenage), 1: K, 2: opc bstr(16), 3: [r1..r5],
 * 4: [c1..c5]} or {0: 2 (tuak), 1: K (16 or 32), 5: topc bstr(32), 6: mac bits,
 * 7: res bits, 8: ck bits, 9: ik bits, 10: iterations}. The policy map is
 * {0 allowed (uint, MCIM_POLICY_ALLOW_* bits), 1 lock_until (int, seconds since the
 * epoch, 0 none), 2 share (bool), 3 on_tamper (uint), 4 max_mac_failures (uint),
 * 5 auto_activate (bool)}.
 *
 * Validation (mcim_profile_check, and the decoder on every field): lengths and
 * ranges; IMSI all digits and starting with the SHO's MCC+MNC (R-MCIM-C01); operator
 * ids 5 or 6 digits; the credential accepted by its algorithm set; the KCV; SQN
 * parameters by mcim_sqn_cfg_check and an initial SQN the USIM state can take; the
 * certificate well formed, role sho-mgmt, operator id = sho (its chain to the CI is
 * the installer's check, with a root and a time: see tre/registry.h).
 *
 * Conventions: struct mcim_profile is fixed-size and holds secrets (K, OPc/TOPc):
 * wipe it with mcim_profile_wipe() on every path; the functions here wipe their own
 * copies. Outputs are written only on success (the decoder wipes *out on error).
 * Decoders take (buf, len) and read nothing past len. Nothing allocates. NULL is a
 * caller bug (assert). All functions are reentrant.
 */
#ifndef MCIM_PROFILE_H
#define MCIM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/aka.h"
#include "mcim/cbor.h"
#include "mcim/err.h"
#include "mcim/sqn.h"

#define MCIM_PROFILE_FORMAT	  1
#define MCIM_PROFILE_ID_LEN	  16
#define MCIM_PROFILE_IMSI_MIN	  6
#define MCIM_PROFILE_IMSI_MAX	  15 /* digits (TS 23.003 2.2) */
#define MCIM_PROFILE_OPERATOR_MAX 6  /* MCC (3 digits) + MNC (2 or 3) */
#define MCIM_PROFILE_PLMN_MAX	  16 /* entries per PLMN list */
#define MCIM_PROFILE_CERT_MAX	  1024
#define MCIM_PROFILE_KCV_LEN	  8
/* An upper bound on the encoding of any valid profile (tested). */
#define MCIM_PROFILE_ENCODED_MAX 2560

/* What an MCIM's policy allows (bits of mcim_policy.allowed). */
enum {
	MCIM_POLICY_ALLOW_ACTIVATE = 1u << 0,
	MCIM_POLICY_ALLOW_SUSPEND = 1u << 1,
	MCIM_POLICY_ALLOW_RESUME = 1u << 2,
	MCIM_POLICY_ALLOW_DELETE = 1u << 3,
	MCIM_POLICY_ALLOW_RELEASE = 1u << 4, /* consent to a change of subscription */
	MCIM_POLICY_ALLOW_AKA_3G = 1u << 5,  /* RES, CK and IK may leave the TRE */
	MCIM_POLICY_ALLOW_AKA_EPS = 1u << 6, /* RES and KASME */
	MCIM_POLICY_ALLOW_AKA_5G = 1u << 7,  /* RES* and KAUSF */
	MCIM_POLICY_ALLOW_ALL = (1u << 8) - 1,
};

/* The MCIM's response to a tamper event of its TRE. Stable numbers (encoded). */
enum mcim_tamper_response {
	MCIM_TAMPER_NONE = 0,
	MCIM_TAMPER_SUSPEND = 1, /* ACTIVATED -> SUSPENDED */
	MCIM_TAMPER_WIPE = 2,	 /* -> DELETED, secrets wiped */
};

/*
 * The MCIM's security policy, set by its SHO (R-MCIM-C06, R-TRE-M05). "Derived keys
 * only" (CK and IK never leave the TRE) is allowed without MCIM_POLICY_ALLOW_AKA_3G.
 * set_policy is always accepted from the owning SHO, whatever allowed says, so that
 * an SHO cannot lock itself out.
 */
struct mcim_policy {
	uint32_t allowed;     /* MCIM_POLICY_ALLOW_* bits; no others */
	int64_t lock_until;   /* no release before this time (seconds); 0: none */
	bool share_functions; /* TRE functions may be shared with other MCIMs */
	enum mcim_tamper_response on_tamper;
	uint16_t max_mac_failures; /* consecutive MAC failures = tamper; 0: never */
	bool auto_activate;	   /* the TRE's policy may activate it (no SHO command) */
};

struct mcim_plmn_list {
	uint8_t n;
	char id[MCIM_PROFILE_PLMN_MAX][MCIM_PROFILE_OPERATOR_MAX + 1]; /* MCC+MNC */
};

/* One MCIM. Secret (cred): wipe with mcim_profile_wipe(). */
struct mcim_profile {
	uint8_t id[MCIM_PROFILE_ID_LEN];
	uint32_t version; /* >= 1 */
	char imsi[MCIM_PROFILE_IMSI_MAX + 1];
	char sho[MCIM_PROFILE_OPERATOR_MAX + 1]; /* the owner's MCC+MNC */
	struct mcim_aka_cred cred;		 /* algorithm, K, OPc/TOPc, parameters */
	uint8_t kcv[MCIM_PROFILE_KCV_LEN];
	uint8_t amf[MCIM_AKA_AMF_LEN];
	struct mcim_sqn_cfg sqn;
	uint64_t sqn_init; /* highest SQN already accepted (AuC's start), 0: none */
	struct mcim_plmn_list plmn_oper, plmn_forbidden, plmn_ehplmn;
	struct mcim_policy policy;
	uint8_t mgmt_cert[MCIM_PROFILE_CERT_MAX]; /* sho-mgmt certificate, DER */
	size_t mgmt_cert_len;
};

void mcim_profile_wipe(struct mcim_profile *p);

/* A policy that allows everything, no lock, no sharing, suspend on tamper, 3 MAC
 * failures, no auto-activation. */
void mcim_policy_default(struct mcim_policy *policy);

/* MCIM_OK, or MCIM_ERR_INVALID_ARG for unknown allowed bits or on_tamper values. */
mcim_err mcim_policy_check(const struct mcim_policy *policy);

/* Writes the policy map (also the parameter of the set_policy command, mgmt.h). */
void mcim_policy_write(struct mcim_cbor_writer *w, const struct mcim_policy *policy);

/* Reads and checks a policy map at the cursor. MCIM_ERR_PARSE for unknown, missing
 * or out-of-order keys, MCIM_ERR_INVALID_ARG for values out of range. */
mcim_err mcim_policy_read(struct mcim_cbor_reader *r, struct mcim_policy *policy);

/* The key check value of a credential (see above). Errors of the algorithm set. */
mcim_err mcim_profile_kcv(const struct mcim_aka_cred *cred,
			  uint8_t kcv[MCIM_PROFILE_KCV_LEN]);

/*
 * Sets p->cred.opc from the operator's OP (MILENAGE, op_len 16) or TOP (TUAK,
 * op_len 32), with p->cred.alg, K and (TUAK) the iterations already set. Errors:
 * MCIM_ERR_INVALID_ARG (length, algorithm).
 */
mcim_err mcim_profile_set_op(struct mcim_profile *p, const uint8_t *op, size_t op_len);

/* MCIM_OK when every field is valid (see above), else MCIM_ERR_INVALID_ARG. */
mcim_err mcim_profile_check(const struct mcim_profile *p);

/*
 * Checks p (mcim_profile_check) and writes its encoding. Errors: MCIM_ERR_INVALID_ARG,
 * MCIM_ERR_BUFFER_TOO_SMALL. Should an error happen after writing started, out is
 * wiped (it would hold K).
 */
mcim_err mcim_profile_encode(const struct mcim_profile *p, uint8_t *out, size_t cap,
			     size_t *len);

/*
 * Decodes and validates buf[0..len) (nothing may follow the map) into *out.
 * Errors: MCIM_ERR_TRUNCATED, MCIM_ERR_PARSE (outside the format: unknown, missing or
 * disordered keys, wrong types), MCIM_ERR_TOO_LARGE (a field above its bound),
 * MCIM_ERR_INVALID_ARG (a value out of range, a KCV mismatch, an IMSI of another
 * operator), MCIM_ERR_UNSUPPORTED (another format version or algorithm).
 */
mcim_err mcim_profile_decode(const uint8_t *buf, size_t len, struct mcim_profile *out)
    __attribute__((warn_unused_result));

#endif
