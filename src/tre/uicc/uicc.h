/*
 * tre/uicc/uicc.h: an emulated UICC with a USIM application, and the `uicc` TRE
 * backend that runs over it (issue 3 item 9; R-SEED-01 options 1 and 3, R-SEED-06
 * options A and C, R-SEED-12, R-PRC-501..505, T-04). docs/uicc.md has the full
 * description; this header is the contract.
 *
 * THE CARD. A card lives in a directory (the "chip"):
 *   chip      the card id and the card's storage key, written once at manufacture
 *             (stands for values fused into the silicon);
 *   eeprom    every persistent value of the card (EF contents, K, OPc, SQN array,
 *             PIN and ADM with their retry counters, the card's root key, the
 *             monotonic counters, the pairing record), sealed with AES-256-GCM under
 *             a key derived from the storage key, replaced atomically (temp file,
 *             fsync, rename, fsync of the directory). Each command that changes
 *             state writes it once before answering 9000: that is the card's
 *             transaction; a crash leaves the state before or after it.
 * The card is reached only through uicc_card_apdu(): one ISO/IEC 7816-4 command APDU
 * in (CLA INS P1 P2 [Lc data] [Le], short form only), response data and SW1 SW2 out.
 *
 *   CLA 00  A4 SELECT            P1 00 (FID, Lc 2) or 04 (AID, Lc 5..16, a prefix
 *                                of the USIM AID); P2 04 (FCP back) or 0C (none)
 *           B0 READ BINARY       P1 P2 = offset (P1 bit 8 = 0), Le = count (0: all)
 *           D6 UPDATE BINARY     P1 P2 = offset, data
 *           20 VERIFY            P2 01 (PIN1) or 0A (ADM1), Lc 8 or absent (retries)
 *           84 GET CHALLENGE     Le 1..16
 *           88 AUTHENTICATE      P2 81 (3G context, TS 31.102 7.1.2.1): data
 *                                10 RAND L AUTN; answer DB L RES L CK L IK,
 *                                or DC L AUTS; 98 62 on MAC failure
 *   CLA 80  (the card's own commands, used by the backend and the SHO)
 *           12 TERMINAL AUTH     data M2ME id (16) || HMAC (32) over the challenge
 *           14 PAIR              data M2ME id (16) || pairing key (32)
 *           16 GET RANDOM        Le 1..255 (0: 256)
 *           18 DERIVE KEY        data label length (1) || label || context; Le 32
 *           1A READ COUNTER      P1 counter; Le 8
 *           1C ADVANCE COUNTER   P1 counter; data the new value (8, big-endian)
 *           1E SHO COMMAND       P1 operation (UICC_SHO_*); data sealed by the SHO
 *
 * Files: MF 3F00 { EF.ICCID 2FE2, EF.CARD 2F60 (the card's own: id, form factor,
 * pairing, removal events), ADF.USIM (by AID, or 7FFF once selected) { EF.IMSI 6F07 } }.
 * Access: ICCID and CARD read always, never updated; IMSI read after PIN1 (when the
 * PIN is enabled), updated after ADM1 or through the SHO's sealed USIM update.
 *
 * Status words (ISO/IEC 7816-4, TS 31.101/31.102): 9000; 6282 end of file reached
 * before Le octets; 63Cx wrong PIN/ADM, x tries left; 6581 memory failure (the state
 * write failed: the card answers 6F00 to everything until reopened); 6700 wrong
 * length; 6982 security status not satisfied; 6983 PIN/ADM blocked; 6985 conditions
 * of use not satisfied; 6986 no current EF; 6A80 incorrect data; 6A82 file not found;
 * 6A86 incorrect P1-P2; 6A88 referenced data not found; 6B00 offset outside the EF;
 * 6Cxx wrong Le (xx available); 6D00 INS not supported; 6E00 CLA not supported;
 * 6F00 technical problem; 9862 authentication error (MAC-A).
 *
 * PAIRING (R-SEED-06 A/C, T-04). A card is paired with one M2ME: its identity (16
 * octets: the TRE/platform identity, e.g. IMEI-derived) and a pairing key the M2ME
 * derives from its own secret and the ICCID (uicc_pair_key). In each session the
 * M2ME proves the identity with TERMINAL AUTH over a fresh card challenge. Only then
 * does the card run AUTHENTICATE and the TRE commands (DERIVE KEY, counters). A
 * paired card asked for any of them without a matching TERMINAL AUTH answers 6982
 * and records a removal event once per session (EF.CARD: the count, never reset,
 * and the identity claimed), which the TRE reads and turns into a tamper report.
 * - An unpaired card pairs with the first M2ME that sends PAIR (pairing at first use),
 *   or is paired at manufacture.
 * - REMOVABLE: re-pairing needs the SHO's sealed RELEASE command, naming the M2ME the
 *   card may move to (or any); that M2ME then pairs with PAIR. An authorised move
 *   records no removal event (R-SEED-12: authorised removal is not blocked).
 * - ATTACHED (mechanically attached, MFF2): never re-paired, RELEASE is refused
 *   (6985); a removal event also locks AKA for good ("removing it renders it
 *   unusable", seed option 1), while the TRE commands keep working in the paired
 *   M2ME so that its TRE can still report.
 *
 * SHO COMMANDS (R-PRC-503/504). The card holds a 32-octet OTA key of its SHO. A SHO
 * command is sealed for one card and one challenge: AES-256-GCM under
 * HKDF-SHA-256(salt "openmcim uicc sho v1", OTA key, info ICCID), nonce = the first
 * 12 octets of the card's pending 16-octet challenge, associated data CLA INS P1 P2 ||
 * ICCID || challenge. A wrong seal answers 6982; no pending challenge 6985. Every
 * command consumes the pending challenge. Operations: RELEASE (body: M2ME id, zeros
 * for any) and USIM UPDATE (body: uicc_sho_usim_body: new IMSI, credential, SQN
 * parameters and OTA key; the SQN array restarts).
 *
 * Conventions: no allocation; the caller owns struct uicc_card and struct tre_uicc
 * (a few KiB each). NULL pointers are caller bugs (asserted) except a data pointer
 * with length 0. One thread at a time per card and per backend. Secrets (in the
 * structures below) are wiped by the close functions and on every error path.
 */
#ifndef MCIM_TRE_UICC_H
#define MCIM_TRE_UICC_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/aka.h"
#include "mcim/auth.h"
#include "mcim/err.h"
#include "mcim/rand.h"
#include "mcim/sqn.h"
#include "tre/backend.h"
#include "tre/soft/soft.h"

#define UICC_DIR_MAX	       192 /* characters of a directory path */
#define UICC_ICCID_LEN	       10  /* EF.ICCID: 20 BCD digits, nibbles swapped */
#define UICC_ICCID_DIGITS_MIN  18
#define UICC_ICCID_DIGITS_MAX  20
#define UICC_IMSI_EF_LEN       9 /* EF.IMSI (TS 31.102 4.2.2) */
#define UICC_IMSI_DIGITS_MIN   6
#define UICC_IMSI_DIGITS_MAX   15
#define UICC_CARD_ID_LEN       TRE_ID_LEN /* the card id is the TRE id */
#define UICC_M2ME_ID_LEN       16
#define UICC_M2ME_SECRET_LEN   32
#define UICC_PAIR_KEY_LEN      32
#define UICC_SHO_KEY_LEN       32
#define UICC_ADM_LEN	       8
#define UICC_PIN_LEN	       8 /* 4..8 digits, padded with FF (TS 31.101 9.5.1) */
#define UICC_PIN_TRIES	       3
#define UICC_ADM_TRIES	       10
#define UICC_CHALLENGE_LEN     16
#define UICC_USIM_AID_LEN      16
#define UICC_APDU_MAX	       261 /* 4 + 1 + 255 + 1 */
#define UICC_RESP_MAX	       258 /* 256 data + SW1 SW2 */
#define UICC_CARD_EF_LEN       55  /* EF.CARD, see uicc_card_info_decode */
#define UICC_SHO_OVERHEAD      16  /* the GCM tag a sealed SHO command adds */
#define UICC_SHO_USIM_BODY_LEN 215 /* the USIM update body */

/* File identifiers. */
#define UICC_FID_MF    0x3F00
#define UICC_FID_ICCID 0x2FE2
#define UICC_FID_CARD  0x2F60
#define UICC_FID_ADF   0x7FFF
#define UICC_FID_IMSI  0x6F07

/* Classes and instructions. */
#define UICC_CLA_ISO		 0x00
#define UICC_CLA_PROP		 0x80
#define UICC_INS_SELECT		 0xA4
#define UICC_INS_READ_BINARY	 0xB0
#define UICC_INS_UPDATE_BINARY	 0xD6
#define UICC_INS_VERIFY		 0x20
#define UICC_INS_GET_CHALLENGE	 0x84
#define UICC_INS_AUTHENTICATE	 0x88
#define UICC_INS_TERMINAL_AUTH	 0x12
#define UICC_INS_PAIR		 0x14
#define UICC_INS_GET_RANDOM	 0x16
#define UICC_INS_DERIVE_KEY	 0x18
#define UICC_INS_READ_COUNTER	 0x1A
#define UICC_INS_ADVANCE_COUNTER 0x1C
#define UICC_INS_SHO		 0x1E

/* VERIFY references (P2). */
#define UICC_REF_PIN1 0x01
#define UICC_REF_ADM1 0x0A

/* SHO COMMAND operations (P1). */
#define UICC_SHO_RELEASE     0x01
#define UICC_SHO_USIM_UPDATE 0x02

/* Status words. */
#define UICC_SW_OK	       0x9000
#define UICC_SW_EOF	       0x6282
#define UICC_SW_WRONG_CODE     0x63C0 /* | tries left */
#define UICC_SW_MEMORY	       0x6581
#define UICC_SW_WRONG_LENGTH   0x6700
#define UICC_SW_SECURITY       0x6982
#define UICC_SW_BLOCKED	       0x6983
#define UICC_SW_CONDITIONS     0x6985
#define UICC_SW_NO_EF	       0x6986
#define UICC_SW_BAD_DATA       0x6A80
#define UICC_SW_FILE_NOT_FOUND 0x6A82
#define UICC_SW_BAD_P1P2       0x6A86
#define UICC_SW_REF_NOT_FOUND  0x6A88
#define UICC_SW_BAD_OFFSET     0x6B00
#define UICC_SW_WRONG_LE       0x6C00 /* | octets available */
#define UICC_SW_INS	       0x6D00
#define UICC_SW_CLA	       0x6E00
#define UICC_SW_TECHNICAL      0x6F00
#define UICC_SW_AUTH_ERROR     0x9862

/* AUTHENTICATE answer tags (TS 31.102 7.1.2.1). */
#define UICC_TAG_3G_OK	 0xDB
#define UICC_TAG_3G_SYNC 0xDC

/* The USIM AID: RID A000000087, application code 1002 (3GPP USIM), then a
 * country/provider part of this emulation. */
extern const uint8_t uicc_usim_aid[UICC_USIM_AID_LEN];

enum uicc_form {
	UICC_FORM_REMOVABLE = 1, /* plug-in card: may move with the SHO's consent */
	UICC_FORM_ATTACHED = 2,	 /* soldered (MFF2): never moves */
};

enum uicc_pair_state {
	UICC_UNPAIRED = 0, /* pairs at first use */
	UICC_PAIRED = 1,
	UICC_RELEASED = 2, /* the SHO released it: pairs with PAIR from release_to */
};

/* What manufacture puts on a card (out of band, R-SEED-01 option C, R-TRE-G03): the
 * only way K and OPc get onto a card, apart from the SHO's sealed USIM update. */
struct uicc_profile {
	enum uicc_form form;
	char iccid[UICC_ICCID_DIGITS_MAX + 1]; /* 18..20 digits */
	char imsi[UICC_IMSI_DIGITS_MAX + 1];   /* 6..15 digits */
	struct mcim_aka_cred cred;	       /* secret */
	struct mcim_sqn_cfg sqn_cfg;
	uint64_t sqn_init;	    /* the SQN the AuC record starts at (0: none) */
	uint8_t adm[UICC_ADM_LEN];  /* secret */
	char pin[UICC_PIN_LEN + 1]; /* 4..8 digits, or "" for no PIN */
	uint8_t sho_key[UICC_SHO_KEY_LEN]; /* OTA key of the SHO: secret */
	int paired;			   /* 1: paired at manufacture with: */
	uint8_t m2me_id[UICC_M2ME_ID_LEN];
	uint8_t pair_key[UICC_PAIR_KEY_LEN]; /* secret; see uicc_pair_key() */
};

void uicc_profile_wipe(struct uicc_profile *p);

/* The card's persistent state (the eeprom file, decrypted). The card's own. */
struct uicc_state {
	uint8_t form;
	uint8_t card_id[UICC_CARD_ID_LEN];
	uint8_t iccid[UICC_ICCID_LEN];
	uint8_t imsi[UICC_IMSI_EF_LEN];
	struct mcim_aka_cred cred;
	struct mcim_sqn_cfg sqn_cfg;
	struct mcim_sqn_ms ms;
	uint8_t adm[UICC_ADM_LEN];
	uint8_t adm_tries;
	uint8_t pin[UICC_PIN_LEN];
	uint8_t pin_enabled;
	uint8_t pin_tries;
	uint8_t root_key[TRE_KEY_LEN];
	uint8_t sho_key[UICC_SHO_KEY_LEN];
	uint64_t counters[TRE_COUNTERS];
	uint8_t pair_state;
	uint8_t m2me_id[UICC_M2ME_ID_LEN];
	uint8_t pair_key[UICC_PAIR_KEY_LEN];
	uint8_t release_to[UICC_M2ME_ID_LEN]; /* all zero: any M2ME */
	uint32_t removals;		      /* removal events, never reset */
	uint8_t last_foreign[UICC_M2ME_ID_LEN];
	uint8_t aka_locked;
};

#define UICC_STATE_LEN	901 /* the encoded state */
#define UICC_EEPROM_MAX (8 + 2 + 12 + UICC_STATE_LEN + 16)

/* A card, powered in a reader (open) or not (closed). The card's own fields. */
struct uicc_card {
	const struct tre_soft_io *io;
	const struct mcim_rng *rng; /* the card's generator */
	char dir[UICC_DIR_MAX + 1];
	uint8_t seal_key[32]; /* derived from the chip's storage key: secret */
	int open, broken;
	struct uicc_state st;	/* committed: secret */
	struct uicc_state work; /* the command's transaction: secret */
	uint8_t buf[UICC_EEPROM_MAX];
	uint8_t plain[UICC_STATE_LEN];
	/* The session (reset at every open, as at a card reset). */
	int app_active;	  /* ADF.USIM selected by AID in this session */
	int adf_selected; /* the current DF is ADF.USIM (else the MF) */
	uint16_t cur_ef;  /* 0: none */
	int pin_ok, adm_ok, terminal_ok, removal_recorded;
	int chal_ok;
	uint8_t chal[UICC_CHALLENGE_LEN];
	uint8_t resp[UICC_RESP_MAX];
	size_t resp_len;
};

/*
 * Manufactures a card in dir (created 0700 if absent): draws the card id, the storage
 * key and the card's root key from rng, then writes the eeprom and last the chip file
 * (a chip file means a complete card). Errors: MCIM_ERR_EXISTS (dir already holds a
 * card), MCIM_ERR_INVALID_ARG (a path too long, a malformed ICCID, IMSI, PIN,
 * credential or SQN parameter, an unknown form factor), MCIM_ERR_UNSUPPORTED (an
 * algorithm set not linked in), random and I/O errors. rng and io may be NULL.
 */
mcim_err uicc_card_manufacture(const char *dir, const struct uicc_profile *p,
			       const struct mcim_rng *rng, const struct tre_soft_io *io);

/*
 * Powers the card on (card reset): reads chip and eeprom, removes a temp file a
 * crash left. Errors: MCIM_ERR_NOT_FOUND (no card in dir), MCIM_ERR_TAMPERED (a chip
 * or eeprom file that is malformed or does not authenticate), MCIM_ERR_INVALID_ARG,
 * I/O errors. On error c is wiped. rng and io may be NULL.
 */
mcim_err uicc_card_open(struct uicc_card *c, const char *dir, const struct mcim_rng *rng,
			const struct tre_soft_io *io);

/* Powers off: wipes c. c may be closed already. */
void uicc_card_close(struct uicc_card *c);

/*
 * One command APDU. MCIM_OK: resp holds the response (data, then SW1 SW2), *resp_len
 * at least 2; the SW may say the command failed. MCIM_ERR_BUFFER_TOO_SMALL when the
 * response does not fit in cap (the command has run: give UICC_RESP_MAX).
 * MCIM_ERR_STATE when c is not open. Malformed APDUs are answered with a status word.
 */
mcim_err uicc_card_apdu(struct uicc_card *c, const uint8_t *cmd, size_t len,
			uint8_t *resp, size_t cap, size_t *resp_len);

/* EF.CARD, decoded. */
struct uicc_card_info {
	uint8_t card_id[UICC_CARD_ID_LEN];
	enum uicc_form form;
	enum uicc_pair_state pair_state;
	uint8_t m2me_id[UICC_M2ME_ID_LEN]; /* the paired M2ME (zeros if none) */
	uint32_t removals;		   /* removal events, never reset */
	uint8_t last_foreign[UICC_M2ME_ID_LEN];
	int aka_locked;
};

/* Decodes the UICC_CARD_EF_LEN octets of EF.CARD. MCIM_ERR_PARSE for another length
 * or an unknown value. */
mcim_err uicc_card_info_decode(const uint8_t *buf, size_t len,
			       struct uicc_card_info *info);

/* ---- digits ---- */

/* IMSI digits <-> EF.IMSI; MCIM_ERR_INVALID_ARG / MCIM_ERR_PARSE for bad input. */
mcim_err uicc_imsi_encode(const char *digits, uint8_t ef[UICC_IMSI_EF_LEN]);
mcim_err uicc_imsi_decode(const uint8_t *ef, size_t len,
			  char digits[UICC_IMSI_DIGITS_MAX + 1]);
/* ICCID digits -> EF.ICCID (unused nibbles F). */
mcim_err uicc_iccid_encode(const char *digits, uint8_t ef[UICC_ICCID_LEN]);

/* ---- the M2ME's side of pairing ---- */

/* The M2ME's identity and the secret it derives pairing keys from (R-SEED-06). */
struct uicc_m2me {
	uint8_t id[UICC_M2ME_ID_LEN];
	uint8_t secret[UICC_M2ME_SECRET_LEN]; /* secret */
};

/* The key an M2ME pairs with one card: HKDF-SHA-256(salt "openmcim uicc pair v1",
 * secret, info ICCID (EF form)). */
mcim_err uicc_pair_key(const uint8_t secret[UICC_M2ME_SECRET_LEN],
		       const uint8_t iccid[UICC_ICCID_LEN],
		       uint8_t out[UICC_PAIR_KEY_LEN]);

/* TERMINAL AUTH's proof: HMAC-SHA-256(pair key, "mcim/uicc/terminal" || challenge ||
 * M2ME id). */
mcim_err uicc_terminal_mac(const uint8_t pair_key[UICC_PAIR_KEY_LEN],
			   const uint8_t challenge[UICC_CHALLENGE_LEN],
			   const uint8_t m2me_id[UICC_M2ME_ID_LEN], uint8_t out[32]);

/* ---- the SHO's side of SHO commands ---- */

/*
 * Seals body (0..UICC_SHO_USIM_BODY_LEN octets) for the card with this ICCID and
 * pending challenge, as the data of SHO COMMAND with P1 op: out gets len +
 * UICC_SHO_OVERHEAD octets. MCIM_ERR_BUFFER_TOO_SMALL, MCIM_ERR_TOO_LARGE, crypto
 * errors.
 */
mcim_err uicc_sho_seal(const uint8_t sho_key[UICC_SHO_KEY_LEN],
		       const uint8_t iccid[UICC_ICCID_LEN],
		       const uint8_t challenge[UICC_CHALLENGE_LEN], uint8_t op,
		       const uint8_t *body, size_t len, uint8_t *out, size_t cap,
		       size_t *out_len);

/*
 * The USIM UPDATE body: EF.IMSI || the credential || the SQN parameters || sqn_init
 * (6) || the new OTA key. Secret: wipe it. Errors as for manufacture.
 */
mcim_err uicc_sho_usim_body(const char *imsi, const struct mcim_aka_cred *cred,
			    const struct mcim_sqn_cfg *sqn_cfg, uint64_t sqn_init,
			    const uint8_t new_sho_key[UICC_SHO_KEY_LEN], uint8_t *out,
			    size_t cap, size_t *out_len);

/* ---- the reader ---- */

/* How the M2ME reaches a card: an emulated one (uicc_card_transport) or, later, a
 * real reader. transmit has uicc_card_apdu's contract. */
struct uicc_transport {
	mcim_err (*transmit)(void *self, const uint8_t *cmd, size_t len, uint8_t *resp,
			     size_t cap, size_t *resp_len);
	void *self;
};

/* A transport to the emulated card c (which must stay open while it is used). */
void uicc_card_transport(struct uicc_card *c, struct uicc_transport *t);

/* ---- the `uicc` TRE backend ---- */

enum uicc_session {
	UICC_SESSION_PAIRED = 1,       /* the card knows this M2ME: in service */
	UICC_SESSION_NEWLY_PAIRED = 2, /* first use or authorised move: paired now */
	UICC_SESSION_FOREIGN = 3,      /* paired with another M2ME: refused, event */
};

/* What the TRE reads after opening: a session FOREIGN, a removal count above the one
 * it last saw, or aka_locked are tamper events for the TRE to report. */
struct uicc_status {
	enum uicc_session session;
	struct uicc_card_info card;
	uint8_t iccid[UICC_ICCID_LEN];
};

struct tre_uicc {
	struct tre_backend base; /* first: a struct tre_backend * is this structure */
	struct uicc_transport t;
	const struct tre_soft_io *io; /* blobs */
	char store_dir[TRE_SOFT_DIR_MAX + 1];
	struct uicc_status status;
	uint8_t cmd[UICC_APDU_MAX];
	uint8_t resp[UICC_RESP_MAX];
};

/*
 * Opens the backend on the card behind t, with blobs in store_dir (which must exist;
 * the blobs live in the M2ME's flash, not on the card: docs/uicc.md says why). Reads
 * EF.CARD and EF.ICCID, then proves m2me to the card (TERMINAL AUTH) or pairs with it
 * (PAIR) when the card is unpaired or released to m2me; pin (4..8 digits) is verified
 * when not NULL. MCIM_OK also for a card paired with another M2ME: the session is
 * then UICC_SESSION_FOREIGN, the card's operations answer MCIM_ERR_DENIED, and the
 * TRE reads the event with tre_uicc_status(). Errors: MCIM_ERR_LOCKED (PIN blocked),
 * MCIM_ERR_DENIED (wrong PIN, or a released card meant for another M2ME),
 * MCIM_ERR_INVALID_ARG (path too long, bad PIN), MCIM_ERR_IO (the card failed),
 * MCIM_ERR_PARSE (an answer that makes no sense). io may be NULL.
 */
mcim_err tre_uicc_open(struct tre_uicc *u, const struct uicc_transport *t,
		       const char *store_dir, const struct uicc_m2me *m2me,
		       const char *pin, const struct tre_soft_io *io);

/* The session and the card's events as read at open (and refreshed by each call
 * below that reads EF.CARD). */
void tre_uicc_status(const struct tre_uicc *u, struct uicc_status *out);

/* Reads EF.CARD again into the status (e.g. after a refusal). */
mcim_err tre_uicc_refresh(struct tre_uicc *u);

/*
 * The USIM side of AKA for the card's MCIM (be must be a tre_uicc): SELECT ADF.USIM,
 * AUTHENTICATE in 3G context. Same results as mcim_auth_usim(): MCIM_OK (res, ck, ik;
 * out->sqn is 0: a card does not disclose it), MCIM_ERR_MAC_FAILURE (9862),
 * MCIM_ERR_SYNC_FAILURE (auts), plus MCIM_ERR_DENIED (6982: foreign M2ME, PIN not
 * verified, AKA locked), MCIM_ERR_INVALID_ARG (autn_len not 8..40), MCIM_ERR_IO,
 * MCIM_ERR_PARSE. out is zeroed first.
 */
mcim_err uicc_usim_authenticate(struct tre_backend *be,
				const uint8_t rand[MCIM_AKA_RAND_LEN],
				const uint8_t *autn, size_t autn_len,
				struct mcim_auth_usim_out *out)
    __attribute__((warn_unused_result));

/* The IMSI in the card's USIM (EF.IMSI), as digits. */
mcim_err uicc_usim_imsi(struct tre_backend *be, char digits[UICC_IMSI_DIGITS_MAX + 1]);

/* One APDU through the backend's reader, for the TRE's SHO relay (R-PRC-503):
 * the raw exchange, nothing interpreted. */
mcim_err tre_uicc_transmit(struct tre_uicc *u, const uint8_t *cmd, size_t len,
			   uint8_t *resp, size_t cap, size_t *resp_len);

#endif
