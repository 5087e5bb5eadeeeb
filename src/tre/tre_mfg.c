/*
 * Manufacture (R-TRE-G03, R-TRE-G07), in the factory, before the device is issued.
 * mfg-keys hands out the public halves of the identity and key-agreement keys the
 * TRE derived inside itself (tre.c); the factory has its M2MES CA certify the
 * identity key and sends back, in one mfg-issue, the certificate and its CA's, the
 * CI root the TRE will trust, the first firmware manifest, the PCID (a MILENAGE
 * credential for initial connectivity) and the maintenance PIN. The TRE checks that
 * the certificate is its own (its key, its TRE id, its backend) and chains to that
 * root, and that the manifest is signed under it, then stores everything in one
 * transaction with the "issued" record. From then on both commands are refused
 * (DENIED, audited): no runtime path can inject or replace an identity.
 *
 * PCID record: IMSI length (1) || IMSI (15, NUL-padded) || K (16) || OPc (16) ||
 * SEQ_MS(i) for the 2^5 IND slots of the default SQN scheme (8 each, BE).
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>

#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/manifest.h"

mcim_err tre_cmd_mfg_keys(struct tre_int *t, const struct tre_args *a,
			  struct mcim_cbor_writer *res)
{
	(void)a;
	mcim_cbor_put_map(res, 3);
	mcim_cbor_put_key_bstr(res, "id_pub", t->id_pub.q, sizeof(t->id_pub.q));
	mcim_cbor_put_key_bstr(res, "ka_pub", t->ka_pub.q, sizeof(t->ka_pub.q));
	mcim_cbor_put_key_bstr(res, "tre_id", t->tre_id, TRE_ID_LEN);
	return MCIM_OK;
}

static bool text_ok(const uint8_t *s, size_t len, bool digits)
{
	for (size_t i = 0; i < len; i++) {
		if (digits ? (s[i] < '0' || s[i] > '9') : (s[i] < 0x20 || s[i] > 0x7e))
			return false;
	}
	return true;
}

/* The certificate is this TRE's, and chains to ci through ca. */
static mcim_err check_cert(struct tre_int *t, const struct tre_args *a)
{
	struct mcim_cert_info info;
	struct mcim_p256_pub pub;
	struct mcim_cert_policy pol = {.role = MCIM_CERT_ROLE_TRE};
	struct mcim_iov inter = {a->v[1].data, a->v[1].len};
	mcim_err err;

	pol.now = (time_t)tre_now(t);
	err = mcim_cert_verify_chain(a->v[0].data, a->v[0].len, &inter, 1, a->v[2].data,
				     a->v[2].len, &pol, &info, &pub);
	if (err != MCIM_OK)
		return err;
	if (memcmp(pub.q, t->id_pub.q, sizeof(pub.q)) != 0 ||
	    strcmp(info.tre_id, t->tre_id_hex) != 0 || info.backend != t->backend ||
	    strlen(info.platform_id) != a->v[4].len ||
	    memcmp(info.platform_id, a->v[4].data, a->v[4].len) != 0)
		return MCIM_ERR_INVALID_ARG;
	return MCIM_OK;
}

static mcim_err put_pcid(struct tre_int *t, const struct tre_args *a)
{
	uint8_t v[1 + 15 + 16 + 16 + 8 * 32];
	struct mcim_sqn_cfg cfg;
	mcim_err err;

	mcim_sqn_cfg_default(&cfg);
	memset(v, 0, sizeof(v));
	v[0] = (uint8_t)a->v[6].len;
	memcpy(v + 1, a->v[6].data, a->v[6].len);
	memcpy(v + 16, a->v[7].data, 16);
	memcpy(v + 32, a->v[8].data, 16);
	err = tre_store_put(&t->st, TRE_KEY_PCID, strlen(TRE_KEY_PCID), v,
			    48 + 8 * ((size_t)1 << cfg.ind_bits));
	mcim_wipe(v, sizeof(v));
	return err;
}

static mcim_err put_issued(struct tre_int *t, const struct tre_args *a)
{
	uint8_t v[2 + TRE_PLATFORM_ID_MAX + TRE_MODEL_MAX];
	size_t pl = a->v[4].len, ml = a->v[5].len;

	v[0] = (uint8_t)pl;
	memcpy(v + 1, a->v[4].data, pl);
	v[1 + pl] = (uint8_t)ml;
	memcpy(v + 2 + pl, a->v[5].data, ml);
	return tre_store_put(&t->st, TRE_KEY_ISSUED, strlen(TRE_KEY_ISSUED), v,
			     2 + pl + ml);
}

mcim_err tre_cmd_mfg_issue(struct tre_int *t, const struct tre_args *a,
			   struct mcim_cbor_writer *res)
{
	struct mcim_manifest m;
	struct tre_ev ev = {.type = TRE_EV_MANUFACTURED, .detail = "issued"};
	mcim_err err;

	if (!text_ok(a->v[4].data, a->v[4].len, false) ||
	    !text_ok(a->v[5].data, a->v[5].len, false) ||
	    !text_ok(a->v[6].data, a->v[6].len, true) ||
	    !text_ok(a->v[9].data, a->v[9].len, false))
		return MCIM_ERR_INVALID_ARG;
	err = check_cert(t, a);
	if (err != MCIM_OK)
		return err;
	err = mcim_manifest_verify(a->v[3].data, a->v[3].len, a->v[2].data, a->v[2].len,
				   (time_t)tre_now(t), &m, NULL);
	if (err != MCIM_OK)
		return err;
	if (strlen(m.platform) != a->v[5].len ||
	    memcmp(m.platform, a->v[5].data, a->v[5].len) != 0)
		return MCIM_ERR_POLICY;

	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	err = tre_store_put(&t->st, TRE_KEY_CERT, strlen(TRE_KEY_CERT), a->v[0].data,
			    a->v[0].len);
	if (err == MCIM_OK)
		err = tre_store_put(&t->st, TRE_KEY_CA, strlen(TRE_KEY_CA), a->v[1].data,
				    a->v[1].len);
	if (err == MCIM_OK)
		err = tre_store_put(&t->st, TRE_KEY_CI, strlen(TRE_KEY_CI), a->v[2].data,
				    a->v[2].len);
	if (err == MCIM_OK)
		err = put_pcid(t, a);
	if (err == MCIM_OK)
		err = tre_pin_put(t, a->v[9].data, a->v[9].len, (unsigned)a->v[10].u);
	if (err == MCIM_OK)
		err = tre_fw_install_first(t, a->v[3].data, a->v[3].len, &m);
	if (err == MCIM_OK)
		err = put_issued(t, a);
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	err = tre_tx_commit(t, &ev);
	if (err != MCIM_OK)
		return err;

	/* Issued: the device boots for the first time. */
	memcpy(t->platform_id, a->v[4].data, a->v[4].len);
	t->platform_id[a->v[4].len] = '\0';
	memcpy(t->model, a->v[5].data, a->v[5].len);
	t->model[a->v[5].len] = '\0';
	err = tre_fw_boot(t);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(res, 2);
	mcim_cbor_put_key_cstr(res, "state", mcim_tre_state_name(t->state));
	mcim_cbor_put_key_bstr(res, "tre_id", t->tre_id, TRE_ID_LEN);
	return MCIM_OK;
}
