/*
 * The AuC's attach (R-NET-S02, R-PRC-108, docs/protocol.md §7): a 5G HE vector
 * with the record's algorithm set (MILENAGE or TUAK), then the check of the
 * device's RES* and key confirmation, or resynchronisation from AUTS.
 *
 * Every change of a record is a compare-and-set on its version in the store: the
 * vector is computed from the SQN state read, and written back only if nobody
 * wrote in between; otherwise the whole step is redone from a fresh read. So two
 * daemons (or threads) never hand out the same SQN. The record keeps one pending
 * challenge in its sealed state blob: RAND, HXRES* (the expected answer as the
 * SEAF's hash, not XRES* itself), KAUSF (for the key confirmation), its expiry and
 * SNN; a newer challenge replaces it. Only an ACTIVE record authenticates:
 * suspended (also before the TRE's receipt) and closed ones are refused
 * (MCIM_ERR_DENIED).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/rand.h"
#include "net/sho_int.h"

struct auc_work {
	struct net_auc_record r;
	struct sho_cred c;
	struct sho_state ss;
	struct mcim_aka_keyctx kc;
	struct mcim_auth_5g_vector av;
	uint8_t out[256];
	size_t out_len;
};

static void work_free(struct auc_work *w)
{
	mcim_aka_keyctx_wipe(&w->kc);
	mcim_wipe(w, sizeof(*w));
	free(w);
}

/* The record of imsi in whichever served SHO's PLMN it starts with. */
static mcim_err record_find(const struct net_sho *s, struct net_store *st,
			    const char *imsi, const struct sho_tenant **t,
			    struct net_auc_record *r)
{
	mcim_err err = MCIM_ERR_NOT_FOUND;

	for (size_t i = 0; i < s->n && err == MCIM_ERR_NOT_FOUND; i++) {
		if (strncmp(imsi, s->t[i].plmn, strlen(s->t[i].plmn)) != 0)
			continue;
		*t = &s->t[i];
		err = net_store_auc_get(st, s->t[i].id, imsi, r);
	}
	return err;
}

static mcim_err load(const struct net_sho *s, struct net_store *st, const char *imsi,
		     const struct sho_tenant **t, struct auc_work *w)
{
	mcim_err err = record_find(s, st, imsi, t, &w->r);

	if (err == MCIM_OK && w->r.state != NET_AUC_ACTIVE)
		err = MCIM_ERR_DENIED;
	if (err == MCIM_OK)
		err = sho_cred_get(*t, &w->r, &w->c);
	if (err == MCIM_OK)
		err = sho_state_get(*t, &w->r, &w->ss);
	if (err == MCIM_OK)
		err = mcim_aka_prepare(&w->kc, &w->c.cred);
	return err;
}

/* A new vector for snn from the state in w; the challenge becomes the pending one
 * and the response body {"autn", "kind", "rand"}. */
static mcim_err challenge(const struct net_sho *s, struct auc_work *w, const char *snn,
			  size_t snn_len, int64_t now)
{
	struct mcim_proto_attach_challenge ch;
	mcim_err err;

	err = mcim_auth_generate_5g(&w->kc, &w->c.sqn, &w->ss.he, w->c.amf,
				    mcim_rng_system(), snn, snn_len, &w->av);
	if (err == MCIM_OK && w->av.autn_len != MCIM_PROTO_AUTN_LEN)
		err = MCIM_ERR_UNSUPPORTED; /* a MAC longer than 64 bits: AUTN > 16 */
	if (err != MCIM_OK)
		return err;
	w->ss.pending = true;
	memcpy(w->ss.rand, w->av.rand, sizeof(w->ss.rand));
	memcpy(w->ss.hxres_star, w->av.hxres_star, sizeof(w->ss.hxres_star));
	memcpy(w->ss.kausf, w->av.kausf, sizeof(w->ss.kausf));
	w->ss.exp = now + s->challenge_ttl;
	if (w->ss.snn != snn)
		memcpy(w->ss.snn, snn, snn_len);
	w->ss.snn[snn_len] = '\0';
	w->ss.snn_len = (uint8_t)snn_len;
	memcpy(ch.rand, w->av.rand, sizeof(ch.rand));
	memcpy(ch.autn, w->av.autn, sizeof(ch.autn));
	return mcim_proto_attach_challenge_encode(&ch, w->out, sizeof(w->out),
						  &w->out_len);
}

/* Writes w's record back; MCIM_ERR_STATE when another writer was first. */
static mcim_err save(const struct sho_tenant *t, struct net_store *st, struct auc_work *w,
		     int64_t now)
{
	mcim_err err = sho_state_put(t, &w->ss, &w->r);

	return err == MCIM_OK ? net_store_auc_update(st, &w->r, now) : err;
}

mcim_err net_auc_challenge(struct net_sho *s, const uint8_t *req, size_t len,
			   struct net_sho_buf *resp)
{
	struct mcim_proto_attach_challenge_req m;
	const struct sho_tenant *t = NULL;
	struct net_store *st = NULL;
	struct auc_work *w;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	err = mcim_proto_attach_challenge_req_decode(req, len, &m);
	if (err != MCIM_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = sho_store_get(s, &st);
	for (int i = 0; err == MCIM_OK; i++) {
		int64_t now = sho_now(s);

		err = load(s, st, m.imsi, &t, w);
		if (err == MCIM_OK)
			err = challenge(s, w, m.snn, strlen(m.snn), now);
		if (err == MCIM_OK)
			err = save(t, st, w, now);
		if (err != MCIM_ERR_STATE)
			break;
		err = i + 1 < SHO_CAS_TRIES ? MCIM_OK : MCIM_ERR_LOCKED;
		mcim_aka_keyctx_wipe(&w->kc);
	}
	if (err == MCIM_OK)
		err = sho_resp(resp, w->out, w->out_len);
	sho_store_put(s, st);
	work_free(w);
	return err;
}

/* One attempt at the confirmation; *conflict when another writer changed the record
 * between the read and the write (then nothing was written: redo it). */
static mcim_err confirm_once(const struct net_sho *s, struct net_store *st,
			     const struct mcim_proto_attach_confirm_req *m,
			     struct auc_work *w, bool *conflict)
{
	struct mcim_proto_attach_confirm c;
	const struct sho_tenant *t = NULL;
	uint8_t hx[MCIM_HXRES_STAR_LEN];
	int64_t now = sho_now(s);
	mcim_err err;

	*conflict = false;
	err = load(s, st, m->imsi, &t, w);
	if (err == MCIM_OK && !w->ss.pending)
		err = MCIM_ERR_STATE; /* no challenge waits for an answer */
	if (err == MCIM_OK && now >= w->ss.exp)
		err = MCIM_ERR_EXPIRED;
	if (err != MCIM_OK)
		return err;
	if (m->resync) {
		err = mcim_auth_resync(&w->kc, &w->c.sqn, &w->ss.he, w->ss.rand, m->auts,
				       sizeof(m->auts), NULL, NULL);
		if (err == MCIM_OK)
			err = challenge(s, w, w->ss.snn, w->ss.snn_len, now);
	} else {
		memset(&c, 0, sizeof(c));
		err = mcim_kdf_hxres_star(w->ss.rand, m->res_star, hx);
		if (err == MCIM_OK && !mcim_ct_equal(hx, w->ss.hxres_star, sizeof(hx)))
			err = MCIM_ERR_MAC_FAILURE;
		if (err == MCIM_OK)
			err = mcim_proto_attach_kc_check(
			    w->ss.kausf, MCIM_PROTO_ATTACH_UE, w->ss.rand, m->kc);
		if (err == MCIM_OK)
			err = mcim_proto_attach_kc(w->ss.kausf, MCIM_PROTO_ATTACH_HN,
						   w->ss.rand, c.kc);
		if (err == MCIM_OK)
			err = mcim_proto_attach_confirm_encode(&c, w->out, sizeof(w->out),
							       &w->out_len);
		mcim_wipe(&c, sizeof(c));
		w->ss.pending = false; /* single use */
	}
	if (err == MCIM_OK) {
		err = save(t, st, w, now);
		*conflict = err == MCIM_ERR_STATE;
	}
	return err;
}

mcim_err net_auc_confirm(struct net_sho *s, const uint8_t *req, size_t len,
			 struct net_sho_buf *resp)
{
	struct mcim_proto_attach_confirm_req m;
	struct net_store *st = NULL;
	struct auc_work *w;
	bool conflict = false;
	mcim_err err;

	assert(s != NULL && (req != NULL || len == 0) && resp != NULL);
	err = mcim_proto_attach_confirm_req_decode(req, len, &m);
	if (err != MCIM_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		mcim_wipe(&m, sizeof(m));
		return MCIM_ERR_NOMEM;
	}
	err = sho_store_get(s, &st);
	for (int i = 0; err == MCIM_OK; i++) {
		err = confirm_once(s, st, &m, w, &conflict);
		if (!conflict)
			break;
		err = i + 1 < SHO_CAS_TRIES ? MCIM_OK : MCIM_ERR_LOCKED;
		mcim_aka_keyctx_wipe(&w->kc);
	}
	if (err == MCIM_OK)
		err = sho_resp(resp, w->out, w->out_len);
	sho_store_put(s, st);
	mcim_wipe(&m, sizeof(m));
	work_free(w);
	return err;
}
