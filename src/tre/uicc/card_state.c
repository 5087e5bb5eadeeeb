/*
 * The emulated card's persistent state: its encoding, the sealed eeprom file it is
 * kept in, manufacture and power-on, and the card's transaction (one atomic write of
 * the whole state per changing command). Also the small codecs and key derivations
 * the card, the M2ME and the SHO share (digits, EF.CARD, pairing keys, SHO seals).
 *
 * eeprom file: "MCIMUICC" || version (2) || nonce (12) || AES-256-GCM(state) || tag,
 * the first 22 octets authenticated as associated data, under a key derived from the
 * chip's storage key; the nonce is fresh from the card's generator at each write.
 */
#include <errno.h>
#include <string.h>

#include "core/check.h"
#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "tre/uicc/uicc_int.h"

#define MAGIC_LEN	8
#define EEPROM_MAGIC	"MCIMUICC"
#define CHIP_MAGIC	"MCIMCHIP"
#define EEPROM_VERSION	1
#define EEPROM_HDR_LEN	(MAGIC_LEN + 2 + MCIM_AEAD_NONCE_LEN)
#define CHIP_LEN	(MAGIC_LEN + UICC_CARD_ID_LEN + 32)
#define EEPROM_SALT	"openmcim uicc eeprom v1"
#define PAIR_SALT	"openmcim uicc pair v1"
#define SHO_SALT	"openmcim uicc sho v1"
#define TERMINAL_LABEL	"mcim/uicc/terminal"
#define MILENAGE_PARAMS 85 /* r1..r5, c1..c5 */

const uint8_t uicc_usim_aid[UICC_USIM_AID_LEN] = {
    0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
    0x4D, 0x43, 0x49, 0x4D, 0x00, 0x00, 0x00, 0x01, /* "MCIM" 0001 */
};

/* ---- a cursor over a fixed buffer: writes assert (sizes are constants), reads
 * check ---- */

struct wcur {
	uint8_t *p;
	size_t off, cap;
};

static void put(struct wcur *w, const void *src, size_t n)
{
	MCIM_ASSERT(w->cap - w->off >= n);
	memcpy(w->p + w->off, src, n);
	w->off += n;
}

static void put_u8(struct wcur *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_be(struct wcur *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	mcim_store_be64(b, v);
	put(w, b + 8 - n, n);
}

struct rcur {
	const uint8_t *p;
	size_t off, len;
};

static void get(struct rcur *r, void *dst, size_t n)
{
	MCIM_ASSERT(r->len - r->off >= n);
	memcpy(dst, r->p + r->off, n);
	r->off += n;
}

static uint8_t get_u8(struct rcur *r)
{
	uint8_t v;

	get(r, &v, 1);
	return v;
}

static uint64_t get_be(struct rcur *r, size_t n)
{
	uint8_t b[8] = {0};

	get(r, b + 8 - n, n);
	return mcim_load_be64(b);
}

/* ---- credential and SQN parameters ---- */

mcim_err uicc_cred_encode(const struct mcim_aka_cred *cred, uint8_t out[UICC_CRED_LEN])
{
	struct wcur w = {out, 0, UICC_CRED_LEN};
	const struct mcim_aka_alg *alg = mcim_aka_alg_find(cred->alg);
	mcim_err err;

	if (alg == NULL)
		return MCIM_ERR_UNSUPPORTED;
	err = alg->check(cred);
	if (err != MCIM_OK)
		return err;
	memset(out, 0, UICC_CRED_LEN);
	put_u8(&w, (uint8_t)cred->alg);
	put_u8(&w, cred->k_len);
	put(&w, cred->k, MCIM_AKA_K_MAX);
	put(&w, cred->opc, MCIM_AKA_OPC_MAX);
	if (cred->alg == MCIM_AKA_MILENAGE) {
		put(&w, cred->params.milenage.r, 5);
		put(&w, cred->params.milenage.c, 80);
	} else {
		put_be(&w, cred->params.tuak.mac_bits, 2);
		put_be(&w, cred->params.tuak.res_bits, 2);
		put_be(&w, cred->params.tuak.ck_bits, 2);
		put_be(&w, cred->params.tuak.ik_bits, 2);
		put_u8(&w, cred->params.tuak.keccak_iterations);
	}
	return MCIM_OK;
}

mcim_err uicc_cred_decode(const uint8_t *buf, size_t len, struct mcim_aka_cred *cred)
{
	struct rcur r = {buf, 0, len};
	const struct mcim_aka_alg *alg;
	mcim_err err;

	if (len != UICC_CRED_LEN)
		return MCIM_ERR_PARSE;
	memset(cred, 0, sizeof(*cred));
	cred->alg = (enum mcim_aka_alg_id)get_u8(&r);
	cred->k_len = get_u8(&r);
	get(&r, cred->k, MCIM_AKA_K_MAX);
	get(&r, cred->opc, MCIM_AKA_OPC_MAX);
	alg = mcim_aka_alg_find(cred->alg);
	if (alg == NULL) {
		mcim_aka_cred_wipe(cred);
		return MCIM_ERR_PARSE;
	}
	if (cred->alg == MCIM_AKA_MILENAGE) {
		get(&r, cred->params.milenage.r, 5);
		get(&r, cred->params.milenage.c, 80);
	} else {
		cred->params.tuak.mac_bits = (uint16_t)get_be(&r, 2);
		cred->params.tuak.res_bits = (uint16_t)get_be(&r, 2);
		cred->params.tuak.ck_bits = (uint16_t)get_be(&r, 2);
		cred->params.tuak.ik_bits = (uint16_t)get_be(&r, 2);
		cred->params.tuak.keccak_iterations = get_u8(&r);
	}
	err = alg->check(cred);
	if (err != MCIM_OK) {
		mcim_aka_cred_wipe(cred);
		return MCIM_ERR_PARSE;
	}
	return MCIM_OK;
}

mcim_err uicc_sqncfg_encode(const struct mcim_sqn_cfg *cfg, uint8_t out[UICC_SQNCFG_LEN])
{
	struct wcur w = {out, 0, UICC_SQNCFG_LEN};

	if (mcim_sqn_cfg_check(cfg) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	put_u8(&w, cfg->ind_bits);
	put_be(&w, cfg->delta, 8);
	put_be(&w, cfg->age_limit, 8);
	return MCIM_OK;
}

mcim_err uicc_sqncfg_decode(const uint8_t *buf, size_t len, struct mcim_sqn_cfg *cfg)
{
	struct rcur r = {buf, 0, len};

	if (len != UICC_SQNCFG_LEN)
		return MCIM_ERR_PARSE;
	cfg->ind_bits = get_u8(&r);
	cfg->delta = get_be(&r, 8);
	cfg->age_limit = get_be(&r, 8);
	return mcim_sqn_cfg_check(cfg) == MCIM_OK ? MCIM_OK : MCIM_ERR_PARSE;
}

/* ---- digits ---- */

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* TS 31.102 4.2.2: length, then nibbles "type 001 + parity" and the digits, low
 * nibble first, unused nibbles and octets F. */
mcim_err uicc_imsi_encode(const char *digits, uint8_t ef[UICC_IMSI_EF_LEN])
{
	size_t n = strnlen(digits, UICC_IMSI_DIGITS_MAX + 1);
	uint8_t nib[2 * (UICC_IMSI_EF_LEN - 1)];

	if (n < UICC_IMSI_DIGITS_MIN || n > UICC_IMSI_DIGITS_MAX ||
	    !all_digits(digits, n))
		return MCIM_ERR_INVALID_ARG;
	memset(nib, 0xF, sizeof(nib));
	nib[0] = (uint8_t)(0x1 | (n % 2 == 1 ? 0x8 : 0));
	for (size_t i = 0; i < n; i++)
		nib[1 + i] = (uint8_t)(digits[i] - '0');
	memset(ef, 0xFF, UICC_IMSI_EF_LEN);
	ef[0] = (uint8_t)((n + 2) / 2);
	for (size_t i = 0; i < ef[0]; i++)
		ef[1 + i] = (uint8_t)(nib[2 * i] | nib[2 * i + 1] << 4);
	return MCIM_OK;
}

mcim_err uicc_imsi_decode(const uint8_t *ef, size_t len,
			  char digits[UICC_IMSI_DIGITS_MAX + 1])
{
	uint8_t nib[2 * (UICC_IMSI_EF_LEN - 1)];
	size_t bytes, n;

	if (len != UICC_IMSI_EF_LEN)
		return MCIM_ERR_PARSE;
	bytes = ef[0];
	if (bytes < (UICC_IMSI_DIGITS_MIN + 2) / 2 || bytes > UICC_IMSI_EF_LEN - 1)
		return MCIM_ERR_PARSE;
	for (size_t i = 0; i < UICC_IMSI_EF_LEN - 1; i++) {
		nib[2 * i] = ef[1 + i] & 0xF;
		nib[2 * i + 1] = ef[1 + i] >> 4;
	}
	if ((nib[0] & 0x7) != 0x1)
		return MCIM_ERR_PARSE;
	n = (nib[0] & 0x8) ? 2 * bytes - 1 : 2 * bytes - 2;
	if (n < UICC_IMSI_DIGITS_MIN)
		return MCIM_ERR_PARSE;
	for (size_t i = 1 + n; i < sizeof(nib); i++)
		if (nib[i] != 0xF)
			return MCIM_ERR_PARSE;
	for (size_t i = 0; i < n; i++) {
		if (nib[1 + i] > 9)
			return MCIM_ERR_PARSE;
		digits[i] = (char)('0' + nib[1 + i]);
	}
	digits[n] = '\0';
	return MCIM_OK;
}

mcim_err uicc_iccid_encode(const char *digits, uint8_t ef[UICC_ICCID_LEN])
{
	size_t n = strnlen(digits, UICC_ICCID_DIGITS_MAX + 1);

	if (n < UICC_ICCID_DIGITS_MIN || n > UICC_ICCID_DIGITS_MAX ||
	    !all_digits(digits, n))
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < UICC_ICCID_LEN; i++) {
		uint8_t lo = 2 * i < n ? (uint8_t)(digits[2 * i] - '0') : 0xF;
		uint8_t hi = 2 * i + 1 < n ? (uint8_t)(digits[2 * i + 1] - '0') : 0xF;
		ef[i] = (uint8_t)(lo | hi << 4);
	}
	return MCIM_OK;
}

/* "1234" -> 31 32 33 34 FF FF FF FF; "" -> disabled (all FF). */
mcim_err uicc_pin_encode(const char *pin, uint8_t out[UICC_PIN_LEN])
{
	size_t n = strnlen(pin, UICC_PIN_LEN + 1);

	if (n > UICC_PIN_LEN || (n > 0 && n < 4) || !all_digits(pin, n))
		return MCIM_ERR_INVALID_ARG;
	memset(out, 0xFF, UICC_PIN_LEN);
	memcpy(out, pin, n);
	return MCIM_OK;
}

/* ---- EF.CARD ---- */

void uicc_card_info_encode(const struct uicc_state *st, uint8_t out[UICC_CARD_EF_LEN])
{
	struct wcur w = {out, 0, UICC_CARD_EF_LEN};
	uint8_t zero[UICC_M2ME_ID_LEN] = {0};

	put(&w, st->card_id, UICC_CARD_ID_LEN);
	put_u8(&w, st->form);
	put_u8(&w, st->pair_state);
	put(&w, st->pair_state == UICC_PAIRED ? st->m2me_id : zero, UICC_M2ME_ID_LEN);
	put_be(&w, st->removals, 4);
	put(&w, st->last_foreign, UICC_M2ME_ID_LEN);
	put_u8(&w, st->aka_locked);
}

mcim_err uicc_card_info_decode(const uint8_t *buf, size_t len,
			       struct uicc_card_info *info)
{
	struct rcur r = {buf, 0, len};
	uint8_t form, pair, locked;

	MCIM_ASSERT(info != NULL && (buf != NULL || len == 0));
	if (len != UICC_CARD_EF_LEN)
		return MCIM_ERR_PARSE;
	get(&r, info->card_id, UICC_CARD_ID_LEN);
	form = get_u8(&r);
	pair = get_u8(&r);
	get(&r, info->m2me_id, UICC_M2ME_ID_LEN);
	info->removals = (uint32_t)get_be(&r, 4);
	get(&r, info->last_foreign, UICC_M2ME_ID_LEN);
	locked = get_u8(&r);
	if ((form != UICC_FORM_REMOVABLE && form != UICC_FORM_ATTACHED) ||
	    pair > UICC_RELEASED || locked > 1)
		return MCIM_ERR_PARSE;
	info->form = (enum uicc_form)form;
	info->pair_state = (enum uicc_pair_state)pair;
	info->aka_locked = locked;
	return MCIM_OK;
}

/* ---- the state ---- */

static mcim_err state_encode(const struct uicc_state *st, uint8_t out[UICC_STATE_LEN])
{
	struct wcur w = {out, 0, UICC_STATE_LEN};
	uint8_t cred[UICC_CRED_LEN], cfg[UICC_SQNCFG_LEN];
	mcim_err err = uicc_cred_encode(&st->cred, cred);

	if (err == MCIM_OK)
		err = uicc_sqncfg_encode(&st->sqn_cfg, cfg);
	if (err != MCIM_OK) {
		mcim_wipe(cred, sizeof(cred));
		return err;
	}
	put_u8(&w, st->form);
	put(&w, st->card_id, UICC_CARD_ID_LEN);
	put(&w, st->iccid, UICC_ICCID_LEN);
	put(&w, st->imsi, UICC_IMSI_EF_LEN);
	put(&w, cred, UICC_CRED_LEN);
	put(&w, cfg, UICC_SQNCFG_LEN);
	for (size_t i = 0; i < MCIM_SQN_IND_SLOTS_MAX; i++)
		put_be(&w, st->ms.seq[i], 8);
	put(&w, st->adm, UICC_ADM_LEN);
	put_u8(&w, st->adm_tries);
	put(&w, st->pin, UICC_PIN_LEN);
	put_u8(&w, st->pin_enabled);
	put_u8(&w, st->pin_tries);
	put(&w, st->root_key, TRE_KEY_LEN);
	put(&w, st->sho_key, UICC_SHO_KEY_LEN);
	for (size_t i = 0; i < TRE_COUNTERS; i++)
		put_be(&w, st->counters[i], 8);
	put_u8(&w, st->pair_state);
	put(&w, st->m2me_id, UICC_M2ME_ID_LEN);
	put(&w, st->pair_key, UICC_PAIR_KEY_LEN);
	put(&w, st->release_to, UICC_M2ME_ID_LEN);
	put_be(&w, st->removals, 4);
	put(&w, st->last_foreign, UICC_M2ME_ID_LEN);
	put_u8(&w, st->aka_locked);
	MCIM_ASSERT(w.off == UICC_STATE_LEN);
	mcim_wipe(cred, sizeof(cred));
	return MCIM_OK;
}

/* Only what authenticated under the card's key gets here; the checks catch a card
 * written by a buggy or different firmware. */
static mcim_err state_decode(const uint8_t *buf, size_t len, struct uicc_state *st)
{
	struct rcur r = {buf, 0, len};
	mcim_err err;

	if (len != UICC_STATE_LEN)
		return MCIM_ERR_TAMPERED;
	memset(st, 0, sizeof(*st));
	st->form = get_u8(&r);
	get(&r, st->card_id, UICC_CARD_ID_LEN);
	get(&r, st->iccid, UICC_ICCID_LEN);
	get(&r, st->imsi, UICC_IMSI_EF_LEN);
	err = uicc_cred_decode(r.p + r.off, UICC_CRED_LEN, &st->cred);
	r.off += UICC_CRED_LEN;
	if (err == MCIM_OK)
		err = uicc_sqncfg_decode(r.p + r.off, UICC_SQNCFG_LEN, &st->sqn_cfg);
	r.off += UICC_SQNCFG_LEN;
	for (size_t i = 0; i < MCIM_SQN_IND_SLOTS_MAX; i++)
		st->ms.seq[i] = get_be(&r, 8);
	get(&r, st->adm, UICC_ADM_LEN);
	st->adm_tries = get_u8(&r);
	get(&r, st->pin, UICC_PIN_LEN);
	st->pin_enabled = get_u8(&r);
	st->pin_tries = get_u8(&r);
	get(&r, st->root_key, TRE_KEY_LEN);
	get(&r, st->sho_key, UICC_SHO_KEY_LEN);
	for (size_t i = 0; i < TRE_COUNTERS; i++)
		st->counters[i] = get_be(&r, 8);
	st->pair_state = get_u8(&r);
	get(&r, st->m2me_id, UICC_M2ME_ID_LEN);
	get(&r, st->pair_key, UICC_PAIR_KEY_LEN);
	get(&r, st->release_to, UICC_M2ME_ID_LEN);
	st->removals = (uint32_t)get_be(&r, 4);
	get(&r, st->last_foreign, UICC_M2ME_ID_LEN);
	st->aka_locked = get_u8(&r);
	if (err != MCIM_OK ||
	    (st->form != UICC_FORM_REMOVABLE && st->form != UICC_FORM_ATTACHED) ||
	    st->adm_tries > UICC_ADM_TRIES || st->pin_tries > UICC_PIN_TRIES ||
	    st->pin_enabled > 1 || st->pair_state > UICC_RELEASED || st->aka_locked > 1) {
		mcim_wipe(st, sizeof(*st));
		return MCIM_ERR_TAMPERED;
	}
	return MCIM_OK;
}

static mcim_err seal_key(const uint8_t storage[32], const uint8_t card_id[16],
			 uint8_t out[32])
{
	return mcim_hkdf_sha256((const uint8_t *)EEPROM_SALT, sizeof(EEPROM_SALT) - 1,
				storage, 32, card_id, UICC_CARD_ID_LEN, out, 32);
}

/* Encodes and seals st into c->buf, writes it. */
static mcim_err state_write(struct uicc_card *c, const struct uicc_state *st)
{
	uint8_t *hdr = c->buf;
	mcim_err err = state_encode(st, c->plain);

	if (err == MCIM_OK) {
		memcpy(hdr, EEPROM_MAGIC, MAGIC_LEN);
		mcim_store_be16(hdr + MAGIC_LEN, EEPROM_VERSION);
		err = mcim_rng_fill(c->rng, hdr + MAGIC_LEN + 2, MCIM_AEAD_NONCE_LEN);
	}
	if (err == MCIM_OK)
		err =
		    mcim_aead_seal(c->seal_key, hdr + MAGIC_LEN + 2, hdr, EEPROM_HDR_LEN,
				   c->plain, UICC_STATE_LEN, c->buf + EEPROM_HDR_LEN);
	mcim_wipe(c->plain, sizeof(c->plain));
	if (err == MCIM_OK)
		err = tre_file_write_atomic(c->io, c->dir, UICC_EEPROM_FILE, c->buf,
					    UICC_EEPROM_MAX);
	return err;
}

static mcim_err state_read(struct uicc_card *c, struct uicc_state *st)
{
	char path[TRE_FILE_PATH_MAX];
	size_t len = 0;
	mcim_err err;

	tre_file_path(path, c->dir, UICC_EEPROM_FILE, "");
	err = tre_file_read(c->io, path, c->buf, sizeof(c->buf), &len);
	/* A chip without its eeprom is a damaged card. */
	if (err == MCIM_ERR_NOT_FOUND || err == MCIM_ERR_TOO_LARGE)
		return MCIM_ERR_TAMPERED;
	if (err != MCIM_OK)
		return err;
	if (len != UICC_EEPROM_MAX || memcmp(c->buf, EEPROM_MAGIC, MAGIC_LEN) != 0 ||
	    mcim_load_be16(c->buf + MAGIC_LEN) != EEPROM_VERSION)
		return MCIM_ERR_TAMPERED;
	err = mcim_aead_open(c->seal_key, c->buf + MAGIC_LEN + 2, c->buf, EEPROM_HDR_LEN,
			     c->buf + EEPROM_HDR_LEN, UICC_STATE_LEN + MCIM_AEAD_TAG_LEN,
			     c->plain);
	if (err == MCIM_ERR_DECRYPT)
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_OK)
		err = state_decode(c->plain, UICC_STATE_LEN, st);
	mcim_wipe(c->plain, sizeof(c->plain));
	return err;
}

mcim_err uicc_state_commit(struct uicc_card *c)
{
	mcim_err err = state_write(c, &c->work);

	if (err == MCIM_OK)
		c->st = c->work;
	return err;
}

void uicc_profile_wipe(struct uicc_profile *p)
{
	mcim_wipe(p, sizeof(*p));
}

static mcim_err state_from_profile(struct uicc_state *st, const struct uicc_profile *p)
{
	const struct mcim_aka_alg *alg;
	mcim_err err;

	if (p->form != UICC_FORM_REMOVABLE && p->form != UICC_FORM_ATTACHED)
		return MCIM_ERR_INVALID_ARG;
	alg = mcim_aka_alg_find(p->cred.alg);
	if (alg == NULL)
		return MCIM_ERR_UNSUPPORTED;
	if (alg->check(&p->cred) != MCIM_OK ||
	    uicc_iccid_encode(p->iccid, st->iccid) != MCIM_OK ||
	    uicc_imsi_encode(p->imsi, st->imsi) != MCIM_OK ||
	    uicc_pin_encode(p->pin, st->pin) != MCIM_OK ||
	    mcim_sqn_cfg_check(&p->sqn_cfg) != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	err = mcim_sqn_ms_init_at(&p->sqn_cfg, &st->ms, p->sqn_init);
	if (err != MCIM_OK)
		return MCIM_ERR_INVALID_ARG;
	st->form = (uint8_t)p->form;
	st->cred = p->cred;
	st->sqn_cfg = p->sqn_cfg;
	memcpy(st->adm, p->adm, UICC_ADM_LEN);
	st->adm_tries = UICC_ADM_TRIES;
	st->pin_enabled = p->pin[0] != '\0';
	st->pin_tries = UICC_PIN_TRIES;
	memcpy(st->sho_key, p->sho_key, UICC_SHO_KEY_LEN);
	if (p->paired) {
		st->pair_state = UICC_PAIRED;
		memcpy(st->m2me_id, p->m2me_id, UICC_M2ME_ID_LEN);
		memcpy(st->pair_key, p->pair_key, UICC_PAIR_KEY_LEN);
	}
	return MCIM_OK;
}

mcim_err uicc_card_manufacture(const char *dir, const struct uicc_profile *p,
			       const struct mcim_rng *rng, const struct tre_soft_io *io)
{
	struct uicc_card c;
	uint8_t chip[CHIP_LEN];
	char path[TRE_FILE_PATH_MAX];
	size_t len;
	mcim_err err;

	MCIM_ASSERT(dir != NULL && p != NULL);
	if (!tre_file_dir_ok(dir))
		return MCIM_ERR_INVALID_ARG;
	io = io != NULL ? io : tre_soft_io_posix();
	rng = rng != NULL ? rng : mcim_rng_system();
	memset(&c, 0, sizeof(c));
	err = state_from_profile(&c.work, p);
	if (err != MCIM_OK)
		goto out;
	if (io->mkdir(io->self, dir, 0700) != 0 && errno != EEXIST) {
		err = tre_file_err(errno);
		goto out;
	}
	tre_file_path(path, dir, UICC_CHIP_FILE, "");
	err = tre_file_read(io, path, chip, sizeof(chip), &len);
	if (err != MCIM_ERR_NOT_FOUND) {
		err = err == MCIM_OK || err == MCIM_ERR_TOO_LARGE ? MCIM_ERR_EXISTS : err;
		goto out;
	}
	c.io = io;
	c.rng = rng;
	memcpy(c.dir, dir, strlen(dir) + 1);
	memcpy(chip, CHIP_MAGIC, MAGIC_LEN);
	err = mcim_rng_fill(rng, c.work.card_id, UICC_CARD_ID_LEN);
	if (err == MCIM_OK)
		err = mcim_rng_fill(rng, chip + MAGIC_LEN + UICC_CARD_ID_LEN, 32);
	if (err == MCIM_OK)
		err = mcim_rng_fill(rng, c.work.root_key, TRE_KEY_LEN);
	if (err == MCIM_OK) {
		memcpy(chip + MAGIC_LEN, c.work.card_id, UICC_CARD_ID_LEN);
		err = seal_key(chip + MAGIC_LEN + UICC_CARD_ID_LEN, c.work.card_id,
			       c.seal_key);
	}
	/* The eeprom first: a chip file means a complete card. */
	if (err == MCIM_OK)
		err = state_write(&c, &c.work);
	if (err == MCIM_OK)
		err = tre_file_write_atomic(io, dir, UICC_CHIP_FILE, chip, CHIP_LEN);
out:
	mcim_wipe(chip, sizeof(chip));
	mcim_wipe(&c, sizeof(c));
	return err;
}

mcim_err uicc_card_open(struct uicc_card *c, const char *dir, const struct mcim_rng *rng,
			const struct tre_soft_io *io)
{
	uint8_t chip[CHIP_LEN];
	char path[TRE_FILE_PATH_MAX];
	size_t len = 0;
	mcim_err err;

	MCIM_ASSERT(c != NULL && dir != NULL);
	memset(c, 0, sizeof(*c));
	if (!tre_file_dir_ok(dir))
		return MCIM_ERR_INVALID_ARG;
	c->io = io != NULL ? io : tre_soft_io_posix();
	c->rng = rng != NULL ? rng : mcim_rng_system();
	memcpy(c->dir, dir, strlen(dir) + 1);
	tre_file_path(path, dir, UICC_CHIP_FILE, "");
	err = tre_file_read(c->io, path, chip, sizeof(chip), &len);
	if (err == MCIM_ERR_TOO_LARGE ||
	    (err == MCIM_OK &&
	     (len != CHIP_LEN || memcmp(chip, CHIP_MAGIC, MAGIC_LEN) != 0)))
		err = MCIM_ERR_TAMPERED;
	if (err == MCIM_OK)
		err = seal_key(chip + MAGIC_LEN + UICC_CARD_ID_LEN, chip + MAGIC_LEN,
			       c->seal_key);
	if (err == MCIM_OK)
		err = state_read(c, &c->st);
	if (err == MCIM_OK &&
	    memcmp(c->st.card_id, chip + MAGIC_LEN, UICC_CARD_ID_LEN) != 0)
		err = MCIM_ERR_TAMPERED;
	mcim_wipe(chip, sizeof(chip));
	if (err != MCIM_OK) {
		mcim_wipe(c, sizeof(*c));
		return err;
	}
	/* A write cut short leaves its temp file; it is never read. */
	(void)tre_file_remove_tmp(c->io, dir, UICC_EEPROM_FILE);
	c->open = 1;
	return MCIM_OK;
}

void uicc_card_close(struct uicc_card *c)
{
	MCIM_ASSERT(c != NULL);
	mcim_wipe(c, sizeof(*c));
}

/* ---- pairing and SHO keys ---- */

mcim_err uicc_pair_key(const uint8_t secret[UICC_M2ME_SECRET_LEN],
		       const uint8_t iccid[UICC_ICCID_LEN],
		       uint8_t out[UICC_PAIR_KEY_LEN])
{
	MCIM_ASSERT(secret != NULL && iccid != NULL && out != NULL);
	return mcim_hkdf_sha256((const uint8_t *)PAIR_SALT, sizeof(PAIR_SALT) - 1, secret,
				UICC_M2ME_SECRET_LEN, iccid, UICC_ICCID_LEN, out,
				UICC_PAIR_KEY_LEN);
}

mcim_err uicc_terminal_mac(const uint8_t pair_key[UICC_PAIR_KEY_LEN],
			   const uint8_t challenge[UICC_CHALLENGE_LEN],
			   const uint8_t m2me_id[UICC_M2ME_ID_LEN], uint8_t out[32])
{
	struct mcim_iov parts[3] = {
	    {TERMINAL_LABEL, sizeof(TERMINAL_LABEL) - 1},
	    {challenge, UICC_CHALLENGE_LEN},
	    {m2me_id, UICC_M2ME_ID_LEN},
	};

	MCIM_ASSERT(pair_key != NULL && challenge != NULL && m2me_id != NULL &&
		    out != NULL);
	return mcim_hmac_sha256(pair_key, UICC_PAIR_KEY_LEN, parts, 3, out);
}

mcim_err uicc_sho_key_aad(const uint8_t sho_key[UICC_SHO_KEY_LEN],
			  const uint8_t iccid[UICC_ICCID_LEN],
			  const uint8_t challenge[UICC_CHALLENGE_LEN], uint8_t op,
			  uint8_t key[MCIM_AEAD_KEY_LEN], uint8_t aad[UICC_SHO_AAD_LEN])
{
	aad[0] = UICC_CLA_PROP;
	aad[1] = UICC_INS_SHO;
	aad[2] = op;
	aad[3] = 0;
	memcpy(aad + 4, iccid, UICC_ICCID_LEN);
	memcpy(aad + 4 + UICC_ICCID_LEN, challenge, UICC_CHALLENGE_LEN);
	return mcim_hkdf_sha256((const uint8_t *)SHO_SALT, sizeof(SHO_SALT) - 1, sho_key,
				UICC_SHO_KEY_LEN, iccid, UICC_ICCID_LEN, key,
				MCIM_AEAD_KEY_LEN);
}

mcim_err uicc_sho_seal(const uint8_t sho_key[UICC_SHO_KEY_LEN],
		       const uint8_t iccid[UICC_ICCID_LEN],
		       const uint8_t challenge[UICC_CHALLENGE_LEN], uint8_t op,
		       const uint8_t *body, size_t len, uint8_t *out, size_t cap,
		       size_t *out_len)
{
	uint8_t key[MCIM_AEAD_KEY_LEN], aad[UICC_SHO_AAD_LEN];
	mcim_err err;

	MCIM_ASSERT(sho_key != NULL && iccid != NULL && challenge != NULL &&
		    out != NULL && out_len != NULL && (body != NULL || len == 0));
	if (len > UICC_SHO_USIM_BODY_LEN)
		return MCIM_ERR_TOO_LARGE;
	if (cap < len + UICC_SHO_OVERHEAD)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	err = uicc_sho_key_aad(sho_key, iccid, challenge, op, key, aad);
	if (err == MCIM_OK)
		err = mcim_aead_seal(key, challenge, aad, sizeof(aad), body, len, out);
	mcim_wipe(key, sizeof(key));
	if (err == MCIM_OK)
		*out_len = len + UICC_SHO_OVERHEAD;
	return err;
}

mcim_err uicc_sho_usim_body(const char *imsi, const struct mcim_aka_cred *cred,
			    const struct mcim_sqn_cfg *sqn_cfg, uint64_t sqn_init,
			    const uint8_t new_sho_key[UICC_SHO_KEY_LEN], uint8_t *out,
			    size_t cap, size_t *out_len)
{
	struct wcur w = {out, 0, cap};
	uint8_t ef[UICC_IMSI_EF_LEN], c[UICC_CRED_LEN], cfg[UICC_SQNCFG_LEN];
	mcim_err err;

	MCIM_ASSERT(imsi != NULL && cred != NULL && sqn_cfg != NULL &&
		    new_sho_key != NULL && out != NULL && out_len != NULL);
	if (cap < UICC_SHO_USIM_BODY_LEN)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	if (uicc_imsi_encode(imsi, ef) != MCIM_OK || sqn_init > MCIM_SQN_MAX)
		return MCIM_ERR_INVALID_ARG;
	err = uicc_cred_encode(cred, c);
	if (err == MCIM_OK)
		err = uicc_sqncfg_encode(sqn_cfg, cfg);
	if (err == MCIM_OK) {
		put(&w, ef, sizeof(ef));
		put(&w, c, sizeof(c));
		put(&w, cfg, sizeof(cfg));
		put_be(&w, sqn_init, 6);
		put(&w, new_sho_key, UICC_SHO_KEY_LEN);
		*out_len = w.off;
	}
	mcim_wipe(c, sizeof(c));
	return err;
}
