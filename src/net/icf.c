/*
 * The initial connectivity function (docs/protocol.md §2, R-PRC-101): PCID records
 * imported from the factory export, MILENAGE challenges with the SQN kept in the
 * store, and the ICF session a correct RES earns.
 *
 * A PCID record is an AuC record of the VNO tenant (net/store/store.h) whose IMSI is
 * the PCID. Its two blobs are sealed here (AES-256-GCM, a random 96-bit nonce, aad =
 * purpose label || tenant id || PCID, keys from the VNO's KEK by HKDF-SHA-256): the
 * credential (K, OPc) and the state (SEQ_HE and the next IND; the one pending
 * challenge: RAND, XRES, expiry). Every change is a compare-and-set on the record's
 * version: a step that loses is redone from a fresh read, so two daemons never hand
 * out one SQN or accept one RES twice.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/endian.h"
#include "mcim/auth.h"
#include "mcim/bytes.h"
#include "mcim/cose.h"
#include "mcim/kdf.h"
#include "mcim/rand.h"
#include "mcim/sqn.h"
#include "net/icf.h"
#include "net/icf_int.h"
#include "net/kek.h"
#include "net/store/store.h"
#include "tool/pki.h"

#define CAS_TRIES     64
#define BLOB_VERSION  1
#define SEAL_OVERHEAD (MCIM_AEAD_NONCE_LEN + MCIM_AEAD_TAG_LEN)
#define IMPORT_CHUNK  1000 /* records per store transaction */

enum icf_purpose { KEY_CRED = 0, KEY_STATE, KEYS };

static const char *const purpose_label[KEYS] = {"mcim/icf/pcid-cred",
						"mcim/icf/pcid-state"};

/* The PCID's AKA parameters: what the TRE's factory record uses (tre_mfg.c). */
static const uint8_t icf_amf[MCIM_AKA_AMF_LEN] = {0x00, 0x00};

struct icf_tenant {
	char name[NET_STORE_NAME_MAX + 1];
	char plmn[NET_STORE_PLMN_MAX + 1];
	int64_t id;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain;
	uint8_t keys[KEYS][32];
};

struct net_icf {
	struct tool_pki pki;
	struct icf_tenant *t;
	size_t n;
	struct icf_pool pool;
	int64_t session_ttl, challenge_ttl;
	int64_t (*now)(void *arg);
	void *now_arg;
};

/* The record's state blob, opened. Secret (XRES). */
struct pcid_state {
	struct mcim_sqn_he he;
	bool pending;
	uint8_t rand[MCIM_AKA_RAND_LEN];
	uint8_t xres_len;
	uint8_t xres[MCIM_PROTO_RES_MAX];
	int64_t exp;
};

/* Everything one request holds, on the heap and wiped at the end. */
struct icf_work {
	struct net_auc_record r;
	struct mcim_aka_cred cred;
	struct mcim_aka_keyctx kc;
	struct pcid_state ps;
	struct mcim_auth_vector av;
	uint8_t out[MCIM_PROTO_SIGNED_MAX + 64];
	size_t out_len;
};

static void work_free(struct icf_work *w)
{
	mcim_aka_keyctx_wipe(&w->kc);
	mcim_wipe(w, sizeof(*w));
	free(w);
}

void net_icf_buf_free(struct net_icf_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static mcim_err buf_set(struct net_icf_buf *b, const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (p == NULL)
		return MCIM_ERR_NOMEM;
	memcpy(p, data, len);
	free(b->data);
	b->data = p;
	b->len = len;
	return MCIM_OK;
}

static int64_t icf_now(const struct net_icf *icf)
{
	return icf->now != NULL ? icf->now(icf->now_arg) : (int64_t)time(NULL);
}

/* ---- sealing ---- */

static size_t seal_aad(const struct icf_tenant *t, enum icf_purpose p, const char *pcid,
		       uint8_t aad[96])
{
	size_t ll = strlen(purpose_label[p]), pl = strlen(pcid);

	memcpy(aad, purpose_label[p], ll);
	aad[ll] = 0;
	mcim_store_be64(aad + ll + 1, (uint64_t)t->id);
	memcpy(aad + ll + 9, pcid, pl);
	return ll + 9 + pl;
}

static mcim_err seal(const struct icf_tenant *t, enum icf_purpose p, const char *pcid,
		     const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
		     size_t *out_len)
{
	uint8_t aad[96];
	size_t aad_len = seal_aad(t, p, pcid, aad);
	mcim_err err;

	if (cap < len + SEAL_OVERHEAD)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	err = mcim_rng_fill(mcim_rng_system(), out, MCIM_AEAD_NONCE_LEN);
	if (err == MCIM_OK)
		err = mcim_aead_seal(t->keys[p], out, aad, aad_len, pt, len,
				     out + MCIM_AEAD_NONCE_LEN);
	if (err == MCIM_OK)
		*out_len = len + SEAL_OVERHEAD;
	return err;
}

static mcim_err unseal(const struct icf_tenant *t, enum icf_purpose p, const char *pcid,
		       const uint8_t *in, size_t len, uint8_t *pt, size_t cap,
		       size_t *pt_len)
{
	uint8_t aad[96];
	size_t aad_len = seal_aad(t, p, pcid, aad);
	mcim_err err;

	if (len < SEAL_OVERHEAD || cap < len - SEAL_OVERHEAD)
		return MCIM_ERR_DECRYPT;
	err = mcim_aead_open(t->keys[p], in, aad, aad_len, in + MCIM_AEAD_NONCE_LEN,
			     len - MCIM_AEAD_NONCE_LEN, pt);
	if (err == MCIM_OK)
		*pt_len = len - SEAL_OVERHEAD;
	return err;
}

/* cred blob: version || K (16) || OPc (16) */
static mcim_err cred_put(const struct icf_tenant *t, const uint8_t k[16],
			 const uint8_t opc[16], struct net_auc_record *r)
{
	uint8_t pt[33];
	mcim_err err;

	pt[0] = BLOB_VERSION;
	memcpy(pt + 1, k, 16);
	memcpy(pt + 17, opc, 16);
	err = seal(t, KEY_CRED, r->imsi, pt, sizeof(pt), r->cred, sizeof(r->cred),
		   &r->cred_len);
	mcim_wipe(pt, sizeof(pt));
	return err;
}

static mcim_err cred_get(const struct icf_tenant *t, const struct net_auc_record *r,
			 struct mcim_aka_cred *c)
{
	uint8_t pt[64];
	size_t n = 0;
	mcim_err err =
	    unseal(t, KEY_CRED, r->imsi, r->cred, r->cred_len, pt, sizeof(pt), &n);

	if (err == MCIM_OK && (n != 33 || pt[0] != BLOB_VERSION))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK) {
		memset(c, 0, sizeof(*c));
		c->alg = MCIM_AKA_MILENAGE;
		c->k_len = 16;
		memcpy(c->k, pt + 1, 16);
		memcpy(c->opc, pt + 17, 16);
		mcim_milenage_default_consts(&c->params.milenage);
	}
	mcim_wipe(pt, sizeof(pt));
	return err;
}

/* state blob: version || SEQ_HE (8) || next IND (1) || pending (1)
 *             [|| RAND (16) || XRES length (1) || XRES (16) || exp (8)] */
#define STATE_SHORT 11
#define STATE_LONG  (STATE_SHORT + 16 + 1 + MCIM_PROTO_RES_MAX + 8)

static mcim_err state_put(const struct icf_tenant *t, const struct pcid_state *s,
			  struct net_auc_record *r)
{
	uint8_t pt[STATE_LONG];
	size_t n = STATE_SHORT;
	mcim_err err;

	memset(pt, 0, sizeof(pt));
	pt[0] = BLOB_VERSION;
	mcim_store_be64(pt + 1, s->he.seq);
	pt[9] = s->he.next_ind;
	pt[10] = s->pending ? 1 : 0;
	if (s->pending) {
		memcpy(pt + 11, s->rand, 16);
		pt[27] = s->xres_len;
		memcpy(pt + 28, s->xres, MCIM_PROTO_RES_MAX);
		mcim_store_be64(pt + 28 + MCIM_PROTO_RES_MAX, (uint64_t)s->exp);
		n = STATE_LONG;
	}
	err = seal(t, KEY_STATE, r->imsi, pt, n, r->sqn, sizeof(r->sqn), &r->sqn_len);
	mcim_wipe(pt, sizeof(pt));
	return err;
}

static mcim_err state_get(const struct icf_tenant *t, const struct net_auc_record *r,
			  struct pcid_state *s)
{
	uint8_t pt[STATE_LONG];
	size_t n = 0;
	mcim_err err =
	    unseal(t, KEY_STATE, r->imsi, r->sqn, r->sqn_len, pt, sizeof(pt), &n);

	memset(s, 0, sizeof(*s));
	if (err == MCIM_OK && (n < STATE_SHORT || pt[0] != BLOB_VERSION || pt[10] > 1 ||
			       n != (pt[10] ? (size_t)STATE_LONG : (size_t)STATE_SHORT)))
		err = MCIM_ERR_PARSE;
	if (err == MCIM_OK) {
		s->he.seq = mcim_load_be64(pt + 1);
		s->he.next_ind = pt[9];
		s->pending = pt[10] == 1;
		if (s->pending) {
			memcpy(s->rand, pt + 11, 16);
			s->xres_len = pt[27];
			memcpy(s->xres, pt + 28, MCIM_PROTO_RES_MAX);
			s->exp = (int64_t)mcim_load_be64(pt + 28 + MCIM_PROTO_RES_MAX);
			if (s->xres_len < 4 || s->xres_len > MCIM_PROTO_RES_MAX)
				err = MCIM_ERR_PARSE;
		}
	}
	mcim_wipe(pt, sizeof(pt));
	return err;
}

/* ---- records ---- */

static const struct icf_tenant *tenant_by_name(const struct net_icf *icf,
					       const char *name)
{
	for (size_t i = 0; i < icf->n; i++)
		if (strcmp(icf->t[i].name, name) == 0)
			return &icf->t[i];
	return NULL;
}

/* The record of pcid at the VNO whose PLMN it starts with. */
static mcim_err record_load(const struct net_icf *icf, struct net_store *st,
			    const char *pcid, const struct icf_tenant **t,
			    struct icf_work *w)
{
	mcim_err err = MCIM_ERR_NOT_FOUND;

	mcim_aka_keyctx_wipe(&w->kc);
	for (size_t i = 0; i < icf->n && err == MCIM_ERR_NOT_FOUND; i++) {
		if (strncmp(pcid, icf->t[i].plmn, strlen(icf->t[i].plmn)) != 0)
			continue;
		*t = &icf->t[i];
		err = net_store_auc_get(st, icf->t[i].id, pcid, &w->r);
	}
	if (err == MCIM_ERR_INVALID_ARG)
		err = MCIM_ERR_NOT_FOUND; /* not IMSI-shaped: no such PCID */
	if (err == MCIM_OK && w->r.state != NET_AUC_ACTIVE)
		err = MCIM_ERR_DENIED;
	if (err == MCIM_OK)
		err = cred_get(*t, &w->r, &w->cred);
	if (err == MCIM_OK)
		err = state_get(*t, &w->r, &w->ps);
	if (err == MCIM_OK)
		err = mcim_aka_prepare(&w->kc, &w->cred);
	mcim_aka_cred_wipe(&w->cred);
	return err;
}

/* A new vector; it becomes the pending challenge and the body {"autn", "rand"}. */
static mcim_err new_challenge(const struct net_icf *icf, struct icf_work *w, int64_t now)
{
	struct mcim_proto_icf_challenge ch;
	struct mcim_sqn_cfg cfg;
	mcim_err err;

	mcim_sqn_cfg_default(&cfg);
	err = mcim_auth_generate(&w->kc, &cfg, &w->ps.he, icf_amf, mcim_rng_system(),
				 &w->av);
	if (err == MCIM_OK && (w->av.autn_len != MCIM_PROTO_AUTN_LEN ||
			       w->av.xres_len > MCIM_PROTO_RES_MAX || w->av.xres_len < 4))
		err = MCIM_ERR_UNSUPPORTED;
	if (err != MCIM_OK)
		return err;
	w->ps.pending = true;
	memcpy(w->ps.rand, w->av.rand, sizeof(w->ps.rand));
	w->ps.xres_len = w->av.xres_len;
	memcpy(w->ps.xres, w->av.xres, w->av.xres_len);
	w->ps.exp = now + icf->challenge_ttl;
	memcpy(ch.rand, w->av.rand, sizeof(ch.rand));
	memcpy(ch.autn, w->av.autn, sizeof(ch.autn));
	mcim_auth_vector_wipe(&w->av);
	return mcim_proto_icf_challenge_encode(&ch, w->out, sizeof(w->out), &w->out_len);
}

/*
 * The challenge for a PCID this ICF does not serve (unknown, not active, another
 * PLMN's): random RAND and AUTN with the ICF's AMF in its place, nothing stored. It
 * looks like any challenge, so asking does not tell whether a PCID exists or is
 * live (T-12); its attach is DENIED like a wrong RES.
 */
static mcim_err decoy_challenge(struct icf_work *w)
{
	struct mcim_proto_icf_challenge ch;
	mcim_err err = mcim_rng_fill(mcim_rng_system(), ch.rand, sizeof(ch.rand));

	if (err == MCIM_OK)
		err = mcim_rng_fill(mcim_rng_system(), ch.autn, sizeof(ch.autn));
	if (err != MCIM_OK)
		return err;
	memcpy(ch.autn + MCIM_AKA_SQN_LEN, icf_amf, sizeof(icf_amf));
	return mcim_proto_icf_challenge_encode(&ch, w->out, sizeof(w->out), &w->out_len);
}

static mcim_err save(const struct icf_tenant *t, struct net_store *st, struct icf_work *w,
		     int64_t now)
{
	mcim_err err = state_put(t, &w->ps, &w->r);

	return err == MCIM_OK ? net_store_auc_update(st, &w->r, now) : err;
}

mcim_err net_icf_challenge(struct net_icf *icf, const uint8_t *req, size_t len,
			   struct net_icf_buf *resp)
{
	struct mcim_proto_icf_challenge_req m;
	const struct icf_tenant *t = NULL;
	struct net_store *st = NULL;
	struct icf_work *w;
	mcim_err err;

	assert(icf != NULL && (req != NULL || len == 0) && resp != NULL);
	err = mcim_proto_icf_challenge_req_decode(req, len, &m);
	if (err != MCIM_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = icf_pool_get(&icf->pool, &st);
	for (int i = 0; err == MCIM_OK; i++) {
		int64_t now = icf_now(icf);

		err = record_load(icf, st, m.pcid, &t, w);
		if (err == MCIM_ERR_NOT_FOUND || err == MCIM_ERR_DENIED) {
			err = decoy_challenge(w);
			break;
		}
		if (err == MCIM_OK)
			err = new_challenge(icf, w, now);
		if (err == MCIM_OK)
			err = save(t, st, w, now);
		if (err != MCIM_ERR_STATE)
			break;
		err = i + 1 < CAS_TRIES ? MCIM_OK : MCIM_ERR_LOCKED;
	}
	if (err == MCIM_OK)
		err = buf_set(resp, w->out, w->out_len);
	icf_pool_put(&icf->pool, st);
	work_free(w);
	return err;
}

static mcim_err session_sign(const struct net_icf *icf, const struct icf_tenant *t,
			     const char *pcid, int64_t now, struct icf_work *w)
{
	struct mcim_proto_session s;
	struct mcim_proto_signer signer = {&t->key, t->chain, t->n_chain};
	struct mcim_proto_icf_attach_resp r;
	uint8_t obj[MCIM_PROTO_SIGNED_MAX];
	size_t n = 0;
	mcim_err err;

	memset(&s, 0, sizeof(s));
	snprintf(s.pcid, sizeof(s.pcid), "%s", pcid);
	s.scope = MCIM_PROTO_SCOPE_DRF | MCIM_PROTO_SCOPE_PVA | MCIM_PROTO_SCOPE_DPF;
	s.iat = now;
	s.exp = now + icf->session_ttl;
	err = mcim_rng_fill(mcim_rng_system(), s.sid, sizeof(s.sid));
	if (err == MCIM_OK)
		err = mcim_proto_session_sign(&s, &signer, obj, sizeof(obj), &n);
	r.session.data = obj;
	r.session.len = n;
	if (err == MCIM_OK)
		err = mcim_proto_icf_attach_resp_encode(&r, w->out, sizeof(w->out),
							&w->out_len);
	return err;
}

/* One attempt; *conflict when another writer changed the record in between. */
static mcim_err attach_once(const struct net_icf *icf, struct net_store *st,
			    const struct mcim_proto_icf_attach_req *m, struct icf_work *w,
			    bool *conflict)
{
	const struct icf_tenant *t = NULL;
	int64_t now = icf_now(icf);
	struct mcim_sqn_cfg cfg;
	mcim_err err, outcome;

	*conflict = false;
	err = record_load(icf, st, m->pcid, &t, w);
	if (err == MCIM_OK && !w->ps.pending)
		err = MCIM_ERR_DENIED; /* nothing to answer */
	if (err != MCIM_OK)
		return err == MCIM_ERR_NOT_FOUND ? MCIM_ERR_DENIED : err;
	w->ps.pending = false; /* single use, whatever the answer */
	if (now >= w->ps.exp) {
		outcome = MCIM_ERR_EXPIRED;
	} else if (m->resync) {
		mcim_sqn_cfg_default(&cfg);
		outcome = mcim_auth_resync(&w->kc, &cfg, &w->ps.he, w->ps.rand, m->auts,
					   sizeof(m->auts), NULL, NULL);
		if (outcome == MCIM_OK)
			outcome = new_challenge(icf, w, now);
		else if (outcome == MCIM_ERR_MAC_FAILURE)
			outcome = MCIM_ERR_DENIED;
	} else {
		bool ok = m->res_len == w->ps.xres_len &&
			  mcim_ct_equal(m->res, w->ps.xres, w->ps.xres_len);

		outcome = ok ? session_sign(icf, t, m->pcid, now, w) : MCIM_ERR_DENIED;
	}
	err = save(t, st, w, now);
	*conflict = err == MCIM_ERR_STATE;
	return err == MCIM_OK ? outcome : err;
}

mcim_err net_icf_attach(struct net_icf *icf, const uint8_t *req, size_t len,
			struct net_icf_buf *resp, int *resynced)
{
	struct mcim_proto_icf_attach_req m;
	struct net_store *st = NULL;
	struct icf_work *w;
	bool conflict = false;
	mcim_err err;

	assert(icf != NULL && (req != NULL || len == 0) && resp != NULL);
	err = mcim_proto_icf_attach_req_decode(req, len, &m);
	if (err != MCIM_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		mcim_wipe(&m, sizeof(m));
		return MCIM_ERR_NOMEM;
	}
	err = icf_pool_get(&icf->pool, &st);
	for (int i = 0; err == MCIM_OK; i++) {
		err = attach_once(icf, st, &m, w, &conflict);
		if (!conflict)
			break;
		err = i + 1 < CAS_TRIES ? MCIM_OK : MCIM_ERR_LOCKED;
	}
	if (err == MCIM_OK)
		err = buf_set(resp, w->out, w->out_len);
	if (resynced != NULL)
		*resynced = m.resync;
	icf_pool_put(&icf->pool, st);
	mcim_wipe(&m, sizeof(m));
	work_free(w);
	return err;
}

/* ---- import (operator API) ---- */

static mcim_err import_one(const struct icf_tenant *t, struct net_store *st,
			   const json_t *v, const char *path, int64_t now,
			   struct net_jerr *e)
{
	static const char *const allowed[] = {"pcid", "k", "opc", NULL};
	struct net_auc_record *r;
	struct pcid_state ps;
	struct mcim_sqn_cfg cfg;
	uint8_t k[16], opc[16];
	char p[NET_JPATH_MAX];
	const char *pcid = NULL;
	mcim_err err = net_json_object(v, path, allowed, e);

	if (err == MCIM_OK)
		err = net_json_str(v, path, "pcid", 1, 6, NET_STORE_IMSI_MAX, &pcid, e);
	if (err == MCIM_OK && (!net_is_digits(pcid, 6, NET_STORE_IMSI_MAX) ||
			       strncmp(pcid, t->plmn, strlen(t->plmn)) != 0))
		err = net_jerr_set(
		    e, path, "pcid: must be 6 to 15 digits starting with %s", t->plmn);
	net_jpath_key(p, path, "k");
	if (err == MCIM_OK)
		err = net_json_hex(json_object_get(v, "k"), p, 16, "K", k, e);
	net_jpath_key(p, path, "opc");
	if (err == MCIM_OK)
		err = net_json_hex(json_object_get(v, "opc"), p, 16, "OPc", opc, e);
	if (err != MCIM_OK)
		return err;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		mcim_wipe(k, sizeof(k));
		mcim_wipe(opc, sizeof(opc));
		return MCIM_ERR_NOMEM;
	}
	r->tenant = t->id;
	snprintf(r->imsi, sizeof(r->imsi), "%s", pcid);
	r->algorithm = MCIM_AKA_MILENAGE;
	r->state = NET_AUC_ACTIVE;
	r->created = r->updated = now;
	memset(&ps, 0, sizeof(ps));
	mcim_sqn_cfg_default(&cfg);
	err = mcim_sqn_he_init(&cfg, &ps.he, 0);
	if (err == MCIM_OK)
		err = cred_put(t, k, opc, r);
	if (err == MCIM_OK)
		err = state_put(t, &ps, r);
	if (err == MCIM_OK)
		err = net_store_auc_create(st, r);
	if (err == MCIM_ERR_EXISTS)
		net_jerr_set(e, path, "pcid: already imported");
	mcim_wipe(k, sizeof(k));
	mcim_wipe(opc, sizeof(opc));
	mcim_wipe(r, sizeof(*r));
	free(r);
	return err;
}

/* Whether err is about this record (refused, the others go on) or the database. */
static bool record_error(mcim_err err)
{
	return err == MCIM_ERR_INVALID_ARG || err == MCIM_ERR_EXISTS ||
	       err == MCIM_ERR_TOO_LARGE;
}

mcim_err net_icf_import(struct net_icf *icf, const char *tenant, const json_t *body,
			json_t **out, struct net_jerr *e)
{
	const struct icf_tenant *t;
	struct net_store *st = NULL;
	json_t *errors = NULL;
	size_t n, imported = 0;
	int64_t now = icf_now(icf);
	mcim_err err;

	assert(icf != NULL && tenant != NULL && out != NULL && e != NULL);
	*out = NULL;
	t = tenant_by_name(icf, tenant);
	if (t == NULL)
		return MCIM_ERR_NOT_FOUND;
	if (body == NULL || !json_is_array(body))
		return net_jerr_set(e, "",
				    "must be an array of {\"pcid\", \"k\", \"opc\"}");
	n = json_array_size(body);
	if (n > NET_ICF_IMPORT_MAX)
		return net_jerr_set(e, "", "at most %d records per request",
				    NET_ICF_IMPORT_MAX);
	errors = json_array();
	if (errors == NULL)
		return MCIM_ERR_NOMEM;
	err = icf_pool_get(&icf->pool, &st);
	for (size_t i = 0; err == MCIM_OK && i < n; i++) {
		char path[NET_JPATH_MAX];
		struct net_jerr le = {{0}};
		mcim_err r;

		if (i % IMPORT_CHUNK == 0) {
			err = net_store_begin(st);
			if (err != MCIM_OK)
				break;
		}
		net_jpath_index(path, "", i);
		r = import_one(t, st, json_array_get(body, i), path, now, &le);
		if (r == MCIM_OK) {
			imported++;
		} else if (record_error(r)) {
			if (json_array_append_new(
				errors, json_pack("{s:I,s:s,s:s}", "index", (json_int_t)i,
						  "error", mcim_err_name(r), "message",
						  le.msg)) != 0)
				err = MCIM_ERR_NOMEM;
		} else {
			err = r;
		}
		if (err == MCIM_OK &&
		    (i % IMPORT_CHUNK == IMPORT_CHUNK - 1 || i + 1 == n))
			err = net_store_commit(st);
	}
	icf_pool_put(&icf->pool, st);
	if (err == MCIM_OK) {
		*out = json_pack("{s:I,s:I,s:o}", "imported", (json_int_t)imported,
				 "refused", (json_int_t)json_array_size(errors), "errors",
				 errors);
		return *out != NULL ? MCIM_OK : MCIM_ERR_NOMEM;
	}
	json_decref(errors);
	return err;
}

/* ---- start ---- */

static mcim_err fail(char *msg, size_t cap, mcim_err err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mcim_err fail(char *msg, size_t cap, mcim_err err, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && cap > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, cap, fmt, ap);
		va_end(ap);
	}
	return err;
}

static mcim_err tenant_keys(struct icf_tenant *t, const char *pki_dir)
{
	static const uint8_t salt[] = "mcim/icf/kek";
	uint8_t kek[NET_KEK_LEN];
	char name[48];
	mcim_err err;

	snprintf(name, sizeof(name), NET_ICF_KEK_FILE, t->plmn);
	err = net_kek_load(pki_dir, name, kek);
	for (int p = 0; p < KEYS && err == MCIM_OK; p++)
		err = mcim_hkdf_sha256(salt, sizeof(salt) - 1, kek, sizeof(kek),
				       (const uint8_t *)purpose_label[p],
				       strlen(purpose_label[p]), t->keys[p], 32);
	mcim_wipe(kek, sizeof(kek));
	return err;
}

static mcim_err tenant_store(struct net_store *st, struct icf_tenant *t, int64_t now)
{
	struct net_store_tenant rec;
	mcim_err err = net_store_tenant_find(st, t->name, &rec);

	if (err == MCIM_ERR_NOT_FOUND) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.name, sizeof(rec.name), "%s", t->name);
		snprintf(rec.plmn, sizeof(rec.plmn), "%s", t->plmn);
		rec.roles = NET_STORE_ROLE_VNO;
		rec.created = now;
		err = net_store_tenant_create(st, &rec);
		if (err == MCIM_ERR_EXISTS)
			err = net_store_tenant_find(st, t->name, &rec);
	}
	if (err == MCIM_OK && strcmp(rec.plmn, t->plmn) != 0)
		return MCIM_ERR_INVALID_ARG;
	if (err == MCIM_OK && !(rec.roles & NET_STORE_ROLE_VNO)) {
		rec.roles |= NET_STORE_ROLE_VNO;
		err = net_store_tenant_update(st, &rec);
	}
	t->id = rec.id;
	return err;
}

static mcim_err tenant_init(struct net_icf *icf, struct icf_tenant *t,
			    const struct net_icf_tenant *c, const char *pki_dir,
			    struct net_store *st, char *msg, size_t cap)
{
	const struct tool_pki_entity *ent;
	mcim_err err;

	if (c->name == NULL || c->plmn == NULL || strlen(c->name) == 0 ||
	    strlen(c->name) > NET_STORE_NAME_MAX || !net_is_digits(c->plmn, 5, 6))
		return fail(msg, cap, MCIM_ERR_INVALID_ARG, "bad VNO tenant");
	snprintf(t->name, sizeof(t->name), "%s", c->name);
	snprintf(t->plmn, sizeof(t->plmn), "%s", c->plmn);
	ent = tool_pki_find_role(&icf->pki, MCIM_CERT_ROLE_ICF, t->plmn);
	if (ent == NULL)
		return fail(msg, cap, MCIM_ERR_NOT_FOUND,
			    "tenant %s: the PKI has no icf certificate for PLMN %s",
			    t->name, t->plmn);
	err = tool_pki_key(&icf->pki, ent->name, &t->key);
	if (err == MCIM_OK)
		err = tool_pki_chain(&icf->pki, ent->name, 0, t->chain,
				     MCIM_COSE_X5CHAIN_MAX, &t->n_chain);
	if (err != MCIM_OK)
		return fail(msg, cap, err, "tenant %s: %s", t->name, icf->pki.err);
	err = tenant_keys(t, pki_dir);
	if (err != MCIM_OK)
		return fail(msg, cap, err, "tenant %s: key-encryption key: %s", t->name,
			    mcim_strerror(err));
	err = tenant_store(st, t, icf_now(icf));
	if (err != MCIM_OK)
		return fail(msg, cap, err, "tenant %s: store: %s", t->name,
			    mcim_strerror(err));
	return MCIM_OK;
}

mcim_err net_icf_new(const struct net_icf_config *cfg, struct net_icf **out, char *msg,
		     size_t cap)
{
	struct net_icf *icf;
	struct net_store *st = NULL;
	mcim_err err;

	assert(cfg != NULL && out != NULL);
	*out = NULL;
	if (cfg->store_url == NULL || cfg->pki_dir == NULL || cfg->n_tenants == 0 ||
	    cfg->n_tenants > NET_ICF_TENANTS_MAX || cfg->session_ttl < 0 ||
	    cfg->challenge_ttl < 0)
		return fail(msg, cap, MCIM_ERR_INVALID_ARG, "bad ICF configuration");
	icf = calloc(1, sizeof(*icf));
	if (icf == NULL)
		return MCIM_ERR_NOMEM;
	icf->session_ttl = cfg->session_ttl ? cfg->session_ttl : NET_ICF_SESSION_TTL;
	icf->challenge_ttl =
	    cfg->challenge_ttl ? cfg->challenge_ttl : NET_ICF_CHALLENGE_TTL;
	icf->now = cfg->now;
	icf->now_arg = cfg->now_arg;
	icf->t = calloc(cfg->n_tenants, sizeof(*icf->t));
	err = icf->t == NULL ? MCIM_ERR_NOMEM : icf_pool_init(&icf->pool, cfg->store_url);
	if (err != MCIM_OK) {
		net_icf_free(icf);
		return err;
	}
	err = tool_pki_load(cfg->pki_dir, &icf->pki);
	if (err != MCIM_OK)
		fail(msg, cap, err, "%s", icf->pki.err);
	if (err == MCIM_OK)
		err = icf_pool_get(&icf->pool, &st);
	for (size_t i = 0; err == MCIM_OK && i < cfg->n_tenants; i++) {
		icf->n = i + 1;
		err = tenant_init(icf, &icf->t[i], &cfg->tenants[i], cfg->pki_dir, st,
				  msg, cap);
	}
	icf_pool_put(&icf->pool, st);
	if (err != MCIM_OK) {
		net_icf_free(icf);
		return err;
	}
	*out = icf;
	return MCIM_OK;
}

void net_icf_free(struct net_icf *icf)
{
	if (icf == NULL)
		return;
	icf_pool_fini(&icf->pool);
	if (icf->t != NULL) {
		for (size_t i = 0; i < icf->n; i++) {
			mcim_p256_priv_wipe(&icf->t[i].key);
			mcim_wipe(icf->t[i].keys, sizeof(icf->t[i].keys));
		}
		free(icf->t);
	}
	tool_pki_free(&icf->pki);
	free(icf);
}
