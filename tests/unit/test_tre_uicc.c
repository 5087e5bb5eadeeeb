/*
 * The emulated UICC at the APDU level, in temp directories: the APDU codec with every
 * malformed form; SELECT / READ BINARY / UPDATE BINARY with their access conditions;
 * PIN and ADM retry counters and blocking; USIM AUTHENTICATE (TS 31.102 7.1.2) on
 * the official MILENAGE sets read at run time (milenage.json, resync.json) and on
 * random subscribers against the AuC of mcim/auth.h (R-MCIM-C04: success, MAC
 * failure 9862, sync failure -> AUTS -> mcim_auth_resync -> success); SQN state that
 * survives a power cycle; a crash at every file operation of AUTHENTICATE, UPDATE
 * BINARY and VERIFY leaving the state before or after (R-TRE-M04 for the card's
 * transaction); manufacture (R-SEED-01 option C, R-TRE-G03) and a tampered card;
 * pairing at the card (R-SEED-06 A/C, T-04) and the SHO's sealed commands
 * (R-SEED-12 authorised removal, R-PRC-503/504 OTA update of the USIM fields).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/crypto.h"
#include "tool/vecfile.h"
#include "tre/uicc/uicc.h"
#include "tre_files.h"
#include "vectors_env.h"

/* ---- fault injection: the k-th file call fails, and every later one when sticky
 * (the power is cut) ---- */

static struct {
	unsigned long calls, fail_at, failed;
	int sticky;
} fault;

static int fault_hit(void)
{
	fault.calls++;
	if (fault.fail_at != 0 && (fault.calls == fault.fail_at ||
				   (fault.sticky && fault.calls > fault.fail_at))) {
		fault.failed++;
		errno = EIO;
		return 1;
	}
	return 0;
}

static void fault_arm(unsigned long k, int sticky)
{
	fault.fail_at = fault.calls + k;
	fault.sticky = sticky;
	fault.failed = 0;
}

static void fault_disarm(void)
{
	fault.fail_at = 0;
}

static int f_open(void *self, const char *path, int flags, mode_t mode)
{
	(void)self;
	return fault_hit() ? -1 : open(path, flags, mode);
}

static ssize_t f_read(void *self, int fd, void *buf, size_t len)
{
	(void)self;
	return fault_hit() ? -1 : read(fd, buf, len);
}

/* Writes at most 100 octets at a time: short writes are carried on. */
static ssize_t f_write(void *self, int fd, const void *buf, size_t len)
{
	(void)self;
	return fault_hit() ? -1 : write(fd, buf, len > 100 ? 100 : len);
}

static int f_fsync(void *self, int fd)
{
	(void)self;
	return fault_hit() ? -1 : fsync(fd);
}

static int f_close(void *self, int fd)
{
	(void)self;
	if (fault_hit()) {
		close(fd);
		errno = EIO;
		return -1;
	}
	return close(fd);
}

static int f_rename(void *self, const char *from, const char *to)
{
	(void)self;
	return fault_hit() ? -1 : rename(from, to);
}

static int f_unlink(void *self, const char *path)
{
	(void)self;
	return fault_hit() ? -1 : unlink(path);
}

static int f_mkdir(void *self, const char *path, mode_t mode)
{
	(void)self;
	return fault_hit() ? -1 : mkdir(path, mode);
}

static const struct tre_soft_io fault_io = {
    f_open, f_read, f_write, f_fsync, f_close, f_rename, f_unlink, f_mkdir, NULL,
};

/* ---- a deterministic generator that can be made to fail ---- */

struct test_rng {
	uint64_t s;
	int broken;
	struct mcim_rng rng;
};

static mcim_err test_fill(void *self, uint8_t *buf, size_t len)
{
	struct test_rng *t = self;

	if (t->broken)
		return MCIM_ERR_RANDOM;
	for (size_t i = 0; i < len; i++) {
		uint64_t z = (t->s += UINT64_C(0x9e3779b97f4a7c15));
		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		buf[i] = (uint8_t)(z ^ (z >> 31));
	}
	return MCIM_OK;
}

static struct test_rng trng = {1, 0, {test_fill, &trng}};

/* ---- the fixture ---- */

static const char ICCID[] = "89882112345678901234";
/* EF.ICCID of ICCID and EF.IMSI of IMSI, written out by hand from TS 102 221 13.2
 * and TS 31.102 4.2.2. */
static const uint8_t ICCID_EF[10] = {0x98, 0x88, 0x12, 0x21, 0x43,
				     0x65, 0x87, 0x09, 0x21, 0x43};
static const char IMSI[] = "001010123456789";
static const uint8_t IMSI_EF[9] = {0x08, 0x09, 0x10, 0x10, 0x10, 0x32, 0x54, 0x76, 0x98};
static const uint8_t ADM[8] = {'8', '8', '8', '8', '8', '8', '8', '8'};
static const uint8_t M2ME_A[16] = "M2ME-A-imei-0001";
static const uint8_t M2ME_B[16] = "M2ME-B-imei-0002";

struct fx {
	char dir[256], card[300];
	struct uicc_profile p;
	struct uicc_card c;
	uint8_t resp[UICC_RESP_MAX];
	size_t n; /* response data length */
};

static void profile_default(struct uicc_profile *p, enum uicc_form form, const char *pin)
{
	memset(p, 0, sizeof(*p));
	p->form = form;
	memcpy(p->iccid, ICCID, sizeof(ICCID));
	memcpy(p->imsi, IMSI, sizeof(IMSI));
	p->cred.alg = MCIM_AKA_MILENAGE;
	p->cred.k_len = 16;
	assert_int_equal(test_fill(&trng, p->cred.k, 16), MCIM_OK);
	assert_int_equal(test_fill(&trng, p->cred.opc, 16), MCIM_OK);
	mcim_milenage_default_consts(&p->cred.params.milenage);
	mcim_sqn_cfg_default(&p->sqn_cfg);
	memcpy(p->adm, ADM, sizeof(ADM));
	snprintf(p->pin, sizeof(p->pin), "%s", pin);
	assert_int_equal(test_fill(&trng, p->sho_key, sizeof(p->sho_key)), MCIM_OK);
}

static struct fx *fx_new(enum uicc_form form, const char *pin)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/mcim-uicc-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->card, sizeof(f->card), "%s/card", f->dir);
	profile_default(&f->p, form, pin);
	return f;
}

static void fx_card(struct fx *f)
{
	assert_int_equal(uicc_card_manufacture(f->card, &f->p, &trng.rng, NULL), MCIM_OK);
	assert_int_equal(uicc_card_open(&f->c, f->card, &trng.rng, NULL), MCIM_OK);
}

static void fx_reopen(struct fx *f, const struct tre_soft_io *io)
{
	uicc_card_close(&f->c);
	assert_int_equal(uicc_card_open(&f->c, f->card, &trng.rng, io), MCIM_OK);
}

static void fx_free(struct fx *f)
{
	uicc_card_close(&f->c);
	rm_tree(f->dir);
	uicc_profile_wipe(&f->p);
	free(f);
}

/* Sends raw octets; returns the SW, f->n the data length. */
static uint16_t raw(struct fx *f, const uint8_t *cmd, size_t len)
{
	size_t rlen = 0;

	assert_int_equal(uicc_card_apdu(&f->c, cmd, len, f->resp, sizeof(f->resp), &rlen),
			 MCIM_OK);
	assert_true(rlen >= 2);
	f->n = rlen - 2;
	return (uint16_t)(f->resp[rlen - 2] << 8 | f->resp[rlen - 1]);
}

/* Sends an APDU given in hex. */
static uint16_t hx(struct fx *f, const char *hex)
{
	uint8_t cmd[UICC_APDU_MAX];
	size_t len = 0;

	assert_int_equal(mcim_hex_decode(hex, strlen(hex), cmd, sizeof(cmd), &len),
			 MCIM_OK);
	return raw(f, cmd, len);
}

/* header || Lc || data [|| Le] */
static uint16_t cmd(struct fx *f, const char *hdr_hex, const uint8_t *data, size_t lc,
		    int le)
{
	uint8_t c[UICC_APDU_MAX];
	size_t len = 0;

	assert_int_equal(mcim_hex_decode(hdr_hex, 8, c, 4, &len), MCIM_OK);
	if (lc > 0) {
		c[len++] = (uint8_t)lc;
		memcpy(c + len, data, lc);
		len += lc;
	}
	if (le >= 0)
		c[len++] = (uint8_t)le;
	return raw(f, c, len);
}

static void select_usim(struct fx *f)
{
	assert_int_equal(cmd(f, "00A4040C", uicc_usim_aid, UICC_USIM_AID_LEN, -1),
			 0x9000);
}

/* The M2ME side of pairing, as the backend does it. */
static void pair_key_of(const uint8_t *id, uint8_t key[32])
{
	uint8_t secret[32];

	memset(secret, id[7], sizeof(secret));
	assert_int_equal(uicc_pair_key(secret, ICCID_EF, key), MCIM_OK);
}

static uint16_t pair(struct fx *f, const uint8_t id[16])
{
	uint8_t d[48];

	memcpy(d, id, 16);
	pair_key_of(id, d + 16);
	return cmd(f, "80140000", d, sizeof(d), -1);
}

static uint16_t terminal_auth(struct fx *f, const uint8_t id[16])
{
	uint8_t d[48], key[32], chal[16];

	assert_int_equal(hx(f, "0084000010"), 0x9000);
	assert_int_equal(f->n, 16);
	memcpy(chal, f->resp, 16);
	memcpy(d, id, 16);
	pair_key_of(id, key);
	assert_int_equal(uicc_terminal_mac(key, chal, id, d + 16), MCIM_OK);
	return cmd(f, "80120000", d, sizeof(d), -1);
}

static const char *vec(const char *file, char *buf, size_t cap)
{
	return vectors_path(file, buf, cap);
}

/* ---- the APDU codec ---- */

static void apdu_malformed(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	uint8_t small[3], big[300];
	size_t rlen;

	(void)state;
	fx_card(f);
	/* Shorter than a header. */
	for (size_t len = 0; len < 4; len++)
		assert_int_equal(raw(f, (const uint8_t *)"\x00\xa4\x00\x00", len),
				 0x6700);
	/* Lc 0 followed by more octets is the extended form: not supported. */
	assert_int_equal(hx(f, "00A40000000002"), 0x6700);
	assert_int_equal(hx(f, "00A4000C00023F00"), 0x6700);
	/* Lc larger or smaller than the data. */
	assert_int_equal(hx(f, "00A4000C053F00"), 0x6700);
	assert_int_equal(hx(f, "00A4000C023F0000FF"), 0x6700);
	/* 261 octets: more than any short APDU. */
	memset(big, 0, sizeof(big));
	big[4] = 0xFF;
	assert_int_equal(raw(f, big, 262), 0x6700);
	/* Unknown classes and instructions. */
	assert_int_equal(hx(f, "A0A4000C023F00"), 0x6E00);
	assert_int_equal(hx(f, "01A4000C023F00"), 0x6E00);
	assert_int_equal(hx(f, "FF000000"), 0x6E00);
	assert_int_equal(hx(f, "00CA000000"), 0x6D00);
	assert_int_equal(hx(f, "00C0000000"), 0x6D00);
	assert_int_equal(hx(f, "80FE0000"), 0x6D00);
	assert_int_equal(hx(f, "80A4000C023F00"), 0x6D00); /* SELECT is ISO only */
	assert_int_equal(hx(f, "0018000000"), 0x6D00);	   /* and DERIVE KEY is not */
	/* Wrong P1 P2. */
	assert_int_equal(hx(f, "00A40800023F00"), 0x6A86);
	assert_int_equal(hx(f, "00A40001023F00"), 0x6A86);
	assert_int_equal(hx(f, "0020010008FFFFFFFFFFFFFFFF"), 0x6A86);
	assert_int_equal(hx(f, "0020000208FFFFFFFFFFFFFFFF"), 0x6A88);
	assert_int_equal(hx(f, "0084010010"), 0x6A86);
	assert_int_equal(hx(f, "0088008010"
			       "00000000000000000000000000000000"
			       "00"),
			 0x6A86);
	assert_int_equal(hx(f, "0088018110"
			       "00000000000000000000000000000000"
			       "00"),
			 0x6A86);
	assert_int_equal(hx(f, "80160100"), 0x6700);
	assert_int_equal(hx(f, "8016010010"), 0x6A86);
	assert_int_equal(hx(f, "801A020008"), 0x6A86);
	assert_int_equal(hx(f, "801C02000800000000000000FF"), 0x6A86);
	assert_int_equal(hx(f, "801E0300100000000000000000000000000000000000"), 0x6A86);
	/* Wrong lengths for each command. */
	assert_int_equal(hx(f, "00A4000C033F0000"), 0x6700);
	assert_int_equal(hx(f, "00A4040C04A0000000"), 0x6700);
	assert_int_equal(hx(f, "00A40004023F00"), 0x6700); /* FCP asked, no Le */
	assert_int_equal(hx(f, "00B00000"), 0x6700);
	assert_int_equal(hx(f, "00B00000013F00"), 0x6700);
	assert_int_equal(hx(f, "00D60000"), 0x6700);
	assert_int_equal(hx(f, "00D6000001FF01"), 0x6700);
	assert_int_equal(hx(f, "0020000104FFFFFFFF"), 0x6700);
	assert_int_equal(hx(f, "002000010831323334FFFFFFFF00"), 0x6700);
	assert_int_equal(hx(f, "00840000"), 0x6700);
	assert_int_equal(hx(f, "008400000100"), 0x6700);
	assert_int_equal(hx(f, "0084000011"), 0x6C10);
	assert_int_equal(hx(f, "0084000000"), 0x6C10);
	assert_int_equal(hx(f, "00880081"), 0x6700);
	assert_int_equal(hx(f, "008800810110"), 0x6700);
	assert_int_equal(hx(f, "00880081021000"), 0x6700);   /* no Le */
	assert_int_equal(hx(f, "0088008102100000"), 0x6700); /* RAND cut short */
	assert_int_equal(hx(f, "00880081120f0000000000000000000000000000000000"
			       "00"),
			 0x6A80); /* RAND of 15 */
	{
		/* AUTN shorter than its length octet says. */
		uint8_t d[18] = {16};
		d[17] = 8;
		assert_int_equal(cmd(f, "00880081", d, sizeof(d), 0), 0x6700);
	}
	assert_int_equal(hx(f, "80120000"), 0x6700);
	assert_int_equal(hx(f, "8012000001FF"), 0x6700);
	assert_int_equal(hx(f, "8014000001FF"), 0x6700);
	assert_int_equal(hx(f, "801A0000"), 0x6700);
	assert_int_equal(hx(f, "801C000001FF"), 0x6700);
	assert_int_equal(hx(f, "801C0000"), 0x6700);
	assert_int_equal(hx(f, "801E0100"), 0x6700);
	assert_int_equal(hx(f, "801E010001FF"), 0x6700);
	assert_int_equal(hx(f, "80180000"), 0x6700);
	assert_int_equal(hx(f, "8018000003016100"), 0x6700); /* no Le */
	/* DERIVE KEY labels: empty, too long, with a NUL, context too long. */
	assert_int_equal(hx(f, "80180000010020"), 0x6A80);
	assert_int_equal(hx(f, "8018000002050020"), 0x6A80);
	assert_int_equal(hx(f, "801800000302610020"), 0x6A80);
	{
		uint8_t d[1 + 1 + 65];
		memset(d, 'a', sizeof(d));
		d[0] = 49;
		assert_int_equal(cmd(f, "80180000", d, 50, 32), 0x6A80);
		d[0] = 1;
		assert_int_equal(cmd(f, "80180000", d, sizeof(d), 32), 0x6A80);
		/* Well formed: refused only because the card is not paired. */
		assert_int_equal(cmd(f, "80180000", d, sizeof(d) - 1, 32), 0x6982);
	}
	/* The caller's side: a response that does not fit, a card not powered. */
	assert_int_equal(uicc_card_apdu(&f->c, (const uint8_t *)"\x00\x84\x00\x00\x10", 5,
					small, sizeof(small), &rlen),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	uicc_card_close(&f->c);
	assert_int_equal(uicc_card_apdu(&f->c, (const uint8_t *)"\x00\x84\x00\x00\x10", 5,
					f->resp, sizeof(f->resp), &rlen),
			 MCIM_ERR_STATE);
	assert_int_equal(uicc_card_open(&f->c, f->card, &trng.rng, NULL), MCIM_OK);
	fx_free(f);
}

/* ---- files and access conditions ---- */

static void files_and_access(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "1234");
	static const uint8_t fcp_mf[] = {0x62, 0x0B, 0x82, 0x02, 0x78, 0x21, 0x83,
					 0x02, 0x3F, 0x00, 0x8A, 0x01, 0x05};
	static const uint8_t fcp_iccid[] = {0x62, 0x0F, 0x82, 0x02, 0x41, 0x21,
					    0x83, 0x02, 0x2F, 0xE2, 0x80, 0x02,
					    0x00, 0x0A, 0x8A, 0x01, 0x05};
	static const uint8_t new_imsi[9] = {0x08, 0x29, 0x26, 0x10, 0x10,
					    0x32, 0x54, 0x76, 0x98};
	struct uicc_card_info info;
	char digits[16];

	(void)state;
	fx_card(f);
	/* No current EF yet. */
	assert_int_equal(hx(f, "00B0000000"), 0x6986);
	assert_int_equal(hx(f, "00D6000001FF"), 0x6986);
	/* MF and EF.ICCID with their FCP. */
	assert_int_equal(hx(f, "00A40004023F0000"), 0x9000);
	assert_int_equal(f->n, sizeof(fcp_mf));
	assert_memory_equal(f->resp, fcp_mf, sizeof(fcp_mf));
	assert_int_equal(hx(f, "00A40004022FE200"), 0x9000);
	assert_memory_equal(f->resp, fcp_iccid, sizeof(fcp_iccid));
	assert_int_equal(hx(f, "00A40004022FE205"), 0x6C11); /* Le too short */
	assert_int_equal(hx(f, "00B0000000"), 0x9000);
	assert_int_equal(f->n, 10);
	assert_memory_equal(f->resp, ICCID_EF, 10);
	/* Offsets, partial reads, reading past the end, SFI. */
	assert_int_equal(hx(f, "00B0000403"), 0x9000);
	assert_int_equal(f->n, 3);
	assert_memory_equal(f->resp, ICCID_EF + 4, 3);
	assert_int_equal(hx(f, "00B0000810"), 0x6282);
	assert_int_equal(f->n, 2);
	assert_memory_equal(f->resp, ICCID_EF + 8, 2);
	assert_int_equal(hx(f, "00B0000A00"), 0x6B00);
	assert_int_equal(hx(f, "00B0010000"), 0x6B00);
	assert_int_equal(hx(f, "00B0820000"), 0x6A86);
	/* ICCID and EF.CARD are never updated, not even with ADM. */
	assert_int_equal(hx(f, "0020000A0488888888"), 0x6700);
	assert_int_equal(cmd(f, "0020000A", ADM, 8, -1), 0x9000);
	assert_int_equal(hx(f, "00D6000001FF"), 0x6982);
	assert_int_equal(hx(f, "00A4000C022F60"), 0x9000);
	assert_int_equal(hx(f, "00B0000000"), 0x9000);
	assert_int_equal(uicc_card_info_decode(f->resp, f->n, &info), MCIM_OK);
	assert_int_equal(info.form, UICC_FORM_REMOVABLE);
	assert_int_equal(info.pair_state, UICC_UNPAIRED);
	assert_int_equal(info.removals, 0);
	assert_int_equal(hx(f, "00D6000001FF"), 0x6982);
	/* EF.IMSI is not a child of the MF; 7FFF needs an active application. */
	assert_int_equal(hx(f, "00A4000C026F07"), 0x6A82);
	assert_int_equal(hx(f, "00A4000C027FFF"), 0x6A82);
	assert_int_equal(hx(f, "00A4000C021234"), 0x6A82);
	assert_int_equal(hx(f, "00A4040C05A000000088"), 0x6A82); /* another RID */
	/* ADF.USIM by a right-truncated AID, then 7FFF works too. */
	assert_int_equal(hx(f, "00A4040407A000000087100200"), 0x9000);
	assert_int_equal(f->resp[0], 0x62);
	assert_int_equal(hx(f, "00A4000C023F00"), 0x9000);
	assert_int_equal(hx(f, "00A4000C027FFF"), 0x9000);
	assert_int_equal(hx(f, "00A4000C022FE2"), 0x6A82); /* not a child of the ADF */
	assert_int_equal(hx(f, "00A4000C026F07"), 0x9000);
	/* IMSI: read after PIN1, updated after ADM1 (this session has ADM). */
	assert_int_equal(hx(f, "00B0000009"), 0x6982);
	assert_int_equal(hx(f, "002000010831323334FFFFFFFF"), 0x9000);
	assert_int_equal(hx(f, "00B0000009"), 0x9000);
	assert_memory_equal(f->resp, IMSI_EF, 9);
	assert_int_equal(hx(f, "00D600090101"), 0x6B00);
	assert_int_equal(hx(f, "00D600080201FF"), 0x6700);
	assert_int_equal(cmd(f, "00D60000", new_imsi, 9, -1), 0x9000);
	/* It lasts: a new session, and the ADM right is gone with the old one. */
	fx_reopen(f, NULL);
	select_usim(f);
	assert_int_equal(hx(f, "00A4000C026F07"), 0x9000);
	assert_int_equal(hx(f, "002000010831323334FFFFFFFF"), 0x9000);
	assert_int_equal(hx(f, "00B0000009"), 0x9000);
	assert_memory_equal(f->resp, new_imsi, 9);
	assert_int_equal(uicc_imsi_decode(f->resp, 9, digits), MCIM_OK);
	assert_string_equal(digits, "262010123456789");
	assert_int_equal(cmd(f, "00D60000", IMSI_EF, 9, -1), 0x6982);
	fx_free(f);
}

/* ---- digit codecs ---- */

static void digit_codecs(void **state)
{
	uint8_t ef[10];
	char d[16];
	uint8_t bad[9];

	(void)state;
	assert_int_equal(uicc_imsi_encode(IMSI, ef), MCIM_OK);
	assert_memory_equal(ef, IMSI_EF, 9);
	assert_int_equal(uicc_imsi_decode(ef, 9, d), MCIM_OK);
	assert_string_equal(d, IMSI);
	/* Even number of digits: the last nibble is F. */
	assert_int_equal(uicc_imsi_encode("00101012345678", ef), MCIM_OK);
	assert_int_equal(ef[0], 8);
	assert_int_equal(ef[1], 0x01);
	assert_int_equal(ef[8] >> 4, 0xF);
	assert_int_equal(uicc_imsi_decode(ef, 9, d), MCIM_OK);
	assert_string_equal(d, "00101012345678");
	assert_int_equal(uicc_imsi_encode("123456", ef), MCIM_OK);
	assert_int_equal(ef[0], 4);
	assert_int_equal(uicc_imsi_decode(ef, 9, d), MCIM_OK);
	assert_string_equal(d, "123456");
	assert_int_equal(uicc_imsi_encode("12345", ef), MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_imsi_encode("1234567890123456", ef), MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_imsi_encode("00101a", ef), MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_imsi_decode(IMSI_EF, 8, d), MCIM_ERR_PARSE);
	memcpy(bad, IMSI_EF, 9);
	bad[0] = 9;
	assert_int_equal(uicc_imsi_decode(bad, 9, d), MCIM_ERR_PARSE);
	bad[0] = 3;
	assert_int_equal(uicc_imsi_decode(bad, 9, d), MCIM_ERR_PARSE);
	memcpy(bad, IMSI_EF, 9);
	bad[1] = 0x02; /* not type 001 */
	assert_int_equal(uicc_imsi_decode(bad, 9, d), MCIM_ERR_PARSE);
	memcpy(bad, IMSI_EF, 9);
	bad[2] = 0x1A; /* a nibble above 9 */
	assert_int_equal(uicc_imsi_decode(bad, 9, d), MCIM_ERR_PARSE);
	assert_int_equal(uicc_imsi_encode("123456", bad), MCIM_OK);
	bad[8] = 0x00; /* past the length, not F */
	assert_int_equal(uicc_imsi_decode(bad, 9, d), MCIM_ERR_PARSE);
	assert_int_equal(uicc_iccid_encode(ICCID, ef), MCIM_OK);
	assert_memory_equal(ef, ICCID_EF, 10);
	assert_int_equal(uicc_iccid_encode("8988211234567890123", ef), MCIM_OK);
	assert_int_equal(ef[9], 0xF3);
	assert_int_equal(uicc_iccid_encode("89882112345678901", ef),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_iccid_encode("898821123456789012345", ef),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_iccid_encode("8988211234567890123x", ef),
			 MCIM_ERR_INVALID_ARG);
	{
		struct uicc_card_info info;
		uint8_t card[UICC_CARD_EF_LEN] = {0};
		card[16] = 1;
		assert_int_equal(uicc_card_info_decode(card, sizeof(card), &info),
				 MCIM_OK);
		assert_int_equal(uicc_card_info_decode(card, sizeof(card) - 1, &info),
				 MCIM_ERR_PARSE);
		card[16] = 3;
		assert_int_equal(uicc_card_info_decode(card, sizeof(card), &info),
				 MCIM_ERR_PARSE);
		card[16] = 2;
		card[17] = 3;
		assert_int_equal(uicc_card_info_decode(card, sizeof(card), &info),
				 MCIM_ERR_PARSE);
		card[17] = 0;
		card[54] = 2;
		assert_int_equal(uicc_card_info_decode(card, sizeof(card), &info),
				 MCIM_ERR_PARSE);
	}
}

/* ---- PIN and ADM ---- */

static void pin_retry_counter(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "1234");
	static const char wrong[] = "002000010839393939FFFFFFFF";
	static const char right[] = "002000010831323334FFFFFFFF";

	(void)state;
	fx_card(f);
	assert_int_equal(hx(f, "00200001"), 0x63C3);
	assert_int_equal(hx(f, wrong), 0x63C2);
	assert_int_equal(hx(f, wrong), 0x63C1);
	/* The right PIN gives the tries back. */
	assert_int_equal(hx(f, right), 0x9000);
	assert_int_equal(hx(f, "00200001"), 0x9000);
	fx_reopen(f, NULL);
	assert_int_equal(hx(f, "00200001"), 0x63C3);
	assert_int_equal(hx(f, wrong), 0x63C2);
	/* The count survives a power cycle. */
	fx_reopen(f, NULL);
	assert_int_equal(hx(f, "00200001"), 0x63C2);
	assert_int_equal(hx(f, wrong), 0x63C1);
	assert_int_equal(hx(f, wrong), 0x6983);
	assert_int_equal(hx(f, right), 0x6983);
	assert_int_equal(hx(f, "00200001"), 0x6983);
	fx_reopen(f, NULL);
	assert_int_equal(hx(f, right), 0x6983);
	/* Blocked PIN: AUTHENTICATE and reading the IMSI stay refused. */
	select_usim(f);
	assert_int_equal(hx(f, "00A4000C026F07"), 0x9000);
	assert_int_equal(hx(f, "00B0000009"), 0x6982);
	/* ADM has its own counter (10). */
	assert_int_equal(hx(f, "0020000A"), 0x63CA);
	assert_int_equal(hx(f, "0020000A080000000000000000"), 0x63C9);
	assert_int_equal(cmd(f, "0020000A", ADM, 8, -1), 0x9000);
	assert_int_equal(hx(f, "0020000A"), 0x9000);
	for (int i = 9; i >= 1; i--)
		assert_int_equal(hx(f, "0020000A080000000000000000"), 0x63C0 | i);
	assert_int_equal(hx(f, "0020000A080000000000000000"), 0x6983);
	assert_int_equal(cmd(f, "0020000A", ADM, 8, -1), 0x6983);
	/* A wrong try dropped the ADM right of the session. */
	assert_int_equal(cmd(f, "00D60000", IMSI_EF, 9, -1), 0x6982);
	fx_free(f);
}

/* ---- AUTHENTICATE ---- */

/* Builds 00 88 00 81 Lc 10 RAND L AUTN 00 and sends it. */
static uint16_t authenticate(struct fx *f, const uint8_t rand[16], const uint8_t *autn,
			     size_t autn_len)
{
	uint8_t d[2 + 16 + MCIM_AKA_AUTN_MAX];

	d[0] = 16;
	memcpy(d + 1, rand, 16);
	d[17] = (uint8_t)autn_len;
	memcpy(d + 18, autn, autn_len);
	return cmd(f, "00880081", d, 18 + autn_len, 0);
}

/* Official MILENAGE sets (TS 35.207, 35.208): AUTN built from the file's f1 and f5,
 * the card answers the file's f2, f3, f4; a replay gives AUTS whose SQN part is the
 * file's SQN under f5*. */
static void authenticate_official(void **state)
{
	struct vecfile vf;
	char path[512];

	(void)state;
	assert_int_equal(vecfile_open(&vf, vec("milenage.json", path, sizeof(path))),
			 MCIM_OK);
	assert_true(vf.nsets > 0);
	for (size_t i = 0; i < vf.nsets; i++) {
		struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
		uint8_t rand[16], sqn[6], amf[2], f1[8], f2[8], f3[16], f4[16], f5[6],
		    f5s[6], autn[16];

		assert_int_equal(vecfile_hex(&vf, i, "k", f->p.cred.k, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "opc", f->p.cred.opc, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "rand", rand, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "sqn", sqn, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "amf", amf, 2), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f1", f1, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f2", f2, 8), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f3", f3, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f4", f4, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5", f5, 6), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "f5star", f5s, 6), MCIM_OK);
		/* Any SQN of the sets is fresh for a new card. */
		f->p.sqn_cfg.delta = mcim_sqn_seq_max(&f->p.sqn_cfg);
		fx_card(f);
		pair(f, M2ME_A);
		select_usim(f);
		for (int j = 0; j < 6; j++)
			autn[j] = sqn[j] ^ f5[j];
		memcpy(autn + 6, amf, 2);
		memcpy(autn + 8, f1, 8);
		autn[15] ^= 1;
		assert_int_equal(authenticate(f, rand, autn, 16), 0x9862);
		autn[15] ^= 1;
		assert_int_equal(authenticate(f, rand, autn, 16), 0x9000);
		assert_int_equal(f->n, 1 + 1 + 8 + 1 + 16 + 1 + 16);
		assert_int_equal(f->resp[0], 0xDB);
		assert_int_equal(f->resp[1], 8);
		assert_memory_equal(f->resp + 2, f2, 8);
		assert_int_equal(f->resp[10], 16);
		assert_memory_equal(f->resp + 11, f3, 16);
		assert_int_equal(f->resp[27], 16);
		assert_memory_equal(f->resp + 28, f4, 16);
		/* Replayed: synchronisation failure carrying SQN_MS = the set's SQN. */
		assert_int_equal(authenticate(f, rand, autn, 16), 0x9000);
		assert_int_equal(f->n, 2 + 14);
		assert_int_equal(f->resp[0], 0xDC);
		assert_int_equal(f->resp[1], 14);
		for (int j = 0; j < 6; j++)
			assert_int_equal(f->resp[2 + j] ^ f5s[j], sqn[j]);
		fx_free(f);
	}
	vecfile_close(&vf);
}

/* resync.json: the card of each set, holding SQN_MS, answers a stale AUTN with the
 * set's AUTS exactly (RAND and the dummy AMF of the set). */
static void authenticate_resync_sets(void **state)
{
	struct vecfile vf;
	char path[512];

	(void)state;
	assert_int_equal(vecfile_open(&vf, vec("resync.json", path, sizeof(path))),
			 MCIM_OK);
	for (size_t i = 0; i < vf.nsets; i++) {
		struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
		uint8_t rand[16], auts[14], sqn_ms[6], autn[16], sqnb[6];
		struct mcim_aka_keyctx kc;
		struct mcim_aka_out o;

		assert_int_equal(vecfile_hex(&vf, i, "k", f->p.cred.k, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "opc", f->p.cred.opc, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "rand", rand, 16), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "auts", auts, 14), MCIM_OK);
		assert_int_equal(vecfile_hex(&vf, i, "sqn_ms", sqn_ms, 6), MCIM_OK);
		f->p.sqn_cfg.ind_bits = 0;
		f->p.sqn_init = mcim_sqn_from_bytes(sqn_ms);
		fx_card(f);
		pair(f, M2ME_A);
		select_usim(f);
		/* An AUTN with SQN 0 (stale) and a valid MAC, from the algorithm. */
		memset(sqnb, 0, 6);
		assert_int_equal(mcim_aka_prepare(&kc, &f->p.cred), MCIM_OK);
		assert_int_equal(mcim_aka_compute(&kc, MCIM_AKA_F1 | MCIM_AKA_F2345, rand,
						  sqnb, (const uint8_t *)"\x00\x00", &o),
				 MCIM_OK);
		memcpy(autn, o.ak, 6);
		memset(autn + 6, 0, 2);
		memcpy(autn + 8, o.mac_a, 8);
		assert_int_equal(authenticate(f, rand, autn, 16), 0x9000);
		assert_int_equal(f->resp[0], 0xDC);
		assert_int_equal(f->resp[1], 14);
		assert_memory_equal(f->resp + 2, auts, 14);
		mcim_aka_out_wipe(&o);
		mcim_aka_keyctx_wipe(&kc);
		fx_free(f);
	}
	vecfile_close(&vf);
}

struct auc {
	struct mcim_aka_keyctx kc;
	struct mcim_sqn_cfg cfg;
	struct mcim_sqn_he he;
};

static void auc_init(struct auc *a, const struct uicc_profile *p)
{
	assert_int_equal(mcim_aka_prepare(&a->kc, &p->cred), MCIM_OK);
	a->cfg = p->sqn_cfg;
	assert_int_equal(mcim_sqn_he_init(&a->cfg, &a->he, 0), MCIM_OK);
}

static void auc_vector(struct auc *a, struct mcim_auth_vector *av)
{
	static const uint8_t amf[2] = {0x80, 0x00};

	assert_int_equal(mcim_auth_generate(&a->kc, &a->cfg, &a->he, amf, &trng.rng, av),
			 MCIM_OK);
}

/* The last answer is DB with RES = XRES, CK, IK of av. */
static void check_ok(struct fx *f, const struct mcim_auth_vector *av)
{
	assert_int_equal(f->resp[0], 0xDB);
	assert_int_equal(f->resp[1], av->xres_len);
	assert_memory_equal(f->resp + 2, av->xres, av->xres_len);
	assert_int_equal(f->resp[2 + av->xres_len], av->ck_len);
	assert_memory_equal(f->resp + 3 + av->xres_len, av->ck, av->ck_len);
	assert_int_equal(f->resp[3 + av->xres_len + av->ck_len], av->ik_len);
	assert_memory_equal(f->resp + 4 + av->xres_len + av->ck_len, av->ik, av->ik_len);
	assert_int_equal(f->n, 4u + av->xres_len + av->ck_len + av->ik_len);
}

/* av is accepted. */
static void expect_ok(struct fx *f, const struct mcim_auth_vector *av)
{
	assert_int_equal(authenticate(f, av->rand, av->autn, av->autn_len), 0x9000);
	check_ok(f, av);
}

/* Random subscribers against the AuC: success, MAC failure without a state change,
 * a lost HE record -> AUTS -> resync -> success; SQN across power cycles. */
static void authenticate_auc(void **state)
{
	(void)state;
	for (int s = 0; s < 8; s++) {
		struct fx *f =
		    fx_new(s % 2 ? UICC_FORM_ATTACHED : UICC_FORM_REMOVABLE, "");
		struct mcim_auth_vector av, old;
		struct auc a;
		uint64_t sqn_ms;
		int reset;

		fx_card(f);
		auc_init(&a, &f->p);
		pair(f, M2ME_A);
		/* AUTHENTICATE outside ADF.USIM. */
		auc_vector(&a, &av);
		assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x6985);
		select_usim(f);
		expect_ok(f, &av);
		old = av;
		for (int i = 0; i < 5; i++) {
			auc_vector(&a, &av);
			/* Any modified AUTN octet of MAC-A: 9862, nothing accepted. */
			av.autn[8 + (size_t)i] ^= 0x40;
			assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len),
					 0x9862);
			av.autn[8 + (size_t)i] ^= 0x40;
			expect_ok(f, &av);
		}
		/* An AUTN of another length than the set's. */
		assert_int_equal(authenticate(f, av.rand, av.autn, 12), 0x6A80);
		/* Power cycle: a replay of the first vector is refused with AUTS. */
		fx_reopen(f, NULL);
		assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
		select_usim(f);
		assert_int_equal(authenticate(f, old.rand, old.autn, old.autn_len),
				 0x9000);
		assert_int_equal(f->resp[0], 0xDC);
		/* The AuC lost its record: its new SQN is stale for the card. */
		assert_int_equal(mcim_sqn_he_init(&a.cfg, &a.he, 0), MCIM_OK);
		auc_vector(&a, &av);
		assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x9000);
		assert_int_equal(f->resp[0], 0xDC);
		assert_int_equal(f->resp[1], 14);
		assert_int_equal(mcim_auth_resync(&a.kc, &a.cfg, &a.he, av.rand,
						  f->resp + 2, f->resp[1], &sqn_ms,
						  &reset),
				 MCIM_OK);
		assert_int_equal(reset, 1);
		assert_true(sqn_ms == ((uint64_t)6 << 5 | 5));
		auc_vector(&a, &av);
		expect_ok(f, &av);
		mcim_auth_vector_wipe(&av);
		mcim_aka_keyctx_wipe(&a.kc);
		fx_free(f);
	}
}

/* ---- crash at every file operation (R-TRE-M04 for the card's transactions) ---- */

/* AUTHENTICATE: after the crash the card opens and the vector is either still
 * acceptable (before) or refused as a replay (after); an answer with RES means
 * after. */
static void crash_authenticate(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	struct auc a;
	unsigned long k;
	int befores = 0, afters = 0;

	(void)state;
	fx_card(f);
	auc_init(&a, &f->p);
	assert_int_equal(pair(f, M2ME_A), 0x9000);
	for (k = 1;; k++) {
		struct mcim_auth_vector av;
		uint16_t sw;
		int answered;

		auc_vector(&a, &av);
		fx_reopen(f, &fault_io);
		assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
		select_usim(f);
		fault_arm(k, 1);
		sw = authenticate(f, av.rand, av.autn, av.autn_len);
		fault_disarm();
		if (fault.failed == 0) {
			assert_int_equal(sw, 0x9000);
			assert_int_equal(f->resp[0], 0xDB);
			break;
		}
		if (sw == 0x9000) {
			/* Only the close of the synced directory failed: RES left the
			 * card, so the SQN must be durable. */
			check_ok(f, &av);
		} else {
			assert_int_equal(sw, 0x6581);
			/* Mute until the next power-on. */
			assert_int_equal(hx(f, "00A4000C023F00"), 0x6F00);
		}
		answered = sw == 0x9000;
		fx_reopen(f, NULL);
		assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
		select_usim(f);
		sw = authenticate(f, av.rand, av.autn, av.autn_len);
		assert_int_equal(sw, 0x9000);
		if (f->resp[0] == 0xDB) {
			assert_false(answered);
			check_ok(f, &av);
			befores++;
		} else {
			assert_int_equal(f->resp[0], 0xDC);
			afters++;
		}
	}
	/* Every call of the eeprom write was cut once. */
	assert_true(k > 10);
	assert_true(befores > 0 && afters > 0);
	mcim_aka_keyctx_wipe(&a.kc);
	fx_free(f);
}

/* UPDATE BINARY and VERIFY: the IMSI is the old or the new one; the PIN counter
 * counts the try or not, and never loses a try that was answered 63Cx. */
static void crash_update_verify(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "1234");
	uint8_t imsi[2][9];
	unsigned long k;

	(void)state;
	fx_card(f);
	memcpy(imsi[0], IMSI_EF, 9);
	assert_int_equal(uicc_imsi_encode("262011234567890", imsi[1]), MCIM_OK);
	for (k = 1;; k++) {
		int which = (int)(k % 2);
		uint16_t sw;

		fx_reopen(f, &fault_io);
		assert_int_equal(cmd(f, "0020000A", ADM, 8, -1), 0x9000);
		select_usim(f);
		assert_int_equal(hx(f, "00A4000C026F07"), 0x9000);
		fault_arm(k, 1);
		sw = cmd(f, "00D60000", imsi[which], 9, -1);
		fault_disarm();
		fx_reopen(f, NULL);
		assert_int_equal(hx(f, "002000010831323334FFFFFFFF"), 0x9000);
		select_usim(f);
		assert_int_equal(hx(f, "00A4000C026F07"), 0x9000);
		assert_int_equal(hx(f, "00B0000009"), 0x9000);
		if (sw == 0x9000) {
			assert_memory_equal(f->resp, imsi[which], 9);
			break;
		}
		assert_int_equal(sw, 0x6581);
		assert_true(memcmp(f->resp, imsi[0], 9) == 0 ||
			    memcmp(f->resp, imsi[1], 9) == 0);
	}
	for (k = 1;; k++) {
		uint16_t sw, left;

		fx_reopen(f, &fault_io);
		assert_int_equal(hx(f, "00200001"), 0x63C3);
		fault_arm(k, 1);
		sw = hx(f, "002000010839393939FFFFFFFF");
		fault_disarm();
		fx_reopen(f, NULL);
		left = hx(f, "00200001");
		if (sw == 0x63C2) {
			/* Answered: the try is durable. */
			assert_int_equal(left, 0x63C2);
			assert_int_equal(hx(f, "002000010831323334FFFFFFFF"), 0x9000);
			break;
		}
		/* Cut: the try was counted before the comparison, or not at all. */
		assert_int_equal(sw, 0x6581);
		assert_true(left == 0x63C3 || left == 0x63C2);
		assert_int_equal(hx(f, "002000010831323334FFFFFFFF"), 0x9000);
	}
	fx_free(f);
}

/* ---- manufacture and a tampered card ---- */

static void manufacture_and_tamper(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	struct uicc_profile bad;
	char path[400], other[300];
	uint8_t buf[2048], keep[2048];
	size_t n;
	struct uicc_card c;

	(void)state;
	/* Every malformed field is refused and leaves no card. */
	bad = f->p;
	bad.form = 0;
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	bad = f->p;
	snprintf(bad.iccid, sizeof(bad.iccid), "1234");
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	bad = f->p;
	snprintf(bad.imsi, sizeof(bad.imsi), "12a456");
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	bad = f->p;
	snprintf(bad.pin, sizeof(bad.pin), "12");
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	bad = f->p;
	bad.cred.k_len = 17;
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	bad = f->p;
	bad.cred.alg = (enum mcim_aka_alg_id)99;
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_UNSUPPORTED);
	bad = f->p;
	bad.sqn_cfg.ind_bits = 7;
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	bad = f->p;
	bad.sqn_init = MCIM_SQN_MAX + 1;
	assert_int_equal(uicc_card_manufacture(f->card, &bad, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	memset(path, 'x', 300);
	path[299] = 0;
	assert_int_equal(uicc_card_manufacture(path, &f->p, &trng.rng, NULL),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_card_open(&c, path, NULL, NULL), MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_NOT_FOUND);
	trng.broken = 1;
	assert_int_equal(uicc_card_manufacture(f->card, &f->p, &trng.rng, NULL),
			 MCIM_ERR_RANDOM);
	trng.broken = 0;
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_NOT_FOUND);
	/* Manufacture with every file call failing in turn: no card, or a whole one. */
	for (unsigned long k = 1;; k++) {
		mcim_err err;
		fault_arm(k, 0);
		err = uicc_card_manufacture(f->card, &f->p, &trng.rng, &fault_io);
		fault_disarm();
		if (fault.failed == 0) {
			assert_int_equal(err, MCIM_OK);
			break;
		}
		if (err == MCIM_OK) {
			/* Only the last directory sync failed after the chip was in. */
			assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL),
					 MCIM_OK);
			uicc_card_close(&c);
		} else {
			/* Cut before the chip file was renamed in: no card; after it (the
			 * directory sync): a whole card whose durability was unsure. */
			err = uicc_card_open(&c, f->card, NULL, NULL);
			assert_true(err == MCIM_ERR_NOT_FOUND || err == MCIM_OK);
			uicc_card_close(&c);
		}
		rm_tree(f->card);
	}
	assert_int_equal(uicc_card_manufacture(f->card, &f->p, &trng.rng, NULL),
			 MCIM_ERR_EXISTS);
	/* The random source is the card's own. */
	assert_int_equal(uicc_card_open(&f->c, f->card, &trng.rng, NULL), MCIM_OK);
	trng.broken = 1;
	assert_int_equal(hx(f, "0084000010"), 0x6F00);
	assert_int_equal(hx(f, "8016000010"), 0x6F00);
	trng.broken = 0;
	uicc_card_close(&f->c);

	/* Tampering with the eeprom: any flipped bit, a cut, a missing file. */
	snprintf(path, sizeof(path), "%s/eeprom", f->card);
	n = file_read(path, keep, sizeof(keep));
	assert_int_equal(n, UICC_EEPROM_MAX);
	for (size_t i = 0; i < n; i += 37) {
		memcpy(buf, keep, n);
		buf[i] ^= 0x10;
		file_write(path, buf, n);
		assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL),
				 MCIM_ERR_TAMPERED);
	}
	file_write(path, keep, n - 1);
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_TAMPERED);
	memcpy(buf, keep, n);
	buf[n] = 0;
	file_write(path, buf, n + 1);
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_TAMPERED);
	memset(buf, 0, sizeof(buf));
	file_write(path, buf, sizeof(buf));
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_TAMPERED);
	unlink(path);
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_TAMPERED);
	/* Another card's eeprom does not open under this chip. */
	snprintf(other, sizeof(other), "%s/other", f->dir);
	assert_int_equal(uicc_card_manufacture(other, &f->p, &trng.rng, NULL), MCIM_OK);
	snprintf(path, sizeof(path), "%s/eeprom", other);
	n = file_read(path, buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/eeprom", f->card);
	file_write(path, buf, n);
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_TAMPERED);
	file_write(path, keep, UICC_EEPROM_MAX);
	/* The chip file: malformed. */
	snprintf(path, sizeof(path), "%s/chip", f->card);
	n = file_read(path, buf, sizeof(buf));
	buf[0] ^= 1;
	file_write(path, buf, n);
	assert_int_equal(uicc_card_open(&c, f->card, NULL, NULL), MCIM_ERR_TAMPERED);
	buf[0] ^= 1;
	file_write(path, buf, n);
	/* Read errors while opening. */
	for (unsigned long k = 1; k <= 3; k++) {
		fault_arm(k, 0);
		assert_int_equal(uicc_card_open(&c, f->card, NULL, &fault_io),
				 MCIM_ERR_IO);
		fault_disarm();
	}
	/* A temp file left by a crash is removed on power-on. */
	snprintf(path, sizeof(path), "%s/eeprom.tmp", f->card);
	file_write(path, keep, 10);
	assert_int_equal(uicc_card_open(&f->c, f->card, NULL, NULL), MCIM_OK);
	assert_int_equal(access(path, F_OK), -1);
	fx_free(f);
}

/* ---- pairing and the SHO's commands at the card ---- */

/* A SHO command for the card's current challenge. */
static uint16_t sho(struct fx *f, const uint8_t key[32], uint8_t op, const uint8_t *body,
		    size_t len)
{
	uint8_t chal[16], data[255];
	size_t n;
	char hdr[9];

	assert_int_equal(hx(f, "0084000010"), 0x9000);
	memcpy(chal, f->resp, 16);
	assert_int_equal(
	    uicc_sho_seal(key, ICCID_EF, chal, op, body, len, data, sizeof(data), &n),
	    MCIM_OK);
	snprintf(hdr, sizeof(hdr), "801E%02X00", op);
	return cmd(f, hdr, data, n, -1);
}

static uint32_t removals(struct fx *f, uint8_t last[16])
{
	struct uicc_card_info info;

	assert_int_equal(hx(f, "00A4000C023F00"), 0x9000);
	assert_int_equal(hx(f, "00A4000C022F60"), 0x9000);
	assert_int_equal(hx(f, "00B0000037"), 0x9000);
	assert_int_equal(uicc_card_info_decode(f->resp, f->n, &info), MCIM_OK);
	if (last != NULL)
		memcpy(last, info.last_foreign, 16);
	return info.removals;
}

/* T-04, R-SEED-06 C: a removable card refuses a foreign M2ME and records it; only
 * the SHO's sealed RELEASE lets it move, without an event (R-SEED-12). */
static void pairing_removable(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	struct mcim_auth_vector av;
	struct auc a;
	uint8_t last[16], d[48], zero[16] = {0}, wrong_key[32];

	(void)state;
	fx_card(f);
	auc_init(&a, &f->p);
	/* Unpaired: nothing protected works, nothing is recorded. */
	assert_int_equal(terminal_auth(f, M2ME_A), 0x6A88);
	select_usim(f);
	auc_vector(&a, &av);
	assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x6982);
	assert_int_equal(hx(f, "801A000008"), 0x6982);
	assert_int_equal(removals(f, NULL), 0);
	/* Pairing at first use. */
	assert_int_equal(pair(f, M2ME_A), 0x9000);
	assert_int_equal(pair(f, M2ME_B), 0x6985);
	select_usim(f);
	auc_vector(&a, &av);
	expect_ok(f, &av);
	/* TERMINAL AUTH needs a whole, fresh challenge. */
	fx_reopen(f, NULL);
	memcpy(d, M2ME_A, 16);
	memset(d + 16, 0, 32);
	assert_int_equal(cmd(f, "80120000", d, 48, -1), 0x6985);
	assert_int_equal(hx(f, "0084000008"), 0x9000);
	assert_int_equal(cmd(f, "80120000", d, 48, -1), 0x6985);
	assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
	assert_int_equal(cmd(f, "80120000", d, 48, -1), 0x6985); /* consumed */
	fx_reopen(f, NULL);
	/* In M2ME B: refused, one event per session, B's claimed identity. */
	assert_int_equal(terminal_auth(f, M2ME_B), 0x6982);
	select_usim(f);
	auc_vector(&a, &av);
	assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x6982);
	assert_int_equal(hx(f, "80180000020161"
			       "20"),
			 0x6982);
	assert_int_equal(removals(f, last), 1);
	assert_memory_equal(last, M2ME_B, 16);
	/* A plain terminal that does not identify itself: an anonymous event. */
	fx_reopen(f, NULL);
	select_usim(f);
	assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x6982);
	assert_int_equal(removals(f, last), 2);
	assert_memory_equal(last, zero, 16);
	/* Back in A: in service (removable cards are not locked). */
	fx_reopen(f, NULL);
	assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
	select_usim(f);
	expect_ok(f, &av);
	assert_int_equal(removals(f, NULL), 2);
	/* SHO RELEASE: no challenge, a wrong key, a wrong body, then right. */
	assert_int_equal(cmd(f, "801E0100", d, 32, -1), 0x6985);
	memset(wrong_key, 0x5a, sizeof(wrong_key));
	assert_int_equal(sho(f, wrong_key, UICC_SHO_RELEASE, M2ME_B, 16), 0x6982);
	assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_RELEASE, M2ME_B, 15), 0x6A80);
	{
		/* A seal for P1 = RELEASE sent as USIM UPDATE does not open. */
		uint8_t chal[16], data[64];
		size_t n;
		assert_int_equal(hx(f, "0084000010"), 0x9000);
		memcpy(chal, f->resp, 16);
		assert_int_equal(uicc_sho_seal(f->p.sho_key, ICCID_EF, chal,
					       UICC_SHO_RELEASE, M2ME_B, 16, data,
					       sizeof(data), &n),
				 MCIM_OK);
		assert_int_equal(cmd(f, "801E0200", data, n, -1), 0x6982);
		assert_int_equal(uicc_sho_seal(f->p.sho_key, ICCID_EF, chal, 1, M2ME_B,
					       16, data, 16, &n),
				 MCIM_ERR_BUFFER_TOO_SMALL);
		assert_int_equal(uicc_sho_seal(f->p.sho_key, ICCID_EF, chal, 1, data,
					       UICC_SHO_USIM_BODY_LEN + 1, data, 0, &n),
				 MCIM_ERR_TOO_LARGE);
	}
	assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_RELEASE, M2ME_B, 16), 0x9000);
	/* Released to B: A's session ends, A cannot take it back, B pairs. */
	assert_int_equal(hx(f, "801A000008"), 0x6982);
	assert_int_equal(pair(f, M2ME_A), 0x6982);
	fx_reopen(f, NULL);
	assert_int_equal(pair(f, M2ME_B), 0x9000);
	assert_int_equal(hx(f, "801A000008"), 0x9000);
	assert_int_equal(removals(f, NULL), 2);
	/* Released to any M2ME. */
	assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_RELEASE, zero, 16), 0x9000);
	assert_int_equal(pair(f, M2ME_A), 0x9000);
	mcim_aka_keyctx_wipe(&a.kc);
	fx_free(f);
}

/* R-SEED-06 A, R-SEED-01 option 1: an attached card taken to another M2ME locks its
 * AKA for good; the TRE functions still serve the paired M2ME; it is never
 * released. */
static void pairing_attached(void **state)
{
	struct fx *f = fx_new(UICC_FORM_ATTACHED, "");
	struct mcim_auth_vector av;
	struct uicc_card_info info;
	struct auc a;

	(void)state;
	f->p.paired = 1;
	memcpy(f->p.m2me_id, M2ME_A, 16);
	pair_key_of(M2ME_A, f->p.pair_key);
	fx_card(f);
	auc_init(&a, &f->p);
	assert_int_equal(pair(f, M2ME_A), 0x6985); /* paired at manufacture */
	assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
	select_usim(f);
	auc_vector(&a, &av);
	expect_ok(f, &av);
	assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_RELEASE, M2ME_B, 16), 0x6985);
	fx_reopen(f, NULL);
	assert_int_equal(terminal_auth(f, M2ME_B), 0x6982);
	assert_int_equal(removals(f, NULL), 1);
	assert_int_equal(uicc_card_info_decode(f->resp, f->n, &info), MCIM_OK);
	assert_int_equal(info.aka_locked, 1);
	assert_int_equal(info.form, UICC_FORM_ATTACHED);
	assert_memory_equal(info.m2me_id, M2ME_A, 16);
	fx_reopen(f, NULL);
	assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
	select_usim(f);
	auc_vector(&a, &av);
	assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x6982);
	assert_int_equal(hx(f, "801A000008"), 0x9000);
	assert_int_equal(hx(f, "80180000020161"
			       "20"),
			 0x9000);
	assert_int_equal(f->n, 32);
	assert_int_equal(removals(f, NULL), 1);
	mcim_aka_keyctx_wipe(&a.kc);
	fx_free(f);
}

/* R-PRC-503/504: the SHO's sealed USIM update replaces IMSI, K, OPc and the SQN
 * state; the old AuC then fails (MAC failure) and the new one succeeds. */
static void sho_usim_update(void **state)
{
	struct fx *f = fx_new(UICC_FORM_ATTACHED, "");
	struct uicc_profile np;
	struct mcim_auth_vector av;
	struct auc old, new;
	uint8_t body[UICC_SHO_USIM_BODY_LEN];
	char digits[16];
	size_t n;

	(void)state;
	fx_card(f);
	auc_init(&old, &f->p);
	assert_int_equal(pair(f, M2ME_A), 0x9000);
	profile_default(&np, UICC_FORM_ATTACHED, "");
	np.sqn_cfg.ind_bits = 3;
	assert_int_equal(uicc_sho_usim_body("26201987654321", &np.cred, &np.sqn_cfg, 0,
					    np.sho_key, body, sizeof(body), &n),
			 MCIM_OK);
	assert_int_equal(n, UICC_SHO_USIM_BODY_LEN);
	/* Malformed bodies (sealed correctly) are refused whole. */
	{
		uint8_t b2[UICC_SHO_USIM_BODY_LEN];
		memcpy(b2, body, n);
		b2[0] = 0x20;
		assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_USIM_UPDATE, b2, n),
				 0x6A80);
		memcpy(b2, body, n);
		b2[9] = 7; /* algorithm */
		assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_USIM_UPDATE, b2, n),
				 0x6A80);
		memcpy(b2, body, n);
		b2[9 + 151] = 9; /* ind_bits */
		assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_USIM_UPDATE, b2, n),
				 0x6A80);
		assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_USIM_UPDATE, b2, n - 1),
				 0x6A80);
	}
	assert_int_equal(uicc_sho_usim_body("2620", &np.cred, &np.sqn_cfg, 0, np.sho_key,
					    body, sizeof(body), &n),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_sho_usim_body("26201987654321", &np.cred, &np.sqn_cfg,
					    MCIM_SQN_MAX + 1, np.sho_key, body,
					    sizeof(body), &n),
			 MCIM_ERR_INVALID_ARG);
	assert_int_equal(uicc_sho_usim_body("26201987654321", &np.cred, &np.sqn_cfg, 0,
					    np.sho_key, body, 10, &n),
			 MCIM_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(uicc_sho_usim_body("26201987654321", &np.cred, &np.sqn_cfg, 0,
					    np.sho_key, body, sizeof(body), &n),
			 MCIM_OK);
	assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_USIM_UPDATE, body, n), 0x9000);
	/* The old OTA key is gone with the old SHO. */
	assert_int_equal(sho(f, f->p.sho_key, UICC_SHO_USIM_UPDATE, body, n), 0x6982);
	auc_init(&new, &np);
	select_usim(f);
	assert_int_equal(hx(f, "00A4000C026F07"), 0x9000);
	assert_int_equal(hx(f, "00B0000000"), 0x9000);
	assert_int_equal(uicc_imsi_decode(f->resp, f->n, digits), MCIM_OK);
	assert_string_equal(digits, "26201987654321");
	auc_vector(&old, &av);
	assert_int_equal(authenticate(f, av.rand, av.autn, av.autn_len), 0x9862);
	auc_vector(&new, &av);
	expect_ok(f, &av);
	fx_reopen(f, NULL);
	assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
	select_usim(f);
	auc_vector(&new, &av);
	expect_ok(f, &av);
	uicc_profile_wipe(&np);
	mcim_aka_keyctx_wipe(&old.kc);
	mcim_aka_keyctx_wipe(&new.kc);
	fx_free(f);
}

/* The card's own commands for the backend: counters and keys. */
static void tre_commands(void **state)
{
	struct fx *f = fx_new(UICC_FORM_REMOVABLE, "");
	uint8_t k1[32], k2[32];

	(void)state;
	fx_card(f);
	assert_int_equal(pair(f, M2ME_A), 0x9000);
	assert_int_equal(hx(f, "801A000008"), 0x9000);
	assert_int_equal(f->n, 8);
	assert_int_equal(hx(f, "801A000007"), 0x6C08);
	assert_int_equal(hx(f, "801C0000080000000000000005"), 0x9000);
	assert_int_equal(hx(f, "801C0000080000000000000005"), 0x6985);
	assert_int_equal(hx(f, "801C0000080000000000000004"), 0x6985);
	assert_int_equal(hx(f, "801C0100080000000000000001"), 0x9000);
	fx_reopen(f, NULL);
	assert_int_equal(terminal_auth(f, M2ME_A), 0x9000);
	assert_int_equal(hx(f, "801A000008"), 0x9000);
	assert_int_equal(f->resp[7], 5);
	assert_int_equal(hx(f, "801A010008"), 0x9000);
	assert_int_equal(f->resp[7], 1);
	assert_int_equal(hx(f, "801800000201612000"), 0x6700);
	assert_int_equal(hx(f, "80180000020161"), 0x6700);
	assert_int_equal(hx(f, "8018000002016120"), 0x9000);
	memcpy(k1, f->resp, 32);
	assert_int_equal(hx(f, "8018000002016100"), 0x9000); /* Le 00 */
	assert_memory_equal(f->resp, k1, 32);
	assert_int_equal(hx(f, "8018000002016210"), 0x6C20);
	assert_int_equal(hx(f, "801800000301610120"), 0x9000);
	memcpy(k2, f->resp, 32);
	assert_memory_not_equal(k1, k2, 32);
	assert_int_equal(hx(f, "8016000000"), 0x9000);
	assert_int_equal(f->n, 256);
	assert_int_equal(hx(f, "8016000001"), 0x9000);
	assert_int_equal(f->n, 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(apdu_malformed),
	    cmocka_unit_test(files_and_access),
	    cmocka_unit_test(digit_codecs),
	    cmocka_unit_test(pin_retry_counter),
	    cmocka_unit_test(authenticate_official),
	    cmocka_unit_test(authenticate_resync_sets),
	    cmocka_unit_test(authenticate_auc),
	    cmocka_unit_test(crash_authenticate),
	    cmocka_unit_test(crash_update_verify),
	    cmocka_unit_test(manufacture_and_tamper),
	    cmocka_unit_test(pairing_removable),
	    cmocka_unit_test(pairing_attached),
	    cmocka_unit_test(sho_usim_update),
	    cmocka_unit_test(tre_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
