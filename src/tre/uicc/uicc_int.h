/*
 * tre/uicc/uicc_int.h: what the files of the emulated card and the `uicc` backend
 * share: atomic file I/O (the same discipline as the soft backend), the state codec
 * and the card's commit, and the command handlers of card_fs.c.
 */
#ifndef MCIM_TRE_UICC_INT_H
#define MCIM_TRE_UICC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mcim/crypto.h"
#include "tre/fileio.h"
#include "tre/uicc/uicc.h"

_Static_assert(UICC_DIR_MAX == TRE_SOFT_DIR_MAX, "card dirs use the shared file paths");

#define UICC_EEPROM_FILE "eeprom"
#define UICC_CHIP_FILE	 "chip"
#define UICC_CRED_LEN	 151 /* encoded credential */
#define UICC_SQNCFG_LEN	 17  /* encoded SQN parameters */

/* ---- state (card_state.c) ---- */

/* The credential and SQN parameter encodings, shared by the eeprom and the SHO's
 * USIM update. Decoders check every value. */
mcim_err uicc_cred_encode(const struct mcim_aka_cred *cred, uint8_t out[UICC_CRED_LEN]);
mcim_err uicc_cred_decode(const uint8_t *buf, size_t len, struct mcim_aka_cred *cred);
mcim_err uicc_sqncfg_encode(const struct mcim_sqn_cfg *cfg, uint8_t out[UICC_SQNCFG_LEN]);
mcim_err uicc_sqncfg_decode(const uint8_t *buf, size_t len, struct mcim_sqn_cfg *cfg);

/* The SHO command's AEAD key and associated data (CLA INS P1 P2 || ICCID ||
 * challenge); the nonce is the challenge's first 12 octets. */
#define UICC_SHO_AAD_LEN (4 + UICC_ICCID_LEN + UICC_CHALLENGE_LEN)
mcim_err uicc_sho_key_aad(const uint8_t sho_key[UICC_SHO_KEY_LEN],
			  const uint8_t iccid[UICC_ICCID_LEN],
			  const uint8_t challenge[UICC_CHALLENGE_LEN], uint8_t op,
			  uint8_t key[MCIM_AEAD_KEY_LEN], uint8_t aad[UICC_SHO_AAD_LEN]);

/* PIN digits -> the 8 octets VERIFY carries (digits, then FF); "" gives all FF.
 * MCIM_ERR_INVALID_ARG unless 0 or 4..8 digits. */
mcim_err uicc_pin_encode(const char *pin, uint8_t out[UICC_PIN_LEN]);

/* EF.CARD's content from a state. */
void uicc_card_info_encode(const struct uicc_state *st, uint8_t out[UICC_CARD_EF_LEN]);

/* Writes c->work as the new eeprom; on success c->st takes it. MCIM errors of the
 * write; the caller then marks the card broken. */
mcim_err uicc_state_commit(struct uicc_card *c);

/* ---- responses and the file system (card.c, card_fs.c) ---- */

/* A parsed command APDU. le is 1..256 when has_le. */
struct uicc_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	int has_le;
	size_t le;
};

/* The response is SW only. */
void uicc_resp_sw(struct uicc_card *c, uint16_t sw);
/* Data then 9000, within the command's Le (6700 without Le, 6Cxx when Le is short). */
void uicc_resp_data(struct uicc_card *c, const struct uicc_apdu *a, const uint8_t *data,
		    size_t n);
/* c->work = c->st, for a command about to change state. */
void uicc_tx_begin(struct uicc_card *c);
/* Commits c->work: 1 on success; else 0 with 6581 answered and the card broken. */
int uicc_tx_commit(struct uicc_card *c);

void uicc_cmd_select(struct uicc_card *c, const struct uicc_apdu *a);
void uicc_cmd_read_binary(struct uicc_card *c, const struct uicc_apdu *a);
void uicc_cmd_update_binary(struct uicc_card *c, const struct uicc_apdu *a);

#endif
