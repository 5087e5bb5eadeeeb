/*
 * The TRE's side of discovery, download, management results and attach (tre_dl.h
 * lists the commands and the sealed-store keys they use). Every message the
 * network sends is verified here with mcim/proto.h before anything is kept; every
 * change of the sealed store is one transaction with its audit record. The download
 * keys and KAUSF exist outside the sealed store only inside one command run, in
 * local structures wiped on every path.
 *
 * dl/pend, fixed layout (PEND_*): state (1 M1 sent, 2 M3 sent, 3 receipted), c_t,
 * H(M1), reg_id, sho (NUL-padded), txid, AEAD key, confirmation key, MCIM id.
 */
#include "tre/tre_dl.h"

#include <stdio.h>
#include <string.h>

#include "mcim/bytes.h"
#include "mcim/proto.h"

enum { PEND_M1 = 1, PEND_M3 = 2, PEND_DONE = 3 };

#define P_STATE	  0
#define P_CT	  1
#define P_HM1	  (P_CT + MCIM_PROTO_NONCE_LEN)
#define P_REG	  (P_HM1 + MCIM_SHA256_LEN)
#define P_SHO	  (P_REG + MCIM_PROTO_REG_ID_LEN)
#define P_TXID	  (P_SHO + MCIM_PROTO_OPERATOR_MAX + 1)
#define P_AEAD	  (P_TXID + MCIM_PROTO_TXID_LEN)
#define P_CONFIRM (P_AEAD + MCIM_AEAD_KEY_LEN)
#define P_MCIM	  (P_CONFIRM + 32)
#define PEND_LEN  (P_MCIM + MCIM_PROTO_MCIM_ID_LEN)

#define ATT_RAND  0
#define ATT_KAUSF (ATT_RAND + MCIM_PROTO_RAND_LEN)
#define ATT_MCIM  (ATT_KAUSF + MCIM_KAUSF_LEN)
#define ATT_LEN	  (ATT_MCIM + MCIM_PROFILE_ID_LEN)

/* Scratch areas: the CI root, an outgoing message, a certificate chain, results of
 * the commands this file wraps. */
#define SCR_CI	  0
#define SCR_MSG	  MCIM_CERT_MAX_LEN
#define SCR_MSG_N 12288
#define SCR_CHAIN (SCR_MSG + SCR_MSG_N)
#define SCR_SUB	  (SCR_CHAIN + 2 * MCIM_CERT_MAX_LEN)
#define SCR_SUB_N (TRE_SCRATCH - SCR_SUB)

_Static_assert(SCR_SUB + 2048 <= TRE_SCRATCH, "TRE_SCRATCH");

const struct tre_arg_spec tre_dl_m1_args[1] = {
    {"token", TRE_ARG_BSTR, true, 1, MCIM_PROTO_SIGNED_MAX},
};
const struct tre_arg_spec tre_dl_m3_args[4] = {
    {"m1", TRE_ARG_BSTR, true, 1, MCIM_PROTO_SIGNED_MAX + 128},
    {"m2", TRE_ARG_BSTR, true, 1, MCIM_PROTO_SIGNED_MAX + 256},
    {"pva", TRE_ARG_BSTR, true, 1, MCIM_PROTO_SIGNED_MAX},
    {"release", TRE_ARG_BSTR, false, 1, MCIM_PROTO_SIGNED_MAX},
};
const struct tre_arg_spec tre_dl_install_args[1] = {
    {"m4", TRE_ARG_BSTR, true, 1, MCIM_PROTO_M4_MAX},
};
const struct tre_arg_spec tre_dl_attach_args[3] = {
    {"rand", TRE_ARG_BSTR, true, MCIM_PROTO_RAND_LEN, MCIM_PROTO_RAND_LEN},
    {"autn", TRE_ARG_BSTR, true, MCIM_PROTO_AUTN_LEN, MCIM_PROTO_AUTN_LEN},
    {"snn", TRE_ARG_TSTR, true, 1, MCIM_SNN_MAX},
};
const struct tre_arg_spec tre_dl_confirm_args[1] = {
    {"kc", TRE_ARG_BSTR, true, MCIM_PROTO_KC_LEN, MCIM_PROTO_KC_LEN},
};

static mcim_err get(struct tre_int *t, const char *key, uint8_t *buf, size_t want)
{
	size_t len;
	mcim_err err = tre_store_get(&t->st, key, strlen(key), buf, want, &len);

	if (err == MCIM_ERR_BUFFER_TOO_SMALL || (err == MCIM_OK && len != want)) {
		mcim_wipe(buf, want);
		return MCIM_ERR_TAMPERED;
	}
	return err;
}

static mcim_err put(struct tre_int *t, const char *key, const void *val, size_t len)
{
	return tre_store_put(&t->st, key, strlen(key), val, len);
}

static mcim_err del(struct tre_int *t, const char *key)
{
	mcim_err err = tre_store_delete(&t->st, key, strlen(key));

	return err == MCIM_ERR_NOT_FOUND ? MCIM_OK : err;
}

/* Commits the open transaction with an audit record of type, outcome, subject. */
static mcim_err commit(struct tre_int *t, uint16_t type, mcim_err outcome,
		       const uint8_t *subject, size_t subject_len, const char *detail)
{
	struct tre_ev ev = {
	    .type = type,
	    .outcome = outcome,
	    .subject = subject,
	    .subject_len = subject_len,
	    .detail = detail,
	};
	mcim_err err = tre_tx_commit(t, &ev);

	if (err == MCIM_OK)
		t->audited = true;
	return err;
}

/* What the TRE trusts: its CI root (copied into scratch), its clock. */
static mcim_err trust_of(struct tre_int *t, struct mcim_proto_trust *tr)
{
	size_t len;
	mcim_err err = tre_store_get(&t->st, TRE_KEY_CI, strlen(TRE_KEY_CI),
				     t->scratch + SCR_CI, MCIM_CERT_MAX_LEN, &len);

	if (err != MCIM_OK)
		return err;
	memset(tr, 0, sizeof(*tr));
	tr->ci_root = t->scratch + SCR_CI;
	tr->ci_root_len = len;
	tr->now = (int64_t)tre_now(t);
	tr->skew = MCIM_PROTO_SKEW_DEFAULT;
	return MCIM_OK;
}

/* The identity key and its chain (in the scratch's chain area) as a signer. */
static mcim_err signer_of(struct tre_int *t, struct mcim_iov chain[2],
			  struct mcim_proto_signer *s)
{
	size_t n;
	mcim_err err =
	    tre_chain(t, t->scratch + SCR_CHAIN, 2 * MCIM_CERT_MAX_LEN, chain, &n);

	if (err != MCIM_OK)
		return err;
	if (n == 0)
		return MCIM_ERR_STATE;
	s->key = &t->id_priv;
	s->chain = chain;
	s->n_chain = n;
	return MCIM_OK;
}

/* A byte string of exactly want octets under key in a CBOR map. */
static mcim_err map_bstr(const uint8_t *map, size_t len, const char *key, uint8_t *out,
			 size_t want)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *k;
	const uint8_t *d;
	size_t kl, dl;
	mcim_err err;

	mcim_cbor_reader_init(&r, map, len);
	err = mcim_cbor_map_open(&r, &m);
	while (err == MCIM_OK && mcim_cbor_map_more(&m)) {
		err = mcim_cbor_map_key_tstr(&r, &m, &k, &kl);
		if (err != MCIM_OK)
			break;
		if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
			err = mcim_cbor_read_bstr(&r, &d, &dl);
			if (err == MCIM_OK && dl != want)
				err = MCIM_ERR_PARSE;
			if (err == MCIM_OK)
				memcpy(out, d, want);
			return err;
		}
		err = mcim_cbor_skip(&r);
	}
	return err == MCIM_OK ? MCIM_ERR_NOT_FOUND : err;
}

/* A text value under key, copied NUL-terminated. */
static mcim_err map_tstr(const uint8_t *map, size_t len, const char *key, char *out,
			 size_t cap)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *k, *s;
	size_t kl, sl;
	mcim_err err;

	mcim_cbor_reader_init(&r, map, len);
	err = mcim_cbor_map_open(&r, &m);
	while (err == MCIM_OK && mcim_cbor_map_more(&m)) {
		err = mcim_cbor_map_key_tstr(&r, &m, &k, &kl);
		if (err != MCIM_OK)
			break;
		if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
			err = mcim_cbor_read_tstr(&r, &s, &sl);
			if (err == MCIM_OK && sl >= cap)
				err = MCIM_ERR_PARSE;
			if (err == MCIM_OK) {
				memcpy(out, s, sl);
				out[sl] = '\0';
			}
			return err;
		}
		err = mcim_cbor_skip(&r);
	}
	return err == MCIM_OK ? MCIM_ERR_NOT_FOUND : err;
}

static mcim_err map_uint(const uint8_t *map, size_t len, const char *key, uint64_t *v)
{
	struct mcim_cbor_reader r;
	struct mcim_cbor_map m;
	const char *k;
	size_t kl;
	mcim_err err;

	mcim_cbor_reader_init(&r, map, len);
	err = mcim_cbor_map_open(&r, &m);
	while (err == MCIM_OK && mcim_cbor_map_more(&m)) {
		err = mcim_cbor_map_key_tstr(&r, &m, &k, &kl);
		if (err != MCIM_OK)
			break;
		if (kl == strlen(key) && memcmp(k, key, kl) == 0)
			return mcim_cbor_read_uint(&r, v);
		err = mcim_cbor_skip(&r);
	}
	return err == MCIM_OK ? MCIM_ERR_NOT_FOUND : err;
}

/* ---- discovery ---- */

mcim_err tre_cmd_dl_discover(struct tre_int *t, const struct tre_args *a,
			     struct mcim_cbor_writer *w)
{
	uint8_t n_d[MCIM_PROTO_NONCE_LEN];
	mcim_err err;

	(void)a;
	err = mcim_rng_fill(t->rng, n_d, sizeof(n_d));
	if (err != MCIM_OK)
		return err;
	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	err = put(t, TRE_KEY_DL_ND, n_d, sizeof(n_d));
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	err = commit(t, TRE_EV_DL_DISCOVER, MCIM_OK, NULL, 0, "discovery nonce drawn");
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 2);
	mcim_cbor_put_key_bstr(w, "n_d", n_d, sizeof(n_d));
	mcim_cbor_put_key_bstr(w, "tre_id", t->tre_id, TRE_ID_LEN);
	return MCIM_OK;
}

/* ---- M1 ---- */

mcim_err tre_cmd_dl_m1(struct tre_int *t, const struct tre_args *a,
		       struct mcim_cbor_writer *w)
{
	uint8_t n_d[MCIM_PROTO_NONCE_LEN], pend[PEND_LEN];
	struct mcim_proto_trust tr;
	struct mcim_proto_reg_token tok;
	struct mcim_proto_m1 m1;
	uint8_t *msg = t->scratch + SCR_MSG;
	size_t len;
	char detail[64];
	mcim_err err;

	err = get(t, TRE_KEY_DL_ND, n_d, sizeof(n_d));
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_ERR_STATE; /* no discovery asked for: nothing to answer */
	if (err != MCIM_OK)
		return err;
	err = trust_of(t, &tr);
	if (err == MCIM_OK)
		err = mcim_proto_reg_token_verify(a->v[0].data, a->v[0].len, &tr,
						  t->tre_id, n_d, NULL, &tok, NULL);
	if (err != MCIM_OK)
		return err;

	memset(&m1, 0, sizeof(m1));
	memcpy(m1.tre_id, t->tre_id, TRE_ID_LEN);
	m1.token.data = a->v[0].data;
	m1.token.len = a->v[0].len;
	memset(pend, 0, sizeof(pend));
	pend[P_STATE] = PEND_M1;
	err = mcim_rng_fill(t->rng, m1.c_t, sizeof(m1.c_t));
	if (err == MCIM_OK)
		err = mcim_proto_m1_encode(&m1, msg, SCR_MSG_N, &len);
	if (err == MCIM_OK)
		err = mcim_sha256(msg, len, pend + P_HM1);
	if (err != MCIM_OK)
		return err;
	memcpy(pend + P_CT, m1.c_t, sizeof(m1.c_t));
	memcpy(pend + P_REG, tok.reg_id, sizeof(tok.reg_id));
	memcpy(pend + P_SHO, tok.sho, strlen(tok.sho));

	err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	err = del(t, TRE_KEY_DL_ND);
	if (err == MCIM_OK)
		err = del(t, TRE_KEY_DL_RCPT);
	if (err == MCIM_OK)
		err = put(t, TRE_KEY_DL_PEND, pend, sizeof(pend));
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err;
	}
	snprintf(detail, sizeof(detail), "download from %s: M1", tok.sho);
	err = commit(t, TRE_EV_DL_M1, MCIM_OK, tok.reg_id, sizeof(tok.reg_id), detail);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 4);
	mcim_cbor_put_key_bstr(w, "m1", msg, len);
	mcim_cbor_put_key_cstr(w, "sho", tok.sho);
	mcim_cbor_put_key_cstr(w, "dpf_url", tok.dpf_url);
	mcim_cbor_put_key_cstr(w, "pva_url", tok.pva_url);
	return MCIM_OK;
}

/* ---- M2 -> M3 ---- */

/* Checks M2 against the pending M1; fills the token's bindings and M2's fields. */
static mcim_err m2_check(struct tre_int *t, const struct tre_args *a, const uint8_t *pend,
			 const struct mcim_proto_trust *tr, struct mcim_proto_m2 *m2)
{
	struct mcim_proto_reg_token tok;
	struct mcim_proto_pva_result pva;
	uint8_t h[MCIM_SHA256_LEN];
	mcim_err err;

	if (pend[P_STATE] != PEND_M1)
		return MCIM_ERR_REPLAY; /* c_t was consumed: no M2 is awaited */
	err = mcim_sha256(a->v[0].data, a->v[0].len, h);
	if (err != MCIM_OK)
		return err;
	if (!mcim_ct_equal(h, pend + P_HM1, sizeof(h)))
		return MCIM_ERR_DENIED; /* another transcript than the TRE's M1 */
	memset(&tok, 0, sizeof(tok));
	memcpy(tok.tre_id, t->tre_id, TRE_ID_LEN);
	memcpy(tok.reg_id, pend + P_REG, sizeof(tok.reg_id));
	memcpy(tok.sho, pend + P_SHO, MCIM_PROTO_OPERATOR_MAX);
	err = mcim_proto_m2_verify(a->v[1].data, a->v[1].len, tr, &tok, pend + P_CT, m2,
				   NULL);
	if (err != MCIM_OK)
		return err;
	/* The result is judged by the DPF; checking it here spares a transaction for
	 * one that is not this TRE's or is stale. */
	return mcim_proto_pva_result_verify(a->v[2].data, a->v[2].len, tr, NULL,
					    t->tre_id, NULL, &pva, NULL);
}

mcim_err tre_cmd_dl_m3(struct tre_int *t, const struct tre_args *a,
		       struct mcim_cbor_writer *w)
{
	uint8_t pend[PEND_LEN], th3[MCIM_SHA256_LEN];
	struct mcim_proto_trust tr;
	struct mcim_proto_m2 m2;
	struct mcim_proto_m3 m3;
	struct mcim_p256_priv eph;
	struct mcim_proto_dl_keys keys;
	struct mcim_iov chain[2];
	struct mcim_proto_signer signer;
	uint8_t *msg = t->scratch + SCR_MSG;
	size_t len = 0;
	mcim_err err;

	err = get(t, TRE_KEY_DL_PEND, pend, sizeof(pend));
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_ERR_REPLAY;
	if (err != MCIM_OK)
		return err;
	err = trust_of(t, &tr);
	if (err == MCIM_OK)
		err = m2_check(t, a, pend, &tr, &m2);
	if (err != MCIM_OK) {
		mcim_wipe(pend, sizeof(pend));
		return err;
	}

	memset(&m3, 0, sizeof(m3));
	memcpy(m3.txid, m2.txid, sizeof(m3.txid));
	m3.pva.data = a->v[2].data;
	m3.pva.len = a->v[2].len;
	if (a->v[3].present) {
		m3.release.data = a->v[3].data;
		m3.release.len = a->v[3].len;
	}
	err = mcim_proto_dl_transcript(a->v[0].data, a->v[0].len, a->v[1].data,
				       a->v[1].len, NULL, 0, m3.th);
	if (err == MCIM_OK)
		err = mcim_p256_keygen(&eph, &m3.epk);
	if (err != MCIM_OK) {
		mcim_wipe(pend, sizeof(pend));
		return err;
	}
	err = signer_of(t, chain, &signer);
	if (err == MCIM_OK)
		err = mcim_proto_m3_make(&m3, &signer, msg, SCR_MSG_N, &len);
	if (err == MCIM_OK)
		err = mcim_proto_dl_transcript(a->v[0].data, a->v[0].len, a->v[1].data,
					       a->v[1].len, msg, len, th3);
	if (err == MCIM_OK)
		err = mcim_proto_dl_keys_derive(&eph, &m2.epk, th3, &keys);
	mcim_p256_priv_wipe(&eph);
	if (err != MCIM_OK) {
		mcim_wipe(pend, sizeof(pend));
		return err;
	}

	/* c_t is consumed: the challenge is gone with this state. */
	pend[P_STATE] = PEND_M3;
	mcim_wipe(pend + P_CT, MCIM_PROTO_NONCE_LEN);
	memcpy(pend + P_TXID, m2.txid, sizeof(m2.txid));
	memcpy(pend + P_AEAD, keys.aead, sizeof(keys.aead));
	memcpy(pend + P_CONFIRM, keys.confirm, sizeof(keys.confirm));
	mcim_proto_dl_keys_wipe(&keys);
	err = tre_tx_begin(t);
	if (err == MCIM_OK) {
		err = put(t, TRE_KEY_DL_PEND, pend, sizeof(pend));
		if (err != MCIM_OK)
			tre_tx_abort(t);
	}
	mcim_wipe(pend, sizeof(pend));
	if (err == MCIM_OK)
		err = commit(t, TRE_EV_DL_M3, MCIM_OK, m2.txid, sizeof(m2.txid),
			     a->v[3].present ? "download: M3 with a release"
					     : "download: M3");
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 2);
	mcim_cbor_put_key_bstr(w, "m3", msg, len);
	mcim_cbor_put_key_bstr(w, "txid", m2.txid, sizeof(m2.txid));
	return MCIM_OK;
}

/* ---- M4 -> R ---- */

/* The receipt message R for outcome into the message area. */
static mcim_err make_receipt(struct tre_int *t, const uint8_t *pend,
			     const uint8_t mcim_id[MCIM_PROTO_MCIM_ID_LEN],
			     mcim_err outcome, const uint8_t ct_hash[MCIM_SHA256_LEN],
			     size_t *len)
{
	struct mcim_proto_receipt r;
	struct mcim_proto_dl_keys keys;
	struct mcim_iov chain[2];
	struct mcim_proto_signer signer;
	mcim_err err;

	memset(&r, 0, sizeof(r));
	memcpy(r.txid, pend + P_TXID, sizeof(r.txid));
	memcpy(r.mcim_id, mcim_id, sizeof(r.mcim_id));
	r.result = outcome;
	memcpy(r.ct_hash, ct_hash, sizeof(r.ct_hash));
	memcpy(keys.aead, pend + P_AEAD, sizeof(keys.aead));
	memcpy(keys.confirm, pend + P_CONFIRM, sizeof(keys.confirm));
	err = signer_of(t, chain, &signer);
	if (err == MCIM_OK)
		err = mcim_proto_receipt_make(&r, &keys, &signer, t->scratch + SCR_MSG,
					      SCR_MSG_N, len);
	mcim_proto_dl_keys_wipe(&keys);
	return err;
}

/* A refusal after the keys are known: the error and a receipt that carries it. */
static mcim_err refuse(struct tre_int *t, const uint8_t *pend,
		       const struct mcim_proto_m4 *m4, mcim_err why,
		       struct mcim_cbor_writer *w)
{
	uint8_t h[MCIM_SHA256_LEN];
	size_t len;

	if (mcim_sha256(m4->pkg.data, m4->pkg.len, h) == MCIM_OK &&
	    make_receipt(t, pend, m4->mcim_id, why, h, &len) == MCIM_OK) {
		mcim_cbor_put_map(w, 1);
		mcim_cbor_put_key_bstr(w, "receipt", t->scratch + SCR_MSG, len);
	}
	return why;
}

static void install_result(struct mcim_cbor_writer *w, const struct tre_mcim_info *info,
			   bool existed, const uint8_t *rc, size_t rc_len)
{
	mcim_cbor_put_map(w, 5);
	mcim_cbor_put_key_bstr(w, "id", info->id, sizeof(info->id));
	mcim_cbor_put_key_cstr(w, "state", tre_mcim_state_name(info->state));
	mcim_cbor_put_key_bool(w, "existed", existed);
	mcim_cbor_put_key_bstr(w, "receipt", rc, rc_len);
	mcim_cbor_put_key_uint(w, "version", info->version);
}

/* The same M4 again after its receipt: the receipt kept, octet for octet. */
static mcim_err answer_again(struct tre_int *t, const uint8_t *pend,
			     struct mcim_cbor_writer *w)
{
	struct tre_mcim_info info;
	uint8_t *rc = t->scratch + SCR_MSG;
	size_t len;
	mcim_err err;

	err = tre_store_get(&t->st, TRE_KEY_DL_RCPT, strlen(TRE_KEY_DL_RCPT), rc,
			    SCR_MSG_N, &len);
	if (err == MCIM_OK)
		err = tre_registry_get(&t->st, t->tre_id, pend + P_MCIM, &info);
	if (err != MCIM_OK)
		return err;
	install_result(w, &info, true, rc, len);
	return MCIM_OK;
}

/* Installs prof in one transaction with the receipt and its audit record. */
static mcim_err install(struct tre_int *t, const uint8_t *pend,
			const struct mcim_proto_m4 *m4, const struct mcim_profile *prof,
			const uint8_t ct_hash[MCIM_SHA256_LEN],
			struct mcim_cbor_writer *w)
{
	struct mcim_proto_trust tr;
	struct tre_mcim_info info;
	struct tre_mcim_change ch[2];
	uint8_t done[PEND_LEN];
	size_t n_ch, rc_len = 0;
	bool existed = false;
	char detail[96];
	mcim_err err;

	err = trust_of(t, &tr);
	if (err == MCIM_OK)
		err = tre_tx_begin(t);
	if (err != MCIM_OK)
		return err;
	err = tre_registry_install(&t->st, t->tre_id, tr.ci_root, tr.ci_root_len, prof,
				   (time_t)tre_now(t), &info);
	if (err == MCIM_OK && prof->policy.auto_activate &&
	    tre_registry_transition(&t->st, t->tre_id, prof->id, TRE_OP_ACTIVATE,
				    TRE_ACTOR_POLICY, 0, (time_t)tre_now(t), ch, &n_ch,
				    &info) != MCIM_OK)
		err = tre_registry_get(&t->st, t->tre_id, prof->id, &info);
	/* A retried download of an MCIM already here (R-PRC-106): nothing installed
	 * twice, and the DPF learns that it arrived. */
	if (err == MCIM_ERR_EXISTS && info.version == prof->version) {
		existed = true;
		err = MCIM_OK;
	}
	if (err == MCIM_OK)
		err = make_receipt(t, pend, prof->id, MCIM_OK, ct_hash, &rc_len);
	if (err == MCIM_OK)
		err = put(t, TRE_KEY_DL_RCPT, t->scratch + SCR_MSG, rc_len);
	if (err == MCIM_OK) {
		/* The keys are not kept past the receipt (pend keeps them for a
		 * refusal's receipt until the commit). */
		memcpy(done, pend, PEND_LEN);
		done[P_STATE] = PEND_DONE;
		mcim_wipe(done + P_AEAD, MCIM_AEAD_KEY_LEN + 32);
		memcpy(done + P_MCIM, prof->id, MCIM_PROTO_MCIM_ID_LEN);
		err = put(t, TRE_KEY_DL_PEND, done, PEND_LEN);
		mcim_wipe(done, PEND_LEN);
	}
	if (err != MCIM_OK) {
		tre_tx_abort(t);
		return err == MCIM_ERR_IO || err == MCIM_ERR_FULL
			   ? err
			   : refuse(t, pend, m4, err, w);
	}
	if (existed)
		snprintf(detail, sizeof(detail), "version %u from %s already installed",
			 (unsigned)info.version, info.sho);
	else
		snprintf(detail, sizeof(detail), "version %u from %s, %s",
			 (unsigned)info.version, info.sho,
			 tre_mcim_state_name(info.state));
	err = commit(t, existed ? TRE_EV_DL_RECEIPT : MCIM_AUDIT_EV_MCIM_INSTALLED,
		     MCIM_OK, info.id, sizeof(info.id), detail);
	if (err != MCIM_OK)
		return err;
	install_result(w, &info, existed, t->scratch + SCR_MSG, rc_len);
	return MCIM_OK;
}

mcim_err tre_cmd_dl_install(struct tre_int *t, const struct tre_args *a,
			    struct mcim_cbor_writer *w)
{
	uint8_t pend[PEND_LEN], ct_hash[MCIM_SHA256_LEN];
	struct mcim_proto_m4 m4;
	struct mcim_proto_dl_keys keys;
	struct mcim_profile prof;
	mcim_err err;

	err = mcim_proto_m4_decode(a->v[0].data, a->v[0].len, &m4);
	if (err != MCIM_OK)
		return err;
	err = get(t, TRE_KEY_DL_PEND, pend, sizeof(pend));
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_ERR_STATE;
	if (err != MCIM_OK)
		return err;
	if (pend[P_STATE] == PEND_DONE &&
	    memcmp(m4.txid, pend + P_TXID, MCIM_PROTO_TXID_LEN) == 0 &&
	    memcmp(m4.mcim_id, pend + P_MCIM, MCIM_PROTO_MCIM_ID_LEN) == 0) {
		err = answer_again(t, pend, w);
		mcim_wipe(pend, sizeof(pend));
		return err;
	}
	if (pend[P_STATE] != PEND_M3) {
		mcim_wipe(pend, sizeof(pend));
		return MCIM_ERR_STATE;
	}
	if (memcmp(m4.txid, pend + P_TXID, MCIM_PROTO_TXID_LEN) != 0) {
		mcim_wipe(pend, sizeof(pend));
		return MCIM_ERR_DENIED; /* M4 of another transaction */
	}
	memcpy(keys.aead, pend + P_AEAD, sizeof(keys.aead));
	memcpy(keys.confirm, pend + P_CONFIRM, sizeof(keys.confirm));
	err = mcim_proto_m4_open(&keys, a->v[0].data, a->v[0].len, pend + P_TXID,
				 t->tre_id, &prof, ct_hash);
	mcim_proto_dl_keys_wipe(&keys);
	if (err == MCIM_OK &&
	    strncmp(prof.sho, (const char *)pend + P_SHO, MCIM_PROTO_OPERATOR_MAX) != 0)
		err = MCIM_ERR_WRONG_ROLE; /* another operator's MCIM than the token's */
	if (err == MCIM_OK)
		err = install(t, pend, &m4, &prof, ct_hash, w);
	else
		err = refuse(t, pend, &m4, err, w);
	mcim_profile_wipe(&prof);
	mcim_wipe(pend, sizeof(pend));
	return err;
}

/* ---- management with a signed result ---- */

mcim_err tre_cmd_mgmt_signed(struct tre_int *t, const struct tre_args *a,
			     struct mcim_cbor_writer *w)
{
	uint8_t *sub = t->scratch + SCR_SUB, *sig = t->scratch + SCR_MSG;
	uint8_t id[MCIM_PROFILE_ID_LEN], payload[256];
	char state[16], command[24];
	uint64_t counter;
	struct mcim_cbor_writer lw;
	size_t sub_len, plen, sig_len;
	mcim_err err;

	mcim_cbor_writer_init(&lw, sub, SCR_SUB_N);
	err = tre_cmd_mgmt(t, a, &lw);
	if (err != MCIM_OK)
		return err;
	err = mcim_cbor_writer_finish(&lw, &sub_len);
	if (err == MCIM_OK)
		err = map_bstr(sub, sub_len, "id", id, sizeof(id));
	if (err == MCIM_OK)
		err = map_tstr(sub, sub_len, "state", state, sizeof(state));
	if (err == MCIM_OK)
		err = map_tstr(sub, sub_len, "command", command, sizeof(command));
	if (err == MCIM_OK)
		err = map_uint(sub, sub_len, "counter", &counter);
	if (err != MCIM_OK)
		return MCIM_ERR_INTERNAL; /* mgmt's own result, always well formed */

	/* Sign_TRE{"ctx": "mcim/mgmt/result", "state", "result", "counter", "mcim_id"}
	 * in the profile's key order. */
	mcim_cbor_writer_init(&lw, payload, sizeof(payload));
	mcim_cbor_put_map(&lw, 5);
	mcim_cbor_put_key_cstr(&lw, "ctx", "mcim/mgmt/result");
	mcim_cbor_put_key_cstr(&lw, "state", state);
	mcim_cbor_put_key_cstr(&lw, "result", mcim_err_name(MCIM_OK));
	mcim_cbor_put_key_uint(&lw, "counter", counter);
	mcim_cbor_put_key_bstr(&lw, "mcim_id", id, sizeof(id));
	err = mcim_cbor_writer_finish(&lw, &plen);
	if (err == MCIM_OK)
		err = tre_sign(t, payload, plen, sig, SCR_MSG_N, &sig_len);
	if (err != MCIM_OK)
		return err;
	mcim_cbor_put_map(w, 5);
	mcim_cbor_put_key_bstr(w, "id", id, sizeof(id));
	mcim_cbor_put_key_cstr(w, "state", state);
	mcim_cbor_put_key_bstr(w, "result", sig, sig_len);
	mcim_cbor_put_key_cstr(w, "command", command);
	mcim_cbor_put_key_uint(w, "counter", counter);
	return MCIM_OK;
}

/* ---- attach (§7) ---- */

mcim_err tre_cmd_attach(struct tre_int *t, const struct tre_args *a,
			struct mcim_cbor_writer *w)
{
	static const char kind[] = "5g";
	uint8_t *sub = t->scratch + SCR_SUB;
	uint8_t att[ATT_LEN], res_star[MCIM_RES_STAR_LEN], kc[MCIM_PROTO_KC_LEN];
	struct tre_args aa;
	struct mcim_cbor_writer lw;
	size_t sub_len = 0;
	mcim_err err, aka;

	/* aka's arguments: rand, autn, kind, plmn, snn, target. */
	memset(&aa, 0, sizeof(aa));
	aa.v[0] = a->v[0];
	aa.v[1] = a->v[1];
	aa.v[2] = (struct tre_arg){
	    .present = true, .data = (const uint8_t *)kind, .len = sizeof(kind) - 1};
	aa.v[4] = a->v[2];
	mcim_cbor_writer_init(&lw, sub, SCR_SUB_N);
	aka = tre_cmd_aka(t, &aa, &lw);
	err = mcim_cbor_writer_finish(&lw, &sub_len);
	if (aka != MCIM_OK) {
		/* AUTS (and a MAC failure's count) go to the agent as aka gives them. */
		if (err == MCIM_OK && sub_len > 0)
			mcim_cbor_put_raw(w, sub, sub_len);
		mcim_wipe(sub, sub_len);
		return aka;
	}
	memcpy(att + ATT_RAND, a->v[0].data, MCIM_PROTO_RAND_LEN);
	if (err == MCIM_OK)
		err = map_bstr(sub, sub_len, "kausf", att + ATT_KAUSF, MCIM_KAUSF_LEN);
	if (err == MCIM_OK)
		err = map_bstr(sub, sub_len, "res_star", res_star, sizeof(res_star));
	if (err == MCIM_OK)
		err = map_bstr(sub, sub_len, "mcim", att + ATT_MCIM, MCIM_PROFILE_ID_LEN);
	mcim_wipe(sub, sub_len);
	if (err == MCIM_OK)
		err = mcim_proto_attach_kc(att + ATT_KAUSF, MCIM_PROTO_ATTACH_UE,
					   att + ATT_RAND, kc);
	if (err == MCIM_OK)
		err = tre_tx_begin(t);
	if (err == MCIM_OK) {
		err = put(t, TRE_KEY_DL_ATT, att, sizeof(att));
		if (err != MCIM_OK)
			tre_tx_abort(t);
		else
			err = commit(t, TRE_EV_ATTACH, MCIM_OK, att + ATT_MCIM,
				     MCIM_PROFILE_ID_LEN,
				     "5g attach: awaiting the network's confirmation");
	}
	if (err == MCIM_OK) {
		mcim_cbor_put_map(w, 3);
		mcim_cbor_put_key_bstr(w, "kc", kc, sizeof(kc));
		mcim_cbor_put_key_bstr(w, "mcim", att + ATT_MCIM, MCIM_PROFILE_ID_LEN);
		mcim_cbor_put_key_bstr(w, "res_star", res_star, sizeof(res_star));
	}
	mcim_wipe(att, sizeof(att));
	mcim_wipe(res_star, sizeof(res_star));
	return err;
}

mcim_err tre_cmd_attach_confirm(struct tre_int *t, const struct tre_args *a,
				struct mcim_cbor_writer *w)
{
	uint8_t att[ATT_LEN];
	mcim_err err, check;

	err = get(t, TRE_KEY_DL_ATT, att, sizeof(att));
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_ERR_STATE;
	if (err != MCIM_OK)
		return err;
	check = mcim_proto_attach_kc_check(att + ATT_KAUSF, MCIM_PROTO_ATTACH_HN,
					   att + ATT_RAND, a->v[0].data);
	/* One confirmation per attach, right or wrong: a wrong one cannot be retried
	 * against the same KAUSF. */
	err = tre_tx_begin(t);
	if (err == MCIM_OK) {
		err = del(t, TRE_KEY_DL_ATT);
		if (err != MCIM_OK)
			tre_tx_abort(t);
		else
			err = commit(
			    t, TRE_EV_ATTACH_CONFIRM, check, att + ATT_MCIM,
			    MCIM_PROFILE_ID_LEN,
			    check == MCIM_OK
				? "5g attach confirmed: same KAUSF"
				: "5g attach: the network's confirmation is wrong");
	}
	if (err == MCIM_OK && check == MCIM_OK) {
		mcim_cbor_put_map(w, 2);
		mcim_cbor_put_key_bool(w, "ok", true);
		mcim_cbor_put_key_bstr(w, "mcim", att + ATT_MCIM, MCIM_PROFILE_ID_LEN);
	}
	mcim_wipe(att, sizeof(att));
	return err != MCIM_OK ? err : check;
}
