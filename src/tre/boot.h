/*
 * tre/boot.h: measured and secure boot inside the TRE (R-TRE-G02, T-01).
 *
 * tre_boot_run() measures the signed manifest into register MCIM_PCR_MANIFEST, then
 * each configured component's file, in the configured order, into its register
 * (SHA-256 extend, mcim/evidence.h), logging one event per measurement; it verifies
 * the manifest (mcim_manifest_verify) and compares each component with it. Secure
 * boot: a component that fails does not run and is recorded with its reason; a
 * manifest that fails (missing, malformed, untrusted, wrong role, expired, bad
 * signature, below the device's security version floor, another platform) makes
 * every component fail with it. The boot is GOOD only when the manifest and every
 * component pass.
 *
 * Measured boot records what was found, not what was expected: a modified component
 * is measured with its actual digest (so the PVA sees it), a file that cannot be
 * read is not measured at all (no event), and the manifest is measured as given,
 * even when it fails.
 *
 * What a BAD boot closes (the sealed store, the MCIM keys) is the caller's decision
 * (the TRE core); this module only computes and reports. The caller also keeps the
 * anti-rollback floor: it passes the highest security_version it has confirmed and
 * raises it only after a GOOD boot it accepts (raising it before confirmation would
 * break a revert: MCUboot's lesson).
 *
 * The PVA recomputes the registers from the event log with mcim_evidence_replay()
 * (mcim/evidence.h), the same arithmetic this module extends with.
 *
 * Memory: struct tre_boot is the caller's (about 5 KiB); file contents go through the
 * caller's work buffer (see mcim_manifest_hash_file). No allocation. One thread per
 * struct tre_boot. NULL is a caller bug (asserted) except where a field says so.
 */
#ifndef MCIM_TRE_BOOT_H
#define MCIM_TRE_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/err.h"
#include "mcim/evidence.h"
#include "mcim/manifest.h"

#define TRE_BOOT_COMPONENTS_MAX MCIM_MANIFEST_COMPONENTS_MAX

/* A component to measure: its manifest name, its file, and the register (1..7). */
struct tre_boot_component {
	const char *name; /* 1..MCIM_MANIFEST_NAME_MAX printable characters */
	const char *path;
	uint8_t pcr; /* not MCIM_PCR_MANIFEST */
};

struct tre_boot_config {
	const uint8_t
	    *manifest; /* the signed manifest; NULL (with 0) when there is none */
	size_t manifest_len;
	const uint8_t *ci_root; /* DER of the CI root the TRE trusts */
	size_t ci_root_len;
	const char *platform;	       /* the device model; NULL accepts any */
	uint32_t min_security_version; /* the anti-rollback floor */
	time_t now;		       /* for certificate validity */
	const struct tre_boot_component *components; /* measured in this order */
	size_t n_components;			     /* 0..TRE_BOOT_COMPONENTS_MAX */
	uint8_t *work; /* read buffer for hashing components (any size >= 1) */
	size_t work_cap;
};

struct tre_boot_failure {
	char name[MCIM_MANIFEST_NAME_MAX + 1];
	enum mcim_boot_reason reason;
	mcim_err err; /* the underlying error, for logs (MCIM_OK for a plain mismatch) */
};

struct tre_boot {
	enum mcim_boot_state state;
	enum mcim_boot_reason manifest_reason; /* MCIM_BOOT_OK when the manifest passed */
	mcim_err manifest_err;		       /* what mcim_manifest_verify said */
	struct mcim_manifest manifest;	       /* valid when manifest_reason is OK */
	uint8_t pcrs[MCIM_PCRS][MCIM_SHA256_LEN];
	size_t n_events;
	struct mcim_event events[MCIM_EVENTS_MAX];
	size_t n_failed; /* components that do not run, in configured order */
	struct tre_boot_failure failed[TRE_BOOT_COMPONENTS_MAX];
};

/*
 * Runs the boot check described above into *b (overwritten whole). MCIM_OK when a
 * verdict was reached (b->state GOOD or BAD); otherwise b->state is NONE and:
 * MCIM_ERR_INVALID_ARG (a configuration outside the limits: too many components, a
 * bad name or register, a duplicate name), MCIM_ERR_CRYPTO (hashing failed).
 */
mcim_err tre_boot_run(struct tre_boot *b, const struct tre_boot_config *cfg);

/* Whether the component called name may run: the boot is GOOD, or it is BAD only
 * because of other components (the manifest passed and name is not among the
 * failed). 0 for a name that was not configured. */
int tre_boot_may_run(const struct tre_boot *b, const char *name);

/*
 * Fills the boot part of evidence for mode from a finished boot: ev->mode,
 * ev->boot, and per mode the registers and event log (REMOTE) or the failed list
 * (SEMI_AUTONOMOUS); the other fields are left as they are. MCIM_ERR_STATE when b
 * has no verdict, MCIM_ERR_BAD_BOOT for AUTONOMOUS after a BAD boot (nothing may be
 * attested then: R-PRC-201).
 */
mcim_err tre_boot_evidence(const struct tre_boot *b, enum mcim_evidence_mode mode,
			   struct mcim_evidence *ev);

#endif
