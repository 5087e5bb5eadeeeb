/*
 * The emulated card's command interpreter: it parses a short command APDU (ISO/IEC
 * 7816-4 cases 1 to 4), dispatches on CLA and INS, and runs VERIFY, GET CHALLENGE,
 * AUTHENTICATE (USIM, 3G context) and the card's own commands: pairing with the M2ME,
 * the TRE backend's root-key derivation, counters and random octets, and the SHO's
 * sealed commands. SELECT and the binary file commands are in card_fs.c.
 *
 * A command that changes state builds the new state in c->work and commits it (one
 * atomic eeprom write) before its answer leaves the card; if the write fails the
 * answer is 6581 and the card stays mute (6F00) until the next power-on, because its
 * memory no longer says which state the file holds.
 */
#include <string.h>

#include "core/check.h"
#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "tre/uicc/uicc_int.h"

#define ROOT_KDF_SALT "openmcim uicc root v1"

/* ---- responses and transactions ---- */

void uicc_resp_sw(struct uicc_card *c, uint16_t sw)
{
	c->resp[0] = (uint8_t)(sw >> 8);
	c->resp[1] = (uint8_t)sw;
	c->resp_len = 2;
}

void uicc_resp_data(struct uicc_card *c, const struct uicc_apdu *a, const uint8_t *data,
		    size_t n)
{
	MCIM_ASSERT(n <= UICC_RESP_MAX - 2);
	if (!a->has_le) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (a->le < n) {
		uicc_resp_sw(c, (uint16_t)(UICC_SW_WRONG_LE | n));
		return;
	}
	memmove(c->resp, data, n);
	c->resp[n] = 0x90;
	c->resp[n + 1] = 0x00;
	c->resp_len = n + 2;
}

void uicc_tx_begin(struct uicc_card *c)
{
	c->work = c->st;
}

int uicc_tx_commit(struct uicc_card *c)
{
	mcim_err err = uicc_state_commit(c);

	mcim_wipe(&c->work, sizeof(c->work));
	if (err != MCIM_OK) {
		c->broken = 1;
		uicc_resp_sw(c, UICC_SW_MEMORY);
		return 0;
	}
	return 1;
}

/* ---- pairing gate ---- */

/*
 * A paired card used by a terminal that has not proved to be its M2ME: the removal
 * event, once per session. For an ATTACHED card it also locks AKA for good. Answers
 * 6982 (or 6581 when the event could not be written).
 */
static void removal_event(struct uicc_card *c, const uint8_t *claimed)
{
	if (!c->removal_recorded) {
		uicc_tx_begin(c);
		if (c->work.removals < UINT32_MAX)
			c->work.removals++;
		if (claimed != NULL)
			memcpy(c->work.last_foreign, claimed, UICC_M2ME_ID_LEN);
		else
			memset(c->work.last_foreign, 0, UICC_M2ME_ID_LEN);
		if (c->work.form == UICC_FORM_ATTACHED)
			c->work.aka_locked = 1;
		if (!uicc_tx_commit(c))
			return;
		c->removal_recorded = 1;
	}
	uicc_resp_sw(c, UICC_SW_SECURITY);
}

/* 1 when the session may use the protected functions; else answered. */
static int gate(struct uicc_card *c)
{
	if (c->st.pair_state == UICC_PAIRED && c->terminal_ok)
		return 1;
	if (c->st.pair_state == UICC_PAIRED)
		removal_event(c, NULL);
	else
		uicc_resp_sw(c, UICC_SW_SECURITY);
	return 0;
}

/* 1 when the command has no data and no Le, the P1 P2 given; else answered. */
static int expect(struct uicc_card *c, const struct uicc_apdu *a, int data, int le,
		  uint8_t p1, uint8_t p2)
{
	if ((data && a->lc == 0) || (!data && a->lc != 0) || (le && !a->has_le) ||
	    (!le && a->has_le)) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return 0;
	}
	if (a->p1 != p1 || a->p2 != p2) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return 0;
	}
	return 1;
}

/* ---- ISO commands ---- */

static void cmd_verify(struct uicc_card *c, const struct uicc_apdu *a)
{
	int adm = a->p2 == UICC_REF_ADM1;
	uint8_t tries, max;
	int match;

	if (a->p1 != 0) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return;
	}
	if (a->p2 != UICC_REF_PIN1 && !adm) {
		uicc_resp_sw(c, UICC_SW_REF_NOT_FOUND);
		return;
	}
	if (a->has_le || (a->lc != 0 && a->lc != UICC_PIN_LEN)) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	tries = adm ? c->st.adm_tries : c->st.pin_tries;
	max = adm ? UICC_ADM_TRIES : UICC_PIN_TRIES;
	if (tries == 0) {
		uicc_resp_sw(c, UICC_SW_BLOCKED);
		return;
	}
	if (a->lc == 0) {
		/* The retry status; 9000 once verified in this session. */
		if (adm ? c->adm_ok : c->pin_ok)
			uicc_resp_sw(c, UICC_SW_OK);
		else
			uicc_resp_sw(c, (uint16_t)(UICC_SW_WRONG_CODE | tries));
		return;
	}
	/* The try is counted before the comparison, so cutting the power on a wrong
	 * code does not save a try; a right code restores the counter. */
	uicc_tx_begin(c);
	if (adm)
		c->work.adm_tries--;
	else
		c->work.pin_tries--;
	if (!uicc_tx_commit(c))
		return;
	match = mcim_ct_equal(a->data, adm ? c->st.adm : c->st.pin, UICC_PIN_LEN);
	if (!match) {
		if (adm)
			c->adm_ok = 0;
		else
			c->pin_ok = 0;
		tries = (uint8_t)(tries - 1);
		uicc_resp_sw(c, tries == 0 ? UICC_SW_BLOCKED
					   : (uint16_t)(UICC_SW_WRONG_CODE | tries));
		return;
	}
	uicc_tx_begin(c);
	if (adm)
		c->work.adm_tries = max;
	else
		c->work.pin_tries = max;
	if (!uicc_tx_commit(c))
		return;
	if (adm)
		c->adm_ok = 1;
	else
		c->pin_ok = 1;
	uicc_resp_sw(c, UICC_SW_OK);
}

static void cmd_get_challenge(struct uicc_card *c, const struct uicc_apdu *a)
{
	if (!expect(c, a, 0, 1, 0, 0))
		return;
	c->chal_ok = 0;
	if (a->le > UICC_CHALLENGE_LEN) {
		uicc_resp_sw(c, UICC_SW_WRONG_LE | UICC_CHALLENGE_LEN);
		return;
	}
	if (mcim_rng_fill(c->rng, c->chal, UICC_CHALLENGE_LEN) != MCIM_OK) {
		uicc_resp_sw(c, UICC_SW_TECHNICAL);
		return;
	}
	/* Only a whole challenge can be answered by TERMINAL AUTH or a SHO command. */
	c->chal_ok = a->le == UICC_CHALLENGE_LEN;
	uicc_resp_data(c, a, c->chal, a->le);
}

/* DB L RES L CK L IK, or DC L AUTS (TS 31.102 7.1.2.1). */
static void cmd_authenticate(struct uicc_card *c, const struct uicc_apdu *a)
{
	struct mcim_aka_keyctx kc;
	struct mcim_auth_usim_out out;
	uint8_t r[1 + 3 * (1 + MCIM_AKA_RES_MAX)];
	size_t n = 0, autn_len;
	mcim_err err;

	if (a->p1 != 0 || a->p2 != 0x81) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return;
	}
	if (a->lc == 0 || !a->has_le) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (a->data[0] != MCIM_AKA_RAND_LEN) {
		uicc_resp_sw(c, a->lc < 1 + MCIM_AKA_RAND_LEN + 1 ? UICC_SW_WRONG_LENGTH
								  : UICC_SW_BAD_DATA);
		return;
	}
	if (a->lc < 1 + MCIM_AKA_RAND_LEN + 1 ||
	    a->lc != 1 + MCIM_AKA_RAND_LEN + 1 + (size_t)a->data[1 + MCIM_AKA_RAND_LEN]) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	autn_len = a->data[1 + MCIM_AKA_RAND_LEN];
	if (!c->adf_selected) {
		uicc_resp_sw(c, UICC_SW_CONDITIONS);
		return;
	}
	if (c->st.pin_enabled && !c->pin_ok) {
		uicc_resp_sw(c, UICC_SW_SECURITY);
		return;
	}
	if (!gate(c))
		return;
	if (c->st.aka_locked) {
		uicc_resp_sw(c, UICC_SW_SECURITY);
		return;
	}
	err = mcim_aka_prepare(&kc, &c->st.cred);
	if (err != MCIM_OK) {
		uicc_resp_sw(c, UICC_SW_TECHNICAL);
		return;
	}
	uicc_tx_begin(c);
	err = mcim_auth_usim(&kc, &c->work.sqn_cfg, &c->work.ms, a->data + 1,
			     a->data + 2 + MCIM_AKA_RAND_LEN, autn_len, &out);
	mcim_aka_keyctx_wipe(&kc);
	if (err == MCIM_OK) {
		r[n++] = UICC_TAG_3G_OK;
		r[n++] = out.res_len;
		memcpy(r + n, out.res, out.res_len);
		n += out.res_len;
		r[n++] = out.ck_len;
		memcpy(r + n, out.ck, out.ck_len);
		n += out.ck_len;
		r[n++] = out.ik_len;
		memcpy(r + n, out.ik, out.ik_len);
		n += out.ik_len;
		/* The accepted SQN is durable before RES leaves the card: a replay of
		 * this AUTN after a power cut is refused. */
		if (uicc_tx_commit(c))
			uicc_resp_data(c, a, r, n);
	} else {
		mcim_wipe(&c->work, sizeof(c->work));
		if (err == MCIM_ERR_SYNC_FAILURE) {
			r[n++] = UICC_TAG_3G_SYNC;
			r[n++] = out.auts_len;
			memcpy(r + n, out.auts, out.auts_len);
			n += out.auts_len;
			uicc_resp_data(c, a, r, n);
		} else if (err == MCIM_ERR_MAC_FAILURE) {
			uicc_resp_sw(c, UICC_SW_AUTH_ERROR);
		} else if (err == MCIM_ERR_INVALID_ARG) {
			uicc_resp_sw(c, UICC_SW_BAD_DATA);
		} else {
			uicc_resp_sw(c, UICC_SW_TECHNICAL);
		}
	}
	mcim_auth_usim_out_wipe(&out);
	mcim_wipe(r, sizeof(r));
}

/* ---- the card's own commands ---- */

static void cmd_terminal_auth(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t mac[32];
	int had_chal = c->chal_ok, ok;

	c->chal_ok = 0;
	if (!expect(c, a, 1, 0, 0, 0))
		return;
	if (a->lc != UICC_M2ME_ID_LEN + 32) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (c->st.pair_state != UICC_PAIRED) {
		uicc_resp_sw(c, UICC_SW_REF_NOT_FOUND);
		return;
	}
	if (!had_chal) {
		uicc_resp_sw(c, UICC_SW_CONDITIONS);
		return;
	}
	if (uicc_terminal_mac(c->st.pair_key, c->chal, c->st.m2me_id, mac) != MCIM_OK) {
		uicc_resp_sw(c, UICC_SW_TECHNICAL);
		return;
	}
	ok = mcim_ct_equal(a->data, c->st.m2me_id, UICC_M2ME_ID_LEN) &
	     mcim_ct_equal(a->data + UICC_M2ME_ID_LEN, mac, sizeof(mac));
	mcim_wipe(mac, sizeof(mac));
	if (!ok) {
		c->terminal_ok = 0;
		removal_event(c, a->data);
		return;
	}
	c->terminal_ok = 1;
	uicc_resp_sw(c, UICC_SW_OK);
}

static void cmd_pair(struct uicc_card *c, const struct uicc_apdu *a)
{
	static const uint8_t any[UICC_M2ME_ID_LEN] = {0};

	if (!expect(c, a, 1, 0, 0, 0))
		return;
	if (a->lc != UICC_M2ME_ID_LEN + UICC_PAIR_KEY_LEN) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (c->st.pair_state == UICC_PAIRED) {
		uicc_resp_sw(c, UICC_SW_CONDITIONS);
		return;
	}
	if (c->st.pair_state == UICC_RELEASED &&
	    memcmp(c->st.release_to, any, UICC_M2ME_ID_LEN) != 0 &&
	    memcmp(c->st.release_to, a->data, UICC_M2ME_ID_LEN) != 0) {
		uicc_resp_sw(c, UICC_SW_SECURITY);
		return;
	}
	uicc_tx_begin(c);
	c->work.pair_state = UICC_PAIRED;
	memcpy(c->work.m2me_id, a->data, UICC_M2ME_ID_LEN);
	memcpy(c->work.pair_key, a->data + UICC_M2ME_ID_LEN, UICC_PAIR_KEY_LEN);
	memset(c->work.release_to, 0, UICC_M2ME_ID_LEN);
	if (!uicc_tx_commit(c))
		return;
	c->terminal_ok = 1;
	uicc_resp_sw(c, UICC_SW_OK);
}

static void cmd_get_random(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t r[256];

	if (!expect(c, a, 0, 1, 0, 0))
		return;
	if (mcim_rng_fill(c->rng, r, a->le) != MCIM_OK) {
		uicc_resp_sw(c, UICC_SW_TECHNICAL);
		return;
	}
	uicc_resp_data(c, a, r, a->le);
	mcim_wipe(r, sizeof(r));
}

/* HKDF-SHA-256(salt, root key, label || 0x00 || context), as the soft backend. */
static void cmd_derive_key(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t info[TRE_LABEL_MAX + 1 + TRE_CONTEXT_MAX], key[TRE_KEY_LEN];
	size_t label_len, ctx_len;

	if (!expect(c, a, 1, 1, 0, 0))
		return;
	label_len = a->data[0];
	if (label_len == 0 || label_len > TRE_LABEL_MAX || a->lc < 1 + label_len ||
	    a->lc - 1 - label_len > TRE_CONTEXT_MAX ||
	    memchr(a->data + 1, 0, label_len) != NULL) {
		uicc_resp_sw(c, UICC_SW_BAD_DATA);
		return;
	}
	if (!gate(c))
		return;
	ctx_len = a->lc - 1 - label_len;
	memcpy(info, a->data + 1, label_len);
	info[label_len] = 0;
	memcpy(info + label_len + 1, a->data + 1 + label_len, ctx_len);
	if (mcim_hkdf_sha256((const uint8_t *)ROOT_KDF_SALT, sizeof(ROOT_KDF_SALT) - 1,
			     c->st.root_key, TRE_KEY_LEN, info, label_len + 1 + ctx_len,
			     key, sizeof(key)) != MCIM_OK)
		uicc_resp_sw(c, UICC_SW_TECHNICAL);
	else
		uicc_resp_data(c, a, key, sizeof(key));
	mcim_wipe(key, sizeof(key));
	mcim_wipe(info, sizeof(info));
}

static void cmd_read_counter(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t v[8];

	if (a->p1 >= TRE_COUNTERS) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return;
	}
	if (!expect(c, a, 0, 1, a->p1, 0) || !gate(c))
		return;
	mcim_store_be64(v, c->st.counters[a->p1]);
	uicc_resp_data(c, a, v, sizeof(v));
}

static void cmd_advance_counter(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint64_t v;

	if (a->p1 >= TRE_COUNTERS) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return;
	}
	if (!expect(c, a, 1, 0, a->p1, 0))
		return;
	if (a->lc != 8) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (!gate(c))
		return;
	v = mcim_load_be64(a->data);
	if (v <= c->st.counters[a->p1]) {
		uicc_resp_sw(c, UICC_SW_CONDITIONS);
		return;
	}
	uicc_tx_begin(c);
	c->work.counters[a->p1] = v;
	if (uicc_tx_commit(c))
		uicc_resp_sw(c, UICC_SW_OK);
}

/* Applies a USIM UPDATE body to c->work; 0 when it is malformed. */
static int usim_update(struct uicc_card *c, const uint8_t *b, size_t len)
{
	char digits[UICC_IMSI_DIGITS_MAX + 1];
	struct mcim_sqn_cfg cfg;
	size_t off = UICC_IMSI_EF_LEN;
	uint64_t sqn_init;

	if (len != UICC_SHO_USIM_BODY_LEN ||
	    uicc_imsi_decode(b, off, digits) != MCIM_OK ||
	    uicc_cred_decode(b + off, UICC_CRED_LEN, &c->work.cred) != MCIM_OK ||
	    uicc_sqncfg_decode(b + off + UICC_CRED_LEN, UICC_SQNCFG_LEN, &cfg) != MCIM_OK)
		return 0;
	off += UICC_CRED_LEN + UICC_SQNCFG_LEN;
	sqn_init = mcim_load_be48(b + off);
	if (mcim_sqn_ms_init_at(&cfg, &c->work.ms, sqn_init) != MCIM_OK)
		return 0;
	memcpy(c->work.imsi, b, UICC_IMSI_EF_LEN);
	c->work.sqn_cfg = cfg;
	memcpy(c->work.sho_key, b + off + 6, UICC_SHO_KEY_LEN);
	return 1;
}

static void cmd_sho(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t key[MCIM_AEAD_KEY_LEN], body[UICC_SHO_USIM_BODY_LEN];
	uint8_t aad[UICC_SHO_AAD_LEN];
	int had_chal = c->chal_ok, ok;
	size_t len;
	mcim_err err;

	c->chal_ok = 0;
	if (a->p1 != UICC_SHO_RELEASE && a->p1 != UICC_SHO_USIM_UPDATE) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return;
	}
	if (!expect(c, a, 1, 0, a->p1, 0))
		return;
	if (a->lc < UICC_SHO_OVERHEAD ||
	    a->lc > UICC_SHO_USIM_BODY_LEN + UICC_SHO_OVERHEAD) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (!had_chal) {
		uicc_resp_sw(c, UICC_SW_CONDITIONS);
		return;
	}
	len = a->lc - UICC_SHO_OVERHEAD;
	err = uicc_sho_key_aad(c->st.sho_key, c->st.iccid, c->chal, a->p1, key, aad);
	if (err == MCIM_OK)
		err =
		    mcim_aead_open(key, c->chal, aad, sizeof(aad), a->data, a->lc, body);
	mcim_wipe(key, sizeof(key));
	if (err != MCIM_OK) {
		uicc_resp_sw(c, err == MCIM_ERR_DECRYPT ? UICC_SW_SECURITY
							: UICC_SW_TECHNICAL);
		return;
	}
	uicc_tx_begin(c);
	if (a->p1 == UICC_SHO_RELEASE) {
		ok = len == UICC_M2ME_ID_LEN;
		if (ok && c->st.form == UICC_FORM_ATTACHED) {
			mcim_wipe(&c->work, sizeof(c->work));
			uicc_resp_sw(c, UICC_SW_CONDITIONS);
			return;
		}
		if (ok) {
			c->work.pair_state = UICC_RELEASED;
			memcpy(c->work.release_to, body, UICC_M2ME_ID_LEN);
			memset(c->work.m2me_id, 0, UICC_M2ME_ID_LEN);
			mcim_wipe(c->work.pair_key, UICC_PAIR_KEY_LEN);
		}
	} else {
		ok = usim_update(c, body, len);
	}
	mcim_wipe(body, sizeof(body));
	if (!ok) {
		mcim_wipe(&c->work, sizeof(c->work));
		uicc_resp_sw(c, UICC_SW_BAD_DATA);
		return;
	}
	if (!uicc_tx_commit(c))
		return;
	if (a->p1 == UICC_SHO_RELEASE)
		c->terminal_ok = 0;
	uicc_resp_sw(c, UICC_SW_OK);
}

/* ---- parsing and dispatch ---- */

/* Short APDUs only (TS 102 221 7.3): Lc 0 with more octets would be extended. */
static int apdu_parse(const uint8_t *cmd, size_t len, struct uicc_apdu *a)
{
	memset(a, 0, sizeof(*a));
	if (len < 4)
		return 0;
	a->cla = cmd[0];
	a->ins = cmd[1];
	a->p1 = cmd[2];
	a->p2 = cmd[3];
	if (len == 4)
		return 1;
	if (len == 5) {
		a->has_le = 1;
		a->le = cmd[4] ? cmd[4] : 256;
		return 1;
	}
	a->lc = cmd[4];
	if (a->lc == 0)
		return 0;
	a->data = cmd + 5;
	if (len == 5 + a->lc)
		return 1;
	if (len == 6 + a->lc) {
		a->has_le = 1;
		a->le = cmd[len - 1] ? cmd[len - 1] : 256;
		return 1;
	}
	return 0;
}

static void dispatch(struct uicc_card *c, const struct uicc_apdu *a)
{
	if (a->cla == UICC_CLA_ISO) {
		switch (a->ins) {
		case UICC_INS_SELECT:
			uicc_cmd_select(c, a);
			return;
		case UICC_INS_READ_BINARY:
			uicc_cmd_read_binary(c, a);
			return;
		case UICC_INS_UPDATE_BINARY:
			uicc_cmd_update_binary(c, a);
			return;
		case UICC_INS_VERIFY:
			cmd_verify(c, a);
			return;
		case UICC_INS_GET_CHALLENGE:
			cmd_get_challenge(c, a);
			return;
		case UICC_INS_AUTHENTICATE:
			cmd_authenticate(c, a);
			return;
		default:
			break;
		}
	} else if (a->cla == UICC_CLA_PROP) {
		switch (a->ins) {
		case UICC_INS_TERMINAL_AUTH:
			cmd_terminal_auth(c, a);
			return;
		case UICC_INS_PAIR:
			cmd_pair(c, a);
			return;
		case UICC_INS_GET_RANDOM:
			cmd_get_random(c, a);
			return;
		case UICC_INS_DERIVE_KEY:
			cmd_derive_key(c, a);
			return;
		case UICC_INS_READ_COUNTER:
			cmd_read_counter(c, a);
			return;
		case UICC_INS_ADVANCE_COUNTER:
			cmd_advance_counter(c, a);
			return;
		case UICC_INS_SHO:
			cmd_sho(c, a);
			return;
		default:
			break;
		}
	} else {
		uicc_resp_sw(c, UICC_SW_CLA);
		return;
	}
	uicc_resp_sw(c, UICC_SW_INS);
}

mcim_err uicc_card_apdu(struct uicc_card *c, const uint8_t *cmd, size_t len,
			uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct uicc_apdu a;

	MCIM_ASSERT(c != NULL && (cmd != NULL || len == 0) && resp != NULL &&
		    resp_len != NULL);
	if (!c->open)
		return MCIM_ERR_STATE;
	if (c->broken)
		uicc_resp_sw(c, UICC_SW_TECHNICAL);
	else if (!apdu_parse(cmd, len, &a))
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
	else
		dispatch(c, &a);
	if (cap < c->resp_len) {
		mcim_wipe(c->resp, sizeof(c->resp));
		return MCIM_ERR_BUFFER_TOO_SMALL;
	}
	memcpy(resp, c->resp, c->resp_len);
	*resp_len = c->resp_len;
	mcim_wipe(c->resp, sizeof(c->resp));
	return MCIM_OK;
}

static mcim_err card_transmit(void *self, const uint8_t *cmd, size_t len, uint8_t *resp,
			      size_t cap, size_t *resp_len)
{
	return uicc_card_apdu(self, cmd, len, resp, cap, resp_len);
}

void uicc_card_transport(struct uicc_card *c, struct uicc_transport *t)
{
	MCIM_ASSERT(c != NULL && t != NULL);
	t->transmit = card_transmit;
	t->self = c;
}
