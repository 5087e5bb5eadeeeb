/*
 * tre/registry.h: the TRE's MCIM registry (R-MCIM-L01..L08, R-TRE-M02..M08): the
 * MCIMs installed in this TRE, their lifecycle, their management by the owning SHO,
 * their policies, and AKA with the activated one (R-TRE-G06).
 *
 * Lifecycle (requirements.md 3.1), one table, tre_lifecycle_next():
 *   INSTALLED  --activate (SHO, POLICY)--> ACTIVATED
 *   ACTIVATED  --suspend  (SHO, POLICY)--> SUSPENDED
 *   SUSPENDED  --resume   (SHO)--------->  ACTIVATED
 *   INSTALLED | ACTIVATED | SUSPENDED --delete (SHO, POLICY)--> DELETED
 * Anything else is refused: MCIM_ERR_DENIED for an actor the table never allows for
 * that operation (AGENT and MAINTENANCE drive nothing, POLICY never resumes),
 * MCIM_ERR_STATE for an operation not allowed from the state.
 * On top of the table, tre_registry_transition() enforces:
 *  - the MCIM's policy: an operation whose MCIM_POLICY_ALLOW_* bit is clear is
 *    MCIM_ERR_POLICY, except POLICY-actor suspend/delete (the tamper response the same
 *    policy asks for); a POLICY activation needs policy.auto_activate;
 *  - at most one ACTIVATED MCIM (R-MCIM-L05): activating while another is ACTIVATED
 *    (directly, or resuming a SUSPENDED one) is MCIM_ERR_STATE unless the request says
 *    swap, in which case the other one becomes SUSPENDED (actor POLICY) in the same
 *    transaction (make-before-break: the old MCIM keeps its credential and SQN state
 *    until its owner deletes it, so the device can fall back to it, R-MCIM-L06).
 *    Refusal is the default so that nothing is knocked off the network by accident.
 *    When the two MCIMs belong to different SHOs, the swap is a change of
 *    subscription: the old MCIM must hold its owner's release for the new one's SHO
 *    (MCIM_ERR_DENIED without it or for another SHO, MCIM_ERR_EXPIRED once past its
 *    exp; R-PRC-302, R-SEED-04), so one SHO can never displace another by itself.
 *  - DELETED wipes the secrets (R-MCIM-L07): the object keeps a tombstone (id,
 *    version, owner, last counter), so installing the same id and version again is
 *    refused (MCIM_ERR_REPLAY). At most TRE_MCIM_TOMBSTONES tombstones are kept;
 *    beyond that the oldest is dropped (replays of a download are first refused by
 *    the download protocol's fresh keys; tombstones are the second line).
 *
 * Storage: one object per MCIM in the sealed store under "m/" + 32 hex digits of the
 * id: the TRE id it is bound to, the state, counters, the release consent, the SQN
 * state of the USIM side and the profile (secrets included) for a live MCIM; the
 * tombstone for a DELETED one.
 *
 * Transactions: the functions that change state (install, transition, mgmt, aka,
 * on_tamper) run inside a transaction the caller opened (tre_store_begin); they only
 * put and delete, and never commit or abort, so the caller adds its audit record and
 * commits once: each transition is atomic and audited once. They check everything
 * before the first put, so a refusal (any error but those of tre_store_put itself)
 * leaves the transaction as it was and the caller may still commit its own record of
 * the refusal. After an error of tre_store_put/delete (MCIM_ERR_FULL, ...) the caller
 * must abort. tre_registry_aka is the one function that changes state on an error
 * return: see there.
 *
 * Secrets: K and OPc/TOPc are read from the store into local structures inside these
 * functions only, and wiped before they return; nothing here returns them.
 *
 * Conventions: no allocation (stack use is a few KiB: one object buffer and one
 * profile); NULL is a caller bug (assert); one thread at a time per store.
 */
#ifndef MCIM_TRE_REGISTRY_H
#define MCIM_TRE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mcim/aka.h"
#include "mcim/err.h"
#include "mcim/kdf.h"
#include "mcim/mgmt.h"
#include "mcim/profile.h"
#include "tre/backend.h"
#include "tre/store.h"

#define TRE_MCIM_MAX	    8  /* MCIMs not DELETED */
#define TRE_MCIM_TOMBSTONES 16 /* DELETED MCIMs remembered */
#define TRE_MCIM_KEY_PREFIX "m/"

/* Stable numbers (stored, reported). */
enum tre_mcim_state {
	TRE_MCIM_INSTALLED = 1, /* installed, not activated */
	TRE_MCIM_ACTIVATED = 2,
	TRE_MCIM_SUSPENDED = 3,
	TRE_MCIM_DELETED = 4,
};

enum tre_mcim_op {
	TRE_OP_ACTIVATE = 1,
	TRE_OP_SUSPEND = 2,
	TRE_OP_RESUME = 3,
	TRE_OP_DELETE = 4,
};

/* Who asks for a transition. */
enum tre_actor {
	TRE_ACTOR_SHO = 1,	   /* the owning SHO, by a verified signed command */
	TRE_ACTOR_POLICY = 2,	   /* the TRE's own policy (tamper, auto-activation) */
	TRE_ACTOR_AGENT = 3,	   /* the normal-world agent */
	TRE_ACTOR_MAINTENANCE = 4, /* a local user with the PIN */
};

/* "installed", "activated", "suspended", "deleted"; NULL for other values. */
const char *tre_mcim_state_name(enum tre_mcim_state state);
/* "activate", "suspend", "resume", "delete"; NULL for other values. */
const char *tre_mcim_op_name(enum tre_mcim_op op);
/* "sho", "policy", "agent", "maintenance"; NULL for other values. */
const char *tre_actor_name(enum tre_actor actor);

/*
 * THE transition table. MCIM_OK and *to, or MCIM_ERR_DENIED / MCIM_ERR_STATE (see
 * above; *to untouched), MCIM_ERR_INVALID_ARG for values outside the enums.
 */
mcim_err tre_lifecycle_next(enum tre_mcim_state from, enum tre_mcim_op op,
			    enum tre_actor actor, enum tre_mcim_state *to);

/* What the registry says about one MCIM: no secret. */
struct tre_mcim_info {
	uint8_t id[MCIM_PROFILE_ID_LEN];
	uint32_t version;
	char imsi[MCIM_PROFILE_IMSI_MAX + 1];	 /* "" once DELETED */
	char sho[MCIM_PROFILE_OPERATOR_MAX + 1]; /* the owner */
	enum tre_mcim_state state;
	enum mcim_aka_alg_id alg; /* 0 once DELETED */
	struct mcim_policy policy;
	uint64_t mgmt_counter; /* the last management counter accepted, 0: none */
	uint32_t mac_failures; /* consecutive, reset by a successful AUTN check */
	bool released;	       /* the owner consented to a change of subscription */
	char release_to[MCIM_PROFILE_OPERATOR_MAX + 1];
	int64_t release_exp;
	struct mcim_plmn_list plmn_oper, plmn_forbidden, plmn_ehplmn; /* R-MCIM-C07 */
};

/*
 * Installs p as INSTALLED, bound to tre_id (in a transaction). Checks: the profile
 * (mcim_profile_check); its management certificate chains to ci_root at now with
 * role sho-mgmt and the profile's SHO as operator id (MCIM_ERR_BAD_CERT,
 * MCIM_ERR_EXPIRED, MCIM_ERR_WRONG_ROLE as mcim_cert_verify_chain says); the same id
 * and version installed already: MCIM_ERR_EXISTS with *info filled (idempotent
 * retry); the same id with another version live: MCIM_ERR_EXISTS too (updates are
 * not installs); the same id and a version not above a tombstone's: MCIM_ERR_REPLAY;
 * TRE_MCIM_MAX live MCIMs already: MCIM_ERR_FULL. *info is set on MCIM_OK and
 * MCIM_ERR_EXISTS. The initial SQN state is p->sqn_init.
 */
mcim_err tre_registry_install(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			      const uint8_t *ci_root, size_t ci_root_len,
			      const struct mcim_profile *p, time_t now,
			      struct tre_mcim_info *info);

/* Flags of tre_registry_transition(). */
enum {
	TRE_TRANSITION_SWAP = 1u << 0, /* activate/resume: suspend the ACTIVATED one */
};

/* One state change, for the caller's audit record. */
struct tre_mcim_change {
	uint8_t id[MCIM_PROFILE_ID_LEN];
	enum tre_mcim_state from, to;
};

/*
 * Applies op by actor to the MCIM id (in a transaction). MCIM_ERR_NOT_FOUND when
 * there is no such MCIM, MCIM_ERR_TAMPERED for an object that does not decode or is
 * bound to another TRE id, the table's and the checks' errors above. On MCIM_OK,
 * changes[0] is this MCIM's change and changes[1] the swapped one's, if any (*n_changes
 * 1 or 2); *info (may be NULL) is the MCIM after the change. Nothing is written on
 * error.
 */
mcim_err tre_registry_transition(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
				 const uint8_t id[MCIM_PROFILE_ID_LEN],
				 enum tre_mcim_op op, enum tre_actor actor,
				 unsigned flags, time_t now,
				 struct tre_mcim_change changes[2], size_t *n_changes,
				 struct tre_mcim_info *info);

/* What a management command did, or what was refused. */
struct tre_mgmt_result {
	bool parsed; /* cmd holds what the command says (authentic only on MCIM_OK) */
	struct mcim_mgmt cmd;
	struct tre_mcim_change changes[2];
	size_t n_changes;	   /* 0 for release and set_policy */
	struct tre_mcim_info info; /* the MCIM after the command (on MCIM_OK) */
};

/*
 * Verifies and applies an SHO management command (in a transaction; mgmt.h gives the
 * format). Order of checks: it parses (COSE and payload errors, res->parsed = false);
 * it names an MCIM here (MCIM_ERR_NOT_FOUND); the MCIM is not DELETED
 * (MCIM_ERR_STATE); its stored management certificate is still valid at now
 * (MCIM_ERR_EXPIRED) and the signature verifies with its key and no other
 * (MCIM_ERR_BAD_SIGNATURE: also a command signed by another SHO, R-TRE-M07);
 * tre_id is this TRE's (MCIM_ERR_DENIED); the counter is above the last accepted
 * (MCIM_ERR_REPLAY); then the command: activate/suspend/resume/delete as
 * tre_registry_transition() with actor SHO (activate with swap passes
 * TRE_TRANSITION_SWAP; resume never swaps); release needs MCIM_POLICY_ALLOW_RELEASE
 * and now >= the policy's lock_until (MCIM_ERR_POLICY, R-PRC-302), exp after now
 * (MCIM_ERR_EXPIRED), a new SHO other than the owner (MCIM_ERR_INVALID_ARG), and
 * records the consent; set_policy replaces the policy. The counter is stored only
 * when the command is applied.
 */
mcim_err tre_registry_mgmt(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			   const uint8_t *cmd, size_t len, time_t now,
			   struct tre_mgmt_result *res);

/*
 * The MCIMs (DELETED ones included, as tombstones), in id order: up to cap into
 * infos, *n the number there are (may exceed cap). MCIM_ERR_TAMPERED for an object
 * that does not decode or is bound to another TRE id than tre_id.
 */
mcim_err tre_registry_list(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			   struct tre_mcim_info *infos, size_t cap, size_t *n);

/* One MCIM. MCIM_ERR_NOT_FOUND, MCIM_ERR_TAMPERED as above. */
mcim_err tre_registry_get(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			  const uint8_t id[MCIM_PROFILE_ID_LEN],
			  struct tre_mcim_info *info);

/* The ACTIVATED MCIM; MCIM_ERR_NOT_FOUND when none is. */
mcim_err tre_registry_active(const struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			     struct tre_mcim_info *info);

/* What AKA delivers to the normal world. */
enum tre_aka_kind {
	TRE_AKA_3G = 1,	 /* RES, CK, IK */
	TRE_AKA_EPS = 2, /* RES, KASME for the serving network's PLMN identity */
	TRE_AKA_5G = 3,	 /* RES*, KAUSF for the serving network name */
};

struct tre_aka_req {
	enum tre_aka_kind kind;
	uint8_t rand[MCIM_AKA_RAND_LEN];
	uint8_t autn[MCIM_AKA_AUTN_MAX];
	size_t autn_len;
	uint8_t plmn[MCIM_PLMN_LEN]; /* EPS: the SN id */
	char snn[MCIM_SNN_MAX];	     /* 5G: the serving network name, snn_len octets */
	size_t snn_len;
};

/* The answer. Secret (keys): wipe with tre_aka_result_wipe(). */
struct tre_aka_result {
	uint8_t mcim_id[MCIM_PROFILE_ID_LEN]; /* the MCIM that answered */
	uint8_t res[MCIM_AKA_RES_MAX];	      /* 3G, EPS */
	uint8_t ck[MCIM_AKA_CK_MAX];	      /* 3G */
	uint8_t ik[MCIM_AKA_IK_MAX];	      /* 3G */
	uint8_t kasme[MCIM_KASME_LEN];	      /* EPS */
	uint8_t res_star[MCIM_RES_STAR_LEN];  /* 5G */
	uint8_t kausf[MCIM_KAUSF_LEN];	      /* 5G */
	uint8_t auts[MCIM_AKA_AUTS_MAX];      /* on MCIM_ERR_SYNC_FAILURE */
	uint8_t res_len, ck_len, ik_len, auts_len;
	uint32_t mac_failures; /* after this call */
	bool tamper;	       /* MAC failures reached the policy's maximum */
	bool changed;	       /* the transaction holds this call's puts: commit it */
};

void tre_aka_result_wipe(struct tre_aka_result *res);

/*
 * The USIM side of AKA with the ACTIVATED MCIM (in a transaction). Returns
 *  - MCIM_OK: the outputs of req->kind; the SQN accepted and the MAC failure count
 *    reset are put (res->changed);
 *  - MCIM_ERR_SYNC_FAILURE: auts set; the MAC failure count reset is put if it was
 *    not 0 (res->changed says);
 *  - MCIM_ERR_MAC_FAILURE: the count is incremented and put (res->changed); res->tamper
 *    when it reached policy.max_mac_failures: the caller raises the tamper event
 *    (tre_registry_on_tamper with this MCIM's id, and its report);
 *  - MCIM_ERR_NOT_FOUND: no MCIM is ACTIVATED (R-MCIM-L02, L03);
 *  - MCIM_ERR_POLICY: the policy does not allow req->kind (derived keys only);
 *  - MCIM_ERR_INVALID_ARG: a malformed request (AUTN length, SN id, SNN);
 *  - the store's errors, MCIM_ERR_TAMPERED for an object that does not decode.
 * On the three first, commit when res->changed; on the others nothing was put.
 * res is wiped except mcim_id, auts, counters and flags on errors.
 */
mcim_err tre_registry_aka(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
			  const struct tre_aka_req *req, struct tre_aka_result *res);

/*
 * A tamper event (in a transaction): applies each MCIM's on_tamper response
 * (SUSPEND: ACTIVATED -> SUSPENDED; WIPE: -> DELETED from any live state) with actor
 * POLICY, to every MCIM or only to the one named by only_id (not NULL: failures of
 * that MCIM's own authentication). The changes go to changes[0..*n_changes).
 */
mcim_err tre_registry_on_tamper(struct tre_store *st, const uint8_t tre_id[TRE_ID_LEN],
				const uint8_t *only_id,
				struct tre_mcim_change changes[TRE_MCIM_MAX],
				size_t *n_changes);

#endif
