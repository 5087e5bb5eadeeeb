/*
 * tre/tre_int.h: what the files of the TRE core (src/tre/tre*.c) share: the layout
 * behind struct mcim_tre, the keys the core keeps in the sealed store, transactions
 * with their audit record, tamper events, and the command table's types.
 *
 * Sealed-store keys of the core (the registry owns "m/"):
 *   id/issued  manufacture record: platform id (IMEI) and device model; its
 *              presence means the TRE was issued and refuses manufacture
 *   id/cert    the TRE identity certificate (DER); id/ca the M2MES CA's; id/ci the
 *              CI root the TRE trusts
 *   id/pcid    the provisional connectivity identity (IMSI, K, OPc, SQN state)
 *   pin        the maintenance PIN: salt, salted hash, retries left, limit
 *   boot/ctr   boot count, tamper count, failed authentications
 *   fw/cur     the confirmed firmware manifest; fw/new an accepted one not yet
 *              confirmed; fw/state the anti-rollback floor and the trial flag
 *   audit/pend the audit record of the last transaction (see tre_tx_commit)
 *   uicc/seen  uicc backend: the card's removal events already reported
 *
 * Conventions as in mcim/tre.h: no allocation, one thread, secrets wiped.
 */
#ifndef MCIM_TRE_INT_H
#define MCIM_TRE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcim/audit.h"
#include "mcim/cbor.h"
#include "mcim/crypto.h"
#include "mcim/err.h"
#include "mcim/tre.h"
#include "tre/backend.h"
#include "tre/boot.h"
#include "tre/registry.h"
#include "tre/soft/soft.h"
#include "tre/store.h"
#include "tre/uicc/uicc.h"

#define TRE_KEY_ISSUED	"id/issued"
#define TRE_KEY_CERT	"id/cert"
#define TRE_KEY_CA	"id/ca"
#define TRE_KEY_CI	"id/ci"
#define TRE_KEY_PCID	"id/pcid"
#define TRE_KEY_PIN	"pin"
#define TRE_KEY_CTR	"boot/ctr"
#define TRE_KEY_FW_CUR	"fw/cur"
#define TRE_KEY_FW_NEW	"fw/new"
#define TRE_KEY_FW_ST	"fw/state"
#define TRE_KEY_PENDING "audit/pend"
#define TRE_KEY_UICC	"uicc/seen"

#define TRE_PLATFORM_ID_MAX MCIM_CERT_PLATFORM_ID_MAX
#define TRE_MODEL_MAX	    MCIM_MANIFEST_PLATFORM_MAX
#define TRE_SCRATCH	    32768 /* component images, certificates, manifests */
#define TRE_PIN_MIN	    4
#define TRE_PIN_MAX	    32
#define TRE_PIN_TRIES_MAX   15
#define TRE_SESSION_LEN	    16
#define TRE_SESSION_TTL	    300 /* seconds a PIN session lasts */
#define TRE_TAMPER_BLOB	    "tamper"
#define TRE_TAMPER_QUEUE    16	 /* reports kept; beyond, the oldest is dropped */
#define TRE_TAMPER_BLOB_MAX 8192 /* the queue's blob */
#define TRE_RECEIPT_CONTEXT "mcim/dl/receipt"
#define TRE_PKG_CONTEXT	    "mcim/dl/pkg"

/* The TRE's own audit event codes (mcim/audit.h: module range). Never renumbered. */
enum {
	TRE_EV_MANUFACTURED = MCIM_AUDIT_EV_TRE_BASE + 1,
	TRE_EV_PIN_VERIFY = MCIM_AUDIT_EV_TRE_BASE + 2,
	TRE_EV_PIN_CHANGED = MCIM_AUDIT_EV_TRE_BASE + 3,
	TRE_EV_FW_ACCEPTED = MCIM_AUDIT_EV_TRE_BASE + 4,
	TRE_EV_FW_CONFIRMED = MCIM_AUDIT_EV_TRE_BASE + 5,
	TRE_EV_AKA = MCIM_AUDIT_EV_TRE_BASE + 7,
	TRE_EV_TAMPER_ACK = MCIM_AUDIT_EV_TRE_BASE + 8,
	TRE_EV_RELEASE = MCIM_AUDIT_EV_TRE_BASE + 9,
	TRE_EV_PCID_AKA = MCIM_AUDIT_EV_TRE_BASE + 10,
};

/* Counters kept in boot/ctr. */
struct tre_counters {
	uint64_t boots, tampers, failed_auths;
};

/* The layout behind struct mcim_tre. */
struct tre_int {
	enum mcim_tre_state state;
	mcim_err cause; /* why FAILED (the store's error) or BAD_BOOT */
	char cause_detail[64];
	enum mcim_cert_backend backend;
	union {
		struct tre_soft soft;
		struct {
			struct tre_uicc be;
			struct uicc_card card;
		} uicc;
	} hw;
	struct tre_backend *be;
	bool store_open;
	struct tre_store st;
	/* Audit: the writer, and whether audit/pend is known to be in the log. */
	struct mcim_audit_writer audit;
	struct mcim_audit_config audit_cfg;
	uint8_t log_id[MCIM_AUDIT_LOG_ID_LEN];
	struct mcim_audit_signer signer;
	bool audit_open;
	bool audit_synced;
	bool audited;	   /* the running command's outcome is in the log already */
	bool log_repaired; /* a torn tail was cut: LOG_REPAIRED still to be recorded */
	char audit_path[MCIM_TRE_PATH_MAX + 16];
	/* Identity (derived inside the backend: see tre.c) */
	uint8_t tre_id[TRE_ID_LEN];
	char tre_id_hex[2 * TRE_ID_LEN + 1];
	struct mcim_p256_priv id_priv; /* secret */
	struct mcim_p256_pub id_pub;
	struct mcim_p256_priv ka_priv; /* secret */
	struct mcim_p256_pub ka_pub;
	char platform_id[TRE_PLATFORM_ID_MAX + 1];
	char model[TRE_MODEL_MAX + 1];
	/* Boot */
	struct tre_boot boot;
	bool fw_trial; /* booted GOOD with fw/new: fw-confirm may make it current */
	bool fw_reverted;
	size_t n_components;
	char comp_name[MCIM_TRE_COMPONENTS_MAX][MCIM_TRE_NAME_MAX + 1];
	char comp_path[MCIM_TRE_COMPONENTS_MAX][MCIM_TRE_PATH_MAX + 1];
	uint8_t comp_pcr[MCIM_TRE_COMPONENTS_MAX];
	/* PIN session (in memory only: a restart ends it) */
	uint8_t session[TRE_SESSION_LEN]; /* secret */
	uint64_t session_exp;		  /* 0: no session */
	/* Environment */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
	const struct mcim_rng *rng;
	/* Work areas: the running command's result, and scratch for everything large. */
	uint8_t result[MCIM_TRE_MSG_MAX];
	uint8_t scratch[TRE_SCRATCH];
	uint8_t tamper_q[TRE_TAMPER_BLOB_MAX]; /* the tamper queue, while it is edited */
};

_Static_assert(sizeof(struct tre_int) <= sizeof(struct mcim_tre), "MCIM_TRE_STORAGE");

static inline struct tre_int *tre_int_of(struct mcim_tre *tre)
{
	return (struct tre_int *)(void *)tre->opaque;
}

uint64_t tre_now(const struct tre_int *t);

/* ---- transactions and audit (tre.c) ---- */

/* One audit record. detail is text without secrets (mcim/audit.h). */
struct tre_ev {
	uint16_t type;
	mcim_err outcome;
	const uint8_t *subject; /* usually an MCIM id; may be NULL with 0 */
	size_t subject_len;
	const char *detail; /* NUL-terminated; may be NULL */
};

/*
 * Starts a transaction, after making sure the previous transaction's audit record is
 * in the log (else that record would be lost: MCIM_ERR_IO and nothing starts).
 */
mcim_err tre_tx_begin(struct tre_int *t);

/*
 * Puts ev as the pending audit record into the transaction, commits, then appends it
 * to the log: one state change, one record, exactly once (a record whose append is
 * cut short is appended by the next transaction or the next open). On a commit whose
 * outcome is unknown the store is reopened (state before or after; a tamper event if
 * it then fails). Returns the commit's error; a failed append after a good commit is
 * not an error of the command (the record stays pending).
 */
mcim_err tre_tx_commit(struct tre_int *t, const struct tre_ev *ev);

void tre_tx_abort(struct tre_int *t);

/* Appends ev directly, for what changes no state (a refusal, a tamper event seen
 * without a readable store). Best effort: a failure is not the command's. */
void tre_audit(struct tre_int *t, const struct tre_ev *ev);

/* The counters (zero when the store does not hold them). */
void tre_counters_get(struct tre_int *t, struct tre_counters *c);
/* Puts them, inside a transaction. */
mcim_err tre_counters_put(struct tre_int *t, const struct tre_counters *c);

/*
 * A tamper event: a signed report queued (tre_tamper.c), and, when the store is
 * readable and no transaction is open, one transaction that counts it, applies each
 * MCIM's tamper policy (only_id: that MCIM alone) and records it in the audit log;
 * without a readable store the record goes to the log directly. reason is the cause
 * (TAMPERED, ROLLBACK, FOREIGN_STORE, BAD_BOOT, MAC_FAILURE, ...), detail a short text.
 */
void tre_tamper_event(struct tre_int *t, mcim_err reason, const char *detail,
		      const uint8_t *only_id);

/* The same, with one more object put in the event's transaction (key NULL: none). */
void tre_tamper_event_put(struct tre_int *t, mcim_err reason, const char *detail,
			  const uint8_t *only_id, const char *key, const void *val,
			  size_t len);

/* uicc backend: a card that was in another M2ME since the last look is a tamper
 * event (tre_uicc.c); nothing for other backends. */
void tre_uicc_check(struct tre_int *t);

/* Signs and queues one tamper report (no store needed). */
mcim_err tre_tamper_report(struct tre_int *t, mcim_err reason, const char *detail);

/* The reports queued: writes [report bstr ...] plus their sequence numbers. */
mcim_err tre_tamper_list(struct tre_int *t, struct mcim_cbor_writer *w);
/* Drops the reports up to and including seq; *n_dropped how many. */
mcim_err tre_tamper_ack(struct tre_int *t, uint64_t seq, size_t *n_dropped);
/* Reports queued, and the next sequence number. */
mcim_err tre_tamper_count(struct tre_int *t, size_t *n, uint64_t *next_seq);

/* COSE_Sign1 by the identity key over payload, kid = TRE id, with the TRE's
 * certificate chain in the x5chain when it is there (tamper reports, which go
 * without, are signed by mcim_tamper_sign). */
mcim_err tre_sign(struct tre_int *t, const uint8_t *payload, size_t len, uint8_t *out,
		  size_t cap, size_t *out_len);

/* The certificate chain (leaf, M2MES CA) as views into buf; *n 0 when not issued. */
mcim_err tre_chain(struct tre_int *t, uint8_t *buf, size_t cap, struct mcim_iov chain[2],
		   size_t *n);

/* Boot (tre_fw.c): runs the secure boot from the manifests in the store, handles a
 * trial manifest and its revert, and commits the boot's counters and record. */
mcim_err tre_fw_boot(struct tre_int *t);

/* ---- commands (tre_cmd.c and the files of each command) ---- */

enum tre_arg_type { TRE_ARG_BSTR, TRE_ARG_TSTR, TRE_ARG_UINT, TRE_ARG_BOOL, TRE_ARG_ANY };

/* One argument a command takes. */
struct tre_arg_spec {
	const char *name;
	enum tre_arg_type type;
	bool required;
	uint64_t min, max; /* length for strings, value for integers */
};

#define TRE_ARGS_MAX 12

struct tre_arg {
	bool present;
	const uint8_t *data; /* bstr, tstr, any: the octets (for ANY, the encoded item) */
	size_t len;
	uint64_t u; /* uint */
	bool b;	    /* bool */
};

struct tre_args {
	struct tre_arg v[TRE_ARGS_MAX]; /* in the order of the command's spec */
};

/* Who may call: the access table's column. */
enum tre_access {
	TRE_ACC_AGENT,	     /* any caller */
	TRE_ACC_MAINTENANCE, /* a PIN session: argument "session" */
	TRE_ACC_SIGNED,	     /* authorised by the signed object it carries */
	TRE_ACC_FACTORY,     /* only before the TRE is issued */
};

typedef mcim_err (*tre_cmd_fn)(struct tre_int *t, const struct tre_args *a,
			       struct mcim_cbor_writer *res);

/* Command handlers, each in its file. */
mcim_err tre_cmd_status(struct tre_int *t, const struct tre_args *a,
			struct mcim_cbor_writer *res);
mcim_err tre_cmd_identity(struct tre_int *t, const struct tre_args *a,
			  struct mcim_cbor_writer *res);
mcim_err tre_cmd_attest(struct tre_int *t, const struct tre_args *a,
			struct mcim_cbor_writer *res);
mcim_err tre_cmd_aka(struct tre_int *t, const struct tre_args *a,
		     struct mcim_cbor_writer *res);
mcim_err tre_cmd_list(struct tre_int *t, const struct tre_args *a,
		      struct mcim_cbor_writer *res);
mcim_err tre_cmd_mgmt(struct tre_int *t, const struct tre_args *a,
		      struct mcim_cbor_writer *res);
mcim_err tre_cmd_install(struct tre_int *t, const struct tre_args *a,
			 struct mcim_cbor_writer *res);
mcim_err tre_cmd_pin_verify(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
mcim_err tre_cmd_pin_change(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
mcim_err tre_cmd_pin_logout(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
mcim_err tre_cmd_fw_update(struct tre_int *t, const struct tre_args *a,
			   struct mcim_cbor_writer *res);
mcim_err tre_cmd_fw_confirm(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
mcim_err tre_cmd_tamper_list(struct tre_int *t, const struct tre_args *a,
			     struct mcim_cbor_writer *res);
mcim_err tre_cmd_tamper_ack(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
mcim_err tre_cmd_audit_head(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *res);
mcim_err tre_cmd_audit_checkpoint(struct tre_int *t, const struct tre_args *a,
				  struct mcim_cbor_writer *res);
mcim_err tre_cmd_mfg_keys(struct tre_int *t, const struct tre_args *a,
			  struct mcim_cbor_writer *res);
mcim_err tre_cmd_mfg_issue(struct tre_int *t, const struct tre_args *a,
			   struct mcim_cbor_writer *res);

/* aka with target "usim": the uicc backend's card answers (NOT_FOUND on other
 * backends); the arguments are aka's. */
mcim_err tre_uicc_aka(struct tre_int *t, const struct tre_args *a,
		      struct mcim_cbor_writer *w);

/* PIN record (tre_pin.c): whether one is set, retries left and the limit. */
void tre_pin_info(struct tre_int *t, bool *set, unsigned *left, unsigned *limit);
/* MCIM_OK when session (TRE_SESSION_LEN octets) is the live PIN session. */
mcim_err tre_session_check(struct tre_int *t, const uint8_t *session, size_t len);
/* Sets the PIN inside a transaction (manufacture). */
mcim_err tre_pin_put(struct tre_int *t, const uint8_t *pin, size_t len, unsigned tries);

/* Manufacture (inside its transaction): the first manifest, m its verified content,
 * becomes the current one and its security version the floor. */
mcim_err tre_fw_install_first(struct tre_int *t, const uint8_t *manifest, size_t len,
			      const struct mcim_manifest *m);

/* fw state (tre_fw.c): the floor and whether a manifest waits for confirmation. */
void tre_fw_info(struct tre_int *t, uint32_t *floor, uint32_t *sequence, bool *pending);

#endif
