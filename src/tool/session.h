/*
 * One device session as the footprint benchmarks measure it (issue 3): the TRE opened
 * with its secure boot, evidence over a fresh nonce, one 3G AKA, closed. The MCIM the
 * AKA runs with is the bench's: `mcim bench tre` installs it on the devices it makes,
 * with the fixed K and OP of tool_session_mcim(), and keeps its AuC's SEQ beside the
 * device in TOOL_SESSION_AUC_FILE, so that a later process (`mcim bench tre --device`,
 * `mcim-tre session`) can play the AuC for a device made earlier.
 *
 * Requests are built before the TRE call and answers checked after it, so that a
 * caller can time the call alone. No allocation, no stdio (the heap of the process is
 * what the footprint measures). Part of the tools' device library (tool/devcfg.h).
 */
#ifndef MCIM_TOOL_SESSION_H
#define MCIM_TOOL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/err.h"
#include "mcim/profile.h"
#include "mcim/sqn.h"

#define TOOL_SESSION_AUC_FILE "bench-auc.txt"

/* The AuC's side of the bench MCIM. Secret (K): tool_session_auc_wipe(). */
struct tool_session_auc {
	struct mcim_aka_cred cred;
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
	uint8_t amf[2];
};

/* The bench MCIM's credential (MILENAGE, fixed K and OP, its KCV), AMF and SQN
 * configuration, written into p; the caller sets the rest of the profile. */
void tool_session_mcim(struct mcim_profile *p);

/* The AuC for the bench MCIM with its SEQ at seq. */
mcim_err tool_session_auc_init(struct tool_session_auc *a, uint64_t seq);
/* The same with the SEQ read from dir/TOOL_SESSION_AUC_FILE (MCIM_ERR_NOT_FOUND,
 * MCIM_ERR_PARSE); saving writes the current SEQ there (MCIM_ERR_IO). */
mcim_err tool_session_auc_load(struct tool_session_auc *a, const char *dir);
mcim_err tool_session_auc_save(const struct tool_session_auc *a, const char *dir);
void tool_session_auc_wipe(struct tool_session_auc *a);

/* `attest`, mode remote, over a fresh 32-octet nonce from mcim_rng_system(). */
mcim_err tool_session_attest_req(uint8_t *req, size_t cap, size_t *len);
/* MCIM_OK when the answer is OK and carries evidence; else its status or
 * MCIM_ERR_PARSE. */
mcim_err tool_session_attest_check(const uint8_t *resp, size_t len);

/* `aka` with a fresh challenge: the AuC makes av (its SEQ moves on). */
mcim_err tool_session_aka_req(struct tool_session_auc *a, struct mcim_auth_vector *av,
			      uint8_t *req, size_t cap, size_t *len);
/* MCIM_OK when the answer is OK and its RES is the AuC's XRES (else
 * MCIM_ERR_MAC_FAILURE, the answer's status, or MCIM_ERR_PARSE). */
mcim_err tool_session_aka_check(const struct mcim_auth_vector *av, const uint8_t *resp,
				size_t len);

#endif
