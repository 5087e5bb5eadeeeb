/*
 * The emulated card's file system (ISO/IEC 7816-4 section 7.2, TS 31.101/31.102):
 * SELECT by file identifier or by application identifier, READ BINARY and UPDATE
 * BINARY on the transparent EFs, with their access conditions.
 *
 *   MF 3F00
 *     EF.ICCID 2FE2   read always, update never
 *     EF.CARD  2F60   read always, update never (the card's id, pairing, events)
 *     ADF.USIM (by AID; 7FFF once the application is active)
 *       EF.IMSI 6F07  read PIN1 (when enabled), update ADM1
 *
 * An EF is found among the children of the current DF; the MF and the active
 * application are found from anywhere.
 */
#include <string.h>

#include "tre/uicc/uicc_int.h"

#define FCP_DF	    0x78 /* file descriptor: DF, shareable */
#define FCP_EF	    0x41 /* file descriptor: working EF, transparent, shareable */
#define FCP_MAX	    40
#define SELECT_FCP  0x04
#define SELECT_NONE 0x0C
#define AID_MIN	    5 /* RID */

/* The EF's content, or 0 when there is no such EF under the current DF. */
static size_t ef_content(const struct uicc_card *c, uint16_t fid, int in_adf,
			 uint8_t out[UICC_CARD_EF_LEN])
{
	if (in_adf && fid == UICC_FID_IMSI) {
		memcpy(out, c->st.imsi, UICC_IMSI_EF_LEN);
		return UICC_IMSI_EF_LEN;
	}
	if (!in_adf && fid == UICC_FID_ICCID) {
		memcpy(out, c->st.iccid, UICC_ICCID_LEN);
		return UICC_ICCID_LEN;
	}
	if (!in_adf && fid == UICC_FID_CARD) {
		uicc_card_info_encode(&c->st, out);
		return UICC_CARD_EF_LEN;
	}
	return 0;
}

/* 62 L { 82 02 desc 21, 83 02 FID, [80 02 size], [84 L AID], 8A 01 05 }. */
static size_t fcp(uint8_t out[FCP_MAX], uint8_t desc, uint16_t fid, size_t size, int aid)
{
	size_t n = 2;

	out[0] = 0x62;
	memcpy(out + n, (const uint8_t[]){0x82, 0x02, desc, 0x21, 0x83, 0x02}, 6);
	n += 6;
	out[n++] = (uint8_t)(fid >> 8);
	out[n++] = (uint8_t)fid;
	if (desc == FCP_EF) {
		memcpy(out + n, (const uint8_t[]){0x80, 0x02, 0x00, (uint8_t)size}, 4);
		n += 4;
	}
	if (aid) {
		out[n++] = 0x84;
		out[n++] = UICC_USIM_AID_LEN;
		memcpy(out + n, uicc_usim_aid, UICC_USIM_AID_LEN);
		n += UICC_USIM_AID_LEN;
	}
	memcpy(out + n, (const uint8_t[]){0x8A, 0x01, 0x05}, 3);
	n += 3;
	out[1] = (uint8_t)(n - 2);
	return n;
}

void uicc_cmd_select(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t out[FCP_MAX], content[UICC_CARD_EF_LEN];
	size_t n;
	uint16_t fid;

	if ((a->p1 != 0x00 && a->p1 != 0x04) ||
	    (a->p2 != SELECT_FCP && a->p2 != SELECT_NONE)) {
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return;
	}
	if ((a->p1 == 0x00 && a->lc != 2) ||
	    (a->p1 == 0x04 && (a->lc < AID_MIN || a->lc > UICC_USIM_AID_LEN)) ||
	    (a->p2 == SELECT_FCP && !a->has_le)) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	if (a->p1 == 0x04) {
		/* A right-truncated AID selects the application it starts. */
		if (memcmp(a->data, uicc_usim_aid, a->lc) != 0) {
			uicc_resp_sw(c, UICC_SW_FILE_NOT_FOUND);
			return;
		}
		c->app_active = 1;
		fid = UICC_FID_ADF;
	} else {
		fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
	}
	if (fid == UICC_FID_MF) {
		c->adf_selected = 0;
		c->cur_ef = 0;
		n = fcp(out, FCP_DF, fid, 0, 0);
	} else if (fid == UICC_FID_ADF) {
		if (!c->app_active) {
			uicc_resp_sw(c, UICC_SW_FILE_NOT_FOUND);
			return;
		}
		c->adf_selected = 1;
		c->cur_ef = 0;
		n = fcp(out, FCP_DF, fid, 0, 1);
	} else {
		size_t size = ef_content(c, fid, c->adf_selected, content);
		if (size == 0) {
			uicc_resp_sw(c, UICC_SW_FILE_NOT_FOUND);
			return;
		}
		c->cur_ef = fid;
		n = fcp(out, FCP_EF, fid, size, 0);
	}
	if (a->p2 == SELECT_NONE)
		uicc_resp_sw(c, UICC_SW_OK);
	else
		uicc_resp_data(c, a, out, n);
}

/* 1 when the current EF may be read or updated in this session; else answered. */
static int access_ok(struct uicc_card *c, int update)
{
	if (c->cur_ef == UICC_FID_IMSI) {
		if (update ? c->adm_ok : (!c->st.pin_enabled || c->pin_ok))
			return 1;
	} else if (!update) {
		return 1;
	}
	uicc_resp_sw(c, UICC_SW_SECURITY);
	return 0;
}

/* The current EF and the offset from P1 P2; 0 when answered. */
static size_t current_ef(struct uicc_card *c, const struct uicc_apdu *a,
			 uint8_t content[UICC_CARD_EF_LEN], size_t *off)
{
	size_t size;

	if (a->p1 & 0x80) {
		/* Short file identifiers are not supported. */
		uicc_resp_sw(c, UICC_SW_BAD_P1P2);
		return 0;
	}
	if (c->cur_ef == 0) {
		uicc_resp_sw(c, UICC_SW_NO_EF);
		return 0;
	}
	size = ef_content(c, c->cur_ef, c->adf_selected, content);
	*off = (size_t)a->p1 << 8 | a->p2;
	if (*off >= size) {
		uicc_resp_sw(c, UICC_SW_BAD_OFFSET);
		return 0;
	}
	return size;
}

void uicc_cmd_read_binary(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t content[UICC_CARD_EF_LEN];
	size_t size, off, avail;

	if (a->lc != 0 || !a->has_le) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	size = current_ef(c, a, content, &off);
	if (size == 0 || !access_ok(c, 0))
		return;
	avail = size - off;
	/* Le 00 asks for everything up to 256 octets; a larger explicit Le gets what
	 * there is, flagged 6282. */
	if (a->le == 256 || a->le <= avail) {
		struct uicc_apdu all = *a;
		all.le = 256;
		uicc_resp_data(c, &all, content + off, a->le < avail ? a->le : avail);
		return;
	}
	memcpy(c->resp, content + off, avail);
	c->resp[avail] = (uint8_t)(UICC_SW_EOF >> 8);
	c->resp[avail + 1] = (uint8_t)UICC_SW_EOF;
	c->resp_len = avail + 2;
}

void uicc_cmd_update_binary(struct uicc_card *c, const struct uicc_apdu *a)
{
	uint8_t content[UICC_CARD_EF_LEN];
	size_t size, off;

	if (a->lc == 0 || a->has_le) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	size = current_ef(c, a, content, &off);
	if (size == 0 || !access_ok(c, 1))
		return;
	if (a->lc > size - off) {
		uicc_resp_sw(c, UICC_SW_WRONG_LENGTH);
		return;
	}
	/* Only EF.IMSI gets here (access_ok). */
	uicc_tx_begin(c);
	memcpy(c->work.imsi + off, a->data, a->lc);
	if (uicc_tx_commit(c))
		uicc_resp_sw(c, UICC_SW_OK);
}
