/*
 * The DPF's MCIM download (R-NET-F03, docs/protocol.md §5): M1 -> M2, M3 -> M4 and
 * the receipt, for any SHO tenant of the daemon, with all state in the store.
 *
 * M1 checks the DRF's registration token (signature and role, then the store: this
 * tenant's, this TRE's, unused, unexpired, registration still waiting) and opens a
 * transaction: the txid's first four octets are the store's tenant id (so M3 and
 * the receipt find their tenant; the other twelve are random), and its session
 * blob, sealed under the tenant's session key, holds the ephemeral private key,
 * H(M1||M2), the reg_id and the SHA-256 state after M1||M2 (from which
 * H(M1||M2||M3) is finished without keeping the messages). M3 uses the transaction
 * once (the store erases the session in the same step), checks the TRE's signature,
 * the transcript and the PVA result, takes the TRE's one MCIM (creating it through
 * the CCIF if the operator ordered none) and seals it under the fresh download key.
 * What the receipt is checked against (confirmation key, H(pkg), MCIM id) waits in
 * a companion transaction, sealed under the receipt key, whose txid is derived from
 * the download's; the receipt uses it once, then the MCIM is INSTALLED, the AuC
 * record live, the registration PROVISIONED and the token consumed, all in one
 * store transaction. Any refusal rolls the store transaction back: nothing changes.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256_int.h"
#include "mcim/bytes.h"
#include "mcim/cbor.h"
#include "mcim/rand.h"
#include "net/sho_int.h"

#define SESSION_VERSION 1
/* version, eph, th12, reg_id, h[8], total, tail */
#define SESSION_FIXED (1 + 32 + 32 + 16 + 32 + 8)
#define RECEIPT_LEN   (16 + 32 + 32 + 16 + 16)

static const struct sho_tenant *tenant_of_txid(const struct net_sho *s,
					       const uint8_t txid[NET_TXID_LEN])
{
	int64_t id = ((int64_t)txid[0] << 24) | ((int64_t)txid[1] << 16) |
		     ((int64_t)txid[2] << 8) | txid[3];

	return sho_tenant_by_id(s, id);
}

static mcim_err txid_new(const struct sho_tenant *t, uint8_t txid[NET_TXID_LEN])
{
	for (int i = 0; i < 4; i++)
		txid[i] = (uint8_t)((uint64_t)t->id >> (24 - 8 * i));
	return mcim_rng_fill(mcim_rng_system(), txid + 4, NET_TXID_LEN - 4);
}

/* The companion transaction that holds what the receipt is checked against. */
static mcim_err txid_receipt(const uint8_t txid[NET_TXID_LEN], uint8_t out[NET_TXID_LEN])
{
	static const char label[] = "mcim/dpf/receipt-tx";
	const struct mcim_iov parts[2] = {{label, sizeof(label) - 1},
					  {txid, NET_TXID_LEN}};
	uint8_t h[MCIM_SHA256_LEN];
	mcim_err err = mcim_sha256_v(parts, 2, h);

	memcpy(out, txid, 4);
	memcpy(out + 4, h, NET_TXID_LEN - 4);
	return err;
}

static mcim_err ok_body(struct net_sho_buf *resp)
{
	uint8_t buf[16];
	struct mcim_cbor_writer w;
	size_t len = 0;
	mcim_err err;

	mcim_cbor_writer_init(&w, buf, sizeof(buf));
	mcim_cbor_put_map(&w, 1);
	mcim_cbor_put_cstr(&w, "ok");
	mcim_cbor_put_bool(&w, true);
	err = mcim_cbor_writer_finish(&w, &len);
	return err == MCIM_OK ? sho_resp(resp, buf, len) : err;
}

/* The token's row: this TRE's, unused, unexpired; its registration waiting. */
static mcim_err token_check(struct net_store *st, const struct sho_tenant *t,
			    const uint8_t reg_id[NET_REG_ID_LEN],
			    const uint8_t tre_id[NET_TRE_ID_LEN], int64_t now,
			    struct net_registration *reg)
{
	struct net_reg_token rt;
	mcim_err err = net_store_regtoken_get(st, t->id, reg_id, &rt);

	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_ERR_DENIED;
	if (err != MCIM_OK)
		return err;
	if (memcmp(rt.tre_id, tre_id, NET_TRE_ID_LEN) != 0)
		return MCIM_ERR_DENIED;
	if (rt.used != 0)
		return MCIM_ERR_REPLAY;
	if (now >= rt.expires)
		return MCIM_ERR_EXPIRED;
	err = net_store_registration_get(st, t->id, rt.registration, reg);
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_ERR_DENIED;
	if (err == MCIM_OK && reg->state != NET_REG_REGISTERED)
		err = MCIM_ERR_STATE; /* provisioned already, or released */
	return err;
}

/* ---- M1 -> M2 ---- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	       p[3];
}

static mcim_err session_seal(const struct sho_tenant *t, const uint8_t txid[NET_TXID_LEN],
			     const struct mcim_p256_priv *eph,
			     const uint8_t th12[MCIM_SHA256_LEN],
			     const uint8_t reg_id[NET_REG_ID_LEN],
			     const struct crypto_sha256 *h, struct net_dpf_tx *tx)
{
	uint8_t pt[SESSION_FIXED + CRYPTO_SHA256_BLOCK];
	size_t tail = (size_t)(h->total % CRYPTO_SHA256_BLOCK), off = 0;
	mcim_err err;

	pt[off++] = SESSION_VERSION;
	memcpy(pt + off, eph->d, 32);
	off += 32;
	memcpy(pt + off, th12, 32);
	off += 32;
	memcpy(pt + off, reg_id, 16);
	off += 16;
	for (int i = 0; i < 8; i++, off += 4)
		put32(pt + off, h->h[i]);
	for (int i = 0; i < 8; i++)
		pt[off++] = (uint8_t)(h->total >> (56 - 8 * i));
	memcpy(pt + off, h->buf, tail);
	off += tail;
	err = sho_seal(t, SHO_KEY_SESSION, txid, NET_TXID_LEN, pt, off, tx->session,
		       sizeof(tx->session), &tx->session_len);
	mcim_wipe(pt, sizeof(pt));
	return err;
}

struct session {
	struct mcim_p256_priv eph;
	uint8_t th12[MCIM_SHA256_LEN];
	uint8_t reg_id[NET_REG_ID_LEN];
	struct crypto_sha256 h;
};

static mcim_err session_open(const struct sho_tenant *t, const struct net_dpf_tx *tx,
			     struct session *se)
{
	uint8_t pt[NET_STORE_SESSION_MAX];
	size_t len = 0, off = 1, tail;
	uint32_t h[8];
	uint64_t total = 0;
	mcim_err err;

	err = sho_open(t, SHO_KEY_SESSION, tx->txid, NET_TXID_LEN, tx->session,
		       tx->session_len, pt, sizeof(pt), &len);
	if (err == MCIM_OK && (len < SESSION_FIXED || pt[0] != SESSION_VERSION))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK) {
		memcpy(se->eph.d, pt + off, 32);
		off += 32;
		memcpy(se->th12, pt + off, 32);
		off += 32;
		memcpy(se->reg_id, pt + off, 16);
		off += 16;
		for (int i = 0; i < 8; i++, off += 4)
			h[i] = get32(pt + off);
		for (int i = 0; i < 8; i++)
			total = (total << 8) | pt[off++];
		tail = (size_t)(total % CRYPTO_SHA256_BLOCK);
		if (len != SESSION_FIXED + tail)
			err = MCIM_ERR_PARSE;
		else {
			crypto_sha256_resume(&se->h, h, total / CRYPTO_SHA256_BLOCK);
			crypto_sha256_update(&se->h, pt + off, tail);
		}
	}
	mcim_wipe(pt, sizeof(pt));
	return err;
}

static mcim_err m1_locked(struct net_sho *s, struct net_store *st, const uint8_t *req,
			  size_t len, struct net_sho_buf *resp)
{
	struct mcim_proto_trust trust;
	struct mcim_proto_m1 m1;
	struct mcim_proto_reg_token tok;
	struct mcim_proto_signer signer;
	struct mcim_proto_m2 m2;
	struct net_registration reg;
	struct net_dpf_tx *tx = NULL;
	const struct sho_tenant *t;
	struct mcim_p256_priv eph;
	struct crypto_sha256 h;
	uint8_t th12[MCIM_SHA256_LEN], *out = NULL;
	size_t out_len = 0;
	int64_t now = sho_now(s);
	mcim_err err;

	memset(&eph, 0, sizeof(eph));
	err = mcim_proto_m1_decode(req, len, &m1);
	if (err != MCIM_OK)
		return err;
	sho_trust(s, now, &trust);
	err = mcim_proto_reg_token_verify(m1.token.data, m1.token.len, &trust, m1.tre_id,
					  NULL, NULL, &tok, NULL);
	if (err != MCIM_OK)
		return err;
	t = sho_tenant_by_plmn(s, tok.sho);
	if (t == NULL)
		return MCIM_ERR_DENIED; /* a token for an SHO not served here */
	err = token_check(st, t, tok.reg_id, m1.tre_id, now, &reg);
	tx = calloc(1, sizeof(*tx));
	out = malloc(MCIM_PROTO_MSG_MAX);
	if (err == MCIM_OK && (tx == NULL || out == NULL))
		err = MCIM_ERR_NOMEM;
	if (err == MCIM_OK)
		err = txid_new(t, tx->txid);
	memset(&m2, 0, sizeof(m2));
	if (err == MCIM_OK)
		err = mcim_rng_fill(mcim_rng_system(), m2.c_d, sizeof(m2.c_d));
	if (err == MCIM_OK)
		err = mcim_p256_keygen(&eph, &m2.epk);
	if (err == MCIM_OK) {
		memcpy(m2.txid, tx->txid, sizeof(m2.txid));
		memcpy(m2.c_t, m1.c_t, sizeof(m2.c_t));
		memcpy(m2.tre_id, m1.tre_id, sizeof(m2.tre_id));
		memcpy(m2.reg_id, tok.reg_id, sizeof(m2.reg_id));
		signer =
		    (struct mcim_proto_signer){&t->dpf_key, t->dpf_chain, t->n_dpf_chain};
		err = mcim_proto_m2_make(&m2, &signer, out, MCIM_PROTO_MSG_MAX, &out_len);
	}
	if (err == MCIM_OK)
		err = mcim_proto_dl_transcript(req, len, out, out_len, NULL, 0, th12);
	if (err == MCIM_OK) {
		crypto_sha256_init(&h);
		crypto_sha256_update(&h, req, len);
		crypto_sha256_update(&h, out, out_len);
		err = session_seal(t, tx->txid, &eph, th12, tok.reg_id, &h, tx);
		mcim_wipe(&h, sizeof(h));
	}
	if (err == MCIM_OK) {
		tx->tenant = t->id;
		tx->registration = reg.id;
		tx->state = NET_DPF_PENDING;
		tx->created = tx->updated = now;
		tx->expires = now + s->tx_ttl;
		err = net_store_dpf_tx_create(st, tx);
	}
	if (err == MCIM_OK)
		err = sho_resp(resp, out, out_len);
	mcim_p256_priv_wipe(&eph);
	if (tx != NULL)
		mcim_wipe(tx, sizeof(*tx));
	free(tx);
	free(out);
	return err;
}

mcim_err net_dpf_m1(struct net_sho *s, const uint8_t *req, size_t len,
		    struct net_sho_buf *resp)
{
	struct net_store *st = NULL;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = m1_locked(s, st, req, len, resp);
	sho_store_put(s, st);
	return err;
}

/* ---- M3 -> M4 ---- */

/* The TRE's one MCIM of this registration: the operator's order, or one made now. */
static mcim_err order_for(struct net_store *st, const struct sho_tenant *t,
			  const struct net_registration *reg, int64_t now,
			  struct net_mcim_order *o)
{
	mcim_err err = net_store_order_find(st, t->id, reg->tre_id, o);

	if (err == MCIM_ERR_NOT_FOUND)
		return ccif_create(st, t, reg, MCIM_AKA_MILENAGE, NULL, "dpf", now, o);
	if (err != MCIM_OK)
		return err;
	if (o->registration != reg->id ||
	    (o->state != NET_MCIM_CREATED && o->state != NET_MCIM_PACKAGED))
		return MCIM_ERR_STATE;
	return MCIM_OK;
}

static mcim_err receipt_tx(const struct sho_tenant *t, const struct net_dpf_tx *tx,
			   const struct session *se,
			   const struct mcim_proto_dl_keys *keys,
			   const uint8_t ct_hash[MCIM_SHA256_LEN], int64_t expires,
			   struct net_dpf_tx *rtx)
{
	uint8_t pt[RECEIPT_LEN];
	mcim_err err;

	memset(rtx, 0, sizeof(*rtx));
	err = txid_receipt(tx->txid, rtx->txid);
	memcpy(pt, tx->txid, 16);
	memcpy(pt + 16, keys->confirm, 32);
	memcpy(pt + 48, ct_hash, 32);
	memcpy(pt + 80, tx->mcim_id, 16);
	memcpy(pt + 96, se->reg_id, 16);
	if (err == MCIM_OK)
		err =
		    sho_seal(t, SHO_KEY_RECEIPT, rtx->txid, NET_TXID_LEN, pt, sizeof(pt),
			     rtx->session, sizeof(rtx->session), &rtx->session_len);
	mcim_wipe(pt, sizeof(pt));
	rtx->tenant = t->id;
	rtx->registration = tx->registration;
	rtx->state = NET_DPF_PENDING;
	rtx->created = rtx->updated = tx->updated;
	rtx->expires = expires;
	return err;
}

struct m3_work {
	struct net_dpf_tx tx, rtx;
	struct session se;
	struct net_registration reg;
	struct net_mcim_order o;
	struct mcim_proto_m3 m3;
	struct mcim_proto_pva_result pva;
	struct mcim_profile profile;
	struct mcim_proto_dl_keys keys;
	struct mcim_proto_m4 m4;
	uint8_t th3[MCIM_SHA256_LEN], ct_hash[MCIM_SHA256_LEN];
	uint8_t out[MCIM_PROTO_M4_MAX];
};

static mcim_err m3_locked(struct net_sho *s, struct net_store *st, const uint8_t *req,
			  size_t len, struct m3_work *w, size_t *out_len)
{
	struct mcim_proto_trust trust;
	const struct sho_tenant *t;
	int64_t now = sho_now(s);
	mcim_err err;

	err = mcim_proto_m3_decode(req, len, &w->m3);
	if (err != MCIM_OK)
		return err;
	t = tenant_of_txid(s, w->m3.txid);
	if (t == NULL)
		return MCIM_ERR_NOT_FOUND;
	err = net_store_begin(st);
	if (err == MCIM_OK)
		err = net_store_dpf_tx_get(st, t->id, w->m3.txid, &w->tx);
	if (err == MCIM_OK && w->tx.state != NET_DPF_PENDING)
		err = MCIM_ERR_REPLAY;
	if (err == MCIM_OK && now >= w->tx.expires)
		err = MCIM_ERR_EXPIRED;
	if (err == MCIM_OK)
		err = session_open(t, &w->tx, &w->se);
	if (err == MCIM_OK)
		err = token_check(st, t, w->se.reg_id, w->tx.tre_id, now, &w->reg);
	if (err == MCIM_OK && w->reg.id != w->tx.registration)
		err = MCIM_ERR_STATE;
	sho_trust(s, now, &trust);
	if (err == MCIM_OK)
		err = mcim_proto_m3_verify(req, len, &trust, w->m3.txid, w->tx.tre_id,
					   w->se.th12, false, &w->m3, &w->pva, NULL);
	if (err == MCIM_OK)
		err = order_for(st, t, &w->reg, now, &w->o);
	if (err == MCIM_OK)
		err = net_store_dpf_tx_consume(st, t->id, w->m3.txid, w->o.mcim_id, now,
					       &w->tx);
	if (err == MCIM_OK)
		err = ccif_profile(st, t, &w->o, &w->profile);
	if (err == MCIM_OK) {
		crypto_sha256_update(&w->se.h, req, len);
		crypto_sha256_final(&w->se.h, w->th3);
		err = mcim_proto_dl_keys_derive(&w->se.eph, &w->m3.epk, w->th3, &w->keys);
	}
	if (err == MCIM_OK)
		err = mcim_proto_m4_seal(&w->keys, mcim_rng_system(), w->m3.txid,
					 w->tx.tre_id, &w->profile, w->out,
					 sizeof(w->out), out_len);
	if (err == MCIM_OK)
		err = mcim_proto_m4_decode(w->out, *out_len, &w->m4);
	if (err == MCIM_OK)
		err = mcim_sha256(w->m4.pkg.data, w->m4.pkg.len, w->ct_hash);
	if (err == MCIM_OK)
		err = receipt_tx(t, &w->tx, &w->se, &w->keys, w->ct_hash, now + s->tx_ttl,
				 &w->rtx);
	if (err == MCIM_OK)
		err = net_store_dpf_tx_create(st, &w->rtx);
	if (err == MCIM_OK && w->o.state == NET_MCIM_CREATED)
		err = sho_order_move(st, t, &w->o, NET_MCIM_CREATED, NET_MCIM_PACKAGED,
				     "dpf", now);
	if (err == MCIM_OK)
		err = net_store_commit(st);
	return err;
}

mcim_err net_dpf_m3(struct net_sho *s, const uint8_t *req, size_t len,
		    struct net_sho_buf *resp)
{
	struct net_store *st = NULL;
	struct m3_work *w;
	size_t out_len = 0;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = m3_locked(s, st, req, len, w, &out_len);
	if (err == MCIM_OK)
		err = sho_resp(resp, w->out, out_len);
	sho_store_put(s, st);
	mcim_profile_wipe(&w->profile);
	mcim_proto_dl_keys_wipe(&w->keys);
	mcim_wipe(w, sizeof(*w));
	free(w);
	return err;
}

/* ---- receipt ---- */

struct rc_work {
	struct net_dpf_tx tx, rtx;
	struct net_mcim_order o;
	struct net_auc_record auc;
	struct mcim_proto_dl_keys keys;
	struct mcim_proto_receipt r;
	uint8_t pt[RECEIPT_LEN];
};

/* The MCIM is on the TRE: order INSTALLED, AuC record live, registration done,
 * token used. */
static mcim_err installed(struct net_store *st, const struct sho_tenant *t,
			  struct rc_work *w, const uint8_t reg_id[NET_REG_ID_LEN],
			  int64_t now)
{
	mcim_err err = net_store_order_get(st, t->id, w->r.mcim_id, &w->o);

	if (err == MCIM_OK)
		err = sho_order_move(st, t, &w->o, NET_MCIM_PACKAGED, NET_MCIM_INSTALLED,
				     "dpf", now);
	if (err == MCIM_OK)
		err = net_store_auc_get(st, t->id, w->o.imsi, &w->auc);
	if (err == MCIM_OK && w->auc.state == NET_AUC_SUSPENDED) {
		w->auc.state = NET_AUC_ACTIVE;
		err = net_store_auc_update(st, &w->auc, now);
	}
	if (err == MCIM_OK)
		err = net_store_registration_set_state(st, t->id, w->o.registration,
						       NET_REG_REGISTERED,
						       NET_REG_PROVISIONED, now);
	if (err == MCIM_OK)
		err = net_store_regtoken_consume(st, t->id, reg_id, w->o.tre_id, now);
	return err;
}

static mcim_err receipt_locked(struct net_sho *s, struct net_store *st,
			       const uint8_t *req, size_t len, struct rc_work *w)
{
	struct mcim_proto_trust trust;
	struct mcim_proto_span span;
	const struct sho_tenant *t;
	uint8_t txid[NET_TXID_LEN], rtxid[NET_TXID_LEN];
	size_t pt_len = 0;
	int64_t now = sho_now(s);
	mcim_err err;

	err = mcim_proto_receipt_decode(req, len, txid, &span);
	if (err != MCIM_OK)
		return err;
	t = tenant_of_txid(s, txid);
	if (t == NULL)
		return MCIM_ERR_NOT_FOUND;
	err = txid_receipt(txid, rtxid);
	if (err == MCIM_OK)
		err = net_store_begin(st);
	if (err == MCIM_OK)
		err = net_store_dpf_tx_get(st, t->id, txid, &w->tx);
	if (err == MCIM_OK && w->tx.state == NET_DPF_RECEIPTED)
		err = MCIM_ERR_REPLAY;
	if (err == MCIM_OK && w->tx.state != NET_DPF_DELIVERED)
		err = MCIM_ERR_STATE;
	/* No companion: the transaction's M3 never came (its own absence is 404). */
	if (err == MCIM_OK) {
		err = net_store_dpf_tx_get(st, t->id, rtxid, &w->rtx);
		if (err == MCIM_ERR_NOT_FOUND)
			err = MCIM_ERR_STATE;
	}
	if (err == MCIM_OK && w->rtx.state != NET_DPF_PENDING)
		err = MCIM_ERR_REPLAY;
	if (err == MCIM_OK && now >= w->rtx.expires)
		err = MCIM_ERR_EXPIRED;
	if (err == MCIM_OK)
		err = sho_open(t, SHO_KEY_RECEIPT, rtxid, NET_TXID_LEN, w->rtx.session,
			       w->rtx.session_len, w->pt, sizeof(w->pt), &pt_len);
	if (err == MCIM_OK && (pt_len != RECEIPT_LEN || memcmp(w->pt, txid, 16) != 0))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK) {
		memcpy(w->keys.confirm, w->pt + 16, 32);
		sho_trust(s, now, &trust);
		err = mcim_proto_receipt_verify(req, len, &trust, &w->keys, txid,
						w->tx.tre_id, w->pt + 80, w->pt + 48,
						&w->r, NULL);
	}
	if (err == MCIM_OK)
		err = net_store_dpf_tx_consume(st, t->id, rtxid, w->r.mcim_id, now,
					       &w->rtx);
	if (err == MCIM_OK)
		err = net_store_dpf_tx_receipt(st, t->id, txid, now);
	/* A TRE that could not install says so; the registration stays open for a
	 * new attempt. EXISTS is its answer to a second install of the same MCIM. */
	if (err == MCIM_OK && (w->r.result == MCIM_OK || w->r.result == MCIM_ERR_EXISTS))
		err = installed(st, t, w, w->pt + 96, now);
	if (err == MCIM_OK)
		err = net_store_commit(st);
	return err;
}

mcim_err net_dpf_receipt(struct net_sho *s, const uint8_t *req, size_t len,
			 struct net_sho_buf *resp)
{
	struct net_store *st = NULL;
	struct rc_work *w;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = sho_store_get(s, &st);
	if (err == MCIM_OK)
		err = receipt_locked(s, st, req, len, w);
	if (err == MCIM_OK)
		err = ok_body(resp);
	sho_store_put(s, st);
	mcim_proto_dl_keys_wipe(&w->keys);
	mcim_wipe(w, sizeof(*w));
	free(w);
	return err;
}
