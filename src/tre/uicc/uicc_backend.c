/*
 * The `uicc` TRE backend: the TRE's root key, monotonic counters, random octets and
 * identity are the card's, reached with APDUs through a struct uicc_transport; the
 * sealed store's blobs are files in the M2ME's flash (the store is up to 32 KiB and
 * rewritten at every commit, beyond a card's EEPROM size, write endurance and link
 * speed, and it needs nothing from the card beyond the key and the counters that
 * already bind it there). Opening proves the M2ME's identity to the card, or pairs
 * with an unpaired or released card; a card paired with another M2ME leaves the
 * backend open but refused, for the TRE to report. Also the USIM's AKA entry.
 */
#include <string.h>

#include "core/check.h"
#include "core/endian.h"
#include "mcim/bytes.h"
#include "tre/uicc/uicc_int.h"

#define NO_LE (-1)

static const struct tre_backend_ops uicc_ops;

static struct tre_uicc *uicc_of(struct tre_backend *be)
{
	MCIM_ASSERT(be != NULL && be->ops == &uicc_ops);
	return (struct tre_uicc *)be;
}

/* The command APDU in u->cmd: header, data when lc > 0, Le when le >= 0 (256: 00). */
static size_t build(struct tre_uicc *u, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
		    const uint8_t *data, size_t lc, int le)
{
	size_t n = 4;

	MCIM_ASSERT(lc <= 255 && le <= 256);
	u->cmd[0] = cla;
	u->cmd[1] = ins;
	u->cmd[2] = p1;
	u->cmd[3] = p2;
	if (lc > 0) {
		u->cmd[n++] = (uint8_t)lc;
		memcpy(u->cmd + n, data, lc);
		n += lc;
	}
	if (le >= 0)
		u->cmd[n++] = (uint8_t)le;
	return n;
}

/* Sends u->cmd; *data_len is the response data's length, *sw the status word. */
static mcim_err xfer(struct tre_uicc *u, size_t len, size_t *data_len, uint16_t *sw)
{
	size_t rlen = 0;
	mcim_err err =
	    u->t.transmit(u->t.self, u->cmd, len, u->resp, sizeof(u->resp), &rlen);

	mcim_wipe(u->cmd, sizeof(u->cmd));
	if (err != MCIM_OK)
		return MCIM_ERR_IO;
	if (rlen < 2 || rlen > sizeof(u->resp))
		return MCIM_ERR_PARSE;
	*sw = (uint16_t)(u->resp[rlen - 2] << 8 | u->resp[rlen - 1]);
	*data_len = rlen - 2;
	return MCIM_OK;
}

static mcim_err sw_err(uint16_t sw)
{
	if (sw == UICC_SW_OK)
		return MCIM_OK;
	if (sw == UICC_SW_SECURITY || (sw & 0xFFF0) == UICC_SW_WRONG_CODE)
		return MCIM_ERR_DENIED;
	if (sw == UICC_SW_BLOCKED)
		return MCIM_ERR_LOCKED;
	if (sw == UICC_SW_MEMORY || sw == UICC_SW_TECHNICAL)
		return MCIM_ERR_IO;
	return MCIM_ERR_PARSE;
}

/* A command whose answer is exactly want octets of data (0: none) and 9000. */
static mcim_err exchange(struct tre_uicc *u, size_t len, size_t want)
{
	size_t n;
	uint16_t sw;
	mcim_err err = xfer(u, len, &n, &sw);

	if (err != MCIM_OK)
		return err;
	err = sw_err(sw);
	if (err == MCIM_OK && n != want)
		err = MCIM_ERR_PARSE;
	return err;
}

static mcim_err select_fid(struct tre_uicc *u, uint16_t fid)
{
	uint8_t f[2] = {(uint8_t)(fid >> 8), (uint8_t)fid};

	return exchange(
	    u, build(u, UICC_CLA_ISO, UICC_INS_SELECT, 0x00, 0x0C, f, 2, NO_LE), 0);
}

static mcim_err select_usim(struct tre_uicc *u)
{
	return exchange(u,
			build(u, UICC_CLA_ISO, UICC_INS_SELECT, 0x04, 0x0C, uicc_usim_aid,
			      UICC_USIM_AID_LEN, NO_LE),
			0);
}

static mcim_err read_binary(struct tre_uicc *u, size_t len)
{
	return exchange(
	    u, build(u, UICC_CLA_ISO, UICC_INS_READ_BINARY, 0, 0, NULL, 0, (int)len),
	    len);
}

mcim_err tre_uicc_refresh(struct tre_uicc *u)
{
	mcim_err err;

	MCIM_ASSERT(u != NULL);
	err = select_fid(u, UICC_FID_MF);
	if (err == MCIM_OK)
		err = select_fid(u, UICC_FID_CARD);
	if (err == MCIM_OK)
		err = read_binary(u, UICC_CARD_EF_LEN);
	if (err == MCIM_OK)
		err = uicc_card_info_decode(u->resp, UICC_CARD_EF_LEN, &u->status.card);
	return err;
}

void tre_uicc_status(const struct tre_uicc *u, struct uicc_status *out)
{
	MCIM_ASSERT(u != NULL && out != NULL);
	*out = u->status;
}

mcim_err tre_uicc_transmit(struct tre_uicc *u, const uint8_t *cmd, size_t len,
			   uint8_t *resp, size_t cap, size_t *resp_len)
{
	MCIM_ASSERT(u != NULL);
	return u->t.transmit(u->t.self, cmd, len, resp, cap, resp_len);
}

/* TERMINAL AUTH over a fresh challenge, or PAIR for a card free to pair. */
static mcim_err prove(struct tre_uicc *u, const struct uicc_m2me *m2me)
{
	uint8_t key[UICC_PAIR_KEY_LEN], data[UICC_M2ME_ID_LEN + 32];
	size_t n;
	uint16_t sw;
	mcim_err err = uicc_pair_key(m2me->secret, u->status.iccid, key);

	memcpy(data, m2me->id, UICC_M2ME_ID_LEN);
	if (err == MCIM_OK && u->status.card.pair_state != UICC_PAIRED) {
		memcpy(data + UICC_M2ME_ID_LEN, key, sizeof(key));
		err = xfer(u,
			   build(u, UICC_CLA_PROP, UICC_INS_PAIR, 0, 0, data,
				 sizeof(data), NO_LE),
			   &n, &sw);
		if (err == MCIM_OK)
			err = sw_err(sw);
		u->status.session = UICC_SESSION_NEWLY_PAIRED;
	} else if (err == MCIM_OK) {
		err = exchange(u,
			       build(u, UICC_CLA_ISO, UICC_INS_GET_CHALLENGE, 0, 0, NULL,
				     0, UICC_CHALLENGE_LEN),
			       UICC_CHALLENGE_LEN);
		if (err == MCIM_OK)
			err = uicc_terminal_mac(key, u->resp, m2me->id,
						data + UICC_M2ME_ID_LEN);
		if (err == MCIM_OK)
			err = xfer(u,
				   build(u, UICC_CLA_PROP, UICC_INS_TERMINAL_AUTH, 0, 0,
					 data, sizeof(data), NO_LE),
				   &n, &sw);
		if (err == MCIM_OK) {
			err = sw == UICC_SW_SECURITY ? MCIM_OK : sw_err(sw);
			u->status.session = sw == UICC_SW_SECURITY ? UICC_SESSION_FOREIGN
								   : UICC_SESSION_PAIRED;
		}
	}
	mcim_wipe(key, sizeof(key));
	mcim_wipe(data, sizeof(data));
	return err;
}

mcim_err tre_uicc_open(struct tre_uicc *u, const struct uicc_transport *t,
		       const char *store_dir, const struct uicc_m2me *m2me,
		       const char *pin, const struct tre_soft_io *io)
{
	uint8_t pin_ef[UICC_PIN_LEN];
	size_t len;
	mcim_err err;

	MCIM_ASSERT(u != NULL && t != NULL && t->transmit != NULL && store_dir != NULL &&
		    m2me != NULL);
	memset(u, 0, sizeof(*u));
	len = strnlen(store_dir, TRE_SOFT_DIR_MAX + 1);
	if (len == 0 || len > TRE_SOFT_DIR_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (pin != NULL && (pin[0] == '\0' || uicc_pin_encode(pin, pin_ef) != MCIM_OK))
		return MCIM_ERR_INVALID_ARG;
	u->t = *t;
	u->io = io != NULL ? io : tre_soft_io_posix();
	memcpy(u->store_dir, store_dir, len + 1);

	err = select_fid(u, UICC_FID_MF);
	if (err == MCIM_OK)
		err = select_fid(u, UICC_FID_ICCID);
	if (err == MCIM_OK)
		err = read_binary(u, UICC_ICCID_LEN);
	if (err == MCIM_OK) {
		memcpy(u->status.iccid, u->resp, UICC_ICCID_LEN);
		err = tre_uicc_refresh(u);
	}
	if (err == MCIM_OK && pin != NULL)
		err = exchange(u,
			       build(u, UICC_CLA_ISO, UICC_INS_VERIFY, 0, UICC_REF_PIN1,
				     pin_ef, UICC_PIN_LEN, NO_LE),
			       0);
	mcim_wipe(pin_ef, sizeof(pin_ef));
	if (err == MCIM_OK)
		err = prove(u, m2me);
	/* The removal count and pairing as they stand after this session's start. */
	if (err == MCIM_OK)
		err = tre_uicc_refresh(u);
	mcim_wipe(u->resp, sizeof(u->resp));
	if (err != MCIM_OK) {
		mcim_wipe(u, sizeof(*u));
		return err;
	}
	u->base.ops = &uicc_ops;
	return MCIM_OK;
}

/* ---- the backend operations ---- */

static mcim_err uicc_derive_key(struct tre_backend *be, const char *label,
				const uint8_t *ctx, size_t ctx_len,
				uint8_t out[TRE_KEY_LEN])
{
	struct tre_uicc *u = uicc_of(be);
	uint8_t data[1 + TRE_LABEL_MAX + TRE_CONTEXT_MAX];
	size_t label_len;
	mcim_err err;

	MCIM_ASSERT(label != NULL && out != NULL && (ctx != NULL || ctx_len == 0));
	label_len = strnlen(label, TRE_LABEL_MAX + 1);
	if (label_len == 0 || label_len > TRE_LABEL_MAX || ctx_len > TRE_CONTEXT_MAX)
		return MCIM_ERR_INVALID_ARG;
	data[0] = (uint8_t)label_len;
	memcpy(data + 1, label, label_len);
	if (ctx_len > 0)
		memcpy(data + 1 + label_len, ctx, ctx_len);
	err = exchange(u,
		       build(u, UICC_CLA_PROP, UICC_INS_DERIVE_KEY, 0, 0, data,
			     1 + label_len + ctx_len, TRE_KEY_LEN),
		       TRE_KEY_LEN);
	if (err == MCIM_OK)
		memcpy(out, u->resp, TRE_KEY_LEN);
	mcim_wipe(u->resp, sizeof(u->resp));
	return err;
}

static mcim_err uicc_counter_read(struct tre_backend *be, enum tre_counter ctr,
				  uint64_t *value)
{
	struct tre_uicc *u = uicc_of(be);
	mcim_err err;

	MCIM_ASSERT((unsigned)ctr < TRE_COUNTERS && value != NULL);
	err = exchange(
	    u,
	    build(u, UICC_CLA_PROP, UICC_INS_READ_COUNTER, (uint8_t)ctr, 0, NULL, 0, 8),
	    8);
	if (err == MCIM_OK)
		*value = mcim_load_be64(u->resp);
	return err;
}

static mcim_err uicc_counter_advance(struct tre_backend *be, enum tre_counter ctr,
				     uint64_t value)
{
	struct tre_uicc *u = uicc_of(be);
	uint8_t v[8];
	size_t n;
	uint16_t sw;
	mcim_err err;

	MCIM_ASSERT((unsigned)ctr < TRE_COUNTERS);
	mcim_store_be64(v, value);
	err = xfer(u,
		   build(u, UICC_CLA_PROP, UICC_INS_ADVANCE_COUNTER, (uint8_t)ctr, 0, v,
			 sizeof(v), NO_LE),
		   &n, &sw);
	if (err != MCIM_OK)
		return err;
	if (sw == UICC_SW_CONDITIONS)
		return MCIM_ERR_ROLLBACK;
	return sw_err(sw);
}

static int blob_name_ok(const char *name)
{
	size_t len = strnlen(name, TRE_BLOB_NAME_MAX + 1);

	if (len == 0 || len > TRE_BLOB_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '-'))
			return 0;
	}
	return 1;
}

static mcim_err uicc_blob_read(struct tre_backend *be, const char *name, uint8_t *buf,
			       size_t cap, size_t *len)
{
	struct tre_uicc *u = uicc_of(be);
	char path[TRE_FILE_PATH_MAX];

	MCIM_ASSERT(name != NULL && len != NULL && (buf != NULL || cap == 0));
	if (!blob_name_ok(name))
		return MCIM_ERR_INVALID_ARG;
	tre_file_path(path, u->store_dir, name, "");
	return tre_file_read(u->io, path, buf, cap, len);
}

static mcim_err uicc_blob_write(struct tre_backend *be, const char *name,
				const uint8_t *data, size_t len)
{
	struct tre_uicc *u = uicc_of(be);

	MCIM_ASSERT(name != NULL && (data != NULL || len == 0));
	if (!blob_name_ok(name))
		return MCIM_ERR_INVALID_ARG;
	return tre_file_write_atomic(u->io, u->store_dir, name, data, len);
}

static mcim_err uicc_blob_tidy(struct tre_backend *be, const char *name)
{
	struct tre_uicc *u = uicc_of(be);

	MCIM_ASSERT(name != NULL);
	if (!blob_name_ok(name))
		return MCIM_ERR_INVALID_ARG;
	return tre_file_remove_tmp(u->io, u->store_dir, name);
}

static mcim_err uicc_random(struct tre_backend *be, uint8_t *buf, size_t len)
{
	struct tre_uicc *u = uicc_of(be);
	mcim_err err = MCIM_OK;

	MCIM_ASSERT(buf != NULL || len == 0);
	while (len > 0 && err == MCIM_OK) {
		size_t n = len < 256 ? len : 256;
		err = exchange(
		    u,
		    build(u, UICC_CLA_PROP, UICC_INS_GET_RANDOM, 0, 0, NULL, 0, (int)n),
		    n);
		if (err == MCIM_OK) {
			memcpy(buf, u->resp, n);
			buf += n;
			len -= n;
		}
	}
	mcim_wipe(u->resp, sizeof(u->resp));
	return err == MCIM_OK ? MCIM_OK : MCIM_ERR_RANDOM;
}

static void uicc_tre_id(struct tre_backend *be, uint8_t out[TRE_ID_LEN])
{
	MCIM_ASSERT(out != NULL);
	memcpy(out, uicc_of(be)->status.card.card_id, TRE_ID_LEN);
}

static void uicc_close(struct tre_backend *be)
{
	mcim_wipe(uicc_of(be), sizeof(struct tre_uicc));
}

static const struct tre_backend_ops uicc_ops = {
    .name = "uicc",
    .derive_key = uicc_derive_key,
    .counter_read = uicc_counter_read,
    .counter_advance = uicc_counter_advance,
    .blob_read = uicc_blob_read,
    .blob_write = uicc_blob_write,
    .blob_tidy = uicc_blob_tidy,
    .random = uicc_random,
    .tre_id = uicc_tre_id,
    .close = uicc_close,
};

/* ---- the USIM ---- */

/* DB L RES L CK L IK (TS 31.102 7.1.2.1; a Kc part is not expected: this card's
 * USIM has no GSM access). */
static mcim_err parse_3g(const uint8_t *d, size_t n, struct mcim_auth_usim_out *out)
{
	size_t off = 1;
	struct {
		uint8_t *dst;
		uint8_t *len;
		size_t min, max;
	} part[3] = {
	    {out->res, &out->res_len, 4, MCIM_AKA_RES_MAX},
	    {out->ck, &out->ck_len, 16, MCIM_AKA_CK_MAX},
	    {out->ik, &out->ik_len, 16, MCIM_AKA_IK_MAX},
	};

	for (size_t i = 0; i < 3; i++) {
		size_t l;
		if (n - off < 1)
			return MCIM_ERR_PARSE;
		l = d[off++];
		if (l < part[i].min || l > part[i].max || n - off < l)
			return MCIM_ERR_PARSE;
		memcpy(part[i].dst, d + off, l);
		*part[i].len = (uint8_t)l;
		off += l;
	}
	return off == n ? MCIM_OK : MCIM_ERR_PARSE;
}

mcim_err uicc_usim_authenticate(struct tre_backend *be,
				const uint8_t rand[MCIM_AKA_RAND_LEN],
				const uint8_t *autn, size_t autn_len,
				struct mcim_auth_usim_out *out)
{
	struct tre_uicc *u = uicc_of(be);
	uint8_t data[2 + MCIM_AKA_RAND_LEN + MCIM_AKA_AUTN_MAX];
	size_t n;
	uint16_t sw;
	mcim_err err;

	MCIM_ASSERT(rand != NULL && autn != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	if (autn_len < MCIM_AKA_SQN_LEN + MCIM_AKA_AMF_LEN ||
	    autn_len > MCIM_AKA_AUTN_MAX)
		return MCIM_ERR_INVALID_ARG;
	err = select_usim(u);
	if (err != MCIM_OK)
		return err;
	data[0] = MCIM_AKA_RAND_LEN;
	memcpy(data + 1, rand, MCIM_AKA_RAND_LEN);
	data[1 + MCIM_AKA_RAND_LEN] = (uint8_t)autn_len;
	memcpy(data + 2 + MCIM_AKA_RAND_LEN, autn, autn_len);
	err = xfer(u,
		   build(u, UICC_CLA_ISO, UICC_INS_AUTHENTICATE, 0, 0x81, data,
			 2 + MCIM_AKA_RAND_LEN + autn_len, 256),
		   &n, &sw);
	if (err != MCIM_OK)
		return err;
	if (sw == UICC_SW_AUTH_ERROR)
		err = MCIM_ERR_MAC_FAILURE;
	else if (sw == UICC_SW_BAD_DATA)
		err = MCIM_ERR_INVALID_ARG;
	else if (sw != UICC_SW_OK)
		err = sw_err(sw);
	else if (n >= 1 && u->resp[0] == UICC_TAG_3G_OK)
		err = parse_3g(u->resp, n, out);
	else if (n >= 2 && u->resp[0] == UICC_TAG_3G_SYNC && u->resp[1] == n - 2 &&
		 n - 2 > MCIM_AKA_SQN_LEN && n - 2 <= MCIM_AKA_AUTS_MAX) {
		memcpy(out->auts, u->resp + 2, n - 2);
		out->auts_len = (uint8_t)(n - 2);
		err = MCIM_ERR_SYNC_FAILURE;
	} else {
		err = MCIM_ERR_PARSE;
	}
	mcim_wipe(u->resp, sizeof(u->resp));
	if (err != MCIM_OK && err != MCIM_ERR_SYNC_FAILURE)
		mcim_auth_usim_out_wipe(out);
	return err;
}

mcim_err uicc_usim_imsi(struct tre_backend *be, char digits[UICC_IMSI_DIGITS_MAX + 1])
{
	struct tre_uicc *u = uicc_of(be);
	mcim_err err;

	MCIM_ASSERT(digits != NULL);
	err = select_usim(u);
	if (err == MCIM_OK)
		err = select_fid(u, UICC_FID_IMSI);
	if (err == MCIM_OK)
		err = read_binary(u, UICC_IMSI_EF_LEN);
	if (err == MCIM_OK)
		err = uicc_imsi_decode(u->resp, UICC_IMSI_EF_LEN, digits);
	return err;
}
