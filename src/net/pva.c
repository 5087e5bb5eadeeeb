/*
 * The platform validation authority (R-NET-R07, R-PRC-201..205, docs/protocol.md
 * §4): nonces, the verification and appraisal of evidence under the policy of its
 * mode, the signed result, and the reference values the M2MES publishes.
 *
 * The order of the checks matters. The evidence is authenticated first (chain to
 * the CI root with role tre, signature, TRE id of the certificate = the payload's,
 * event log replay: mcim_evidence_verify), so that nobody but the TRE itself can
 * use up its nonce; then the nonce is consumed in the store for the certificate's
 * TRE id, whatever the appraisal will say; then the appraisal, the policy, the
 * signature and the stored result. Unknown firmware is contraindicated: a PVA
 * without reference values accepts nothing.
 *
 * Reference values live in the store (pva_refvals: the signed manifest as uploaded),
 * so every daemon on the database appraises against the same ones. An entry never
 * changes once stored, so each PVA keeps the manifests it has verified in a cache
 * (up to NET_PVA_REFVALS_MAX, guarded by a lock) and asks the store only on a miss.
 */
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcim/bytes.h"
#include "mcim/cose.h"
#include "mcim/manifest.h"
#include "mcim/proto.h"
#include "mcim/rand.h"
#include "net/icf_int.h"
#include "net/log.h"
#include "net/pva.h"
#include "net/store/store.h"
#include "tool/pki.h"

struct refval {
	struct mcim_manifest m;
	char signer[MCIM_CERT_NAME_MAX + 1];
	int64_t uploaded;
};

struct net_pva {
	struct tool_pki pki;
	const uint8_t *ci_root;
	size_t ci_root_len;
	struct mcim_p256_priv key;
	struct mcim_iov chain[MCIM_COSE_X5CHAIN_MAX];
	size_t n_chain;
	char tenant[NET_STORE_NAME_MAX + 1];
	int64_t tenant_id;
	unsigned modes;
	int semi_lenient;
	size_t n_noncritical;
	char noncritical[NET_PVA_NONCRITICAL_MAX][MCIM_MANIFEST_NAME_MAX + 1];
	unsigned min_assurance;
	int64_t skew, nonce_ttl, result_ttl;
	int64_t (*now)(void *arg);
	void *now_arg;
	struct icf_pool pool;
	pthread_rwlock_t lock; /* the cache of verified reference values */
	struct refval *rv;
	size_t n_rv;
};

/* One evidence request's working set (large: kept off the stack). */
struct pva_work {
	struct mcim_evidence ev;
	struct mcim_cert_info cert;
	struct refval ref;
	struct mcim_appraisal ap;
	struct mcim_proto_pva_result res;
	uint8_t obj[MCIM_PROTO_SIGNED_MAX];
	uint8_t out[MCIM_PROTO_SIGNED_MAX + 64];
	size_t out_len;
	struct net_pva_result rec;
};

void net_pva_buf_free(struct net_pva_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static mcim_err buf_set(struct net_pva_buf *b, const uint8_t *data, size_t len)
{
	uint8_t *q = malloc(len ? len : 1);

	if (q == NULL)
		return MCIM_ERR_NOMEM;
	memcpy(q, data, len);
	free(b->data);
	b->data = q;
	b->len = len;
	return MCIM_OK;
}

static int64_t pva_now(const struct net_pva *p)
{
	return p->now != NULL ? p->now(p->now_arg) : (int64_t)time(NULL);
}

static bool mode_allowed(const struct net_pva *p, enum mcim_evidence_mode mode)
{
	return mode >= MCIM_EVIDENCE_REMOTE && mode <= MCIM_EVIDENCE_SEMI_AUTONOMOUS &&
	       (p->modes & (1u << mode)) != 0;
}

/* ---- challenge ---- */

mcim_err net_pva_challenge(struct net_pva *p, const uint8_t *req, size_t len,
			   struct net_pva_buf *resp)
{
	struct mcim_proto_pva_challenge_req m;
	struct mcim_proto_pva_challenge c;
	struct net_pva_nonce nc;
	struct net_store *st = NULL;
	uint8_t out[128];
	size_t n = 0;
	int64_t now = pva_now(p);
	mcim_err err;

	assert(p != NULL && (req != NULL || len == 0) && resp != NULL);
	err = mcim_proto_pva_challenge_req_decode(req, len, &m);
	if (err != MCIM_OK)
		return err;
	if (!mode_allowed(p, m.mode))
		return MCIM_ERR_POLICY;
	memset(&nc, 0, sizeof(nc));
	nc.tenant = p->tenant_id;
	memcpy(nc.tre_id, m.tre_id, sizeof(nc.tre_id));
	nc.created = now;
	nc.expires = now + p->nonce_ttl;
	err = icf_pool_get(&p->pool, &st);
	/* 256 random bits do not collide; the retry only covers a broken generator
	 * giving the same value twice, which the store's unique key catches. */
	for (int i = 0; err == MCIM_OK && i < 2; i++) {
		err = mcim_rng_fill(mcim_rng_system(), nc.nonce, sizeof(nc.nonce));
		if (err == MCIM_OK)
			err = net_store_nonce_create(st, &nc);
		if (err != MCIM_ERR_EXISTS)
			break;
	}
	icf_pool_put(&p->pool, st);
	memcpy(c.n_p, nc.nonce, sizeof(c.n_p));
	c.exp = nc.expires;
	if (err == MCIM_OK)
		err = mcim_proto_pva_challenge_encode(&c, out, sizeof(out), &n);
	return err == MCIM_OK ? buf_set(resp, out, n) : err;
}

/* ---- appraisal and policy ---- */

static enum mcim_ear_status worst(enum mcim_ear_status a, enum mcim_ear_status b)
{
	return a > b ? a : b;
}

/* Adds a verdict or, for a name already there, keeps the worse of the two. A full
 * list drops the entry: the overall status still carries it. */
static void verdict(struct mcim_proto_pva_result *r, const char *name,
		    enum mcim_ear_status s)
{
	r->status = worst(r->status, s);
	for (size_t i = 0; i < r->n_verdicts; i++)
		if (strcmp(r->verdicts[i].name, name) == 0) {
			r->verdicts[i].status = worst(r->verdicts[i].status, s);
			return;
		}
	if (r->n_verdicts == MCIM_PROTO_VERDICTS_MAX)
		return;
	snprintf(r->verdicts[r->n_verdicts].name, sizeof(r->verdicts[0].name), "%s",
		 name);
	r->verdicts[r->n_verdicts++].status = s;
}

static bool noncritical(const struct net_pva *p, const char *name)
{
	for (size_t i = 0; i < p->n_noncritical; i++)
		if (strcmp(p->noncritical[i], name) == 0)
			return true;
	return false;
}

/* The cached entry for (platform, seq) copied to *out; false when not cached. */
static bool cache_find(struct net_pva *p, const char *platform, uint32_t seq,
		       struct refval *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&p->lock);
	for (size_t i = 0; i < p->n_rv && !found; i++)
		if (p->rv[i].m.sequence == seq &&
		    strcmp(p->rv[i].m.platform, platform) == 0) {
			*out = p->rv[i];
			found = true;
		}
	pthread_rwlock_unlock(&p->lock);
	return found;
}

/* Remembers a verified entry; a full cache only means more trips to the store. */
static void cache_add(struct net_pva *p, const struct refval *rv)
{
	bool found = false;

	pthread_rwlock_wrlock(&p->lock);
	for (size_t i = 0; i < p->n_rv && !found; i++)
		found = p->rv[i].m.sequence == rv->m.sequence &&
			strcmp(p->rv[i].m.platform, rv->m.platform) == 0;
	if (!found && p->n_rv < NET_PVA_REFVALS_MAX)
		p->rv[p->n_rv++] = *rv;
	pthread_rwlock_unlock(&p->lock);
}

/* A stored row verified again (chain to the CI root, role m2mes) into *out. */
static mcim_err refval_load(struct net_pva *p, const struct net_pva_refval *row,
			    int64_t now, struct refval *out)
{
	struct mcim_cert_info signer;
	mcim_err err;

	memset(out, 0, sizeof(*out));
	err = mcim_manifest_verify(row->manifest, row->manifest_len, p->ci_root,
				   p->ci_root_len, (time_t)now, &out->m, &signer);
	if (err == MCIM_OK && (out->m.sequence != row->sequence ||
			       strcmp(out->m.platform, row->platform) != 0))
		err = MCIM_ERR_TAMPERED; /* the row's key is not its manifest's */
	if (err != MCIM_OK) {
		net_log(NET_LOG_WARN, NULL,
			"PVA %s: stored reference values %s/%u no longer verify: %s",
			p->tenant, row->platform, (unsigned)row->sequence,
			mcim_strerror(err));
		return err;
	}
	snprintf(out->signer, sizeof(out->signer), "%s", signer.common_name);
	out->uploaded = row->uploaded;
	cache_add(p, out);
	return MCIM_OK;
}

/*
 * The reference values of (platform, seq): from the cache, else from the store.
 * MCIM_ERR_NOT_FOUND when there are none (or the stored ones no longer verify).
 */
static mcim_err refval_find(struct net_pva *p, struct net_store *st, const char *platform,
			    uint32_t seq, int64_t now, struct refval *out)
{
	struct net_pva_refval *row;
	mcim_err err;

	if (cache_find(p, platform, seq, out))
		return MCIM_OK;
	row = malloc(sizeof(*row));
	if (row == NULL)
		return MCIM_ERR_NOMEM;
	err = net_store_refval_get(st, p->tenant_id, platform, seq, row);
	if (err == MCIM_OK && refval_load(p, row, now, out) != MCIM_OK)
		err = MCIM_ERR_NOT_FOUND;
	free(row);
	return err;
}

/* The verdicts and status of verified evidence w->ev under p's policy; the reference
 * values come from st. Errors: the store's (no result then). */
static mcim_err appraise(struct net_pva *p, struct net_store *st, struct pva_work *w,
			 int64_t now)
{
	struct mcim_proto_pva_result *r = &w->res;
	enum mcim_evidence_mode mode = w->ev.mode;
	mcim_err err;

	r->status = MCIM_EAR_AFFIRMING;
	r->n_verdicts = 0;
	if (!mode_allowed(p, mode))
		verdict(r, NET_PVA_VERDICT_MODE, MCIM_EAR_CONTRAINDICATED);
	if (w->ev.assurance < p->min_assurance)
		verdict(r, NET_PVA_VERDICT_ASSURANCE, MCIM_EAR_CONTRAINDICATED);
	err = refval_find(p, st, w->ev.boot.platform, w->ev.boot.sequence, now, &w->ref);
	if (err == MCIM_ERR_NOT_FOUND) {
		verdict(r, NET_PVA_VERDICT_FIRMWARE, MCIM_EAR_CONTRAINDICATED);
		return MCIM_OK;
	}
	if (err != MCIM_OK)
		return err;
	mcim_evidence_appraise(&w->ev, &w->ref.m, &w->ap);
	if (w->ap.firmware != MCIM_EAR_AFFIRMING)
		verdict(r, NET_PVA_VERDICT_FIRMWARE, w->ap.firmware);
	for (size_t i = 0; i < w->ap.n; i++) {
		const struct mcim_appraisal_item *it = &w->ap.items[i];
		enum mcim_ear_status s = it->status;

		if (mode == MCIM_EVIDENCE_REMOTE && s != MCIM_EAR_AFFIRMING)
			s = MCIM_EAR_CONTRAINDICATED; /* every measurement must match */
		else if (mode == MCIM_EVIDENCE_SEMI_AUTONOMOUS &&
			 it->reason == MCIM_APPRAISAL_FAILED_ON_DEVICE &&
			 p->semi_lenient && noncritical(p, it->name))
			s = MCIM_EAR_WARNING;
		verdict(r, it->name, s);
	}
	/* Only a semi-autonomous report may explain a bad boot (its failures above);
	 * any other bad boot is refused even if no measurement says why. */
	if (w->ev.boot.state != MCIM_BOOT_GOOD && mode != MCIM_EVIDENCE_SEMI_AUTONOMOUS)
		verdict(r, NET_PVA_VERDICT_BOOT, MCIM_EAR_CONTRAINDICATED);
	return MCIM_OK;
}

static int store_status(enum mcim_ear_status s)
{
	return s == MCIM_EAR_AFFIRMING ? NET_PVA_AFFIRMING
	       : s == MCIM_EAR_WARNING ? NET_PVA_WARNING
				       : NET_PVA_CONTRAINDICATED;
}

/* ---- evidence ---- */

/* The unauthenticated nonce of the evidence, to know what to verify it against. */
static mcim_err peek_nonce(const uint8_t *buf, size_t len, struct mcim_evidence *ev)
{
	struct mcim_cose_sign1 msg;
	mcim_err err;

	if (len > MCIM_EVIDENCE_MAX_LEN)
		return MCIM_ERR_TOO_LARGE;
	err = mcim_cose_sign1_peek(buf, len, &msg);
	return err == MCIM_OK ? mcim_evidence_decode(msg.payload, msg.payload_len, ev)
			      : err;
}

static mcim_err sign_and_store(struct net_pva *p, struct net_store *st,
			       struct pva_work *w, const uint8_t *ev_buf, size_t ev_len,
			       int64_t now)
{
	struct mcim_proto_signer signer = {&p->key, p->chain, p->n_chain};
	struct mcim_proto_pva_result_resp rr;
	size_t n = 0;
	mcim_err err;

	w->res.iat = now;
	w->res.exp = now + p->result_ttl;
	err = mcim_sha256(ev_buf, ev_len, w->res.ev_hash);
	if (err == MCIM_OK)
		err = mcim_proto_pva_result_sign(&w->res, &signer, w->obj, sizeof(w->obj),
						 &n);
	if (err == MCIM_OK && n > sizeof(w->rec.result))
		err = MCIM_ERR_TOO_LARGE;
	if (err != MCIM_OK)
		return err;
	memset(&w->rec, 0, sizeof(w->rec));
	w->rec.tenant = p->tenant_id;
	memcpy(w->rec.tre_id, w->res.tre_id, sizeof(w->rec.tre_id));
	memcpy(w->rec.nonce, w->res.n_p, sizeof(w->rec.nonce));
	w->rec.status = store_status(w->res.status);
	w->rec.created = now;
	w->rec.expires = w->res.exp;
	w->rec.result_len = n;
	memcpy(w->rec.result, w->obj, n);
	err = net_store_pva_result_put(st, &w->rec);
	rr.result.data = w->obj;
	rr.result.len = n;
	if (err == MCIM_OK)
		err = mcim_proto_pva_result_resp_encode(&rr, w->out, sizeof(w->out),
							&w->out_len);
	return err;
}

mcim_err net_pva_evidence(struct net_pva *p, const uint8_t *req, size_t len,
			  struct net_pva_buf *resp, enum mcim_ear_status *status)
{
	struct mcim_proto_pva_evidence_req m;
	struct net_store *st = NULL;
	struct pva_work *w;
	int64_t now = pva_now(p);
	mcim_err err;

	assert(p != NULL && (req != NULL || len == 0) && resp != NULL);
	err = mcim_proto_pva_evidence_req_decode(req, len, &m);
	if (err != MCIM_OK)
		return err;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return MCIM_ERR_NOMEM;
	err = peek_nonce(m.evidence.data, m.evidence.len, &w->ev);
	if (err == MCIM_OK) {
		uint8_t nonce[MCIM_EVIDENCE_NONCE_LEN];
		struct mcim_cert_policy policy = {
		    .role = MCIM_CERT_ROLE_TRE,
		    .now = (time_t)now,
		    .revoked = p->pki.revoked,
		    .n_revoked = p->pki.n_revoked,
		};

		memcpy(nonce, w->ev.nonce, sizeof(nonce));
		err = mcim_evidence_verify(m.evidence.data, m.evidence.len, p->ci_root,
					   p->ci_root_len, &policy, nonce, &w->ev,
					   &w->cert);
	}
	/* The certificate names the TRE in 32 hex digits; the protocol in 16 octets. */
	if (err == MCIM_OK &&
	    (strlen(w->cert.tre_id) != 2 * MCIM_PROTO_TRE_ID_LEN ||
	     mcim_hex_decode_exact(w->cert.tre_id, 2 * MCIM_PROTO_TRE_ID_LEN,
				   w->res.tre_id, MCIM_PROTO_TRE_ID_LEN) != MCIM_OK))
		err = MCIM_ERR_DENIED;
	if (err == MCIM_OK)
		err = icf_pool_get(&p->pool, &st);
	if (err == MCIM_OK) {
		memcpy(w->res.n_p, w->ev.nonce, sizeof(w->res.n_p));
		err = net_store_nonce_consume(st, p->tenant_id, w->res.n_p, w->res.tre_id,
					      now);
		if (err == MCIM_ERR_NOT_FOUND)
			err =
			    MCIM_ERR_DENIED; /* never issued, or issued to another TRE */
	}
	if (err == MCIM_OK)
		err = appraise(p, st, w, now);
	if (err == MCIM_OK)
		err = sign_and_store(p, st, w, m.evidence.data, m.evidence.len, now);
	if (err == MCIM_OK)
		err = buf_set(resp, w->out, w->out_len);
	if (err == MCIM_OK && status != NULL)
		*status = w->res.status;
	icf_pool_put(&p->pool, st);
	free(w);
	return err;
}

/* ---- reference values ---- */

static bool same_content(const struct mcim_manifest *a, const struct mcim_manifest *b)
{
	if (a->security_version != b->security_version || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct mcim_manifest_component *x = &a->components[i];
		const struct mcim_manifest_component *y = mcim_manifest_find(b, x->name);

		if (y == NULL || strcmp(x->version, y->version) != 0 ||
		    memcmp(x->digest, y->digest, sizeof(x->digest)) != 0)
			return false;
	}
	return true;
}

static json_t *refval_json(const struct refval *rv, bool full)
{
	json_t *doc =
	    json_pack("{s:s,s:I,s:I,s:s,s:I}", "platform", rv->m.platform, "sequence",
		      (json_int_t)rv->m.sequence, "security_version",
		      (json_int_t)rv->m.security_version, "signer", rv->signer,
		      "uploaded", (json_int_t)rv->uploaded);
	json_t *arr = full ? json_array() : NULL;
	char hex[2 * MCIM_SHA256_LEN + 1];

	if (doc == NULL || (full && arr == NULL)) {
		json_decref(doc);
		json_decref(arr);
		return NULL;
	}
	for (size_t i = 0; full && i < rv->m.n; i++) {
		const struct mcim_manifest_component *c = &rv->m.components[i];

		mcim_hex_encode(c->digest, sizeof(c->digest), hex, sizeof(hex));
		json_array_append_new(arr,
				      json_pack("{s:s,s:s,s:s}", "name", c->name,
						"version", c->version, "digest", hex));
	}
	if (full)
		json_object_set_new(doc, "components", arr);
	else
		json_object_set_new(doc, "components", json_integer((json_int_t)rv->m.n));
	return doc;
}

/*
 * Stores the verified upload rv (its signed form buf, n octets). *created is 0 when the
 * same content was stored already (rv then describes the stored entry).
 */
static mcim_err refval_store(struct net_pva *p, const uint8_t *buf, size_t n,
			     struct refval *rv, int *created)
{
	struct net_pva_refval *row = calloc(1, sizeof(*row));
	struct net_store *st = NULL;
	struct refval held;
	mcim_err err;

	if (row == NULL)
		return MCIM_ERR_NOMEM;
	row->tenant = p->tenant_id;
	snprintf(row->platform, sizeof(row->platform), "%s", rv->m.platform);
	row->sequence = rv->m.sequence;
	row->uploaded = rv->uploaded;
	memcpy(row->manifest, buf, n);
	row->manifest_len = n;
	err =
	    n <= sizeof(row->manifest) ? icf_pool_get(&p->pool, &st) : MCIM_ERR_TOO_LARGE;
	if (err == MCIM_OK)
		err = net_store_refval_put(st, row);
	if (err == MCIM_OK) {
		*created = 1;
		cache_add(p, rv);
	} else if (err == MCIM_ERR_EXISTS) {
		/* Another upload (perhaps through another daemon) won: same content is
		 * the same reference values, anything else is a conflict. */
		err =
		    refval_find(p, st, rv->m.platform, rv->m.sequence, pva_now(p), &held);
		if (err == MCIM_OK && same_content(&held.m, &rv->m))
			*rv = held;
		else if (err == MCIM_OK || err == MCIM_ERR_NOT_FOUND)
			err = MCIM_ERR_EXISTS;
	}
	icf_pool_put(&p->pool, st);
	free(row);
	return err;
}

mcim_err net_pva_refvals_put(struct net_pva *p, const char *tenant, const json_t *body,
			     json_t **out, int *created, struct net_jerr *e)
{
	static const char *const allowed[] = {"manifest", NULL};
	struct mcim_cert_info signer;
	struct refval rv;
	const char *b64 = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;
	mcim_err err;

	assert(p != NULL && tenant != NULL && out != NULL && created != NULL &&
	       e != NULL);
	*out = NULL;
	*created = 0;
	if (strcmp(tenant, p->tenant) != 0)
		return MCIM_ERR_NOT_FOUND;
	err = net_json_object(body, "", allowed, e);
	if (err == MCIM_OK)
		err = net_json_str(body, "", "manifest", 1, 1,
				   (MCIM_MANIFEST_MAX_LEN + 2) / 3 * 4, &b64, e);
	if (err != MCIM_OK)
		return err;
	buf = malloc(MCIM_MANIFEST_MAX_LEN);
	if (buf == NULL)
		return MCIM_ERR_NOMEM;
	if (icf_b64_decode(b64, strlen(b64), 0, buf, MCIM_MANIFEST_MAX_LEN, &n) !=
	    MCIM_OK)
		err = net_jerr_set(e, "manifest", "must be base64 (RFC 4648)");
	memset(&rv, 0, sizeof(rv));
	if (err == MCIM_OK)
		err = mcim_manifest_verify(buf, n, p->ci_root, p->ci_root_len,
					   (time_t)pva_now(p), &rv.m, &signer);
	if (err == MCIM_OK) {
		snprintf(rv.signer, sizeof(rv.signer), "%s", signer.common_name);
		rv.uploaded = pva_now(p);
		err = refval_store(p, buf, n, &rv, created);
	}
	free(buf);
	if (err == MCIM_ERR_EXISTS) {
		net_jerr_set(
		    e, "manifest",
		    "other reference values are held for this platform and sequence");
		return MCIM_ERR_EXISTS;
	}
	if (err != MCIM_OK)
		return err;
	*out = refval_json(&rv, true);
	return *out != NULL ? MCIM_OK : MCIM_ERR_NOMEM;
}

/* Rows read from the store per query when listing. */
#define REFVAL_PAGE 16

mcim_err net_pva_refvals_list(struct net_pva *p, const char *tenant, json_t **out)
{
	struct net_pva_refval *page;
	struct net_store *st = NULL;
	struct refval rv;
	json_t *arr, *doc = NULL;
	int64_t after = 0;
	size_t n = REFVAL_PAGE;
	mcim_err err;

	assert(p != NULL && tenant != NULL && out != NULL);
	*out = NULL;
	if (strcmp(tenant, p->tenant) != 0)
		return MCIM_ERR_NOT_FOUND;
	arr = json_array();
	page = calloc(REFVAL_PAGE, sizeof(*page));
	err = arr != NULL && page != NULL ? icf_pool_get(&p->pool, &st) : MCIM_ERR_NOMEM;
	while (err == MCIM_OK && n == REFVAL_PAGE) {
		err =
		    net_store_refval_list(st, p->tenant_id, after, page, REFVAL_PAGE, &n);
		for (size_t i = 0; err == MCIM_OK && i < n; i++) {
			after = page[i].id;
			/* One that no longer verifies is left out (and logged). */
			if (!cache_find(p, page[i].platform, page[i].sequence, &rv) &&
			    refval_load(p, &page[i], pva_now(p), &rv) != MCIM_OK)
				continue;
			if (json_array_append_new(arr, refval_json(&rv, false)) != 0)
				err = MCIM_ERR_NOMEM;
		}
	}
	icf_pool_put(&p->pool, st);
	free(page);
	if (err == MCIM_OK) {
		doc = json_pack("{s:O}", "reference_values", arr);
		if (doc == NULL)
			err = MCIM_ERR_NOMEM;
	}
	json_decref(arr);
	*out = doc;
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

static mcim_err policy_copy(struct net_pva *p, const struct net_pva_policy *pol)
{
	if ((pol->modes &
	     ~(unsigned)((1u << MCIM_EVIDENCE_REMOTE) | (1u << MCIM_EVIDENCE_AUTONOMOUS) |
			 (1u << MCIM_EVIDENCE_SEMI_AUTONOMOUS))) != 0 ||
	    pol->n_noncritical > NET_PVA_NONCRITICAL_MAX ||
	    (pol->n_noncritical > 0 && pol->noncritical == NULL) ||
	    pol->min_assurance > MCIM_CERT_ASSURANCE_MAX)
		return MCIM_ERR_INVALID_ARG;
	p->modes = pol->modes
		       ? pol->modes
		       : (1u << MCIM_EVIDENCE_REMOTE) | (1u << MCIM_EVIDENCE_AUTONOMOUS) |
			     (1u << MCIM_EVIDENCE_SEMI_AUTONOMOUS);
	p->semi_lenient = pol->semi_lenient != 0;
	p->min_assurance = pol->min_assurance;
	for (size_t i = 0; i < pol->n_noncritical; i++) {
		const char *s = pol->noncritical[i];

		if (s == NULL || s[0] == '\0' || strlen(s) > MCIM_MANIFEST_NAME_MAX)
			return MCIM_ERR_INVALID_ARG;
		snprintf(p->noncritical[i], sizeof(p->noncritical[i]), "%s", s);
	}
	p->n_noncritical = pol->n_noncritical;
	return MCIM_OK;
}

static mcim_err tenant_store(struct net_pva *p, struct net_store *st)
{
	struct net_store_tenant rec;
	mcim_err err = net_store_tenant_find(st, p->tenant, &rec);

	if (err == MCIM_ERR_NOT_FOUND) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.name, sizeof(rec.name), "%s", p->tenant);
		rec.roles = NET_STORE_ROLE_PVA;
		rec.created = pva_now(p);
		err = net_store_tenant_create(st, &rec);
		if (err == MCIM_ERR_EXISTS)
			err = net_store_tenant_find(st, p->tenant, &rec);
	}
	if (err == MCIM_OK && !(rec.roles & NET_STORE_ROLE_PVA)) {
		rec.roles |= NET_STORE_ROLE_PVA;
		err = net_store_tenant_update(st, &rec);
	}
	p->tenant_id = rec.id;
	return err;
}

static mcim_err load_pki(struct net_pva *p, const char *dir, char *msg, size_t cap)
{
	const struct tool_pki_entity *ent;
	mcim_err err = tool_pki_load(dir, &p->pki);

	if (err == MCIM_OK)
		err = tool_pki_root(&p->pki, &p->ci_root, &p->ci_root_len);
	if (err != MCIM_OK)
		return fail(msg, cap, err, "%s", p->pki.err);
	ent = tool_pki_find_role(&p->pki, MCIM_CERT_ROLE_PVA, NULL);
	if (ent == NULL)
		return fail(msg, cap, MCIM_ERR_NOT_FOUND,
			    "the PKI has no pva certificate");
	err = tool_pki_key(&p->pki, ent->name, &p->key);
	if (err == MCIM_OK)
		err = tool_pki_chain(&p->pki, ent->name, 0, p->chain,
				     MCIM_COSE_X5CHAIN_MAX, &p->n_chain);
	return err == MCIM_OK ? MCIM_OK : fail(msg, cap, err, "%s", p->pki.err);
}

mcim_err net_pva_new(const struct net_pva_config *cfg, struct net_pva **out, char *msg,
		     size_t cap)
{
	struct net_pva *p;
	struct net_store *st = NULL;
	mcim_err err;

	assert(cfg != NULL && out != NULL);
	*out = NULL;
	if (cfg->store_url == NULL || cfg->pki_dir == NULL || cfg->tenant == NULL ||
	    cfg->tenant[0] == '\0' || strlen(cfg->tenant) > NET_STORE_NAME_MAX ||
	    cfg->skew < 0 || cfg->nonce_ttl < 0 || cfg->result_ttl < 0)
		return fail(msg, cap, MCIM_ERR_INVALID_ARG, "bad PVA configuration");
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MCIM_ERR_NOMEM;
	pthread_rwlock_init(&p->lock, NULL);
	snprintf(p->tenant, sizeof(p->tenant), "%s", cfg->tenant);
	p->skew = cfg->skew ? cfg->skew : MCIM_PROTO_SKEW_DEFAULT;
	p->nonce_ttl = cfg->nonce_ttl ? cfg->nonce_ttl : NET_PVA_NONCE_TTL;
	p->result_ttl = cfg->result_ttl ? cfg->result_ttl : NET_PVA_RESULT_TTL;
	p->now = cfg->now;
	p->now_arg = cfg->now_arg;
	err = policy_copy(p, &cfg->policy);
	if (err != MCIM_OK)
		fail(msg, cap, err, "bad PVA policy");
	if (err == MCIM_OK) {
		p->rv = calloc(NET_PVA_REFVALS_MAX, sizeof(*p->rv));
		err = p->rv == NULL ? MCIM_ERR_NOMEM
				    : icf_pool_init(&p->pool, cfg->store_url);
	}
	if (err == MCIM_OK)
		err = load_pki(p, cfg->pki_dir, msg, cap);
	if (err == MCIM_OK)
		err = icf_pool_get(&p->pool, &st);
	if (err == MCIM_OK) {
		err = tenant_store(p, st);
		if (err != MCIM_OK)
			fail(msg, cap, err, "tenant %s: store: %s", p->tenant,
			     mcim_strerror(err));
	}
	icf_pool_put(&p->pool, st);
	if (err != MCIM_OK) {
		net_pva_free(p);
		return err;
	}
	*out = p;
	return MCIM_OK;
}

void net_pva_free(struct net_pva *p)
{
	if (p == NULL)
		return;
	icf_pool_fini(&p->pool);
	mcim_p256_priv_wipe(&p->key);
	tool_pki_free(&p->pki);
	free(p->rv);
	pthread_rwlock_destroy(&p->lock);
	free(p);
}
