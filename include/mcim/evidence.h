/*
 * mcim/evidence.h: attestation evidence. The TRE signs it with its identity key over
 * the PVA's nonce; the PVA verifies it, replays the event log into the registers and
 * appraises the measurements against the M2MES's reference values (a manifest,
 * mcim/manifest.h). Also the register arithmetic both sides share.
 *
 * Registers (PCR-like): MCIM_PCRS values of 32 octets, all zero at reset; extending
 * register i with a digest d sets it to SHA-256(old || d). The event log records each
 * extension in order: replaying it from zeros gives the registers.
 *
 * Validation modes (R-PRC-201..203):
 * - REMOTE: full evidence: registers and event log; the PVA decides.
 * - AUTONOMOUS: the TRE checked itself; only a GOOD boot may be attested (the TRE
 *   releases nothing otherwise) and no measurement is sent.
 * - SEMI_AUTONOMOUS: the TRE checked itself and sends its verdict: the list of failed
 *   components, no measurements.
 *
 * Signed object: a tagged COSE_Sign1 (ES256) with the TRE's chain in the x5chain
 * (tre leaf, its m2mes-ca), no external_aad. The payload is a deterministic CBOR map:
 *
 *   {
 *     1: "mcim/pva/evidence",
 *     2: nonce,                   bstr .size MCIM_EVIDENCE_NONCE_LEN, the PVA's
 *     3: tre_id,                  tstr 1..MCIM_CERT_TRE_ID_MAX, as in the certificate
 *     4: mode,                    uint (enum mcim_evidence_mode)
 *     5: boot,                    [state, manifest_reason, sequence, security_version,
 *                                  platform]  (uint, uint, uint, uint, tstr 0..31)
 *     6: registers,               [MCIM_PCRS x bstr .size 32]          REMOTE only
 *     7: events,                  [0..MCIM_EVENTS_MAX x event]         REMOTE only
 *     8: counters,                [boot_count, tamper_count, store_generation,
 *                                  failed_auths]  (uint each)
 *     9: mcims,                   [0..MCIM_EVIDENCE_MCIMS_MAX x [mcim_id bstr .size 16,
 *                                  sho tstr (5 or 6 digits), state uint 1..4]]
 *    10: failed                   [0..MCIM_EVIDENCE_FAILED_MAX x [name, reason]]
 *                                  SEMI_AUTONOMOUS only
 *   }
 *   event = [pcr uint 0..MCIM_PCRS-1, type uint, name tstr 1..31, version tstr 0..23,
 *            digest bstr .size 32]
 *
 * Consistency, enforced on both sides: boot.state is GOOD or BAD; a GOOD boot has
 * manifest_reason OK and no failed component; an AUTONOMOUS evidence has a GOOD boot;
 * a failure has a reason other than OK (a component that failed with its manifest
 * carries the manifest's reason) and the manifest_reason is OK or a MANIFEST_ one;
 * texts are printable ASCII. The claims
 * (backend, assurance) are not in the payload: mcim_evidence_verify() takes them from
 * the verified TRE certificate, the only place they are vouched for.
 *
 * Conventions: outputs are written only on success. NULL where a pointer is required
 * is a caller bug (assert). Nothing here allocates (with the openssl crypto backend,
 * OpenSSL allocates inside signatures). All functions are thread-safe.
 */
#ifndef MCIM_EVIDENCE_H
#define MCIM_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/cert.h"
#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/manifest.h"

#define MCIM_EVIDENCE_CONTEXT	  "mcim/pva/evidence"
#define MCIM_PCRS		  8
#define MCIM_EVENTS_MAX		  32
#define MCIM_EVIDENCE_NONCE_LEN	  32
#define MCIM_EVIDENCE_MCIMS_MAX	  8
#define MCIM_EVIDENCE_FAILED_MAX  MCIM_MANIFEST_COMPONENTS_MAX
#define MCIM_EVIDENCE_MCIM_ID_LEN 16
/* The largest payload mcim_evidence_encode() can produce, with room to spare. */
#define MCIM_EVIDENCE_PAYLOAD_MAX 8192
/* The largest signed evidence accepted: payload plus a chain of certificates. */
#define MCIM_EVIDENCE_MAX_LEN 16384

/* The register a boot measures its manifest into; components go to the others. */
#define MCIM_PCR_MANIFEST 0

enum mcim_evidence_mode {
	MCIM_EVIDENCE_REMOTE = 1,
	MCIM_EVIDENCE_AUTONOMOUS = 2,
	MCIM_EVIDENCE_SEMI_AUTONOMOUS = 3,
};

enum mcim_boot_state {
	MCIM_BOOT_NONE = 0, /* not booted yet */
	MCIM_BOOT_GOOD = 1,
	MCIM_BOOT_BAD = 2,
};

/* Why a component or the manifest failed the boot check; values never change. */
enum mcim_boot_reason {
	MCIM_BOOT_OK = 0,
	/* a component (does not run) */
	MCIM_BOOT_NOT_IN_MANIFEST = 1, /* the manifest does not list it */
	MCIM_BOOT_DIGEST_MISMATCH = 2, /* its file is not what the manifest says */
	MCIM_BOOT_UNREADABLE = 3,      /* its file is missing, unreadable or too large */
	/* the manifest (nothing runs) */
	MCIM_BOOT_MANIFEST_MISSING = 16,   /* no manifest given */
	MCIM_BOOT_MANIFEST_MALFORMED = 17, /* not a signed manifest of the profile */
	MCIM_BOOT_MANIFEST_UNTRUSTED = 18, /* chain does not lead to the CI root */
	MCIM_BOOT_MANIFEST_WRONG_ROLE =
	    19,				 /* signed by a certificate that is not m2mes */
	MCIM_BOOT_MANIFEST_EXPIRED = 20, /* a certificate outside its validity */
	MCIM_BOOT_MANIFEST_BAD_SIGNATURE = 21,
	MCIM_BOOT_MANIFEST_ROLLBACK = 22, /* security_version below the device's floor */
	MCIM_BOOT_MANIFEST_PLATFORM = 23, /* made for another device model */
};

/* "ok", "not-in-manifest", "digest-mismatch", ...; NULL for another value. */
const char *mcim_boot_reason_name(enum mcim_boot_reason reason);

enum mcim_event_type {
	MCIM_EVENT_MANIFEST = 1,  /* digest: SHA-256 of the signed manifest as given */
	MCIM_EVENT_COMPONENT = 2, /* digest: SHA-256 of the component's file */
};

/* One extension of one register. */
struct mcim_event {
	uint8_t pcr; /* 0..MCIM_PCRS-1 */
	enum mcim_event_type type;
	char name[MCIM_MANIFEST_NAME_MAX + 1];
	char version[MCIM_MANIFEST_VERSION_MAX + 1]; /* the manifest's, "" when unknown */
	uint8_t digest[MCIM_SHA256_LEN];
};

struct mcim_boot_failure {
	char name[MCIM_MANIFEST_NAME_MAX + 1];
	enum mcim_boot_reason reason;
};

/* What the boot found, in every mode. */
struct mcim_evidence_boot {
	enum mcim_boot_state state;	       /* GOOD or BAD */
	enum mcim_boot_reason manifest_reason; /* MCIM_BOOT_OK or a MANIFEST_ reason */
	uint32_t sequence;		       /* of the manifest booted (0 if none) */
	uint32_t security_version;
	char platform[MCIM_MANIFEST_PLATFORM_MAX + 1];
};

struct mcim_evidence_counters {
	uint64_t boot_count;
	uint64_t tamper_count;
	uint64_t store_generation;
	uint64_t failed_auths;
};

/* One MCIM of the registry, without secrets. */
struct mcim_evidence_mcim {
	uint8_t mcim_id[MCIM_EVIDENCE_MCIM_ID_LEN];
	char sho[MCIM_CERT_OPERATOR_MAX + 1]; /* MCC+MNC digits */
	unsigned state; /* registry.h's tre_mcim_state: 1 installed .. 4 deleted */
};

struct mcim_evidence {
	uint8_t nonce[MCIM_EVIDENCE_NONCE_LEN];
	char tre_id[MCIM_CERT_TRE_ID_MAX + 1];
	enum mcim_evidence_mode mode;
	struct mcim_evidence_boot boot;
	uint8_t pcrs[MCIM_PCRS][MCIM_SHA256_LEN]; /* REMOTE; zero otherwise */
	size_t n_events;			  /* REMOTE; 0 otherwise */
	struct mcim_event events[MCIM_EVENTS_MAX];
	struct mcim_evidence_counters counters;
	size_t n_mcims;
	struct mcim_evidence_mcim mcims[MCIM_EVIDENCE_MCIMS_MAX];
	size_t n_failed; /* SEMI_AUTONOMOUS; 0 otherwise */
	struct mcim_boot_failure failed[MCIM_EVIDENCE_FAILED_MAX];
	/* Claims: set by mcim_evidence_verify() from the certificate, ignored by sign
	 * and encode, zero after decode. */
	enum mcim_cert_backend backend;
	unsigned assurance;
};

/* ---- registers ---- */

/* reg = SHA-256(reg || digest). Errors: MCIM_ERR_CRYPTO. */
mcim_err mcim_pcr_extend(uint8_t reg[MCIM_SHA256_LEN],
			 const uint8_t digest[MCIM_SHA256_LEN]);

/*
 * The registers the n events give when replayed from zeros, into pcrs.
 * Errors: MCIM_ERR_INVALID_ARG (n above MCIM_EVENTS_MAX, a register index out of
 * range), MCIM_ERR_CRYPTO.
 */
mcim_err mcim_evidence_replay(const struct mcim_event *events, size_t n,
			      uint8_t pcrs[MCIM_PCRS][MCIM_SHA256_LEN]);

/* ---- the signed object ---- */

/*
 * The payload of ev. Errors: MCIM_ERR_INVALID_ARG (ev breaks the format or the
 * consistency rules above), MCIM_ERR_BUFFER_TOO_SMALL.
 */
mcim_err mcim_evidence_encode(const struct mcim_evidence *ev, uint8_t *out, size_t cap,
			      size_t *out_len);

/*
 * UNAUTHENTICATED: decodes a payload strictly, without replaying the event log. For
 * tools and fuzzers. Errors: MCIM_ERR_TRUNCATED, MCIM_ERR_PARSE (malformed, another
 * context, a key missing, unknown, repeated or not allowed in this mode, a value
 * outside its range, an inconsistency), MCIM_ERR_TOO_LARGE (more entries than a
 * maximum, an integer above its range).
 */
mcim_err mcim_evidence_decode(const uint8_t *buf, size_t len, struct mcim_evidence *ev);

/*
 * Signs ev with the TRE identity key (chain[0]'s key; chain: n_chain DER
 * certificates, leaf first, for the x5chain). Errors: those of mcim_evidence_encode
 * (an AUTONOMOUS evidence of a BAD boot included), MCIM_ERR_INVALID_ARG (n_chain),
 * MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_CRYPTO.
 */
mcim_err mcim_evidence_sign(const struct mcim_evidence *ev,
			    const struct mcim_p256_priv *key,
			    const struct mcim_iov *chain, size_t n_chain, uint8_t *out,
			    size_t cap, size_t *out_len);

/*
 * The PVA's check (R-PRC-203, R-TRE-G12): the x5chain leads to the CI root under
 * policy (whose role must be MCIM_CERT_ROLE_TRE: every certificate valid at
 * policy->now, none on its revocation list — the TRE's, its M2MES CA's), that key
 * signed the object, the payload decodes
 * strictly, the certificate's TRE id is the payload's, the nonce is expected_nonce,
 * and the event log replays to the registers (REMOTE). On MCIM_OK fills *ev (claims
 * from the certificate) and, if tre_cert is not NULL, the certificate's content.
 * Whether the nonce was single-use and fresh is the PVA's to track.
 * Errors, the first that applies: MCIM_ERR_TOO_LARGE (above MCIM_EVIDENCE_MAX_LEN),
 * the COSE parse errors, MCIM_ERR_BAD_CERT (no x5chain, untrusted chain),
 * MCIM_ERR_EXPIRED, MCIM_ERR_WRONG_ROLE (a leaf that is not a TRE),
 * MCIM_ERR_BAD_SIGNATURE, the decode errors, MCIM_ERR_DENIED (the certificate is
 * another TRE's than the payload names), MCIM_ERR_REPLAY (another nonce: an old
 * evidence replayed), MCIM_ERR_TAMPERED (the event log does not replay to the
 * registers).
 */
mcim_err mcim_evidence_verify(const uint8_t *buf, size_t len, const uint8_t *ci_root,
			      size_t ci_root_len, const struct mcim_cert_policy *policy,
			      const uint8_t expected_nonce[MCIM_EVIDENCE_NONCE_LEN],
			      struct mcim_evidence *ev, struct mcim_cert_info *tre_cert)
    __attribute__((warn_unused_result));

/* ---- appraisal against reference values ---- */

/* EAR (draft-ietf-rats-ear) trustworthiness tiers, with their numeric values. */
enum mcim_ear_status {
	MCIM_EAR_NONE = 0,
	MCIM_EAR_AFFIRMING = 2,
	MCIM_EAR_WARNING = 32,
	MCIM_EAR_CONTRAINDICATED = 96,
};

/* "none", "affirming", "warning", "contraindicated"; NULL for another value. */
const char *mcim_ear_status_name(enum mcim_ear_status status);

enum mcim_appraisal_reason {
	MCIM_APPRAISAL_MATCH = 0,	     /* measured and equal to the reference */
	MCIM_APPRAISAL_UNKNOWN = 1,	     /* measured, not in the reference */
	MCIM_APPRAISAL_MISMATCH = 2,	     /* measured, another digest */
	MCIM_APPRAISAL_NOT_MEASURED = 3,     /* in the reference, not measured */
	MCIM_APPRAISAL_FAILED_ON_DEVICE = 4, /* reported failed (semi-autonomous) */
	MCIM_APPRAISAL_SELF_CHECKED = 5,     /* not reported failed (semi-autonomous) */
	MCIM_APPRAISAL_OTHER_FIRMWARE = 6,   /* booted another manifest sequence */
	MCIM_APPRAISAL_OTHER_PLATFORM = 7,   /* the reference is for another model */
	MCIM_APPRAISAL_BAD_MANIFEST = 8,     /* the device's manifest failed its check */
};

struct mcim_appraisal_item {
	char name[MCIM_MANIFEST_NAME_MAX + 1];
	enum mcim_ear_status status;
	enum mcim_appraisal_reason reason;
};

#define MCIM_APPRAISAL_ITEMS_MAX (MCIM_EVENTS_MAX + MCIM_MANIFEST_COMPONENTS_MAX)

struct mcim_appraisal {
	enum mcim_ear_status status;   /* the worst of firmware and every item */
	enum mcim_ear_status firmware; /* manifest sequence, platform, manifest check */
	enum mcim_appraisal_reason firmware_reason;
	size_t n;
	struct mcim_appraisal_item items[MCIM_APPRAISAL_ITEMS_MAX];
};

/*
 * Compares verified evidence with ref, the manifest of the firmware the PVA expects
 * (verified by the PVA with mcim_manifest_verify). Firmware verdict: contraindicated
 * when the evidence names another platform or reports a bad manifest, warning when
 * it booted another manifest sequence (the items then say what differs), else
 * affirming. Items by mode:
 * - REMOTE: one per component event: affirming when name and digest are in ref,
 *   contraindicated when the name is unknown or the digest differs; then one per
 *   component of ref that no event measured: warning.
 * - SEMI_AUTONOMOUS: one per component of ref: contraindicated if reported failed,
 *   else affirming (self-checked); a failed name ref does not list: contraindicated.
 * - AUTONOMOUS: no items; the boot is GOOD by construction.
 * The caller's policy then decides (a lenient PVA may accept a warning).
 */
void mcim_evidence_appraise(const struct mcim_evidence *ev,
			    const struct mcim_manifest *ref, struct mcim_appraisal *out);

#endif
