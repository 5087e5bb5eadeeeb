/*
 * The SHO's shared machinery: the context (PKI material and key-encryption keys
 * loaded once at start), the process's pool of store connections it borrows from,
 * and the sealing of everything secret the CCIF, DPF and AuC keep in the store,
 * including the two blobs of an AuC record (credential; SQN and queue state).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mcim/bytes.h"
#include "mcim/rand.h"
#include "net/kek.h"
#include "net/sho_int.h"

static const char *const purpose_label[SHO_KEYS] = {
    "mcim/sho/auc-cred",    "mcim/sho/auc-state", "mcim/sho/dpf-session",
    "mcim/sho/dpf-receipt", "mcim/sho/package",	  "mcim/sho/op",
};

void net_sho_buf_free(struct net_sho_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

mcim_err sho_resp(struct net_sho_buf *resp, const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (p == NULL)
		return MCIM_ERR_NOMEM;
	memcpy(p, data, len);
	free(resp->data);
	resp->data = p;
	resp->len = len;
	return MCIM_OK;
}

int64_t sho_now(const struct net_sho *s)
{
	return s->now != NULL ? s->now(s->now_arg) : (int64_t)time(NULL);
}

void sho_trust(const struct net_sho *s, int64_t now, struct mcim_proto_trust *trust)
{
	memset(trust, 0, sizeof(*trust));
	trust->ci_root = s->ci_root;
	trust->ci_root_len = s->ci_root_len;
	trust->revoked = s->pki.revoked;
	trust->n_revoked = s->pki.n_revoked;
	trust->now = now;
	trust->skew = s->skew;
}

/* ---- store pool ---- */

mcim_err sho_store_get(struct net_sho *s, struct net_store **st)
{
	return net_store_pool_get(s->pool, st);
}

void sho_rollback(struct net_store *st)
{
	if (st->in_tx)
		(void)net_store_rollback(st);
}

void sho_store_put(struct net_sho *s, struct net_store *st)
{
	net_store_pool_put(s->pool, st);
}

/* ---- tenants ---- */

const struct sho_tenant *sho_tenant_by_plmn(const struct net_sho *s, const char *plmn)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->t[i].plmn, plmn) == 0)
			return &s->t[i];
	return NULL;
}

const struct sho_tenant *sho_tenant_by_name(const struct net_sho *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->t[i].name, name) == 0)
			return &s->t[i];
	return NULL;
}

const struct sho_tenant *sho_tenant_by_id(const struct net_sho *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i].id == id)
			return &s->t[i];
	return NULL;
}

/* ---- sealing ---- */

static mcim_err seal_aad(const struct sho_tenant *t, enum sho_purpose p, const void *rk,
			 size_t rk_len, uint8_t *aad, size_t cap, size_t *len)
{
	size_t ll = strlen(purpose_label[p]);

	if (ll + 1 + 8 + rk_len > cap)
		return MCIM_ERR_INVALID_ARG;
	memcpy(aad, purpose_label[p], ll);
	aad[ll] = 0;
	for (int i = 0; i < 8; i++)
		aad[ll + 1 + (size_t)i] = (uint8_t)((uint64_t)t->id >> (56 - 8 * i));
	memcpy(aad + ll + 9, rk, rk_len);
	*len = ll + 9 + rk_len;
	return MCIM_OK;
}

mcim_err sho_seal(const struct sho_tenant *t, enum sho_purpose p, const void *rk,
		  size_t rk_len, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
		  size_t *out_len)
{
	uint8_t aad[96];
	size_t aad_len;
	mcim_err err;

	if (cap < len + SHO_SEAL_OVERHEAD)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	err = seal_aad(t, p, rk, rk_len, aad, sizeof(aad), &aad_len);
	if (err == MCIM_OK)
		err = mcim_rng_fill(mcim_rng_system(), out, MCIM_AEAD_NONCE_LEN);
	if (err == MCIM_OK)
		err = mcim_aead_seal(t->keys[p], out, aad, aad_len, pt, len,
				     out + MCIM_AEAD_NONCE_LEN);
	if (err == MCIM_OK)
		*out_len = len + SHO_SEAL_OVERHEAD;
	return err;
}

mcim_err sho_open(const struct sho_tenant *t, enum sho_purpose p, const void *rk,
		  size_t rk_len, const uint8_t *in, size_t len, uint8_t *pt, size_t cap,
		  size_t *pt_len)
{
	uint8_t aad[96];
	size_t aad_len;
	mcim_err err;

	if (len < SHO_SEAL_OVERHEAD)
		return MCIM_ERR_DECRYPT;
	if (cap < len - SHO_SEAL_OVERHEAD)
		return MCIM_ERR_BUFFER_TOO_SMALL;
	err = seal_aad(t, p, rk, rk_len, aad, sizeof(aad), &aad_len);
	if (err == MCIM_OK)
		err =
		    mcim_aead_open(t->keys[p], in, aad, aad_len, in + MCIM_AEAD_NONCE_LEN,
				   len - MCIM_AEAD_NONCE_LEN, pt);
	if (err == MCIM_OK)
		*pt_len = len - SHO_SEAL_OVERHEAD;
	return err;
}

/* ---- AuC record blobs: a flat little writer/reader ---- */

struct blob {
	uint8_t *p;
	size_t cap, off;
	bool bad; /* overflow or short read */
};

static void put_bytes(struct blob *b, const void *d, size_t n)
{
	if (b->bad || b->cap - b->off < n) {
		b->bad = true;
		return;
	}
	memcpy(b->p + b->off, d, n);
	b->off += n;
}

static void put_u(struct blob *b, uint64_t v, size_t n)
{
	uint8_t x[8];

	for (size_t i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	put_bytes(b, x, n);
}

static void get_bytes(struct blob *b, void *d, size_t n)
{
	if (b->bad || b->cap - b->off < n) {
		b->bad = true;
		return;
	}
	memcpy(d, b->p + b->off, n);
	b->off += n;
}

static uint64_t get_u(struct blob *b, size_t n)
{
	uint8_t x[8] = {0};
	uint64_t v = 0;

	get_bytes(b, x, n);
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | x[i];
	return v;
}

#define BLOB_VERSION 1

void sho_cred_wipe(struct sho_cred *c)
{
	mcim_wipe(c, sizeof(*c));
}

void sho_state_wipe(struct sho_state *st)
{
	mcim_wipe(st, sizeof(*st));
}

mcim_err sho_cred_put(const struct sho_tenant *t, const struct sho_cred *c,
		      struct net_auc_record *r)
{
	uint8_t buf[256];
	struct blob b = {buf, sizeof(buf), 0, false};
	mcim_err err;

	put_u(&b, BLOB_VERSION, 1);
	put_u(&b, (uint64_t)c->cred.alg, 1);
	put_u(&b, c->cred.k_len, 1);
	put_bytes(&b, c->cred.k, sizeof(c->cred.k));
	put_bytes(&b, c->cred.opc, sizeof(c->cred.opc));
	if (c->cred.alg == MCIM_AKA_MILENAGE) {
		put_bytes(&b, c->cred.params.milenage.r, 5);
		put_bytes(&b, c->cred.params.milenage.c, 80);
	} else {
		put_u(&b, c->cred.params.tuak.mac_bits, 2);
		put_u(&b, c->cred.params.tuak.res_bits, 2);
		put_u(&b, c->cred.params.tuak.ck_bits, 2);
		put_u(&b, c->cred.params.tuak.ik_bits, 2);
		put_u(&b, c->cred.params.tuak.keccak_iterations, 1);
	}
	put_bytes(&b, c->amf, sizeof(c->amf));
	put_u(&b, c->sqn.ind_bits, 1);
	put_u(&b, c->sqn.delta, 8);
	put_u(&b, c->sqn.age_limit, 8);
	err = b.bad ? MCIM_ERR_INTERNAL
		    : sho_seal(t, SHO_KEY_CRED, r->imsi, strlen(r->imsi), buf, b.off,
			       r->cred, sizeof(r->cred), &r->cred_len);
	mcim_wipe(buf, sizeof(buf));
	return err;
}

mcim_err sho_cred_get(const struct sho_tenant *t, const struct net_auc_record *r,
		      struct sho_cred *c)
{
	uint8_t buf[NET_STORE_CRED_MAX];
	struct blob b = {buf, 0, 0, false};
	mcim_err err;

	memset(c, 0, sizeof(*c));
	err = sho_open(t, SHO_KEY_CRED, r->imsi, strlen(r->imsi), r->cred, r->cred_len,
		       buf, sizeof(buf), &b.cap);
	if (err != MCIM_OK)
		return err;
	if (get_u(&b, 1) != BLOB_VERSION)
		b.bad = true;
	c->cred.alg = (enum mcim_aka_alg_id)get_u(&b, 1);
	c->cred.k_len = (uint8_t)get_u(&b, 1);
	get_bytes(&b, c->cred.k, sizeof(c->cred.k));
	get_bytes(&b, c->cred.opc, sizeof(c->cred.opc));
	if (c->cred.alg == MCIM_AKA_MILENAGE) {
		get_bytes(&b, c->cred.params.milenage.r, 5);
		get_bytes(&b, c->cred.params.milenage.c, 80);
	} else {
		c->cred.params.tuak.mac_bits = (uint16_t)get_u(&b, 2);
		c->cred.params.tuak.res_bits = (uint16_t)get_u(&b, 2);
		c->cred.params.tuak.ck_bits = (uint16_t)get_u(&b, 2);
		c->cred.params.tuak.ik_bits = (uint16_t)get_u(&b, 2);
		c->cred.params.tuak.keccak_iterations = (uint8_t)get_u(&b, 1);
	}
	get_bytes(&b, c->amf, sizeof(c->amf));
	c->sqn.ind_bits = (uint8_t)get_u(&b, 1);
	c->sqn.delta = get_u(&b, 8);
	c->sqn.age_limit = get_u(&b, 8);
	mcim_wipe(buf, sizeof(buf));
	if (b.bad || b.off != b.cap || mcim_sqn_cfg_check(&c->sqn) != MCIM_OK) {
		sho_cred_wipe(c);
		return MCIM_ERR_PARSE;
	}
	return MCIM_OK;
}

mcim_err sho_state_put(const struct sho_tenant *t, const struct sho_state *st,
		       struct net_auc_record *r)
{
	uint8_t buf[NET_STORE_SQN_MAX];
	struct blob b = {buf, sizeof(buf) - SHO_SEAL_OVERHEAD, 0, false};
	mcim_err err;

	put_u(&b, BLOB_VERSION, 1);
	put_u(&b, st->he.seq, 8);
	put_u(&b, st->he.next_ind, 1);
	put_u(&b, st->counter, 8);
	put_u(&b, st->pending, 1);
	if (st->pending) {
		put_bytes(&b, st->rand, sizeof(st->rand));
		put_bytes(&b, st->hxres_star, sizeof(st->hxres_star));
		put_bytes(&b, st->kausf, sizeof(st->kausf));
		put_u(&b, (uint64_t)st->exp, 8);
		put_u(&b, st->snn_len, 1);
		put_bytes(&b, st->snn, st->snn_len);
	}
	put_u(&b, st->n_cmds, 1);
	for (size_t i = 0; i < st->n_cmds && i < NET_SHO_QUEUE_MAX; i++) {
		put_u(&b, st->cmds[i].counter, 8);
		put_u(&b, st->cmds[i].cmd, 1);
		put_u(&b, st->cmds[i].len, 2);
		put_bytes(&b, st->cmds[i].signed_cmd, st->cmds[i].len);
	}
	/* A full queue is refused by the caller before it gets here; an overflow is
	 * the limit of the store's SQN blob. */
	err = b.bad ? MCIM_ERR_FULL
		    : sho_seal(t, SHO_KEY_STATE, r->imsi, strlen(r->imsi), buf, b.off,
			       r->sqn, sizeof(r->sqn), &r->sqn_len);
	mcim_wipe(buf, sizeof(buf));
	return err;
}

mcim_err sho_state_get(const struct sho_tenant *t, const struct net_auc_record *r,
		       struct sho_state *st)
{
	uint8_t buf[NET_STORE_SQN_MAX];
	struct blob b = {buf, 0, 0, false};
	mcim_err err;

	memset(st, 0, sizeof(*st));
	err = sho_open(t, SHO_KEY_STATE, r->imsi, strlen(r->imsi), r->sqn, r->sqn_len,
		       buf, sizeof(buf), &b.cap);
	if (err != MCIM_OK)
		return err;
	if (get_u(&b, 1) != BLOB_VERSION)
		b.bad = true;
	st->he.seq = get_u(&b, 8);
	st->he.next_ind = (uint8_t)get_u(&b, 1);
	st->counter = get_u(&b, 8);
	st->pending = get_u(&b, 1) != 0;
	if (st->pending) {
		get_bytes(&b, st->rand, sizeof(st->rand));
		get_bytes(&b, st->hxres_star, sizeof(st->hxres_star));
		get_bytes(&b, st->kausf, sizeof(st->kausf));
		st->exp = (int64_t)get_u(&b, 8);
		st->snn_len = (uint8_t)get_u(&b, 1);
		get_bytes(&b, st->snn, st->snn_len);
	}
	st->n_cmds = (uint8_t)get_u(&b, 1);
	if (st->n_cmds > NET_SHO_QUEUE_MAX)
		b.bad = true;
	for (size_t i = 0; !b.bad && i < st->n_cmds; i++) {
		st->cmds[i].counter = get_u(&b, 8);
		st->cmds[i].cmd = (uint8_t)get_u(&b, 1);
		st->cmds[i].len = (uint16_t)get_u(&b, 2);
		if (st->cmds[i].len > sizeof(st->cmds[i].signed_cmd))
			b.bad = true;
		else
			get_bytes(&b, st->cmds[i].signed_cmd, st->cmds[i].len);
	}
	mcim_wipe(buf, sizeof(buf));
	if (b.bad || b.off != b.cap) {
		sho_state_wipe(st);
		return MCIM_ERR_PARSE;
	}
	return MCIM_OK;
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

static mcim_err tenant_keys(struct sho_tenant *t, const uint8_t kek[NET_KEK_LEN])
{
	static const uint8_t salt[] = "mcim/sho/kek";
	mcim_err err = MCIM_OK;

	for (int p = 0; p < SHO_KEYS && err == MCIM_OK; p++)
		err = mcim_hkdf_sha256(salt, sizeof(salt) - 1, kek, NET_KEK_LEN,
				       (const uint8_t *)purpose_label[p],
				       strlen(purpose_label[p]), t->keys[p], 32);
	return err;
}

static mcim_err tenant_pki(struct net_sho *s, struct sho_tenant *t, char *msg, size_t cap)
{
	const struct tool_pki_entity *dpf, *mgmt;
	mcim_err err;

	dpf = tool_pki_find_role(&s->pki, MCIM_CERT_ROLE_DPF, t->plmn);
	mgmt = tool_pki_find_role(&s->pki, MCIM_CERT_ROLE_SHO_MGMT, t->plmn);
	if (dpf == NULL || mgmt == NULL)
		return fail(msg, cap, MCIM_ERR_NOT_FOUND,
			    "tenant %s: the PKI has no %s certificate for PLMN %s",
			    t->name, dpf == NULL ? "dpf" : "sho-mgmt", t->plmn);
	err = tool_pki_key(&s->pki, dpf->name, &t->dpf_key);
	if (err == MCIM_OK)
		err = tool_pki_chain(&s->pki, dpf->name, 0, t->dpf_chain,
				     MCIM_COSE_X5CHAIN_MAX, &t->n_dpf_chain);
	if (err == MCIM_OK)
		err = tool_pki_key(&s->pki, mgmt->name, &t->mgmt_key);
	if (err != MCIM_OK)
		return fail(msg, cap, err, "tenant %s: %s", t->name, s->pki.err);
	t->mgmt_cert = mgmt->der;
	t->mgmt_cert_len = mgmt->der_len;
	return MCIM_OK;
}

static mcim_err tenant_store(struct net_store *st, struct sho_tenant *t, int64_t now,
			     char *msg, size_t cap)
{
	struct net_store_tenant rec;
	mcim_err err = net_store_tenant_find(st, t->name, &rec);

	if (err == MCIM_ERR_NOT_FOUND) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.name, sizeof(rec.name), "%s", t->name);
		snprintf(rec.plmn, sizeof(rec.plmn), "%s", t->plmn);
		rec.roles = NET_STORE_ROLE_SHO;
		rec.created = now;
		err = net_store_tenant_create(st, &rec);
		if (err == MCIM_ERR_EXISTS)
			err = net_store_tenant_find(st, t->name, &rec);
	}
	if (err != MCIM_OK)
		return fail(msg, cap, err, "tenant %s: store: %s", t->name,
			    mcim_strerror(err));
	if (!(rec.roles & NET_STORE_ROLE_SHO) || strcmp(rec.plmn, t->plmn) != 0 ||
	    rec.id > (int64_t)UINT32_MAX)
		return fail(msg, cap, MCIM_ERR_INVALID_ARG,
			    "tenant %s: the store knows it with other roles or PLMN",
			    t->name);
	t->id = rec.id;
	return MCIM_OK;
}

mcim_err net_sho_new(const struct net_sho_config *cfg, struct net_sho **out, char *msg,
		     size_t msg_cap)
{
	struct net_sho *s;
	struct net_store *st = NULL;
	uint8_t kek[NET_KEK_LEN];
	mcim_err err;

	assert(cfg != NULL && out != NULL);
	*out = NULL;
	if (cfg->store_url == NULL || cfg->pki_dir == NULL || cfg->n_tenants == 0 ||
	    cfg->n_tenants > NET_SHO_TENANTS_MAX || cfg->skew < 0 || cfg->tx_ttl < 0 ||
	    cfg->challenge_ttl < 0)
		return fail(msg, msg_cap, MCIM_ERR_INVALID_ARG, "bad SHO configuration");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MCIM_ERR_NOMEM;
	s->skew = cfg->skew ? cfg->skew : MCIM_PROTO_SKEW_DEFAULT;
	s->tx_ttl = cfg->tx_ttl ? cfg->tx_ttl : NET_SHO_TX_TTL;
	s->challenge_ttl =
	    cfg->challenge_ttl ? cfg->challenge_ttl : NET_SHO_CHALLENGE_TTL;
	s->now = cfg->now;
	s->now_arg = cfg->now_arg;
	s->store_url = strdup(cfg->store_url);
	s->t = calloc(cfg->n_tenants, sizeof(*s->t));
	if (s->store_url == NULL || s->t == NULL) {
		net_sho_free(s);
		return MCIM_ERR_NOMEM;
	}
	err = tool_pki_load(cfg->pki_dir, &s->pki);
	if (err != MCIM_OK) {
		fail(msg, msg_cap, err, "%s", s->pki.err);
		net_sho_free(s);
		return err;
	}
	err = tool_pki_root(&s->pki, &s->ci_root, &s->ci_root_len);
	if (err == MCIM_OK) {
		struct net_store_config c = {.url = s->store_url};

		err = net_store_pool_acquire(&c, &s->pool);
	}
	if (err == MCIM_OK)
		err = sho_store_get(s, &st);
	if (err != MCIM_OK)
		fail(msg, msg_cap, err, "cannot open the CI root or the store");
	for (size_t i = 0; err == MCIM_OK && i < cfg->n_tenants; i++) {
		struct sho_tenant *t = &s->t[i];
		const struct net_sho_tenant *c = &cfg->tenants[i];

		if (c->name == NULL || c->plmn == NULL ||
		    strlen(c->name) > NET_STORE_NAME_MAX || strlen(c->plmn) < 5 ||
		    strlen(c->plmn) > NET_STORE_PLMN_MAX) {
			err = fail(msg, msg_cap, MCIM_ERR_INVALID_ARG, "bad SHO tenant");
			break;
		}
		snprintf(t->name, sizeof(t->name), "%s", c->name);
		snprintf(t->plmn, sizeof(t->plmn), "%s", c->plmn);
		s->n = i + 1;
		err = tenant_pki(s, t, msg, msg_cap);
		if (err == MCIM_OK) {
			char name[32];

			snprintf(name, sizeof(name), NET_SHO_KEK_FILE, t->plmn);
			err = net_kek_load(cfg->pki_dir, name, kek);
			if (err != MCIM_OK)
				fail(msg, msg_cap, err,
				     "tenant %s: key-encryption key: %s", t->name,
				     mcim_strerror(err));
		}
		if (err == MCIM_OK)
			err = tenant_keys(t, kek);
		mcim_wipe(kek, sizeof(kek));
		if (err == MCIM_OK)
			err = tenant_store(st, t, sho_now(s), msg, msg_cap);
	}
	sho_store_put(s, st);
	if (err != MCIM_OK) {
		net_sho_free(s);
		return err;
	}
	*out = s;
	return MCIM_OK;
}

void net_sho_free(struct net_sho *s)
{
	if (s == NULL)
		return;
	net_store_pool_release(s->pool);
	if (s->t != NULL) {
		for (size_t i = 0; i < s->n; i++) {
			mcim_p256_priv_wipe(&s->t[i].dpf_key);
			mcim_p256_priv_wipe(&s->t[i].mgmt_key);
			mcim_wipe(s->t[i].keys, sizeof(s->t[i].keys));
		}
		free(s->t);
	}
	tool_pki_free(&s->pki);
	free(s->store_url);
	free(s);
}
