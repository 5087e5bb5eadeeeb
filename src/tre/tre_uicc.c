/*
 * The core's part of the `uicc` backend (src/tre/uicc/uicc.h): the card's own USIM
 * answers AKA (target "usim"), with EPS and 5G keys derived in the TRE from its CK
 * and IK; and the card's removal events (it was asked for its keys in another M2ME,
 * which it refused and recorded) become a tamper event of the TRE it is paired with,
 * once each (R-TRE-G11, R-SEED-06, T-04): the count already reported is kept in the
 * sealed store (uicc/seen).
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>

#include "core/endian.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/kdf.h"

void tre_uicc_check(struct tre_int *t)
{
	struct uicc_status st;
	uint8_t v[8];
	size_t len;
	uint64_t seen = 0;
	char detail[96];

	if (t->backend != MCIM_CERT_BACKEND_UICC || !t->store_open)
		return;
	tre_uicc_status(&t->hw.uicc.be, &st);
	if (tre_store_get(&t->st, TRE_KEY_UICC, strlen(TRE_KEY_UICC), v, sizeof(v),
			  &len) == MCIM_OK &&
	    len == sizeof(v))
		seen = mcim_load_be64(v);
	if (st.card.removals <= seen)
		return;
	mcim_store_be64(v, st.card.removals);
	snprintf(detail, sizeof(detail), "UICC asked for in another M2ME (%lu event%s)%s",
		 (unsigned long)(st.card.removals - seen),
		 st.card.removals - seen == 1 ? "" : "s",
		 st.card.aka_locked ? ", its AKA locked for good" : "");
	tre_tamper_event_put(t, MCIM_ERR_TAMPERED, detail, NULL, TRE_KEY_UICC, v,
			     sizeof(v));
}

mcim_err tre_uicc_aka(struct tre_int *t, const struct tre_args *a,
		      struct mcim_cbor_writer *w)
{
	struct mcim_auth_usim_out out;
	uint8_t key[32];
	const char *kind = a->v[2].present ? (const char *)a->v[2].data : "3g";
	size_t kind_len = a->v[2].present ? a->v[2].len : 2;
	struct tre_ev ev = {.type = TRE_EV_AKA, .detail = "usim"};
	mcim_err err;

	if (t->backend != MCIM_CERT_BACKEND_UICC)
		return MCIM_ERR_NOT_FOUND;
	if (!(kind_len == 2 && memcmp(kind, "3g", 2) == 0) &&
	    !(kind_len == 3 && memcmp(kind, "eps", 3) == 0 && a->v[3].present) &&
	    !(kind_len == 2 && memcmp(kind, "5g", 2) == 0 && a->v[4].present))
		return MCIM_ERR_INVALID_ARG;
	err =
	    uicc_usim_authenticate(t->be, a->v[0].data, a->v[1].data, a->v[1].len, &out);
	ev.outcome = err;
	if (err == MCIM_ERR_MAC_FAILURE || err == MCIM_ERR_SYNC_FAILURE) {
		ev.type = MCIM_AUDIT_EV_AKA_FAILURE;
		tre_audit(t, &ev);
	}
	if (err == MCIM_ERR_SYNC_FAILURE) {
		mcim_cbor_put_map(w, 2);
		mcim_cbor_put_key_bstr(w, "auts", out.auts, out.auts_len);
		mcim_cbor_put_key_cstr(w, "mcim", "usim");
	}
	if (err != MCIM_OK) {
		mcim_auth_usim_out_wipe(&out);
		return err;
	}
	tre_audit(t, &ev);
	if (kind[0] == '3') {
		mcim_cbor_put_map(w, 4);
		mcim_cbor_put_key_bstr(w, "ck", out.ck, out.ck_len);
		mcim_cbor_put_key_bstr(w, "ik", out.ik, out.ik_len);
		mcim_cbor_put_key_bstr(w, "res", out.res, out.res_len);
		mcim_cbor_put_key_cstr(w, "mcim", "usim");
	} else if (kind[0] == 'e') {
		/* AUTN starts with SQN xor AK, the KDF's parameter (TS 33.401 A.2). */
		err = mcim_kdf_kasme(out.ck, out.ck_len, out.ik, out.ik_len, a->v[3].data,
				     a->v[1].data, key);
		if (err == MCIM_OK) {
			mcim_cbor_put_map(w, 3);
			mcim_cbor_put_key_bstr(w, "res", out.res, out.res_len);
			mcim_cbor_put_key_cstr(w, "mcim", "usim");
			mcim_cbor_put_key_bstr(w, "kasme", key, MCIM_KASME_LEN);
		}
	} else {
		uint8_t res_star[MCIM_RES_STAR_LEN];
		const char *snn = (const char *)a->v[4].data;

		err = mcim_kdf_res_star(out.ck, out.ck_len, out.ik, out.ik_len, snn,
					a->v[4].len, a->v[0].data, out.res, out.res_len,
					res_star);
		if (err == MCIM_OK)
			err = mcim_kdf_kausf(out.ck, out.ck_len, out.ik, out.ik_len, snn,
					     a->v[4].len, a->v[1].data, key);
		if (err == MCIM_OK) {
			mcim_cbor_put_map(w, 3);
			mcim_cbor_put_key_cstr(w, "mcim", "usim");
			mcim_cbor_put_key_bstr(w, "kausf", key, MCIM_KAUSF_LEN);
			mcim_cbor_put_key_bstr(w, "res_star", res_star, sizeof(res_star));
		}
		mcim_wipe(res_star, sizeof(res_star));
	}
	mcim_wipe(key, sizeof(key));
	mcim_auth_usim_out_wipe(&out);
	return err;
}
