/*
 * The TRE core: opening a TRE (backend, sealed store, audit log, secure boot) into
 * one of its states, its identity keys, and the two disciplines every command
 * follows: each state change is one store transaction carrying its own audit record
 * (appended to the log after the commit, exactly once), and each integrity failure is
 * a tamper event (a signed report, the MCIMs' tamper policies, an audit record).
 *
 * The identity and key-agreement key pairs are derived inside the backend from the
 * device root key (labels "mcim/tre/identity" and "mcim/tre/ka"), as a TPM derives
 * its primary keys from a hierarchy seed: they are generated inside the TRE at
 * manufacture, never stored and never exported, and they exist even when the sealed
 * store is unreadable, so that the TRE can still sign the tamper report that says so.
 */
#include "tre/tre_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/check.h"
#include "core/endian.h"
#include "mcim/bytes.h"
#include "mcim/cose.h"

#define PENDING_FIXED (8 + MCIM_AUDIT_HASH_LEN + 2 + 2 + 8 + 1 + 2)
#define PENDING_MAX   (PENDING_FIXED + MCIM_AUDIT_SUBJECT_MAX + MCIM_AUDIT_DETAIL_MAX)

const char *mcim_tre_state_name(enum mcim_tre_state state)
{
	switch (state) {
	case MCIM_TRE_CLOSED:
		return "closed";
	case MCIM_TRE_FAILED:
		return "failed";
	case MCIM_TRE_UNISSUED:
		return "unissued";
	case MCIM_TRE_BAD_BOOT:
		return "bad-boot";
	case MCIM_TRE_READY:
		return "ready";
	}
	return "unknown";
}

static uint64_t system_clock(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

uint64_t tre_now(const struct tre_int *t)
{
	return t->clock(t->clock_ctx);
}

/* ---- identity keys ---- */

/* A P-256 key pair from the backend's KDF; a scalar out of range (chance 2^-32) is
 * replaced by the next derivation. */
static mcim_err derive_pair(struct tre_backend *be, const char *label,
			    struct mcim_p256_priv *priv, struct mcim_p256_pub *pub)
{
	for (uint8_t i = 0; i < 8; i++) {
		mcim_err err = tre_derive_key(be, label, &i, 1, priv->d);

		if (err != MCIM_OK) {
			mcim_p256_priv_wipe(priv);
			return err;
		}
		if (mcim_p256_pub_from_priv(priv, pub) == MCIM_OK)
			return MCIM_OK;
	}
	mcim_p256_priv_wipe(priv);
	return MCIM_ERR_CRYPTO;
}

static mcim_err audit_sign(void *ctx, const uint8_t *msg, size_t msg_len,
			   uint8_t sig[MCIM_P256_SIG_LEN])
{
	struct tre_int *t = ctx;

	return mcim_p256_sign(&t->id_priv, msg, msg_len, sig);
}

mcim_err tre_sign(struct tre_int *t, const uint8_t *payload, size_t len, uint8_t *out,
		  size_t cap, size_t *out_len)
{
	uint8_t chain_buf[2 * MCIM_CERT_MAX_LEN];
	struct mcim_iov chain[2];
	struct mcim_cose_sign1_opts opts = {0};
	size_t n = 0;
	mcim_err err;

	opts.kid = t->tre_id;
	opts.kid_len = TRE_ID_LEN;
	err = tre_chain(t, chain_buf, sizeof(chain_buf), chain, &n);
	if (err != MCIM_OK)
		return err;
	opts.x5chain = chain;
	opts.x5chain_n = n;
	return mcim_cose_sign1_sign(&t->id_priv, payload, len, &opts, out, cap, out_len);
}

mcim_err tre_chain(struct tre_int *t, uint8_t *buf, size_t cap, struct mcim_iov chain[2],
		   size_t *n)
{
	size_t a, b;
	mcim_err err;

	*n = 0;
	if (!t->store_open)
		return MCIM_ERR_STATE;
	err = tre_store_get(&t->st, TRE_KEY_CERT, strlen(TRE_KEY_CERT), buf, cap, &a);
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_OK;
	if (err != MCIM_OK)
		return err;
	err = tre_store_get(&t->st, TRE_KEY_CA, strlen(TRE_KEY_CA), buf + a, cap - a, &b);
	if (err != MCIM_OK)
		return err;
	chain[0].data = buf;
	chain[0].len = a;
	chain[1].data = buf + a;
	chain[1].len = b;
	*n = 2;
	return MCIM_OK;
}

/* ---- counters ---- */

void tre_counters_get(struct tre_int *t, struct tre_counters *c)
{
	uint8_t v[24];
	size_t len;

	memset(c, 0, sizeof(*c));
	if (!t->store_open ||
	    tre_store_get(&t->st, TRE_KEY_CTR, strlen(TRE_KEY_CTR), v, sizeof(v), &len) !=
		MCIM_OK ||
	    len != sizeof(v))
		return;
	c->boots = mcim_load_be64(v);
	c->tampers = mcim_load_be64(v + 8);
	c->failed_auths = mcim_load_be64(v + 16);
}

mcim_err tre_counters_put(struct tre_int *t, const struct tre_counters *c)
{
	uint8_t v[24];

	mcim_store_be64(v, c->boots);
	mcim_store_be64(v + 8, c->tampers);
	mcim_store_be64(v + 16, c->failed_auths);
	return tre_store_put(&t->st, TRE_KEY_CTR, strlen(TRE_KEY_CTR), v, sizeof(v));
}

/* ---- audit ---- */

static mcim_err audit_reopen(struct tre_int *t)
{
	mcim_err err;

	if (t->audit_open) {
		if (t->audit.failed == MCIM_OK)
			return MCIM_OK;
		mcim_audit_close(&t->audit);
		t->audit_open = false;
	}
	err = mcim_audit_open(&t->audit, t->audit_path, &t->audit_cfg);
	if (err != MCIM_OK)
		return err;
	t->audit_open = true;
	if (mcim_audit_torn_octets(&t->audit) > 0)
		t->log_repaired = true;
	return MCIM_OK;
}

/* Records a repaired tail, once the pending record (which must come first: it names
 * the head it follows) is in place. */
static void note_repair(struct tre_int *t)
{
	struct mcim_audit_event_in ev = {
	    .type = MCIM_AUDIT_EV_LOG_REPAIRED,
	    .outcome = MCIM_OK,
	};

	if (!t->log_repaired || !t->audit_synced || !t->audit_open)
		return;
	ev.time = tre_now(t);
	if (mcim_audit_append(&t->audit, &ev, NULL) == MCIM_OK)
		t->log_repaired = false;
}

static size_t pending_encode(uint8_t *out, const struct mcim_audit_head *prev,
			     const struct tre_ev *ev, uint64_t now)
{
	size_t dlen = ev->detail != NULL ? strlen(ev->detail) : 0;
	size_t off = 0;

	if (dlen > MCIM_AUDIT_DETAIL_MAX)
		dlen = MCIM_AUDIT_DETAIL_MAX;
	MCIM_ASSERT(ev->subject_len <= MCIM_AUDIT_SUBJECT_MAX);
	mcim_store_be64(out, prev->seq);
	off += 8;
	memcpy(out + off, prev->hash, MCIM_AUDIT_HASH_LEN);
	off += MCIM_AUDIT_HASH_LEN;
	mcim_store_be16(out + off, ev->type);
	off += 2;
	mcim_store_be16(out + off, (uint16_t)ev->outcome);
	off += 2;
	mcim_store_be64(out + off, now);
	off += 8;
	out[off++] = (uint8_t)ev->subject_len;
	if (ev->subject_len > 0)
		memcpy(out + off, ev->subject, ev->subject_len);
	off += ev->subject_len;
	mcim_store_be16(out + off, (uint16_t)dlen);
	off += 2;
	if (dlen > 0)
		memcpy(out + off, ev->detail, dlen);
	return off + dlen;
}

/* Decodes audit/pend into prev and ev (spans of buf). */
static mcim_err pending_decode(const uint8_t *buf, size_t len,
			       struct mcim_audit_head *prev,
			       struct mcim_audit_event_in *ev)
{
	size_t off = 8 + MCIM_AUDIT_HASH_LEN, slen, dlen;
	uint16_t outcome;

	if (len < PENDING_FIXED)
		return MCIM_ERR_TAMPERED;
	prev->seq = mcim_load_be64(buf);
	memcpy(prev->hash, buf + 8, MCIM_AUDIT_HASH_LEN);
	ev->type = mcim_load_be16(buf + off);
	outcome = mcim_load_be16(buf + off + 2);
	ev->time = mcim_load_be64(buf + off + 4);
	off += 12;
	slen = buf[off++];
	if (slen > MCIM_AUDIT_SUBJECT_MAX || len - off < slen + 2)
		return MCIM_ERR_TAMPERED;
	ev->subject = buf + off;
	ev->subject_len = slen;
	off += slen;
	dlen = mcim_load_be16(buf + off);
	off += 2;
	if (dlen > MCIM_AUDIT_DETAIL_MAX || len - off != dlen ||
	    outcome >= MCIM_ERR_COUNT_)
		return MCIM_ERR_TAMPERED;
	ev->outcome = (mcim_err)outcome;
	ev->detail = buf + off;
	ev->detail_len = dlen;
	return MCIM_OK;
}

/*
 * Makes sure the last transaction's record is in the log. The record names the head
 * it follows: a log at that head lacks it (append it now), a log past it has it (every
 * append goes through here first, so nothing else can follow that head), and a log
 * behind it lost records: a tamper event.
 */
static mcim_err audit_place(struct tre_int *t)
{
	uint8_t buf[PENDING_MAX];
	struct mcim_audit_head prev, head;
	struct mcim_audit_event_in ev;
	size_t len;
	mcim_err err;

	if (t->audit_synced)
		return MCIM_OK;
	if (!t->store_open)
		return MCIM_ERR_STATE;
	err = tre_store_get(&t->st, TRE_KEY_PENDING, strlen(TRE_KEY_PENDING), buf,
			    sizeof(buf), &len);
	if (err == MCIM_ERR_NOT_FOUND) {
		t->audit_synced = true;
		return MCIM_OK;
	}
	if (err == MCIM_OK)
		err = pending_decode(buf, len, &prev, &ev);
	if (err != MCIM_OK)
		return err;
	err = audit_reopen(t);
	if (err != MCIM_OK)
		return err;
	mcim_audit_head(&t->audit, &head);
	if (head.seq > prev.seq) {
		t->audit_synced = true;
		return MCIM_OK;
	}
	if (head.seq < prev.seq ||
	    !mcim_ct_equal(head.hash, prev.hash, sizeof(head.hash))) {
		t->audit_synced = true;
		tre_tamper_event(t, MCIM_ERR_TAMPERED,
				 "audit log behind the sealed store", NULL);
		return MCIM_OK;
	}
	err = mcim_audit_append(&t->audit, &ev, NULL);
	mcim_audit_head(&t->audit, &head);
	if (head.seq > prev.seq)
		t->audit_synced = true;
	return t->audit_synced ? MCIM_OK : err;
}

static mcim_err audit_flush(struct tre_int *t)
{
	mcim_err err = audit_place(t);

	if (t->audit_synced)
		note_repair(t);
	return err;
}

mcim_err tre_tx_begin(struct tre_int *t)
{
	mcim_err err;

	if (!t->store_open)
		return MCIM_ERR_STATE;
	err = audit_flush(t);
	if (err != MCIM_OK)
		return err;
	return tre_store_begin(&t->st);
}

void tre_tx_abort(struct tre_int *t)
{
	tre_store_abort(&t->st);
}

/* The store was left broken by a commit: find out which state it is in. */
static void store_reopen(struct tre_int *t)
{
	mcim_err err = tre_store_open(&t->st, t->be);

	if (err == MCIM_OK) {
		t->audit_synced = false;
		(void)audit_flush(t);
		return;
	}
	t->store_open = false;
	if (err == MCIM_ERR_TAMPERED || err == MCIM_ERR_ROLLBACK ||
	    err == MCIM_ERR_FOREIGN_STORE) {
		t->state = MCIM_TRE_FAILED;
		t->cause = err;
		snprintf(t->cause_detail, sizeof(t->cause_detail), "sealed store");
		tre_tamper_event(t, err, "sealed store, after a failed commit", NULL);
	} else {
		/* An I/O error: the next open decides; until then nothing answers but
		 * status. */
		t->state = MCIM_TRE_FAILED;
		t->cause = err;
		snprintf(t->cause_detail, sizeof(t->cause_detail), "sealed store I/O");
	}
}

mcim_err tre_tx_commit(struct tre_int *t, const struct tre_ev *ev)
{
	uint8_t buf[PENDING_MAX];
	struct mcim_audit_head prev = {0};
	size_t len;
	mcim_err err;

	if (t->audit_open)
		mcim_audit_head(&t->audit, &prev);
	len = pending_encode(buf, &prev, ev, tre_now(t));
	err = tre_store_put(&t->st, TRE_KEY_PENDING, strlen(TRE_KEY_PENDING), buf, len);
	if (err != MCIM_OK) {
		tre_store_abort(&t->st);
		return err;
	}
	err = tre_store_commit(&t->st);
	if (err != MCIM_OK) {
		if (t->st.state == TRE_STORE_BROKEN) {
			/* The record may have landed with the image. */
			t->audit_synced = false;
			store_reopen(t);
		}
		return err;
	}
	t->audit_synced = false;
	t->audited = true;
	(void)audit_flush(t);
	return MCIM_OK;
}

void tre_audit(struct tre_int *t, const struct tre_ev *ev)
{
	struct mcim_audit_event_in in = {
	    .type = ev->type,
	    .time = tre_now(t),
	    .outcome = ev->outcome,
	    .subject = ev->subject,
	    .subject_len = ev->subject_len,
	    .detail = (const uint8_t *)ev->detail,
	    .detail_len = ev->detail != NULL ? strlen(ev->detail) : 0,
	};

	if (in.detail_len > MCIM_AUDIT_DETAIL_MAX)
		in.detail_len = MCIM_AUDIT_DETAIL_MAX;
	/* Nothing may follow the head a pending record names before that record:
	 * when it cannot be placed (the store is unreadable after a commit whose
	 * outcome is unknown), this record is dropped rather than make it look
	 * appended. */
	if (t->store_open)
		(void)audit_flush(t);
	if (!t->audit_synced || audit_reopen(t) != MCIM_OK)
		return;
	(void)mcim_audit_append(&t->audit, &in, NULL);
	t->audited = true;
}

/* ---- tamper events ---- */

void tre_tamper_event(struct tre_int *t, mcim_err reason, const char *detail,
		      const uint8_t *only_id)
{
	tre_tamper_event_put(t, reason, detail, only_id, NULL, NULL, 0);
}

void tre_tamper_event_put(struct tre_int *t, mcim_err reason, const char *detail,
			  const uint8_t *only_id, const char *key, const void *val,
			  size_t len)
{
	struct tre_ev ev = {
	    .type = MCIM_AUDIT_EV_TAMPER,
	    .outcome = reason,
	    .subject = only_id,
	    .subject_len = only_id != NULL ? MCIM_PROFILE_ID_LEN : 0,
	    .detail = detail,
	};
	struct tre_mcim_change changes[TRE_MCIM_MAX];
	struct tre_counters c;
	size_t n = 0;
	/* Callers raise tamper events between transactions, never inside one. */
	MCIM_ASSERT(!t->store_open || t->st.state != TRE_STORE_TX);
	(void)tre_tamper_report(t, reason, detail);
	if (!t->store_open) {
		tre_audit(t, &ev);
		return;
	}
	if (tre_tx_begin(t) != MCIM_OK) {
		tre_audit(t, &ev);
		return;
	}
	tre_counters_get(t, &c);
	c.tampers++;
	if (tre_counters_put(t, &c) != MCIM_OK ||
	    (key != NULL &&
	     tre_store_put(&t->st, key, strlen(key), val, len) != MCIM_OK) ||
	    tre_registry_on_tamper(&t->st, t->tre_id, only_id, changes, &n) != MCIM_OK) {
		tre_tx_abort(t);
		tre_audit(t, &ev);
		return;
	}
	(void)tre_tx_commit(t, &ev);
}

/* ---- open and close ---- */

static mcim_err copy_path(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return MCIM_ERR_INVALID_ARG;
	memcpy(dst, src, n + 1);
	return MCIM_OK;
}

static mcim_err config_copy(struct tre_int *t, const struct mcim_tre_config *cfg)
{
	if (cfg->n_components > MCIM_TRE_COMPONENTS_MAX)
		return MCIM_ERR_INVALID_ARG;
	if (cfg->n_components > 0 && cfg->components == NULL)
		return MCIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < cfg->n_components; i++) {
		const struct mcim_tre_component *c = &cfg->components[i];
		uint8_t pcr = c->pcr != 0 ? c->pcr : (uint8_t)(i + 1 < 7 ? i + 1 : 7);

		if (c->name == NULL || c->path == NULL || c->pcr >= MCIM_PCRS ||
		    copy_path(t->comp_name[i], sizeof(t->comp_name[i]), c->name) !=
			MCIM_OK ||
		    copy_path(t->comp_path[i], sizeof(t->comp_path[i]), c->path) !=
			MCIM_OK)
			return MCIM_ERR_INVALID_ARG;
		t->comp_pcr[i] = pcr;
	}
	t->n_components = cfg->n_components;
	if (strlen(cfg->store_dir) > MCIM_TRE_PATH_MAX)
		return MCIM_ERR_INVALID_ARG;
	snprintf(t->audit_path, sizeof(t->audit_path), "%s/audit.log", cfg->store_dir);
	t->clock = cfg->clock != NULL ? cfg->clock : system_clock;
	t->clock_ctx = cfg->clock_ctx;
	t->rng = cfg->rng != NULL ? cfg->rng : mcim_rng_system();
	return MCIM_OK;
}

static mcim_err backend_open(struct tre_int *t, const struct mcim_tre_config *cfg)
{
	mcim_err err;

	switch (cfg->backend) {
	case MCIM_CERT_BACKEND_SOFT:
		err = tre_soft_open(&t->hw.soft, cfg->hw_dir, cfg->store_dir, t->rng,
				    cfg->soft_io);
		if (err != MCIM_OK)
			return err;
		t->be = &t->hw.soft.base;
		break;
	case MCIM_CERT_BACKEND_UICC: {
		struct uicc_transport tr;
		struct uicc_m2me m2me;

		if (cfg->m2me_id == NULL || cfg->m2me_secret == NULL)
			return MCIM_ERR_INVALID_ARG;
		err = uicc_card_open(&t->hw.uicc.card, cfg->hw_dir, t->rng, cfg->soft_io);
		if (err != MCIM_OK)
			return err;
		uicc_card_transport(&t->hw.uicc.card, &tr);
		memcpy(m2me.id, cfg->m2me_id, sizeof(m2me.id));
		memcpy(m2me.secret, cfg->m2me_secret, sizeof(m2me.secret));
		err = tre_uicc_open(&t->hw.uicc.be, &tr, cfg->store_dir, &m2me,
				    cfg->uicc_pin, cfg->soft_io);
		mcim_wipe(&m2me, sizeof(m2me));
		if (err == MCIM_OK) {
			struct uicc_status st;

			tre_uicc_status(&t->hw.uicc.be, &st);
			/* In another M2ME the card refuses its keys: nothing to open. */
			if (st.session == UICC_SESSION_FOREIGN) {
				tre_backend_close(&t->hw.uicc.be.base);
				err = MCIM_ERR_DENIED;
			}
		}
		if (err != MCIM_OK) {
			uicc_card_close(&t->hw.uicc.card);
			return err;
		}
		t->be = &t->hw.uicc.be.base;
		break;
	}
	default:
		return MCIM_ERR_UNSUPPORTED;
	}
	t->backend = cfg->backend;
	return MCIM_OK;
}

/* Reads the manufacture record: platform id and model. */
static mcim_err load_issued(struct tre_int *t)
{
	uint8_t v[2 + TRE_PLATFORM_ID_MAX + TRE_MODEL_MAX];
	size_t len, a, b;
	mcim_err err;

	err = tre_store_get(&t->st, TRE_KEY_ISSUED, strlen(TRE_KEY_ISSUED), v, sizeof(v),
			    &len);
	if (err != MCIM_OK)
		return err;
	if (len < 2)
		return MCIM_ERR_TAMPERED;
	a = v[0];
	if (a > TRE_PLATFORM_ID_MAX || len < 2 + a)
		return MCIM_ERR_TAMPERED;
	b = v[1 + a];
	if (b > TRE_MODEL_MAX || len != 2 + a + b)
		return MCIM_ERR_TAMPERED;
	memcpy(t->platform_id, v + 1, a);
	t->platform_id[a] = '\0';
	memcpy(t->model, v + 2 + a, b);
	t->model[b] = '\0';
	return MCIM_OK;
}

static void fail(struct tre_int *t, mcim_err cause, const char *what)
{
	t->state = MCIM_TRE_FAILED;
	t->cause = cause;
	snprintf(t->cause_detail, sizeof(t->cause_detail), "%s", what);
	tre_tamper_event(t, cause, what, NULL);
}

mcim_err mcim_tre_open(struct mcim_tre *tre, const struct mcim_tre_config *cfg)
{
	struct tre_int *t;
	mcim_err err;

	MCIM_ASSERT(tre != NULL && cfg != NULL && cfg->hw_dir != NULL &&
		    cfg->store_dir != NULL);
	t = tre_int_of(tre);
	mcim_wipe(t, sizeof(*t));
	t->state = MCIM_TRE_CLOSED;
	err = config_copy(t, cfg);
	if (err == MCIM_OK)
		err = backend_open(t, cfg);
	if (err != MCIM_OK) {
		mcim_wipe(t, sizeof(*t));
		return err;
	}
	tre_backend_id(t->be, t->tre_id);
	mcim_hex_encode(t->tre_id, TRE_ID_LEN, t->tre_id_hex, sizeof(t->tre_id_hex));
	err = derive_pair(t->be, "mcim/tre/identity", &t->id_priv, &t->id_pub);
	if (err == MCIM_OK)
		err = derive_pair(t->be, "mcim/tre/ka", &t->ka_priv, &t->ka_pub);
	if (err != MCIM_OK)
		goto out;

	/* The audit log, its id bound to the TRE id, checkpoints signed inside. */
	{
		static const char tag[] = "mcim/tre/audit";
		struct mcim_iov parts[2] = {{tag, sizeof(tag) - 1},
					    {t->tre_id, TRE_ID_LEN}};

		err = mcim_sha256_v(parts, 2, t->log_id);
		if (err != MCIM_OK)
			goto out;
	}
	t->signer.sign = audit_sign;
	t->signer.ctx = t;
	t->signer.pub = t->id_pub;
	t->audit_cfg.log_id = t->log_id;
	t->audit_cfg.checkpoint_every = cfg->audit_checkpoint_every != 0
					    ? cfg->audit_checkpoint_every
					    : MCIM_TRE_AUDIT_CHECKPOINT_EVERY;
	t->audit_cfg.io = cfg->audit_io;
	t->audit_cfg.signer = &t->signer;
	t->audit_synced = true;
	err = audit_reopen(t);
	if (err == MCIM_ERR_LOCKED || err == MCIM_ERR_NOT_FOUND ||
	    err == MCIM_ERR_TOO_LARGE || err == MCIM_ERR_IO)
		goto out;

	t->state = MCIM_TRE_UNISSUED;
	if (err != MCIM_OK) {
		/* Damage to the log itself (not a torn tail): the store stays closed
		 * until someone looks (mcim tre audit verify names the break). */
		t->store_open = false;
		fail(t, MCIM_ERR_TAMPERED, "audit log");
		return MCIM_OK;
	}

	err = tre_store_open(&t->st, t->be);
	if (err == MCIM_ERR_NOT_FOUND)
		err = tre_store_create(&t->st, t->be);
	if (err == MCIM_ERR_TAMPERED || err == MCIM_ERR_ROLLBACK ||
	    err == MCIM_ERR_FOREIGN_STORE) {
		fail(t, err, "sealed store");
		return MCIM_OK;
	}
	if (err != MCIM_OK)
		goto out;
	t->store_open = true;
	t->audit_synced = false;
	err = audit_flush(t);
	if (err != MCIM_OK && err != MCIM_ERR_TAMPERED)
		goto out;
	if (err == MCIM_ERR_TAMPERED) {
		fail(t, err, "pending audit record");
		return MCIM_OK;
	}

	err = load_issued(t);
	if (err == MCIM_ERR_NOT_FOUND)
		return MCIM_OK; /* UNISSUED: manufacture comes next */
	if (err != MCIM_OK) {
		fail(t, err, "manufacture record");
		return MCIM_OK;
	}
	err = tre_fw_boot(t);
	if (err != MCIM_OK)
		goto out;
	tre_uicc_check(t);
	return MCIM_OK;
out:
	mcim_tre_close(tre);
	return err;
}

void mcim_tre_close(struct mcim_tre *tre)
{
	struct tre_int *t;

	MCIM_ASSERT(tre != NULL);
	t = tre_int_of(tre);
	if (t->state == MCIM_TRE_CLOSED && t->be == NULL) {
		mcim_wipe(t, sizeof(*t));
		return;
	}
	if (t->audit_open)
		mcim_audit_close(&t->audit);
	tre_store_close(&t->st);
	if (t->be != NULL)
		tre_backend_close(t->be);
	if (t->backend == MCIM_CERT_BACKEND_UICC)
		uicc_card_close(&t->hw.uicc.card);
	mcim_p256_priv_wipe(&t->id_priv);
	mcim_p256_priv_wipe(&t->ka_priv);
	mcim_wipe(t, sizeof(*t));
}

enum mcim_tre_state mcim_tre_state(const struct mcim_tre *tre, mcim_err *cause)
{
	const struct tre_int *t;

	MCIM_ASSERT(tre != NULL);
	t = (const struct tre_int *)(const void *)tre->opaque;
	if (cause != NULL)
		*cause = t->cause;
	return t->state;
}
